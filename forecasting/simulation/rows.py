"""Project rows and their in-year event probabilities under every parameter draw.

:func:`row_events` propagates rows exactly (the progression model's
:meth:`~forecasting.models.progression.ProgressionResults.predict_flows`)
and returns, per draw, each row's cumulative chance of signing and of breaking ground by
month, of its amount at signing clearing each tier bound (:func:`thresholds`), and of
designation (:class:`RowEvents`); :func:`zero_settled` removes what is already decided.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.schema import STAGES
from ..forecast.contract import settled_probabilities
from ..history.histories import History
from ..models.progression import N_STAGES
from .adjustments import Adjustments
from .draws import ParameterDraws
from .fitted import OutcomeResults

_SIGNED, _GROUNDBREAKING = STAGES.index("signed"), STAGES.index("under_construction")


# --------------------------------------------------------------------------- row events
@dataclass
class RowEvents:
    """Event probabilities of a set of project rows under every draw.

    ``cum_signed[d, r, m]`` / ``cum_ground[d, r, m]``: probability that row ``r`` has been
    signed / broken ground within the target year by the end of month ``m`` (0 = January).
    ``clears[d, r, j]``: probability that its amount at signing is at least threshold ``j``
    (``thresholds``). ``provincial[d, r]``: probability of designation in the year.
    ``counted[r]``: whether its groundbreaking counts toward the target (size).
    ``pool[d]``: the (expected) number of candidates for the year's provincial list that the
    designation probabilities assumed and the (expected) sum of their amounts (bn).
    """

    ids: np.ndarray
    cum_signed: np.ndarray
    cum_ground: np.ndarray
    clears: np.ndarray
    provincial: np.ndarray
    counted: np.ndarray
    pool: np.ndarray | None = None

    def take(self, rows: np.ndarray) -> "RowEvents":
        return RowEvents(self.ids[rows], self.cum_signed[:, rows], self.cum_ground[:, rows],
                         self.clears[:, rows], self.provincial[:, rows], self.counted[rows], self.pool)


def thresholds(targets) -> np.ndarray:
    """Every tier bound, sorted: tier membership is "clears ``min_bn``, not ``max_bn``"."""
    vals = {t.min_bn for t in targets.tiers} | {t.max_bn for t in targets.tiers if t.max_bn is not None}
    return np.array(sorted(vals), float)


def row_events(results: OutcomeResults, state: pd.DataFrame, frame: pd.DataFrame, year: int,
               draws: ParameterDraws, *, start: np.ndarray | None = None,
               log_multiplier: np.ndarray | None = None, pool: np.ndarray | None = None,
               in_pool: bool = True) -> RowEvents:
    """Propagate rows exactly and return their in-year event probabilities per draw.

    Parameters
    ----------
    state : covariates and state, as :func:`~forecasting.models.propagate.project_state` returns.
    frame : the same rows' ledger fields (``investment_bn``, ``stage``, ``unit_type``,
        ``sector``, ``provincial``) for the size and provincial models.
    start : month index from which each row moves (default: the as-of month); a row that
        arrives or resumes later is held still until then.
    log_multiplier : ``row × stage`` shifts of the advance log-odds (approval speed, a
        sector's year).
    pool : per draw, the (expected) number of candidates for the year's provincial list and
        the sum of their amounts (``RowEvents.pool`` of the whole ledger, ``draw × 2``),
        for a call on some of its rows; default: counted over these rows (the whole ledger).
    in_pool : whether these rows are among those ``pool`` counts (``False`` for scenario
        prospects added to the ledger).
    """
    prog = results.progression
    h = results.history
    targets = h.district.targets_for(year)
    R, D = len(state), draws.n
    first_m, last_m = year * 12, year * 12 + 11
    start = np.full(R, results.as_of_month) if start is None else np.asarray(start, int)
    mult = np.zeros((R, N_STAGES)) if log_multiplier is None else np.asarray(log_multiplier, float)
    cum_s, cum_g = np.zeros((D, R, 12)), np.zeros((D, R, 12))
    sept = (year - 1) * 12 + 8
    eligible = np.zeros((D, R))
    has_occ = np.zeros(R, bool)
    # rows that share a start and hazard shifts propagate together (exact: no randomness)
    _, group = np.unique(np.column_stack([np.round(mult, 9), start.astype(float)]), axis=0, return_inverse=True)
    group = np.asarray(group).ravel()
    for g in range(int(group.max(initial=-1)) + 1):
        rows = np.flatnonzero(group == g)
        s0 = int(start[rows[0]])
        k0 = s0 // 12 - draws.first_year  # a row moved earlier than the as-of year keeps its first year's shock
        yrs, yrs_lost = (None if a is None else (a[:, k0:] if k0 >= 0 else np.hstack([np.repeat(a[:, :1], -k0, axis=1), a]))
                         for a in (draws.years, draws.years_lost))
        occ = (sept,) if sept >= s0 else ()
        hm = np.exp(mult[rows[0]])
        prop = prog.predict_flows(state.iloc[rows].reset_index(drop=True), start=s0, last_month=max(last_m, s0),
                                  params=(draws.advance, draws.lost), years=yrs, years_lost=yrs_lost,
                                  occupancy_months=occ, hazard_multiplier=None if np.allclose(hm, 1) else hm)
        sel = (prop.months >= first_m) & (prop.months <= last_m)
        offset = int(prop.months[sel][0] - first_m) if sel.any() else 12
        for arr, k in ((cum_s, _SIGNED), (cum_g, _GROUNDBREAKING)):
            if sel.any():
                monthly = np.zeros((D, rows.size, 12))
                monthly[:, :, offset:offset + int(sel.sum())] = prop.enter[:, :, k, sel]
                arr[:, rows, :] = np.cumsum(monthly, axis=-1)
        if occ:
            eligible[:, rows] = prop.occupancy_at[sept][:, :, _SIGNED:].sum(axis=-1)
            has_occ[rows] = True

    # the amount at signing: only leads and negotiating projects are still to sign
    th = thresholds(targets)
    amount = frame["investment_bn"].to_numpy(float)
    stage = frame["stage"].to_numpy()
    campaign = (frame["unit_type"].to_numpy() == "campaign").astype(float)
    clears = np.stack([results.size.predict_at_least(amount, t, stage, campaign, params=draws.size) for t in th], axis=-1)

    # the provincial list: nominated in October of the year before, designated in January;
    # the chance of designation depends on the year's pool of candidates: known once the
    # list is (31 December), before that expected from each row's chance of nomination
    cand = np.broadcast_to((frame["provincial"].to_numpy() == "candidate")[None, :], (D, R)).astype(float)
    known = h.as_of_date >= pd.Timestamp(f"{year - 1}-12-31")
    if known:
        nominated = cand
    else:
        p_nom = results.provincial.predict_nominate(frame, draws.nominate)
        nominated = np.where(has_occ[None, :], eligible * p_nom, cand)
    total = (np.column_stack([nominated.sum(axis=1), nominated @ amount]) if pool is None
             else np.asarray(pool, float))
    # given that a row is a candidate, the pool is the row and the others' (expected) count and amount
    others = nominated if in_pool else np.zeros_like(nominated)
    p_des = results.provincial.predict_designate(frame, draws.designate, pool=total[:, :1] - others + 1.0,
                                                 pool_amount=total[:, 1:] - others * amount + amount)
    prov = nominated * p_des
    counted = amount >= targets.groundbreakings_min_bn
    return RowEvents(state["project_id"].to_numpy(), cum_s, cum_g, clears, prov, counted, total)


def zero_settled(ev: RowEvents, history: History, year: int, adj: Adjustments) -> None:
    """Events already decided (counted in ``so_far`` or impossible) and scenario losses: zero."""
    settled = settled_probabilities(history, year).set_index("project_id").reindex(ev.ids)
    for col, arr in (("p_signed", ev.cum_signed), ("p_groundbreaking", ev.cum_ground)):
        done = settled[col].notna().to_numpy()
        arr[:, done, :] = 0.0
    prov_done = settled["p_provincial"].notna().to_numpy()
    ev.provincial[:, prov_done] = 0.0
    if adj.lost:
        gone = np.isin(ev.ids, list(adj.lost))
        ev.cum_signed[:, gone] = 0.0
        ev.cum_ground[:, gone] = 0.0
        ev.provincial[:, gone] = 0.0


__all__ = ["RowEvents", "row_events", "thresholds", "zero_settled"]
