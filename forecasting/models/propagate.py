"""Exact month-by-month propagation of each project's state through the fitted hazards.

A project's state is its stage and the month it entered that stage (durations are not
memoryless, so the entry month matters). Starting from the as-of state, the probability
mass over (stage, entry month) is pushed forward one calendar month at a time with the
fitted monthly advance/loss probabilities — no simulation. This is done for every
parameter draw at once (arrays ``draw × project × stage × entry slot``), so each
probability comes with its spread over the estimates' uncertainty and the years'
unknown conditions.

This is the engine of the progression model's predict verb
(:meth:`ProgressionResults.predict_flows <forecasting.models.progression.ProgressionResults.predict_flows>`),
through which the simulation reaches it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..history.episodes import MAX_DURATION, OPEN_STAGES, month_index
from .design import GROUND, N_STAGES, OPERATE, PRE, covariates, duration_effect

_FINAL = N_STAGES  # index of "operating" in entry counts
NEGOTIATING = OPEN_STAGES.index("negotiating")


@dataclass(frozen=True)
class Propagation:
    """Monthly flows for open projects under every parameter draw.

    ``enter[d, p, k, h]``: probability that project ``p`` enters stage ``k`` (1..5, index into
    ``STAGES``) in horizon month ``h`` (month index ``months[h]``) under draw ``d``.
    ``occupancy_at``: for requested months, probability of being in each open stage then
    (``draw × project × stage``), lost excluded.
    """

    project_ids: np.ndarray
    months: np.ndarray
    enter: np.ndarray
    occupancy_at: dict[int, np.ndarray]

    def p_enter(self, stage_idx: int, first_month: int, last_month: int) -> np.ndarray:
        """P(enter stage ``stage_idx`` in months ``first_month..last_month``): ``draw × project``."""
        sel = (self.months >= first_month) & (self.months <= last_month)
        return self.enter[:, :, stage_idx, sel].sum(axis=-1)


def _static(params: np.ndarray, names: list[str], cov: pd.DataFrame, design, which: str) -> np.ndarray:
    """Per-project, per-stage part of the linear predictor: ``draw × project × stage``
    (everything but time in stage, pace, month of year and year)."""
    ix = {n: i for i, n in enumerate(names)}
    D, P = params.shape[0], len(cov)
    out = np.zeros((D, P, N_STAGES))

    def block(prefix: str, values: np.ndarray) -> np.ndarray:
        cols = [ix.get(f"{prefix}:{v}", -1) for v in values]
        cols = np.array(cols)
        got = np.where(cols >= 0, params[:, np.maximum(cols, 0)], 0.0)
        return got  # draw × project

    if which == "advance":
        sec_pre = block("sector_pre", cov["sector"].to_numpy())
        sec_post = block("sector_post", cov["sector"].to_numpy())
        utype = block("unit_type", cov["unit_type"].to_numpy())
        unit = block("unit", cov["unit"].to_numpy())
    else:
        sec = block("sector", cov["sector"].to_numpy())
    for k in range(N_STAGES):
        logsize = cov["logsize_pre" if k in PRE else "logsize_post"].to_numpy()
        eta = params[:, [ix[f"{k}:const"]]] + params[:, [ix[f"{k}:logsize"]]] * logsize
        if which == "advance":
            eta = eta + params[:, [ix[f"{k}:phase2"]]] * cov["phase2"].to_numpy()
            eta = eta + (sec_pre + utype + unit if k in PRE else sec_post)
        else:
            eta = eta + sec
        out[:, :, k] = eta
    return out


def _pace_coef(params: np.ndarray, names: list[str]) -> np.ndarray:
    """``draw × stage``: each stage's pace coefficient (0 for leads)."""
    ix = {n: i for i, n in enumerate(names)}
    out = np.zeros((params.shape[0], N_STAGES))
    for k in range(1, N_STAGES):
        out[:, k] = params[:, ix[f"{k}:pace"]]
    return out


def _pace_table(state: pd.DataFrame, start: int, H: int) -> np.ndarray:
    """``project × stage × slot``: the pace covariate of mass in each (stage, entry slot).

    Pace is the log of the months per earlier stage, ``log(months from first seen to
    entering stage k / k + 0.5)``; slot 0 holds the as-of stage (its own pace), slot ``j``
    mass that entered its stage in month ``start + j``, so its pace follows from that entry
    month and the project's earlier path (time in the as-of stage included).
    """
    k0 = state["stage_idx"].to_numpy()
    entry0 = state["entry_month"].to_numpy().astype(float)
    pace_now = state["pace_now"].to_numpy(float)
    before = np.where(k0 > 0, k0 * (np.exp(pace_now) - 0.5), 0.0)  # months spent before the as-of stage
    first = entry0 - np.maximum(before, 0.0)
    out = np.zeros((len(state), N_STAGES, H + 1))
    entries = start + np.arange(1, H + 1, dtype=float)
    for k in range(1, N_STAGES):
        months = np.maximum(entries[None, :] - first[:, None], k)
        out[:, k, 1:] = np.log(months / k + 0.5)
    out[np.arange(len(state)), k0, 0] = np.where(k0 > 0, pace_now, 0.0)
    return out


