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

from ..history.episodes import MAX_DURATION, OPEN_STAGES
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
        levels, inverse = np.unique(values.astype(str), return_inverse=True)
        cols = np.array([ix.get(f"{prefix}:{v}", -1) for v in levels], dtype=int)[np.ravel(inverse)]
        return np.where(cols >= 0, params[:, np.maximum(cols, 0)], 0.0)  # draw × project

    sector = cov["sector"].to_numpy()
    if which == "advance":
        sec_pre = block("sector_pre", sector)
        sec_post = block("sector_post", sector)
        pre_part = sec_pre + block("unit_type", cov["unit_type"].to_numpy()) + block("unit", cov["unit"].to_numpy())
        phase2 = cov["phase2"].to_numpy()
    else:
        sec = block("sector", sector)
    logsizes = {"pre": cov["logsize_pre"].to_numpy(), "post": cov["logsize_post"].to_numpy()}
    for k in range(N_STAGES):
        logsize = logsizes["pre" if k in PRE else "post"]
        eta = params[:, ix[f"{k}:const"], None] + params[:, ix[f"{k}:logsize"], None] * logsize
        if which == "advance":
            eta = eta + params[:, ix[f"{k}:phase2"], None] * phase2
            eta = eta + (pre_part if k in PRE else sec_post)
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


#: A product of the odds' factors stays below ``exp`` of this in single precision (its largest
#: finite value is about ``exp(88.7)``; the margin keeps ``1 + advance + loss`` odds finite).
SINGLE_LOG_BOUND = 80.0
#: In double precision each factor's log is kept within this (the four factors' product then
#: neither overflows nor loses its mass to zero): beyond it an odds is 0 or certain to far
#: better than double precision resolves, so the clip changes no probability.
DOUBLE_LOG_BOUND = 140.0


def _precision(logs_a, logs_l, eta_a, eta_l) -> type:
    """``float32`` when no product of the advance (or loss) odds' factors can overflow it,
    else ``float64``: the largest factor logs add up to a bound on the product's log (a
    poorly estimated duration slope extrapolated to a long stay can reach ``exp(90)``)."""
    def top(arrays) -> float:
        return sum(max((float(np.max(a, initial=-np.inf)) for a in group if a is not None and a.size), default=0.0)
                   for group in arrays)

    bound = max(top([eta_a, *[[a] for a in logs_a]]), top([eta_l, *[[a] for a in logs_l]]))
    return np.float32 if bound < SINGLE_LOG_BOUND else np.float64


def _exp_in(ft: type):
    """``exp`` into ``ft``; in double precision of logs clipped to :data:`DOUBLE_LOG_BOUND`."""
    if ft is np.float32:
        return lambda a: np.exp(a).astype(ft)
    return lambda a: np.exp(np.clip(a, -DOUBLE_LOG_BOUND, DOUBLE_LOG_BOUND))


