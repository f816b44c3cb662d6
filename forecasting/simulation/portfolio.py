"""The year as a whole: joint draws of every project's outcome and of the leads still to come.

The per-project probabilities of :mod:`~forecasting.outcomes` answer "how likely is this
project to break ground this year"; a target is about a *count*, and counts need the joint
distribution. Projects are not independent: a good or bad year (the progression model's
yearly common shock, whose spread is estimated from the history's year-to-year variation)
and the uncertainty of the estimates themselves move many projects at once. So the year is
simulated as a two-level mixture:

1. ``D`` parameter draws, each with its own draw of the estimates (progression, size,
   provincial and inflow models) and of every unseen year's common shock. Under each draw
   every project's month-by-month path is propagated exactly (:mod:`~forecasting.propagate`):
   the cumulative probability of being signed, and of breaking ground, by the end of each
   month of the target year; the probability that its amount at signing clears each tier
   threshold; the probability of designation.
2. Within a draw projects are conditionally independent: each simulated year draws, per
   project, one uniform ``U`` that decides both *whether* and *when* it signs and breaks
   ground (the month is the first whose cumulative probability exceeds ``U``, so a project
   that breaks ground also signed first), one ``V`` for its amount at signing (it clears
   threshold ``t`` iff ``V < P(amount ≥ t)``, so overlapping and banded tiers are consistent)
   and one ``W`` for designation.

Leads that are not in the ledger yet arrive per unit and quarter from the inflow model
(:mod:`~forecasting.inflow`: a negative binomial count with effort as covariates and its own
yearly shock); each arrival is a lead drawn from its unit's mix of sectors and sizes and is
propagated like any other project from its arrival month. Arrival counts and their events
are drawn by inverse CDFs of fixed uniforms, so the same seed gives common random numbers
across scenarios: more staff can only add arrivals in the same simulated year, never
reshuffle the rest.

Everything a scenario can change (:mod:`~forecasting.scenario`) enters here: effort, the
speed of the approval steps, a project's slip, loss or new size, new prospects and a
sector's good or bad year.
"""
from __future__ import annotations


from dataclasses import dataclass, field, replace
from typing import Any, Mapping

import numpy as np
import pandas as pd
from scipy import stats

from ..history.episodes import month_index
from ..forecast.contract import TARGET_COLUMNS, settled_probabilities, so_far, targets_from_draws
from ..history.histories import History, year_events
from ..models.progression import PRE as _PRE, N_STAGES, covariates, warn_unseen
from ..forecast.propagate import project_state, propagate
from ..data.schema import STAGES
from ..models.yearshock import COMPONENTS

_SIGNED, _GROUNDBREAKING = STAGES.index("signed"), STAGES.index("under_construction")
#: Stages whose advance the approval process governs: signed -> approved -> under construction.
APPROVAL_STAGES = (STAGES.index("signed"), STAGES.index("approved"))
#: Month (0 = January) in which the province's list for a year is taken to be published.
DESIGNATION_MONTH = 1
#: Arrival templates drawn per unit from its mix of leads.
TEMPLATES_PER_UNIT = 24
#: Upper bound on simulated years × rows × months held in memory at once.
_CHUNK_CELLS = 24_000_000


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


@dataclass(frozen=True)
class ParameterDraws:
    """One set of ``D`` draws of everything uncertain but shared by all projects.

    ``years`` is ``draw × calendar year × stage`` (years from ``first_year``) shifts of the
    advance log-odds; ``years_lost`` and ``inflow_shock`` are ``draw × calendar year`` shifts
    of the loss log-odds and the log inflow: one year's conditions (:mod:`~forecasting.yearshock`).
    """

    advance: np.ndarray
    lost: np.ndarray
    years: np.ndarray
    first_year: int
    size: np.ndarray
    nominate: np.ndarray
    designate: np.ndarray
    inflow: np.ndarray | None
    inflow_shock: np.ndarray | None
    years_lost: np.ndarray | None = None

    @property
    def n(self) -> int:
        return self.advance.shape[0]

    def take(self, idx: np.ndarray) -> "ParameterDraws":
        """The draws ``idx`` only."""
        def sub(a):
            return None if a is None else a[idx]

        return ParameterDraws(self.advance[idx], self.lost[idx], self.years[idx], self.first_year, self.size[idx],
                              self.nominate[idx], self.designate[idx], sub(self.inflow), sub(self.inflow_shock),
                              sub(self.years_lost))


def draw_parameters(results: "OutcomeResults", year: int, n_draws: int, rng) -> ParameterDraws:
    """``n_draws`` joint draws of the estimates and of each horizon year's conditions.

    Every draw is a draw: the estimates come in antithetic pairs around the fit (no draw is
    the mode), and each year's conditions are drawn from the posterior of the year-to-year
    variation (its spread and loadings uncertain, the as-of year's conditioned on its
    months so far), the target year's stratified over its quantiles so that ``n_draws``
    resolve it evenly.
    """
    rng = np.random.default_rng(rng)
    pa, pl = results.progression.sample(n_draws, rng=rng)
    first_year = results.progression.as_of_month // 12
    yrs = list(range(first_year, year + 1))
    shocks = results.year_shock
    adv = np.zeros((n_draws, len(yrs), N_STAGES))  # per stage: before signing and after
    los, inf = np.zeros((n_draws, len(yrs))), np.zeros((n_draws, len(yrs)))
    pre = np.isin(np.arange(N_STAGES), _PRE)
    # the horizon's years jointly: this year given its months so far, each later year given
    # the one before (the conditions persist), the target year stratified
    s = shocks.sample_years(n_draws, yrs, rng=rng, stratify_year=year)
    a, ap, lo_, in_ = (COMPONENTS.index(c) for c in ("advance", "advance_pre", "loss", "inflow"))
    adv[:] = np.where(pre[None, None, :], s[:, :, ap][:, :, None], s[:, :, a][:, :, None])
    los[:], inf[:] = s[:, :, lo_], s[:, :, in_]
    size = results.size.sample(n_draws, rng)
    nom, des = results.provincial.sample(n_draws, rng)
    inflow = results.inflow.sample(n_draws, rng=rng) if results.inflow is not None else None
    return ParameterDraws(pa, pl, adv, first_year, size, nom, des, inflow,
                          inf if results.inflow is not None else None, years_lost=los)


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
    designation probabilities assumed and the (expected) sum of their log amounts (bn).
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