def _duration_table(params: np.ndarray, names: list[str], which: str, design=None) -> np.ndarray:
    """``draw × stage × duration`` (duration 0..MAX_DURATION; 0 unused)."""
    ix = {n: i for i, n in enumerate(names)}
    d = np.arange(MAX_DURATION + 1, dtype=float)
    d[0] = 1.0
    out = np.zeros((params.shape[0], N_STAGES, MAX_DURATION + 1))
    for k in range(N_STAGES):
        if which == "advance":
            out[:, k, :] = duration_effect(params, names, design, k, d)
        else:
            out[:, k, :] = params[:, [ix[f"{k}:logd"]]] * np.log(d) + params[:, [ix[f"{k}:d"]]] * d / 12.0
    return out


def _season_table(params: np.ndarray, names: list[str]) -> np.ndarray:
    """``draw × stage × calendar month`` for the advance hazard: the deal-making calendar
    (lead, negotiating, signed), the groundbreaking calendar (approved) and the
    commissioning calendar (under construction)."""
    ix = {n: i for i, n in enumerate(names)}
    gen = params[:, [ix[f"season:{m}"] for m in range(12)]]
    ground = params[:, [ix[f"season_ground:{m}"] for m in range(12)]]
    out = np.repeat(gen[:, None, :], N_STAGES, axis=1)
    out[:, GROUND, :] = ground
    if "season_operate:0" in ix:
        out[:, OPERATE, :] = params[:, [ix[f"season_operate:{m}"] for m in range(12)]]
    return out


def project_state(projects: pd.DataFrame, history_as_of: pd.Timestamp) -> pd.DataFrame:
    """Covariates plus the as-of state of every open project (stage, entry month, pace)."""
    from ..history.episodes import spells

    open_ = projects[projects["stage"].isin(OPEN_STAGES)]
    cov = covariates(open_).reset_index()
    sp = spells(open_, history_as_of)
    cur = sp[sp["outcome"] == "open"].set_index("project_id")
    cov["stage_idx"] = cov["project_id"].map(cur["stage_idx"]).astype(int)
    cov["entry_month"] = cov["project_id"].map(cur["entry_month"]).astype(int)
    cov["pace_now"] = cov["project_id"].map(cur["pace"]).astype(float)
    n_prior = cov["project_id"].map(cur["n_prior"]).astype(float)
    as_of_m = int(month_index(pd.Series([history_as_of]))[0])
    d_now = np.maximum(as_of_m - cov["entry_month"].to_numpy(), 1)
    total = np.where(n_prior > 0, (np.exp(cov["pace_now"]) - 0.5) * n_prior, 0.0)
    cov["pace_next"] = np.log((total + d_now) / (n_prior + 1) + 0.5)
    return cov


