"""Per-project outcome probabilities within a target year: the toolkit's main model.

:class:`OutcomeModel` fits, on an as-of history, the stage-progression hazards
(:mod:`~forecasting.progression`), the size-at-signing curve (:mod:`~forecasting.size`) and
the provincial list (:mod:`~forecasting.provincial`). Its results give, for every open
project, P(signed), P(groundbreaking), P(counted in each tier) and P(designated) within the
year, each with an interval from the estimates' uncertainty and the year's unknown
conditions, computed by exact propagation (:mod:`~forecasting.propagate`), and say why.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from functools import cached_property

import numpy as np
import pandas as pd

from .forecast import Forecast, finish_projects
from .history import History
from .episodes import MAX_DURATION
from .progression import _PRE, ProgressionResults, fit_progression, warn_unseen
from .propagate import Propagation, project_state, propagate, year_effects
from .provincial import ProvincialResults, fit_provincial
from .schema import STAGES
from .size import SizeResults, fit_size

_SIGNED, _GROUNDBREAKING = STAGES.index("signed"), STAGES.index("under_construction")


@dataclass
class ProjectDraws:
    """Per-project probabilities under each parameter draw (``draw × project``)."""

    project_ids: np.ndarray
    signed: np.ndarray
    groundbreaking: np.ndarray
    tiers: dict[str, np.ndarray]
    provincial: np.ndarray
    propagation: Propagation = field(repr=False)

    def table(self, *, alpha: float = 0.1) -> pd.DataFrame:
        """Mean probability and a ``1 - alpha`` interval per event."""
        out = pd.DataFrame({"project_id": self.project_ids})
        events = {"p_signed": self.signed, "p_groundbreaking": self.groundbreaking,
                  **{f"p_tier_{k}": v for k, v in self.tiers.items()}, "p_provincial": self.provincial}
        for col, arr in events.items():
            out[col] = arr.mean(axis=0)
        for col, arr in events.items():
            out[f"{col}_lo"] = np.quantile(arr, alpha / 2, axis=0)
            out[f"{col}_hi"] = np.quantile(arr, 1 - alpha / 2, axis=0)
        return out


class OutcomeModel:
    """The per-project outcome model (a forecaster: ``fit(history) -> OutcomeResults``).

    Parameters
    ----------
    n_param_draws : parameter draws carried through the propagation (intervals; the mean
        over draws is the reported probability).
    new_leads : also fit the inflow of leads not yet in the ledger (:mod:`~forecasting.inflow`),
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

    def __init__(self, *, n_param_draws: int = 60, new_leads: bool = True):
        self.n_param_draws = n_param_draws
        self.new_leads = new_leads

    def fit(self, history: History) -> "OutcomeResults":
        from .history import warn_short_history
        from .inflow import fit_inflow

        warn_short_history(history)

        return OutcomeResults(
            history=history,
            progression=fit_progression(history),
            size=fit_size(history),
            provincial=fit_provincial(history),
            n_param_draws=self.n_param_draws,
            name=self.name,
            inflow=fit_inflow(history) if self.new_leads else None,
        )