def row_events(results: "OutcomeResults", state: pd.DataFrame, frame: pd.DataFrame, year: int,
               draws: ParameterDraws, *, start: np.ndarray | None = None,
               log_multiplier: np.ndarray | None = None, pool: np.ndarray | None = None,
               in_pool: bool = True) -> RowEvents:
    """Propagate rows exactly and return their in-year event probabilities per draw.

    Parameters
    ----------
    state : covariates and state, as :func:`~forecasting.propagate.project_state` returns.
    frame : the same rows' ledger fields (``investment_bn``, ``stage``, ``unit_type``,
        ``sector``, ``provincial``) for the size and provincial models.
    start : month index from which each row moves (default: the as-of month); a row that
        arrives or resumes later is held still until then.
    log_multiplier : ``row × stage`` shifts of the advance log-odds (approval speed, a
        sector's year).
    pool : per draw, the (expected) number of candidates for the year's provincial list and
        the sum of their log amounts (``RowEvents.pool`` of the whole ledger, ``draw × 2``),
        for a call on some of its rows; default: counted over these rows (the whole ledger).
    in_pool : whether these rows are among those ``pool`` counts (``False`` for scenario
        prospects added to the ledger).
    """
    prog = results.progression
    h = results.history
    targets = h.district.targets_for(year)
    R, D = len(state), draws.n
    first_m, last_m = year * 12, year * 12 + 11
    start = np.full(R, prog.as_of_month) if start is None else np.asarray(start, int)
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
        sub = replace(prog, as_of_month=s0)
        k0 = s0 // 12 - draws.first_year  # a row moved earlier than the as-of year keeps its first year's shock
        yrs, yrs_lost = (None if a is None else (a[:, k0:] if k0 >= 0 else np.hstack([np.repeat(a[:, :1], -k0, axis=1), a]))
                         for a in (draws.years, draws.years_lost))
        occ = (sept,) if sept >= s0 else ()
        hm = np.exp(mult[rows[0]])
        prop = propagate(sub, state.iloc[rows].reset_index(drop=True), last_month=max(last_m, s0),
                         params_advance=draws.advance, params_lost=draws.lost, years=yrs, years_lost=yrs_lost,
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

    # the provincial list: nominated in October of the year before, designated in January
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
    logsize = np.log(amount)
    total = (np.column_stack([nominated.sum(axis=1), nominated @ logsize]) if pool is None
             else np.asarray(pool, float))
    # given that a row is a candidate, the pool is the row and the others' (expected) count
    others = nominated if in_pool else np.zeros_like(nominated)
    n_given = total[:, :1] - others + 1.0
    p_des = results.provincial.predict_designate(frame, draws.designate, pool=n_given,
                                           pool_logsize=(total[:, 1:] - others * logsize + logsize) / n_given)
    prov = nominated * p_des
    counted = amount >= targets.groundbreakings_min_bn
    return RowEvents(state["project_id"].to_numpy(), cum_s, cum_g, clears, prov, counted, total)


# --------------------------------------------------------------------------- the ledger's rows
def _ledger_rows(results: "OutcomeResults", year: int, adj: Adjustments) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
    """State, ledger fields, start months and hazard shifts of the open projects (scenario applied)."""
    h = results.history
    state = results.state.copy()
    P = h.projects.set_index("project_id").loc[state["project_id"]].reset_index()
    start = np.full(len(state), results.progression.as_of_month)
    for pid, months in adj.slip_months.items():
        i = np.flatnonzero(state["project_id"].to_numpy() == pid)
        start[i] += int(months)
        state.loc[i, "entry_month"] = state.loc[i, "entry_month"] + int(months)
    for pid, amount in adj.resize.items():
        i = np.flatnonzero(state["project_id"].to_numpy() == pid)
        P.loc[i, "investment_bn"] = float(amount)
        state.loc[i, ["logsize_pre", "logsize_post"]] = np.log(float(amount))
    mult = _multipliers(state["sector"].to_numpy(), adj)
    return state, P, start, mult


def _multipliers(sectors: np.ndarray, adj: Adjustments) -> np.ndarray:
    mult = np.zeros((len(sectors), N_STAGES))
    if adj.approval_speed != 1.0:
        mult[:, list(APPROVAL_STAGES)] += np.log(adj.approval_speed)
    for sector, effect in adj.sector_effect.items():
        mult[sectors == sector, :] += float(effect)
    return mult


def _prospect_rows(results: "OutcomeResults", prospects: pd.DataFrame, adj: Adjustments):
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
    state["entry_month"] = np.minimum(month_index(entered.fillna(as_of)), results.progression.as_of_month)
    state["pace_now"] = 0.0
    d_now = np.maximum(results.progression.as_of_month - state["entry_month"].to_numpy(), 1)
    state["pace_next"] = np.log(d_now + 0.5)
    start = np.full(len(f), results.progression.as_of_month)
    return state, f, start, _multipliers(state["sector"].to_numpy(), adj)


# --------------------------------------------------------------------------- arrivals
@dataclass
class ArrivalCells:
    """New leads per (unit, quarter) cell: expected count and the chance of each event."""

    cells: pd.DataFrame  # unit, quarter, effort columns
    mean: np.ndarray  # draw × cell: expected arrivals (shock included)
    alpha: float  # negative binomial dispersion
    p_bin: np.ndarray  # draw × cell × band: P(arrival signs in the year with an amount in the band)
    p_ground: np.ndarray  # draw × cell: P(arrival breaks ground in the year and counts)
    month_signed: np.ndarray  # draw × cell × 12: when those signings happen (sums to 1)
    month_ground: np.ndarray  # draw × cell × 12


def _future_quarters(as_of: str, year: int) -> list[str]:
    from ..data.quarters import quarter_range

    nxt = (pd.Period(as_of, freq="Q-DEC") + 1)
    last = f"{year}Q4"
    return quarter_range(str(nxt), last) if str(nxt) <= last else []


def arrival_cells(results: "OutcomeResults", year: int, draws: ParameterDraws, adj: Adjustments,
                  *, rng, cache_key: tuple | None = None) -> ArrivalCells | None:
    """The leads still to arrive before the year ends, by unit and quarter.

    The expensive part, the templates' paths through the year, does not depend on effort
    (effort only scales how many leads arrive): with ``cache_key`` (which must identify the
    parameter draws and the template seed) it is computed once per results object and
    reused by every simulator with the same key and the same hazard shifts.
    """
    inflow = results.inflow
    if inflow is None:
        return None
    h = results.history
    quarters = _future_quarters(h.as_of, year)
    if not quarters:
        return None
    effort = inflow.future_effort(quarters, overrides=adj.effort or None).reset_index(drop=True)
    mean = inflow.predict_mean(effort, params=draws.inflow)  # draw × cell
    cal_year = effort["quarter"].str[:4].astype(int).to_numpy()
    mean = mean * np.exp(draws.inflow_shock[:, cal_year - draws.first_year])
    key = None if cache_key is None else (*cache_key, year, tuple(zip(effort["unit"], effort["quarter"])),
                                          adj.approval_speed,
                                          tuple(sorted(adj.sector_effect.items())))
    cache = results.__dict__.setdefault("_arrival_cache", {})
    if key is not None and key in cache:
        return replace(cache[key], cells=effort, mean=mean)
    cells = _arrival_paths(results, year, draws, adj, effort, quarters, rng)
    cells = ArrivalCells(effort, mean, *cells)
    if key is not None:
        if len(cache) >= ARRIVAL_CACHE_SIZE:
            cache.pop(next(iter(cache)))
        cache[key] = cells
    return cells


#: Template paths kept per results object (each a few MB).
ARRIVAL_CACHE_SIZE = 8


#: Independent sets of arrival templates, each serving its share of the draws.
TEMPLATE_SETS = 8


def _arrival_sets(draws: ParameterDraws, rng) -> tuple[np.ndarray, list[np.random.Generator]]:
    """Which template set serves each draw (an antithetic pair stays together), and each
    set's random stream for its templates."""
    pair = np.arange(draws.n) // 2
    n_sets = int(min(TEMPLATE_SETS, pair.max() + 1))
    group = pair % n_sets
    seeds = np.random.SeedSequence(int(np.random.default_rng(rng).integers(2**63))).spawn(n_sets)
    return group, [np.random.default_rng(s) for s in seeds]


def _arrival_paths(results: "OutcomeResults", year: int, draws: ParameterDraws, adj: Adjustments,
                   effort: pd.DataFrame, quarters: list[str], rng) -> tuple:
    """Per cell: dispersion, P(band), P(counted groundbreaking), and when those happen.

    The draws are split into :data:`TEMPLATE_SETS` groups (an antithetic pair stays
    together), each with its own templates: the luck of which leads stand for a unit's mix
    then varies between draws, so it is averaged over and counted in the Monte Carlo error
    like the rest, at no extra cost (each template is propagated under its own draws only).
    """
    group, rngs = _arrival_sets(draws, rng)
    parts = [_arrival_paths_for(results, year, draws.take(np.flatnonzero(group == g)), adj, effort, quarters,
                                rngs[g]) for g in range(len(rngs))]
    return _arrival_combine(draws.n, group, parts)


def _arrival_combine(n_draws: int, group: np.ndarray, parts: list[tuple]) -> tuple:
    """The template sets' cell summaries put back in draw order."""
    out = []
    for j in range(1, 5):
        full = np.zeros((n_draws,) + parts[0][j].shape[1:])
        for g in range(len(parts)):
            full[group == g] = parts[g][j]
        out.append(full)
    return (parts[0][0], *out)


def _arrival_paths_for(results: "OutcomeResults", year: int, draws: ParameterDraws, adj: Adjustments,
                       effort: pd.DataFrame, quarters: list[str], rng) -> tuple:
    """:func:`_arrival_paths` for one set of templates and the draws it serves."""
    frame, state = _arrival_template_rows(results, effort, quarters, rng)
    ev = _arrival_template_events(results, year, draws, adj, frame, state)
    sums, total = _arrival_sums(effort, frame, ev)
    return _arrival_summary(results, sums, total)


def _arrival_template_rows(results: "OutcomeResults", effort: pd.DataFrame, quarters: list[str],
                           rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Templates: K leads per unit from its mix, each placed in every arrival month (ledger
    fields and state)."""
    inflow = results.inflow
    units = list(pd.unique(effort["unit"]))
    tmpl = pd.concat([inflow.mix.templates(u, TEMPLATES_PER_UNIT, rng) for u in units], ignore_index=True)
    tmpl["stage"], tmpl["provincial"] = "lead", "none"
    tmpl["investment_first"] = tmpl["investment_bn"]
    tmpl["investment_signed"] = np.nan
    months = [int(month_index(pd.Series([pd.Period(q, freq="Q-DEC").start_time]))[0]) + j
              for q in quarters for j in range(3)]
    rows = []
    for m in months:
        f = tmpl.assign(project_id=[f"arrival:{m}:{i}" for i in range(len(tmpl))], arrival_month=m)
        rows.append(f)
    frame = pd.concat(rows, ignore_index=True)
    state = covariates(frame).reset_index()
    state["stage_idx"] = 0
    state["entry_month"] = frame["arrival_month"].to_numpy()
    state["pace_now"] = 0.0
    state["pace_next"] = np.log(1.5)
    return frame, state


def _arrival_template_events(results: "OutcomeResults", year: int, draws: ParameterDraws, adj: Adjustments,
                             frame: pd.DataFrame, state: pd.DataFrame) -> RowEvents:
    """The templates' events under the scenario's hazard shifts."""
    mult = _multipliers(state["sector"].to_numpy(), adj)
    ev = row_events(results, state, frame, year, draws, start=frame["arrival_month"].to_numpy(), log_multiplier=mult)
    ev.provincial[:] = 0.0  # the list for the year is decided in January, before they sign
    return ev


def _arrival_sums(effort: pd.DataFrame, frame: pd.DataFrame, ev: RowEvents, *,
                  cell_of_row: np.ndarray | None = None) -> tuple[tuple, np.ndarray]:
    """Per cell, the template-weighted sums of P(band), P(counted groundbreaking) and their
    months, and the cells' total weights (sums over rows: a subset's sums add up).
    ``cell_of_row`` (:func:`_cell_index` of ``frame``) saves looking the cells up again."""
    # disjoint bands between consecutive tier bounds: cumulative and banded tiers are sums
    # of bands, so their counts stay consistent (a 10 bn signing counts in "5 bn and above")
    p_signed_year = ev.cum_signed[:, :, -1]
    upper = np.concatenate([ev.clears[..., 1:], np.zeros(ev.clears.shape[:-1] + (1,))], axis=-1)
    p_tier_row = p_signed_year[:, :, None] * np.clip(ev.clears - upper, 0, 1)  # draw × row × band
    p_ground_row = ev.cum_ground[:, :, -1] * ev.counted[None, :]
    m_signed = np.diff(ev.cum_signed, axis=-1, prepend=0.0)
    m_ground = np.diff(ev.cum_ground, axis=-1, prepend=0.0) * ev.counted[None, :, None]

    # each cell averages its templates (weighted: they stand for the unit's whole mix) and
    # its three months
    cell_of_row = _cell_index(effort, frame) if cell_of_row is None else cell_of_row
    n_cells = len(effort)
    weight = frame["weight"].to_numpy(float)
    total = np.bincount(cell_of_row, weights=weight, minlength=n_cells)

    def cell_sum(a: np.ndarray) -> np.ndarray:
        out = np.zeros((a.shape[0], n_cells) + a.shape[2:])
        np.add.at(out, (slice(None), cell_of_row), a * weight.reshape((1, -1) + (1,) * (a.ndim - 2)))
        return out

    return (cell_sum(p_tier_row), cell_sum(p_ground_row), cell_sum(m_signed), cell_sum(m_ground)), total


def _arrival_summary(results: "OutcomeResults", sums: tuple, total: np.ndarray) -> tuple:
    """Dispersion, P(band), P(counted groundbreaking) and their months per cell, from :func:`_arrival_sums`."""
    def mean(a: np.ndarray) -> np.ndarray:
        return a / total.reshape((1, -1) + (1,) * (a.ndim - 2))

    p_tier, p_ground, ms, mg = (mean(a) for a in sums)
    return (float(results.inflow.alpha), p_tier, p_ground, _normalise(ms), _normalise(mg))


def _normalise(a: np.ndarray) -> np.ndarray:
    tot = a.sum(axis=-1, keepdims=True)
    return np.where(tot > 0, a / np.where(tot > 0, tot, 1.0), 1.0 / a.shape[-1])


def _clears(clears: np.ndarray, th: np.ndarray, value: float | None) -> np.ndarray:
    return clears[..., int(np.searchsorted(th, value))]


def _cell_index(effort: pd.DataFrame, frame: pd.DataFrame) -> np.ndarray:
    q = pd.PeriodIndex([pd.Timestamp(year=m // 12, month=m % 12 + 1, day=1) for m in frame["arrival_month"]],
                       freq="Q-DEC").astype(str)
    key = pd.Series(np.arange(len(effort)), index=pd.MultiIndex.from_arrays([effort["unit"], effort["quarter"]]))
    return key.loc[list(zip(frame["unit"], q))].to_numpy()


# --------------------------------------------------------------------------- the simulation
@dataclass
class PortfolioSimulation:
    """Simulated years: whole-year counts and monthly paths of every target.

    Attributes
    ----------
    history, year : the as-of history and the target year.
    counts : one row per simulated year, one column per target (so far included).
    monthly : ``year × month × target`` cumulative counts by the end of each month.
    actual_monthly : achieved cumulative counts by month up to the as-of date (NaN after).
    sources : mean contribution of each source (``so_far``, ``ledger``, ``new_leads``) per target.
    """

    history: History
    year: int
    counts: pd.DataFrame
    monthly: np.ndarray
    actual_monthly: pd.DataFrame
    sources: pd.DataFrame
    n_param_draws: int
    seed: Any = None
    clusters: np.ndarray | None = field(default=None, repr=False)

    @property
    def names(self) -> list[str]:
        return list(self.counts.columns)

    def targets(self) -> pd.DataFrame:
        """``targets.csv`` (CLI.md): goal, so far, mean, p10/p50/p90 and p_meet, plus ``all``."""
        return targets_from_draws(self.history, self.year, self.counts, self.clusters)

    def p_meet(self, target: str = "all") -> float:
        t = self.targets().set_index("target")
        return float(t.loc[target, "p_meet"])

    def met(self) -> pd.DataFrame:
        """Per simulated year, whether each target (and ``all``) is met."""
        goals = self.history.district.targets_for(self.year).goals
        met = pd.DataFrame({n: self.counts[n].to_numpy() >= goals[n] for n in self.names})
        met["all"] = met.all(axis=1)
        return met

    def trajectory(self, *, levels=(0.1, 0.5, 0.9)) -> pd.DataFrame:
        """Month-by-month path of each count: mean, quantiles, goal and the actual so far."""
        goals = self.history.district.targets_for(self.year).goals
        rows = []
        for j, name in enumerate(self.names):
            m = self.monthly[:, :, j]
            q = np.quantile(m, levels, axis=0, method="inverted_cdf")
            for month in range(12):
                row = {"target": name, "month": month + 1, "mean": float(m[:, month].mean()),
                       "goal": goals[name], "actual": self.actual_monthly.loc[month + 1, name]}
                row.update({f"p{int(round(lv * 100))}": float(q[i, month]) for i, lv in enumerate(levels)})
                rows.append(row)
        return pd.DataFrame(rows)


def simulate_portfolio(results: "OutcomeResults", year: int, *, n_draws: int = 20_000, rng=0,
                       adjustments: Adjustments | None = None, n_param_draws: int | None = None
                       ) -> PortfolioSimulation:
    """Simulate ``n_draws`` years: every open project, the new leads, the common shocks.

    Parameters
    ----------
    results : a fitted :class:`~forecasting.outcomes.OutcomeResults`.
    year : the target year.
    n_draws : simulated years.
    rng : seed (an int gives common random numbers across scenarios run with the same seed).
    adjustments : a scenario's changes (:class:`Adjustments`); ``None`` for today's plans.
    n_param_draws : parameter draws (default: the model's ``n_param_draws``).
    """
    return PortfolioSimulator(results, year, n_draws=n_draws, rng=rng, adjustments=adjustments,
                              n_param_draws=n_param_draws).run()


class PortfolioSimulator:
    """A simulation set up once and rerun under different effort (for response curves and
    the allocator): the ledger's part is drawn once, only the new leads are redrawn, with
    the same random numbers each time (common random numbers).

    Parameters are those of :func:`simulate_portfolio`.
    """

    def __init__(self, results: "OutcomeResults", year: int, *, n_draws: int = 20_000, rng=0,
                 adjustments: Adjustments | None = None, n_param_draws: int | None = None,
                 new_leads: bool = True):
        adj = adjustments or Adjustments()
        h = results.history
        self.results, self.year, self.adjustments, self.seed = results, year, adj, rng
        self.targets = h.district.targets_for(year)
        names = self.targets.names
        seed = np.random.SeedSequence(rng if isinstance(rng, (int, np.integer))
                                      else np.random.default_rng(rng).integers(2**32))
        s_params, s_templates, s_rows, s_prospects, s_arrivals = seed.spawn(5)
        D = self.n_param_draws = int(n_param_draws or results.n_param_draws)
        self.draws = draw_parameters(results, year, D, np.random.default_rng(s_params))

        state, frame, start, mult = _ledger_rows(results, year, adj)
        warn_unseen(results.progression, state)
        # the provincial list's pool is the plan's: a lever changes a project's own chance of
        # nomination, not the pool the others compete in (so a partial recomputation, as the
        # explorer's, gives the same numbers)
        base_pool = None
        if adj.slip_months or adj.resize or adj.approval_speed != 1.0 or adj.sector_effect:
            bs, bf, bstart, bmult = _ledger_rows(results, year, Adjustments())
            base_pool = row_events(results, bs, bf, year, self.draws, start=bstart, log_multiplier=bmult).pool
        ev = row_events(results, state, frame, year, self.draws, start=start, log_multiplier=mult, pool=base_pool)
        _zero_settled(ev, h, year, adj)
        pev = None
        if adj.prospects is not None and len(adj.prospects):
            ps, pf, pstart, pmult = _prospect_rows(results, adj.prospects, adj)
            pev = row_events(results, ps, pf, year, self.draws, start=pstart, log_multiplier=pmult,
                             pool=ev.pool, in_pool=False)
        key = (int(rng), D) if isinstance(rng, (int, np.integer)) else None
        # each part draws from its own stream, so leaving the new leads out (for the per-project
        # probabilities alone) changes nothing else
        self.cells = arrival_cells(results, year, self.draws, adj, rng=np.random.default_rng(s_templates),
                                   cache_key=key) if new_leads else None
        self.prospect_events = pev

        th = self.thresholds = thresholds(self.targets)
        self.ledger_events, self._row_seeds = ev, None
        S = self.n_draws = int(n_draws)
        self._which = np.arange(S) % D  # simulated year s uses parameter draw s mod D
        self._ledger = np.zeros((S, 12, len(names)), dtype=np.int32)
        row_seeds, pro_seeds = s_rows.spawn(D), s_prospects.spawn(D)
        self._row_seeds = row_seeds
        if self.cells is not None:  # the new leads' uniforms, fixed for every rerun
            a_rng = np.random.default_rng(s_arrivals)
            self._arrival_u = a_rng.random((S, len(self.cells.cells), 2 + len(th)))
            self._month_seed = a_rng.integers(2**63)
        for d in range(D):
            sims = np.flatnonzero(self._which == d)
            if not sims.size:
                continue
            part = _simulate_rows(ev, d, sims.size, th, self.targets, np.random.default_rng(row_seeds[d]))
            if pev is not None:
                part = part + _simulate_rows(pev, d, sims.size, th, self.targets, np.random.default_rng(pro_seeds[d]))
            self._ledger[sims] = part
        self.actual = _actual_monthly(h, year, names)

    def project_probabilities(self, *, alpha: float = 0.1) -> pd.DataFrame:
        """``projects.csv`` rows under this simulation's scenario, scenario prospects appended
        as ``prospect:N`` rows.

        Each probability is the mean over the simulated years of the probability the
        simulation draws that project's events from (exact, the same numbers: the ledger's
        expected contribution to every count is the sum of this table's column), and
        ``_lo``/``_hi`` the ``alpha / 2`` and ``1 - alpha / 2`` quantiles over the draws of
        the estimates and the year's conditions.
        """
        from ..forecast.contract import finish_projects

        weight = np.bincount(self._which, minlength=self.n_param_draws) / self.n_draws  # draw -> share of years
        frames = []
        for ev in (self.ledger_events, self.prospect_events):
            if ev is None:
                continue
            events = {"p_signed": ev.cum_signed[:, :, -1], "p_groundbreaking": ev.cum_ground[:, :, -1]}
            for t in self.targets.tiers:
                inside = _clears(ev.clears, self.thresholds, t.min_bn) - (
                    _clears(ev.clears, self.thresholds, t.max_bn) if t.max_bn is not None else 0.0)
                events[f"p_tier_{t.name}"] = ev.cum_signed[:, :, -1] * np.clip(inside, 0, 1)
            events["p_provincial"] = ev.provincial
            f = pd.DataFrame({"project_id": ev.ids})
            for col, arr in events.items():
                f[col] = weight @ arr
            for col, arr in events.items():
                lo, hi = _weighted_quantiles(arr, weight, (alpha / 2, 1 - alpha / 2))
                f[f"{col}_lo"], f[f"{col}_hi"] = lo, hi
            frames.append(f)
        out = finish_projects(self.results.history, self.year, frames[0])
        lost = out["project_id"].isin(self.adjustments.lost)
        out.loc[lost, [c for c in out.columns if c.startswith("p_")]] = 0.0
        if len(frames) > 1:
            pros = self.adjustments.prospects.reset_index(drop=True)
            extra = frames[1].assign(stage=pros["stage"].to_numpy(), investment_bn=pros["investment_bn"].to_numpy(float))
            out = pd.concat([out, extra[out.columns]], ignore_index=True)
        return out

    def arrival_mean(self, effort: Mapping[str, Mapping[str, float]] | None = None) -> np.ndarray | None:
        """Expected arrivals per draw and cell under ``effort`` (unit -> changes; merged over
        the scenario's own effort)."""
        if self.cells is None:
            return None
        inflow = self.results.inflow
        merged = {u: dict(v) for u, v in self.adjustments.effort.items()}
        for u, v in (effort or {}).items():
            merged.setdefault(u, {}).update(v)
        quarters = list(pd.unique(self.cells.cells["quarter"]))
        eff = inflow.future_effort(quarters, overrides=merged or None).reset_index(drop=True)
        mean = inflow.predict_mean(eff, params=self.draws.inflow)
        cal_year = eff["quarter"].str[:4].astype(int).to_numpy()
        return mean * np.exp(self.draws.inflow_shock[:, cal_year - self.draws.first_year])

    def run(self, effort: Mapping[str, Mapping[str, float]] | None = None, *, monthly: bool = True
            ) -> PortfolioSimulation:
        """The simulated years, with the new leads' effort changed as given.

        ``monthly=False`` skips spreading the new leads' events over the months: the
        year-end counts are the same, the monthly paths are not filled for them (faster,
        for the allocator).
        """
        h, year, names = self.results.history, self.year, self.targets.names
        monthly_counts = self._ledger.copy()
        new_total = np.zeros(len(names))
        if self.cells is not None:
            mean = self.cells.mean if effort is None else self.arrival_mean(effort)
            new = _simulate_arrivals(self.cells, mean, self._which, self._arrival_u, tier_bands(self.targets),
                                     np.random.default_rng(self._month_seed) if monthly else None)
            new_total = new[:, -1, :].sum(axis=0).astype(float)
            monthly_counts += new
        ledger_total = self._ledger[:, -1, :].sum(axis=0)
        actual = self.actual
        as_of_m = h.as_of_date.month if h.as_of_date.year == year else (12 if h.as_of_date.year > year else 0)
        offset = actual.loc[as_of_m].to_numpy() if as_of_m else np.zeros(len(names))
        if as_of_m:
            monthly_counts[:, :as_of_m, :] = 0
        known = np.where(np.arange(1, 13)[:, None] <= as_of_m, actual.fillna(0).to_numpy(), offset)
        monthly_counts = monthly_counts + known.astype(np.int32)[None]
        counts = pd.DataFrame(monthly_counts[:, -1, :], columns=names)
        S = self.n_draws
        sources = pd.DataFrame({"so_far": so_far(h, year).reindex(names).to_numpy(float),
                                "ledger": ledger_total / S, "new_leads": new_total / S}, index=names)
        return PortfolioSimulation(h, year, counts, monthly_counts, actual, sources, self.n_param_draws,
                                   seed=self.seed, clusters=self._which // 2)


def _weighted_quantiles(arr: np.ndarray, weight: np.ndarray, levels: tuple[float, ...]) -> list[np.ndarray]:
    """Per column of ``arr`` (draw × row), the quantiles of its values weighted by ``weight``
    (the lowest value whose cumulative weight reaches the level)."""
    order = np.argsort(arr, axis=0, kind="stable")
    cum = np.cumsum(weight[order], axis=0)
    sorted_ = np.take_along_axis(arr, order, axis=0)
    out = []
    for lv in levels:
        k = np.minimum((cum < lv * cum[-1] - 1e-12).sum(axis=0), arr.shape[0] - 1)
        out.append(sorted_[k, np.arange(arr.shape[1])])
    return out


def _zero_settled(ev: RowEvents, history: History, year: int, adj: Adjustments) -> None:
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


def _uniform_chunks(R: int, n: int, rng: np.random.Generator):
    """The uniforms ``U, V, W`` (year × row) of ``n`` simulated years, in memory-bounded chunks.

    Every user of a draw's rows goes through here, so the same seed gives the same numbers.
    """
    per = max(1, _CHUNK_CELLS // max(R * 12, 1))
    for lo in range(0, n, per):
        m = min(per, n - lo)
        yield lo, m, rng.random((m, R)), rng.random((m, R)), rng.random((m, R))


def _tier_inside(V: np.ndarray, clears: np.ndarray, th: np.ndarray, tier) -> np.ndarray:
    """Whether each row's amount at signing falls in the tier (``V`` against the clearing probabilities)."""
    inside = V < clears[None, :, int(np.searchsorted(th, tier.min_bn))]
    if tier.max_bn is not None:
        inside &= V >= clears[None, :, int(np.searchsorted(th, tier.max_bn))]
    return inside


def row_indicators(ev: RowEvents, d: int, U: np.ndarray, V: np.ndarray, W: np.ndarray, th: np.ndarray,
                   targets) -> np.ndarray:
    """Per simulated year and row, whether the row counts toward each target: ``year × row × target``."""
    out = np.zeros(U.shape + (len(targets.names),), dtype=bool)
    out[:, :, 0] = ev.counted[None, :] & (U < ev.cum_ground[d][None, :, -1])
    signed = U < ev.cum_signed[d][None, :, -1]
    for j, t in enumerate(targets.tiers):
        out[:, :, 1 + j] = signed & _tier_inside(V, ev.clears[d], th, t)
    out[:, :, -1] = W < ev.provincial[d][None]
    return out


def _simulate_rows(ev: RowEvents, d: int, n: int, th: np.ndarray, targets, rng: np.random.Generator) -> np.ndarray:
    """``n`` simulated years of these rows under draw ``d``: ``year × month × target`` cumulative counts."""
    R = len(ev.ids)
    out = np.zeros((n, 12, len(targets.names)), dtype=np.int32)
    if R == 0:
        return out
    cs, cg = ev.cum_signed[d], ev.cum_ground[d][ev.counted]
    clears, prov = ev.clears[d], ev.provincial[d]
    for lo, m, U, V, W in _uniform_chunks(R, n, rng):
        out[lo:lo + m, :, 0] = _monthly_hits(U[:, ev.counted], cg, np.ones((m, int(ev.counted.sum())), bool))
        for j, t in enumerate(targets.tiers):
            out[lo:lo + m, :, 1 + j] = _monthly_hits(U, cs, _tier_inside(V, clears, th, t))
        designated = (W < prov[None]).sum(axis=1)
        out[lo:lo + m, DESIGNATION_MONTH:, -1] = designated[:, None]
    return out


def _monthly_hits(U: np.ndarray, cum: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Cumulative count by month of rows whose event happened (``U < cum[row, 11]``).

    ``U``: simulated year × row uniforms; ``cum``: row × month cumulative probabilities;
    the event's month is the first whose cumulative probability exceeds ``U``. Only the
    rows that do have the event are looked at, so the work scales with the events.
    """
    n = U.shape[0]
    hit = eligible & (U < cum[None, :, -1])
    i, r = np.nonzero(hit)
    month = (U[i, r][:, None] >= cum[r, :]).sum(axis=1)
    counts = np.zeros((n, 12), dtype=np.int32)
    np.add.at(counts, (i, np.minimum(month, 11)), 1)
    return np.cumsum(counts, axis=1)


def tier_bands(targets) -> list[np.ndarray]:
    """Per tier, the bands (between consecutive :func:`thresholds`) it is made of."""
    th = thresholds(targets)
    return [np.flatnonzero((th >= t.min_bn - 1e-12) & ((th < t.max_bn - 1e-12) if t.max_bn is not None else True))
            for t in targets.tiers]


def _simulate_arrivals(cells: ArrivalCells, mean: np.ndarray, which: np.ndarray, U: np.ndarray,
                       bands: list[np.ndarray], month_rng: np.random.Generator | None) -> np.ndarray:
    """Simulated years of new leads: ``year × month × target`` cumulative counts.

    ``mean`` is draw × cell expected arrivals, ``which`` each simulated year's draw, ``U``
    fixed uniforms (year × cell × 2 + bands), ``bands`` each tier's bands
    (:func:`tier_bands`). The leads of a cell are split over the disjoint amount bands by
    sequential binomials (an exact multinomial) and each tier counts its bands, so a
    cumulative tier never counts fewer than a tier inside it. Counts are inverse-CDF
    draws, so more expected arrivals can only add leads and events in the same simulated
    year (common random numbers). Without ``month_rng`` only the year-end counts are
    filled (December).
    """
    mu = mean[which]  # year × cell
    arrivals = _nb_ppf(U[:, :, 0], mu, cells.alpha)
    ground = _binom_ppf(U[:, :, 1], arrivals, cells.p_ground[which])
    left = arrivals
    band_counts = []
    rest = np.ones_like(mu)
    for j in range(cells.p_bin.shape[-1]):
        pj = cells.p_bin[which][:, :, j]
        k = _binom_ppf(U[:, :, 2 + j], left, np.clip(pj / np.maximum(rest, 1e-12), 0, 1))
        band_counts.append(k)
        left = left - k
        rest = rest - pj
    out = np.zeros((mu.shape[0], 12, 2 + len(bands)), dtype=np.int32)
    if month_rng is None:
        out[:, 11, 0] = ground.sum(axis=1)
        for j, b in enumerate(bands):
            out[:, 11, 1 + j] = sum((band_counts[i].sum(axis=1) for i in b), np.zeros(mu.shape[0], np.int64))
        return out
    # spread each cell's events over the months they happen in (for the monthly paths)
    out[:, :, 0] = _by_month(ground, cells.month_ground[which], month_rng)
    monthly = [_by_month(k, cells.month_signed[which], month_rng) for k in band_counts]
    for j, b in enumerate(bands):
        out[:, :, 1 + j] = sum((monthly[i] for i in b), np.zeros((mu.shape[0], 12), np.int32))
    return out


def _nb_ppf(u: np.ndarray, mu: np.ndarray, alpha: float) -> np.ndarray:
    """Negative binomial (NB2: mean ``mu``, variance ``mu + alpha mu²``) quantile of ``u``,
    elementwise: the smallest ``k`` with ``P(X <= k) >= u``, by the pmf's recursion
    (exact, vectorised; Poisson when ``alpha`` is 0)."""
    mu = np.broadcast_to(np.maximum(np.asarray(mu, float), 0.0), np.shape(u)).ravel()
    if alpha > 0:
        r = 1.0 / alpha
        q = mu / (r + mu)
        p0 = np.exp(r * np.log1p(-q))  # P(X = 0)
        k = _invert(np.ravel(u), p0, lambda j, i: (j + r) / (j + 1) * q[i])
    else:
        k = _invert(np.ravel(u), np.exp(-mu), lambda j, i: mu[i] / (j + 1))
    return k.reshape(np.shape(u))


def _binom_ppf(u: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Binomial(``n``, ``p``) quantile of ``u``, elementwise, by the pmf's recursion."""
    shape = np.shape(u)
    p = np.broadcast_to(np.clip(np.asarray(p, float), 0.0, 1.0 - 1e-15), shape).ravel()
    n = np.broadcast_to(np.asarray(n, np.int64), shape).ravel()
    odds = p / (1.0 - p)
    p0 = np.exp(n * np.log1p(-p))
    k = _invert(np.ravel(u), p0, lambda j, i: (n[i] - j) / (j + 1) * odds[i], cap=n)
    return k.reshape(shape)


def _invert(u: np.ndarray, p0: np.ndarray, step, cap: np.ndarray | None = None, tol: float = 1e-12,
            max_iter: int = 100_000) -> np.ndarray:
    """Smallest ``k`` with cdf(k) >= u (flat arrays), where pmf(k + 1) = pmf(k) × step(k, rows),
    never above ``cap``. Only the rows still climbing are carried from one ``k`` to the next."""
    k = np.zeros(u.shape, dtype=np.int64)
    active = u > p0 + tol
    if cap is not None:
        active &= cap > 0
    i = np.flatnonzero(active)
    pk, cdf, ui = p0[i], p0[i].copy(), u[i]
    j = 0
    while i.size and j < max_iter:
        pk = pk * step(j, i)
        cdf = cdf + pk
        j += 1
        k[i] = j
        go = ui > cdf + tol
        if cap is not None:
            go &= cap[i] > j
        i, pk, cdf, ui = i[go], pk[go], cdf[go], ui[go]
    if i.size:
        import warnings

        from ..errors import ConvergenceWarning

        warnings.warn(
            f"the inverse-CDF search stopped at {max_iter} for {i.size} draw(s) whose cumulative probability "
            "had not reached its uniform: those simulated counts are capped there and too low",
            ConvergenceWarning, stacklevel=2)
    return k


def _by_month(k: np.ndarray, pmonth: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Cumulative monthly counts from per-cell event counts ``k`` (year × cell); ``pmonth``
    (year × cell × month, or cell × month) says when a cell's events happen."""
    if not k.any():
        return np.zeros((k.shape[0], 12), dtype=np.int32)
    split = rng.multinomial(k, np.broadcast_to(pmonth, k.shape + (12,)))
    return np.cumsum(split.sum(axis=1), axis=-1).astype(np.int32)


def _actual_monthly(history: History, year: int, names: list[str]) -> pd.DataFrame:
    """Cumulative achieved counts by month of ``year`` up to the as-of month (NaN after)."""
    targets = history.district.targets_for(year)
    P = history.projects
    ev = year_events(P, year, targets)
    out = pd.DataFrame(0.0, index=pd.RangeIndex(1, 13, name="month"), columns=names)
    gmonth = P["groundbreaking_date"].dt.month.to_numpy()
    smonth = P["signed_date"].dt.month.to_numpy()
    for name, mask, month in (
        ("groundbreakings", ev["groundbreaking_counted"].to_numpy(), gmonth),
        *[(f"tier_{t.name}", ev[f"tier_{t.name}"].to_numpy(), smonth) for t in targets.tiers],
        ("provincial_major", ev["provincial"].to_numpy(), np.full(len(P), DESIGNATION_MONTH + 1)),
    ):
        hits = np.bincount(month[mask].astype(int), minlength=13)[1:13] if mask.any() else np.zeros(12)
        out[name] = np.cumsum(hits)
    as_of = history.as_of_date
    if as_of.year == year:
        out.loc[as_of.month + 1:, :] = np.nan
    elif as_of.year < year:
        out.loc[:, :] = np.nan
    return out


def compare(baseline: PortfolioSimulation, scenario: PortfolioSimulation) -> pd.DataFrame:
    """Each target's mean, 80 % interval and p_meet, baseline beside scenario (``comparison.csv``)."""
    b, s = baseline.targets().set_index("target"), scenario.targets().set_index("target")
    out = pd.DataFrame({
        "goal": b["goal"],
        "baseline_mean": b["mean"], "scenario_mean": s["mean"],
        "baseline_p10": b["p10"], "scenario_p10": s["p10"],
        "baseline_p90": b["p90"], "scenario_p90": s["p90"],
        "baseline_p_meet": b["p_meet"], "scenario_p_meet": s["p_meet"],
    })
    out["change_p_meet"] = out["scenario_p_meet"] - out["baseline_p_meet"]
    return out.reset_index()


__all__ = ["Adjustments", "PortfolioSimulation", "PortfolioSimulator", "simulate_portfolio", "compare", "draw_parameters",
           "row_events", "row_indicators", "RowEvents", "TARGET_COLUMNS", "tier_bands"]