def propagate(
    results,
    state: pd.DataFrame,
    *,
    last_month: int,
    start: int | None = None,
    params_advance: np.ndarray,
    params_lost: np.ndarray,
    years: np.ndarray,
    years_lost: np.ndarray | None = None,
    occupancy_months: tuple[int, ...] = (),
    hazard_multiplier: np.ndarray | None = None,
) -> Propagation:
    """Push every open project forward from ``start`` to ``last_month`` (month indices).

    ``results`` is the fitted progression model
    (:class:`~forecasting.models.progression.ProgressionResults`: the names of its estimates,
    its design and, the default ``start``, its as-of month); ``params_advance`` and
    ``params_lost`` are ``draw × parameter`` values of its estimates.

    ``years`` is ``draw × (calendar years of the horizon)`` shifts of the advance log-odds
    (the year's common conditions) for the years ``first_year ..``, or ``draw × year ×
    stage`` when the stages feel a year differently; ``years_lost`` the same
    for the loss log-odds (``None``: no shift). ``hazard_multiplier`` (``stage``), when
    given, scales each stage's advance odds (a faster approval process, say).

    Everything that does not change from month to month (the project's covariates and its
    pace in each entry slot) is exponentiated once; each month then only multiplies in the
    duration, calendar and year factors, so many draws cost little more than a few.
    """
    start = results.as_of_month if start is None else int(start)
    H = max(last_month - start, 0)
    names_a = list(results.params_advance.index)
    names_l = list(results.params_lost.index)
    D, P = params_advance.shape[0], len(state)
    sa = _static(params_advance, names_a, state, results.design, "advance")
    sl = _static(params_lost, names_l, state, results.design, "lost")
    if hazard_multiplier is not None:
        sa = sa + np.log(np.asarray(hazard_multiplier, float))[None, None, :]
    ga, gl = _pace_coef(params_advance, names_a), _pace_coef(params_lost, names_l)
    pace = _pace_table(state, start, H)  # project × stage × slot
    # exp of the static part and the pace term, once: draw × project × stage × slot
    # single precision: probabilities to ~1e-7, half the memory traffic of the monthly loop
    f4 = np.float32
    EA = np.exp(sa[..., None] + ga[:, None, :, None] * pace[None]).astype(f4)
    EL = np.exp(sl[..., None] + gl[:, None, :, None] * pace[None]).astype(f4)
    EDa = np.exp(_duration_table(params_advance, names_a, "advance", results.design)).astype(f4)
    EDl = np.exp(_duration_table(params_lost, names_l, "lost")).astype(f4)
    ES = np.exp(_season_table(params_advance, names_a)).astype(f4)  # draw × stage × calendar month
    EY = np.exp(np.asarray(years, float)).astype(f4)  # draw × year
    EYl = None if years_lost is None else np.exp(np.asarray(years_lost, float)).astype(f4)
    first_year = start // 12

    # mass[d, p, k, slot]: slot 0 = entered at the project's own entry month, slot j = month start + j
    mass = np.zeros((D, P, N_STAGES, H + 1), dtype=f4)
    k0 = state["stage_idx"].to_numpy()
    mass[:, np.arange(P), k0, 0] = 1.0
    entry0 = state["entry_month"].to_numpy()
    enter = np.zeros((D, P, N_STAGES + 1, H))
    occupancy: dict[int, np.ndarray] = {}
    if start in occupancy_months:
        occupancy[start] = mass.sum(axis=-1, dtype=float)
    for h in range(1, H + 1):
        m = start + h
        n = h  # slots 0..h-1 can hold mass
        dur0 = np.clip(m - entry0, 1, MAX_DURATION)  # the as-of slot: each project's own duration
        durj = np.clip(h - np.arange(1, n), 1, MAX_DURATION)  # slot j entered in month start + j
        ey = EY[:, m // 12 - first_year]
        fa = ES[:, :, m % 12] * (ey if ey.ndim == 2 else ey[:, None])  # draw × stage
        fl = np.ones_like(fa) if EYl is None else np.broadcast_to(EYl[:, m // 12 - first_year, None], fa.shape)
        ea = np.empty((D, P, N_STAGES, n), dtype=f4)
        el = np.empty((D, P, N_STAGES, n), dtype=f4)
        ea[..., 0] = EA[..., 0] * np.moveaxis(EDa[:, :, dur0], 2, 1) * fa[:, None, :]
        el[..., 0] = EL[..., 0] * np.moveaxis(EDl[:, :, dur0], 2, 1) * fl[:, None, :]
        if n > 1:
            ea[..., 1:] = EA[..., 1:n] * (EDa[:, :, durj] * fa[:, :, None])[:, None]
            el[..., 1:] = EL[..., 1:n] * (EDl[:, :, durj] * fl[:, :, None])[:, None]
            # a negotiation entered in the horizon is not lost before the next quarter-end
            # snapshot shows it: the lead's fitted advance counts only negotiations the ledger
            # showed, and the negotiation hazards are those of one it has seen
            # (:func:`~forecasting.history.episodes.seen_negotiation_months`)
            entered = start + np.arange(1, n)
            el[:, :, NEGOTIATING, 1:][..., m <= entered // 3 * 3 + 2] = 0.0
        cur = mass[..., :n]
        share = cur / (1.0 + ea + el)
        adv = share * ea
        mass[..., :n] = cur - adv - share * el
        flow = adv.sum(axis=-1, dtype=float)  # draw × project × stage: advancing out of each stage
        enter[:, :, 1:, h - 1] = flow
        mass[:, :, 1:, h] += flow[:, :, :-1]
        if m in occupancy_months:
            occupancy[m] = mass.sum(axis=-1, dtype=float)
    return Propagation(state["project_id"].to_numpy(), start + np.arange(1, H + 1), enter, occupancy)