@dataclass
class OutcomeResults:
    """A fitted :class:`OutcomeModel`."""

    history: History
    progression: ProgressionResults
    size: SizeResults
    provincial: ProvincialResults
    n_param_draws: int = 60
    name: str = "outcome_model"
    inflow: Any = None  # a fitted inflow model (forecasting.inflow), or None: no new leads

    @cached_property
    def state(self) -> pd.DataFrame:
        """Covariates and as-of state of every open project."""
        return project_state(self.history.projects, self.history.as_of_date)

    def project_draws(self, year: int, *, rng: np.random.Generator | int | None = 0,
                      hazard_multiplier: np.ndarray | None = None,
                      state: pd.DataFrame | None = None) -> ProjectDraws:
        """Probabilities of every open project's events in ``year``, per parameter draw."""
        rng = np.random.default_rng(rng)
        h = self.history
        state = self.state if state is None else state
        warn_unseen(self.progression, state)
        D = self.n_param_draws
        pa, pl = self.progression.sample(D, rng=rng)
        first_m, last_m = year * 12, year * 12 + 11
        start_year = self.progression.as_of_month // 12
        years = year_effects(self.progression, pa, list(range(start_year, year + 1)), rng)
        sept = (year - 1) * 12 + 8
        occ = (sept,) if sept >= self.progression.as_of_month else ()
        prop = propagate(self.progression, state, last_month=max(last_m, self.progression.as_of_month),
                         params_advance=pa, params_lost=pl, years=years, occupancy_months=occ,
                         hazard_multiplier=hazard_multiplier)
        p_signed = prop.p_enter(_SIGNED, first_m, last_m)
        p_ground = prop.p_enter(_GROUNDBREAKING, first_m, last_m)

        # tiers: signed in the year, amount at signing in the band (independent of timing)
        targets = h.district.targets_for(year)
        size_draws = self.size.sample(D, rng)
        P = h.projects.set_index("project_id").loc[state["project_id"]]
        amount = P["investment_bn"].to_numpy(float)
        stage = P["stage"].to_numpy()
        campaign = (P["unit_type"] == "campaign").to_numpy(float)
        pre = np.isin(stage, ["lead", "negotiating"])
        tiers = {}
        for tier in targets.tiers:
            band = self.size.p_band(amount, tier.min_bn, tier.max_bn, stage, campaign, params=size_draws)
            tiers[tier.name] = np.where(pre[None, :], p_signed * band, 0.0)

        # provincial: nominated in October of the year before, designated in January
        frame = P.reset_index()
        nom_d, des_d = self.provincial.sample(D, rng)
        p_des = self.provincial.p_designate(frame, des_d)
        as_of = h.as_of_date
        if as_of >= pd.Timestamp(f"{year - 1}-12-31"):
            prov = np.where((P["provincial"] == "candidate").to_numpy()[None, :], p_des, 0.0)
        elif occ:
            eligible = prop.occupancy_at[sept][:, :, _SIGNED:].sum(axis=-1)
            prov = eligible * self.provincial.p_nominate(frame, nom_d) * p_des
        else:  # October already passed without a nomination showing
            prov = np.where((P["provincial"] == "candidate").to_numpy()[None, :], p_des, 0.0)
        return ProjectDraws(state["project_id"].to_numpy(), p_signed, p_ground, tiers, prov, prop)

    def project_probabilities(self, year: int, *, rng=0, alpha: float = 0.1) -> pd.DataFrame:
        """``projects.csv`` rows for ``year`` with ``_lo``/``_hi`` interval columns."""
        draws = self.project_draws(year, rng=rng)
        return finish_projects(self.history, year, draws.table(alpha=alpha))

    def simulate(self, year: int, *, n_draws: int = 20_000, rng=0, adjustments=None):
        """Simulated years of the whole portfolio, new leads included
        (:func:`~forecasting.portfolio.simulate_portfolio`)."""
        from .portfolio import simulate_portfolio

        return simulate_portfolio(self, year, n_draws=n_draws, rng=rng, adjustments=adjustments)

    def forecast(self, year: int, *, n_draws: int = 20_000, rng=0) -> Forecast:
        """Per-project probabilities (exact) and target counts (the portfolio simulation)."""
        projects = self.project_probabilities(year, rng=rng)
        sim = self.simulate(year, n_draws=n_draws, rng=rng)
        return Forecast(self.history.as_of, year, projects, sim.targets(), forecaster=self.name, draws=sim.counts)

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
    size = peers["logsize_pre" if k in _PRE else "logsize_post"].to_numpy()
    parts = {
        "time in stage": res.duration_curve(k, d),
        "investment": p[f"{k}:logsize"] * size,
        "phase": p[f"{k}:phase2"] * peers["phase2"].to_numpy(),
        "sector": peers["sector"].map(lambda s: p.get(f"sector_{'pre' if k in _PRE else 'post'}:{s}", 0.0)).to_numpy(float),
    }
    if k in _PRE:
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
