"""A scenario's changes in the simulation's terms, and the ledger's rows with them applied.

:class:`Adjustments` is what a scenario (:mod:`~forecasting.whatif.scenario`) hands the
simulation: effort, the speed of the approval steps, a project's slip, loss or new size,
new prospects and a sector's good or bad year. :func:`ledger_rows` and :func:`prospect_rows`
give the rows the simulation propagates with those changes applied, :func:`hazard_shifts`
their shifts of the advance log-odds.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd

from ..data.schema import STAGES
from ..history.episodes import month_index
from ..models.progression import N_STAGES, covariates
from .fitted import OutcomeResults

#: Stages whose advance the approval process governs: signed -> approved -> under construction.
APPROVAL_STAGES = (STAGES.index("signed"), STAGES.index("approved"))


@dataclass(frozen=True)
class Adjustments:
    """What a scenario changes, in the terms the simulation needs (all optional).

    Attributes
    ----------
    effort : unit -> {"staff"/"visits"/"budget_m": value} for every quarter after the as-of.
    approval_speed : multiplier on the monthly odds of the signed -> approved and
        approved -> under construction steps (1.5 = faster).
    slip_months : project_id -> months during which the project makes no progress.
    lost : project ids taken as lost at the as-of date.
    resize : project_id -> new planned investment (bn).
    prospects : new projects, one row each (``unit``, ``sector``, ``stage``,
        ``investment_bn``; optional ``phase``, ``entered`` date, ``name``).
    sector_effect : sector -> log-odds shift of its projects' monthly advance hazard.
    """

    effort: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    approval_speed: float = 1.0
    slip_months: Mapping[str, int] = field(default_factory=dict)
    lost: frozenset[str] = frozenset()
    resize: Mapping[str, float] = field(default_factory=dict)
    prospects: pd.DataFrame | None = None
    sector_effect: Mapping[str, float] = field(default_factory=dict)

    @property
    def is_baseline(self) -> bool:
        return (not self.effort and self.approval_speed == 1.0 and not self.slip_months and not self.lost
                and not self.resize and (self.prospects is None or self.prospects.empty)
                and not any(self.sector_effect.values()))


# --------------------------------------------------------------------------- the ledger's rows
def ledger_rows(results: OutcomeResults, year: int, adj: Adjustments) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
    """State, ledger fields, start months and hazard shifts of the open projects (scenario applied)."""
    h = results.history
    state = results.state.copy()
    P = h.projects.set_index("project_id").loc[state["project_id"]].reset_index()
    start = np.full(len(state), results.as_of_month)
    for pid, months in adj.slip_months.items():
        i = np.flatnonzero(state["project_id"].to_numpy() == pid)
        start[i] += int(months)
        state.loc[i, "entry_month"] = state.loc[i, "entry_month"] + int(months)
    for pid, amount in adj.resize.items():
        i = np.flatnonzero(state["project_id"].to_numpy() == pid)
        P.loc[i, "investment_bn"] = float(amount)
        state.loc[i, ["logsize_pre", "logsize_post"]] = np.log(float(amount))
    mult = hazard_shifts(state["sector"].to_numpy(), adj)
    return state, P, start, mult


def hazard_shifts(sectors: np.ndarray, adj: Adjustments) -> np.ndarray:
    """``row × stage`` shifts of the advance log-odds of rows in ``sectors``: the approval
    speed on the approval steps and each sector's year on all of its rows' steps."""
    mult = np.zeros((len(sectors), N_STAGES))
    if adj.approval_speed != 1.0:
        mult[:, list(APPROVAL_STAGES)] += np.log(adj.approval_speed)
    for sector, effect in adj.sector_effect.items():
        mult[sectors == sector, :] += float(effect)
    return mult


def prospect_rows(results: OutcomeResults, prospects: pd.DataFrame, adj: Adjustments):
    """State and ledger fields of scenario prospects (new projects entering at a stage)."""
    h = results.history
    types = {u.id: u.type for u in h.district.units}
    as_of = h.as_of_date
    f = prospects.copy().reset_index(drop=True)
    f["project_id"] = [f"prospect:{i + 1}" for i in range(len(f))]
    f["unit_type"] = f["unit"].map(types)
    f["phase"] = f.get("phase", pd.Series(1, index=f.index)).fillna(1).astype(int)
    f["provincial"] = "none"
    entered = pd.to_datetime(f["entered"]) if "entered" in f else pd.Series(as_of, index=f.index)
    f["investment_first"] = f["investment_bn"]
    f["investment_signed"] = np.where(f["stage"].isin(["lead", "negotiating"]), np.nan, f["investment_bn"])
    state = covariates(f).reset_index()
    state["stage_idx"] = f["stage"].map(STAGES.index).to_numpy()
    state["entry_month"] = np.minimum(month_index(entered.fillna(as_of)), results.as_of_month)
    # a prospect's earlier path is unknown: it moves at the pace of a typical open project
    # at its stage, not at pace 0 (half a month per earlier stage, faster than any project
    # the history shows; a lead's pace is 0 as the ledger's are)
    state["pace_now"] = [typical_pace(results.state, k) for k in state["stage_idx"]]
    start = np.full(len(f), results.as_of_month)
    return state, f, start, hazard_shifts(state["sector"].to_numpy(), adj)


def typical_pace(state: pd.DataFrame, stage_idx: int) -> float:
    """The pace (``pace_now``) of a typical open project at stage ``stage_idx``: the (lower)
    median over the ledger's open projects there, or over those past the lead stage when
    none is; 0 for a lead (a lead has no earlier stage)."""
    if stage_idx == 0:
        return 0.0
    k = state["stage_idx"].to_numpy()
    pace = state["pace_now"].to_numpy(float)
    for sel in (k == stage_idx, k > 0):
        if sel.any():
            return float(np.quantile(pace[sel], 0.5, method="lower"))
    return float(np.log(1.5))  # one month per earlier stage, the fastest the ledger records


__all__ = ["APPROVAL_STAGES", "Adjustments", "hazard_shifts", "ledger_rows", "prospect_rows", "typical_pace"]
