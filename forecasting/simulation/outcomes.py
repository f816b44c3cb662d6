"""Per-project outcome probabilities within a target year: the toolkit's main model.

:class:`OutcomeModel` fits, on an as-of history, the stage-progression hazards
(:mod:`~forecasting.models.progression`), the size-at-signing curve (:mod:`~forecasting.models.size`) and
the provincial list (:mod:`~forecasting.models.provincial`). Its results give, for every open
project, P(signed), P(groundbreaking), P(counted in each tier) and P(designated) within the
year, each with an interval from the estimates' uncertainty and the year's unknown
conditions, computed by exact propagation (:mod:`~forecasting.forecast.propagate`), and say why.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from ..forecast.contract import Forecast
from ..forecast.propagate import project_state
from ..history.episodes import MAX_DURATION
from ..history.histories import History
from ..models.progression import PRE, ProgressionResults, fit_progression
from ..models.provincial import ProvincialResults, fit_provincial
from ..models.size import SizeResults, fit_size
from ..models.yearshock import fit_year_shock
from .portfolio import PortfolioSimulator


class OutcomeModel:
    """The per-project outcome model (a forecaster: ``fit(history) -> OutcomeResults``).

    Parameters
    ----------
    n_param_draws : parameter draws carried through the propagation (intervals; the mean
        over draws is the reported probability).
    new_leads : also fit the inflow of leads not yet in the ledger (:mod:`~forecasting.models.inflow`),
        so that target counts include them.

    Examples
    --------
    >>> from forecasting import load_history
    >>> res = OutcomeModel(n_param_draws=20).fit(load_history("data").upto("2023Q2"))
    >>> f = res.forecast(2023)
    >>> bool(f.projects["p_groundbreaking"].between(0, 1).all())
    True
    """

    name = "outcome_model"

    def __init__(self, *, n_param_draws: int = 150, new_leads: bool = True):
        self.n_param_draws = n_param_draws
        self.new_leads = new_leads

    def fit(self, history: History) -> "OutcomeResults":
        from ..history.histories import warn_short_history
        from ..models.inflow import fit_inflow

        warn_short_history(history)
        progression = fit_progression(history)
        inflow = fit_inflow(history) if self.new_leads else None
        evidence = dict(progression.year_evidence)
        if inflow is not None and inflow.year_evidence is not None:
            evidence["inflow"] = inflow.year_evidence
        return OutcomeResults(
            history=history,
            progression=progression,
            size=fit_size(history),
            provincial=fit_provincial(history),
            n_param_draws=self.n_param_draws,
            name=self.name,
            inflow=inflow,
            year_shock=fit_year_shock(evidence, history.as_of_date.year),
        )


@dataclass(frozen=True, eq=False)
class OutcomeResults:
    """A fitted :class:`OutcomeModel`: the fitted parts, as fitted.

    Immutable: a changed copy is ``dataclasses.replace(results, ...)`` (the quarter
    attribution refits that way). The forecasting verbs below are shortcuts: each builds a
    :class:`~forecasting.simulation.portfolio.PortfolioSimulator`, the forecaster that takes
    these results and simulates the year; nothing they compute is kept in the results.
    """

    history: History
    progression: ProgressionResults
    size: SizeResults
    provincial: ProvincialResults
    n_param_draws: int = 150
    name: str = "outcome_model"
    inflow: Any = None  # a fitted inflow model (forecasting.models.inflow), or None: no new leads
    year_shock: Any = None  # the year-to-year variation's posterior (forecasting.models.yearshock)

    @cached_property
    def state(self) -> pd.DataFrame:
        """Covariates and as-of state of every open project."""
        return project_state(self.history.projects, self.history.as_of_date)

    def simulator(self, year: int, *, n_draws: int = 20_000, rng=0, adjustments=None, new_leads: bool = True):
        """The portfolio simulation of ``year`` set up for reruns
        (:class:`~forecasting.simulation.portfolio.PortfolioSimulator`)."""
        return PortfolioSimulator(self, year, n_draws=n_draws, rng=rng, adjustments=adjustments, new_leads=new_leads)

    def project_probabilities(self, year: int, *, rng=0, alpha: float = 0.1, n_draws: int = 20_000) -> pd.DataFrame:
        """``projects.csv`` rows for ``year`` with ``_lo``/``_hi`` interval columns: the same
        numbers as :meth:`forecast` gives with the same seed (one code path)."""
        return self.simulator(year, n_draws=n_draws, rng=rng, new_leads=False).project_probabilities(alpha=alpha)

    def simulate(self, year: int, *, n_draws: int = 20_000, rng=0, adjustments=None):
        """Simulated years of the whole portfolio, new leads included
        (:func:`~forecasting.simulation.portfolio.simulate_portfolio`)."""
        return self.simulator(year, n_draws=n_draws, rng=rng, adjustments=adjustments).run()

    def forecast(self, year: int, *, n_draws: int = 20_000, rng=0) -> Forecast:
        """Per-project probabilities and target counts from one simulation: the projects'
        probabilities are those the simulation draws their events from."""
        sim = self.simulator(year, n_draws=n_draws, rng=rng)
        counts = sim.run()
        return Forecast(self.history.as_of, year, sim.project_probabilities(), counts.targets(),
                        forecaster=self.name, draws=counts.counts)

    # ---------------------------------------------------------------- explanations
    def explain(self, project_id: str) -> pd.DataFrame:
        """Why a project's monthly chance to advance is what it is.

        Each factor's contribution to the log-odds of advancing next month, against the
        average open project in the same stage; ``odds_factor`` > 1 pushes it up.
        """
        st = self.state
        if project_id not in set(st["project_id"]):
            raise KeyError(f"project {project_id!r} is not open in the {self.history.as_of} ledger")
        k = int(st.loc[st["project_id"] == project_id, "stage_idx"].iloc[0])
        peers = st[st["stage_idx"] == k]
        parts = _contributions(self.progression, peers, k)
        me = parts.loc[project_id]
        avg = parts.mean()
        out = pd.DataFrame({"contribution": me - avg})
        out["odds_factor"] = np.exp(out["contribution"])
        row = peers.set_index("project_id").loc[project_id]
        out["value"] = [_describe(f, row, self.progression.as_of_month) for f in out.index]
        out["direction"] = np.where(out["contribution"] > 0.05, "raises", np.where(out["contribution"] < -0.05, "lowers", "neutral"))
        return out.sort_values("contribution", key=np.abs, ascending=False)[["value", "direction", "odds_factor", "contribution"]]


def _contributions(res: ProgressionResults, peers: pd.DataFrame, k: int) -> pd.DataFrame:
    p = res.params_advance
    m = res.as_of_month + 1
    d = np.clip(m - peers["entry_month"].to_numpy(), 1, MAX_DURATION).astype(float)
    size = peers["logsize_pre" if k in PRE else "logsize_post"].to_numpy()
    parts = {
        "time in stage": res.duration_curve(k, d),
        "investment": p[f"{k}:logsize"] * size,
        "phase": p[f"{k}:phase2"] * peers["phase2"].to_numpy(),
        "sector": peers["sector"].map(lambda s: p.get(f"sector_{'pre' if k in PRE else 'post'}:{s}", 0.0)).to_numpy(float),
    }
    if k in PRE:
        parts["unit"] = peers["unit"].map(lambda u: p.get(f"unit:{u}", 0.0)).to_numpy(float) + \
            peers["unit_type"].map(lambda t: p.get(f"unit_type:{t}", 0.0)).to_numpy(float)
    if k > 0:
        parts["pace in earlier stages"] = p[f"{k}:pace"] * peers["pace_now"].to_numpy()
    return pd.DataFrame(parts, index=peers["project_id"].to_numpy())


def _describe(factor: str, row: pd.Series, as_of_month: int) -> str:
    if factor == "time in stage":
        return f"{int(as_of_month - row['entry_month'])} months"
    if factor == "investment":
        return f"{np.exp(row['logsize_post']):.2f} bn"
    if factor == "phase":
        return "phase II or later" if row["phase2"] else "first phase"
    if factor == "sector":
        return str(row["sector"])
    if factor == "unit":
        return f"{row['unit']} ({row['unit_type']})"
    if factor == "pace in earlier stages":
        return f"{np.exp(row['pace_now']) - 0.5:.1f} months per stage"
    return ""