def _occupancy(m0: np.ndarray, mass: list[np.ndarray], k0: np.ndarray, later: list[np.ndarray]) -> np.ndarray:
    """``draw × project × stage``: the mass in each open stage (every slot)."""
    out = np.zeros(m0.shape + (N_STAGES,))
    out[:, np.arange(m0.shape[1]), k0] = m0
    for k, ix in enumerate(later):
        if ix.size:
            out[:, ix, k] += mass[k].sum(axis=0, dtype=float)
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
    duration, calendar and year factors, so many draws cost little more than a few. Only
    the (stage, entry slot) cells that can hold mass are carried: the as-of slot in the
    as-of stage, and the later slots of the stages after it. The arithmetic is in single
    precision unless the largest factors' product could overflow it (then in double, see
    :data:`SINGLE_LOG_BOUND`).
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
    k0 = state["stage_idx"].to_numpy()
    entry0 = state["entry_month"].to_numpy()
    # the duration tables are only read up to the longest duration the horizon reaches
    reach = int(np.clip(max(H, int(np.max(last_month - entry0, initial=0))), 1, MAX_DURATION)) + 1
    logs_a = (_duration_table(params_advance, names_a, "advance", results.design)[..., :reach],
              _season_table(params_advance, names_a), np.asarray(years, float))
    logs_l = (_duration_table(params_lost, names_l, "lost")[..., :reach],
              None if years_lost is None else np.asarray(years_lost, float))
    ga, gl = _pace_coef(params_advance, names_a), _pace_coef(params_lost, names_l)
    pace = _pace_table(state, start, H)  # project × stage × slot
    # the as-of slot holds mass in the as-of stage only; slot j >= 1 (entered in month start + j)
    # only in the stages after it: stage k's later slots are kept for the projects before k
    rows = np.arange(P)
    later = [np.flatnonzero(k0 < k) for k in range(N_STAGES)]
    eta_a0 = sa[:, rows, k0] + ga[:, k0] * pace[rows, k0, 0]  # draw × project
    eta_l0 = sl[:, rows, k0] + gl[:, k0] * pace[rows, k0, 0]
    # slot-major: slot × draw × project, contiguous per slot
    eta_a = [sa[:, ix, k][None] + ga[None, :, k, None] * pace[ix, k, 1:].T[:, None, :] for k, ix in enumerate(later)]
    eta_l = [sl[:, ix, k][None] + gl[None, :, k, None] * pace[ix, k, 1:].T[:, None, :] for k, ix in enumerate(later)]
    # single precision (probabilities to ~1e-7, half the memory traffic of the monthly loop)
    # unless a product of the odds' factors could overflow it
    ft = _precision(logs_a, logs_l, [eta_a0, *eta_a], [eta_l0, *eta_l])
    ex = _exp_in(ft)
    EA0, EL0 = ex(eta_a0), ex(eta_l0)
    EA, EL = [ex(e) for e in eta_a], [ex(e) for e in eta_l]
    EDa, ES, EY = (ex(a) for a in logs_a)  # draw × stage × duration / calendar month; draw × year (× stage)
    EDl = ex(logs_l[0])
    EYl = None if logs_l[1] is None else ex(logs_l[1])
    first_year = start // 12

    m0 = np.ones((D, P), dtype=ft)  # the as-of slot's mass (in stage k0)
    mass = [np.zeros((H, D, ix.size), dtype=ft) for ix in later]  # stage k, slot j >= 1 at [j - 1]
    enter = np.zeros((D, P, N_STAGES + 1, H))
    at_k0 = [np.flatnonzero(k0 == k) for k in range(N_STAGES)]
    work = [np.empty(max(H - 1, 0) * D * max(ix.size for ix in later), dtype=ft) for _ in range(3)]
    occupancy: dict[int, np.ndarray] = {}
    if start in occupancy_months:
        occupancy[start] = _occupancy(m0, mass, k0, later)
    for h in range(1, H + 1):
        m = start + h
        yi = m // 12 - first_year
        fa = ES[:, :, m % 12] * (EY[:, yi] if EY.ndim == 3 else EY[:, yi, None])  # draw × stage
        fl = np.ones_like(fa) if EYl is None else np.broadcast_to(EYl[:, yi, None], fa.shape)
        dur0 = np.clip(m - entry0, 1, MAX_DURATION)  # the as-of slot: each project's own duration
        ea = EA0 * EDa[:, k0, dur0] * fa[:, k0]
        el = EL0 * EDl[:, k0, dur0] * fl[:, k0]
        share = m0 / (1.0 + ea + el)
        adv0 = share * ea
        m0 = m0 - adv0 - share * el
        for k in range(N_STAGES):
            out = np.zeros((D, P))  # advancing out of stage k
            out[:, at_k0[k]] = adv0[:, at_k0[k]]
            ix = later[k]
            if h > 1 and ix.size:
                durj = np.clip(h - np.arange(1, h), 1, MAX_DURATION)  # slot j entered in month start + j
                shape = (h - 1, D, ix.size)
                # in place, in work buffers: no fresh arrays (and page faults) every month
                ea, el, share = (b[:np.prod(shape)].reshape(shape) for b in work)
                np.multiply(EA[k][:h - 1], (EDa[:, k, durj] * fa[:, k, None]).T[:, :, None], out=ea)
                np.multiply(EL[k][:h - 1], (EDl[:, k, durj] * fl[:, k, None]).T[:, :, None], out=el)
                if k == NEGOTIATING:
                    # a negotiation entered in the horizon is not lost before the next quarter-end
                    # snapshot shows it: the lead's fitted advance counts only negotiations the
                    # ledger showed, and the negotiation hazards are those of one it has seen
                    # (:func:`~forecasting.history.episodes.seen_negotiation_months`)
                    entered = start + np.arange(1, h)
                    el[m <= entered // 3 * 3 + 2] = 0.0
                cur = mass[k][:h - 1]
                np.add(ea, 1.0, out=share)  # share = cur / (1 + ea + el)
                np.add(share, el, out=share)
                np.divide(cur, share, out=share)
                adv = np.multiply(share, ea, out=ea)
                np.subtract(cur, adv, out=cur)  # cur - adv - share * el
                np.subtract(cur, np.multiply(share, el, out=el), out=cur)
                out[:, ix] = adv.sum(axis=0, dtype=float)
            enter[:, :, k + 1, h - 1] = out
            if k + 1 < N_STAGES:
                mass[k + 1][h - 1] = out[:, later[k + 1]]
        if m in occupancy_months:
            occupancy[m] = _occupancy(m0, mass, k0, later)
    return Propagation(state["project_id"].to_numpy(), start + np.arange(1, H + 1), enter, occupancy)
