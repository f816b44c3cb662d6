"""The fitted outcome model: its parts as fitted, and why a project's chance is what it is.

:class:`OutcomeResults` is what :meth:`OutcomeModel.fit <forecasting.simulation.outcomes.OutcomeModel.fit>`
estimates on an as-of history: the stage-progression hazards (:mod:`~forecasting.models.progression`),
the size-at-signing curve (:mod:`~forecasting.models.size`), the provincial list
(:mod:`~forecasting.models.provincial`), the inflow of new leads (:mod:`~forecasting.models.inflow`)
and the year-to-year variation (:mod:`~forecasting.models.yearshock`). It is immutable and carries
the results verbs only (``params``, ``cov_params()``, ``conf_int(alpha)``, ``summary()``,
:meth:`~OutcomeResults.explain`); the forecasting verbs (simulate the year, the per-project
probabilities, the forecast) belong to the forecaster that holds these results
(:class:`~forecasting.simulation.outcomes.Forecaster`). It sits below every piece of the
simulation, which all read it.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..models.propagate import project_state
from ..history.episodes import MAX_DURATION, month_index
from ..history.histories import History
from ..models.progression import PRE, ProgressionResults
from ..models.provincial import ProvincialResults
from ..models.results import ModelResults
from ..models.size import SizeResults
from ..texts import count


@dataclass(frozen=True, eq=False)
class OutcomeResults(ModelResults):
    """A fitted :class:`~forecasting.simulation.outcomes.OutcomeModel`: the fitted parts, as fitted.

    Attributes
    ----------
    history : the as-of history the parts were fitted on, whose open projects are forecast.
    progression, size, provincial : the fitted stage hazards, size curve and provincial list.
    inflow : the fitted inflow of new leads (:mod:`~forecasting.models.inflow`), or None (no new leads).
    year_shock : the year-to-year variation's posterior (:mod:`~forecasting.models.yearshock`).

    :attr:`params` and :meth:`cov_params` put the parts' estimates in one vector, each name
    prefixed with its part (``progression:``, ``size:``, ...); the parts are fitted apart,
    so the covariance is block-diagonal. A copy on another ledger with the same estimates
    (the quarter attribution's steps) is ``dataclasses.replace(results, history=...)``:
    the as-of month is always the history's (:attr:`as_of_month`).

    Examples
    --------
    >>> from forecasting import load_history, OutcomeModel
    >>> results = OutcomeModel(n_param_draws=20).fit(load_history("data").upto("2023Q2")).results
    >>> results.as_of_month == 2023 * 12 + 5
    True
    >>> list(results.parts)[:3]
    ['progression', 'size', 'provincial']
    """

    history: History
    progression: ProgressionResults
    size: SizeResults
    provincial: ProvincialResults
    inflow: Any = None
    year_shock: Any = None

    title: ClassVar[str] = "Outcome model: progression, size at signing, provincial list, new leads, year shocks"

    @property
    def parts(self) -> dict[str, ModelResults]:
        """The fitted parts by name (the inflow and year shock only when fitted)."""
        out = {"progression": self.progression, "size": self.size, "provincial": self.provincial,
               "inflow": self.inflow, "year_shock": self.year_shock}
        return {k: v for k, v in out.items() if v is not None}

    @property
    def params(self) -> pd.Series:
        """Every part's estimates, named ``part:name``."""
        return pd.concat([p.params.rename(lambda n, k=k: f"{k}:{n}") for k, p in self.parts.items()])

    def cov_params(self) -> pd.DataFrame:
        """Covariance of :attr:`params`: the parts' covariances on the diagonal (fitted apart)."""
        names = self.params.index
        cov = np.zeros((len(names), len(names)))
        i = 0
        for part in self.parts.values():
            c = part.cov_params().to_numpy()
            cov[i:i + len(c), i:i + len(c)] = c
            i += len(c)
        return pd.DataFrame(cov, index=names, columns=names)

    def summary_notes(self) -> tuple[str, ...]:
        notes = [f"fitted on the {self.history.as_of} ledger"]
        for name, part in self.parts.items():
            notes += [f"{name}: {n}" for n in part.summary_notes()]
        return tuple(notes)

    @property
    def as_of_month(self) -> int:
        """Month index of the history's as-of date: where every open project's path starts."""
        return int(month_index(pd.Series([self.history.as_of_date]))[0])

    @cached_property
    def state(self) -> pd.DataFrame:
        """Covariates and as-of state of every open project
        (:func:`~forecasting.models.propagate.project_state`)."""
        return project_state(self.history.projects, self.history.as_of_date)

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
        parts = _contributions(self.progression, peers, k, self.as_of_month)
        me = parts.loc[project_id]
        avg = parts.mean()
        out = pd.DataFrame({"contribution": me - avg})
        out["odds_factor"] = np.exp(out["contribution"])
        row = peers.set_index("project_id").loc[project_id]
        out["value"] = [_describe(f, row, self.as_of_month) for f in out.index]
        out["direction"] = np.where(out["contribution"] > 0.05, "raises", np.where(out["contribution"] < -0.05, "lowers", "neutral"))
        return out.sort_values("contribution", key=np.abs, ascending=False)[["value", "direction", "odds_factor", "contribution"]]


def _contributions(res: ProgressionResults, peers: pd.DataFrame, k: int, as_of_month: int) -> pd.DataFrame:
    p = res.params_advance
    m = as_of_month + 1
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
        return count(int(as_of_month - row["entry_month"]), "month")
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


__all__ = ["OutcomeResults"]
