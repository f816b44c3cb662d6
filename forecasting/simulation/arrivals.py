"""The leads not in the ledger yet: arrival cells and the templates that stand for them.

Leads arrive per unit and quarter from the inflow model (:mod:`~forecasting.models.inflow`);
each arrival is a lead drawn from its unit's mix of sectors and sizes. :func:`arrival_cells`
gives each (unit, quarter) cell its expected arrivals and, from templates propagated like
any other row from their arrival month, the chance of each event and its month
(:class:`ArrivalCells`). The pieces are public so that the explorer can recompute one
sector's templates alone.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..history.episodes import month_index
from ..models.progression import covariates
from .adjustments import Adjustments, hazard_shifts
from .draws import ParameterDraws
from .fitted import OutcomeResults
from .rows import RowEvents, row_events

#: Arrival templates drawn per unit from its mix of leads.
TEMPLATES_PER_UNIT = 24


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


def future_quarters(as_of: str, year: int) -> list[str]:
    """The quarters after ``as_of`` up to the end of ``year`` (empty when ``year`` is over)."""
    from ..data.quarters import quarter_range

    nxt = (pd.Period(as_of, freq="Q-DEC") + 1)
    last = f"{year}Q4"
    return quarter_range(str(nxt), last) if str(nxt) <= last else []


def arrival_cells(results: OutcomeResults, year: int, draws: ParameterDraws, adj: Adjustments,
                  *, rng, cache_key: tuple | None = None) -> ArrivalCells | None:
    """The leads still to arrive before the year ends, by unit and quarter.

    The expensive part, the templates' paths through the year, does not depend on effort
    (effort only scales how many leads arrive): with ``cache_key`` (which must identify the
    parameter draws and the template seed) it is computed once per results object and
    reused by every simulator with the same key and the same hazard shifts (kept beside the
    results, not in them: the fitted results stay as fitted).
    """
    inflow = results.inflow
    if inflow is None:
        return None
    h = results.history
    quarters = future_quarters(h.as_of, year)
    if not quarters:
        return None
    effort = inflow.future_effort(quarters, overrides=adj.effort or None).reset_index(drop=True)
    mean = inflow.predict_mean(effort, params=draws.inflow)  # draw × cell
    cal_year = effort["quarter"].str[:4].astype(int).to_numpy()
    mean = mean * np.exp(draws.inflow_shock[:, cal_year - draws.first_year])
    key = None if cache_key is None else (*cache_key, year, tuple(zip(effort["unit"], effort["quarter"])),
                                          adj.approval_speed,
                                          tuple(sorted(adj.sector_effect.items())))
    cache = _PATHS.setdefault(results, {})
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
#: The kept template paths, per results object (dropped with it).
_PATHS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


#: Independent sets of arrival templates, each serving its share of the draws.
TEMPLATE_SETS = 8


def template_set(draw: np.ndarray, n_draws: int) -> np.ndarray:
    """Which template set serves parameter draw(s) ``draw`` of ``n_draws`` (an antithetic pair
    stays together; the pairs take the :data:`TEMPLATE_SETS` sets in turn)."""
    n_sets = int(min(TEMPLATE_SETS, (n_draws - 1) // 2 + 1))
    return (np.asarray(draw) // 2) % n_sets


def arrival_sets(draws: ParameterDraws, rng) -> tuple[np.ndarray, list[np.random.Generator]]:
    """Which template set serves each draw (:func:`template_set`), and each set's random
    stream for its templates."""
    group = template_set(np.arange(draws.n), draws.n)
    n_sets = int(group.max()) + 1
    seeds = np.random.SeedSequence(int(np.random.default_rng(rng).integers(2**63))).spawn(n_sets)
    return group, [np.random.default_rng(s) for s in seeds]


def _arrival_paths(results: OutcomeResults, year: int, draws: ParameterDraws, adj: Adjustments,
                   effort: pd.DataFrame, quarters: list[str], rng) -> tuple:
    """Per cell: dispersion, P(band), P(counted groundbreaking), and when those happen.

    The draws are split into :data:`TEMPLATE_SETS` groups (an antithetic pair stays
    together), each with its own templates: the luck of which leads stand for a unit's mix
    then varies between draws, so it is averaged over, at no extra cost (each template is
    propagated under its own draws only). The draws of one set share that luck, so the Monte
    Carlo error counts the sets as well as the pairs (:func:`~forecasting.forecast.contract.mc_se`).
    """
    group, rngs = arrival_sets(draws, rng)
    parts = [_arrival_paths_for(results, year, draws.take(np.flatnonzero(group == g)), adj, effort, quarters,
                                rngs[g]) for g in range(len(rngs))]
    return arrival_combine(draws.n, group, parts)


def arrival_combine(n_draws: int, group: np.ndarray, parts: list[tuple]) -> tuple:
    """The template sets' cell summaries put back in draw order."""
    out = []
    for j in range(1, 5):
        full = np.zeros((n_draws,) + parts[0][j].shape[1:])
        for g in range(len(parts)):
            full[group == g] = parts[g][j]
        out.append(full)
    return (parts[0][0], *out)


def _arrival_paths_for(results: OutcomeResults, year: int, draws: ParameterDraws, adj: Adjustments,
                       effort: pd.DataFrame, quarters: list[str], rng) -> tuple:
    """:func:`_arrival_paths` for one set of templates and the draws it serves."""
    frame, state = arrival_template_rows(results, effort, quarters, rng)
    ev = arrival_template_events(results, year, draws, adj, frame, state)
    sums, total = arrival_sums(effort, frame, ev)
    return arrival_summary(results, sums, total)


def arrival_template_rows(results: OutcomeResults, effort: pd.DataFrame, quarters: list[str],
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
    return frame, state


def arrival_template_events(results: OutcomeResults, year: int, draws: ParameterDraws, adj: Adjustments,
                             frame: pd.DataFrame, state: pd.DataFrame) -> RowEvents:
    """The templates' events under the scenario's hazard shifts."""
    mult = hazard_shifts(state["sector"].to_numpy(), adj)
    ev = row_events(results, state, frame, year, draws, start=frame["arrival_month"].to_numpy(), log_multiplier=mult)
    ev.provincial[:] = 0.0  # the list for the year is decided in January, before they sign
    return ev


def arrival_sums(effort: pd.DataFrame, frame: pd.DataFrame, ev: RowEvents, *,
                  cell_of_row: np.ndarray | None = None) -> tuple[tuple, np.ndarray]:
    """Per cell, the template-weighted sums of P(band), P(counted groundbreaking) and their
    months, and the cells' total weights (sums over rows: a subset's sums add up).
    ``cell_of_row`` (:func:`cell_index` of ``frame``) saves looking the cells up again."""
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
    cell_of_row = cell_index(effort, frame) if cell_of_row is None else cell_of_row
    n_cells = len(effort)
    weight = frame["weight"].to_numpy(float)
    total = np.bincount(cell_of_row, weights=weight, minlength=n_cells)

    # each cell's rows side by side (padded with a zero row): summing them in row order, as
    # an unbuffered scatter-add would, in one vectorised reduction
    order = np.argsort(cell_of_row, kind="stable")
    cells_sorted = cell_of_row[order]
    rank = np.arange(len(order)) - np.searchsorted(cells_sorted, cells_sorted)
    slots = np.full((int(rank.max(initial=-1)) + 1, n_cells), len(order))  # rank × cell -> row
    slots[rank, cells_sorted] = order

    def cell_sum(a: np.ndarray) -> np.ndarray:
        x = a * weight.reshape((1, -1) + (1,) * (a.ndim - 2))
        x = np.concatenate([x, np.zeros((a.shape[0], 1) + a.shape[2:])], axis=1)
        return x[:, slots].sum(axis=1)

    return (cell_sum(p_tier_row), cell_sum(p_ground_row), cell_sum(m_signed), cell_sum(m_ground)), total


def arrival_summary(results: OutcomeResults, sums: tuple, total: np.ndarray) -> tuple:
    """Dispersion, P(band), P(counted groundbreaking) and their months per cell, from :func:`arrival_sums`."""
    def mean(a: np.ndarray) -> np.ndarray:
        return a / total.reshape((1, -1) + (1,) * (a.ndim - 2))

    p_tier, p_ground, ms, mg = (mean(a) for a in sums)
    return (float(results.inflow.alpha), p_tier, p_ground, _normalise(ms), _normalise(mg))


def _normalise(a: np.ndarray) -> np.ndarray:
    tot = a.sum(axis=-1, keepdims=True)
    return np.where(tot > 0, a / np.where(tot > 0, tot, 1.0), 1.0 / a.shape[-1])


def cell_index(effort: pd.DataFrame, frame: pd.DataFrame) -> np.ndarray:
    """Per template row of ``frame``, the position in ``effort`` of its (unit, arrival quarter) cell."""
    m = frame["arrival_month"].to_numpy(int)
    q = [f"{y}Q{j}" for y, j in zip(m // 12, m % 12 // 3 + 1)]
    key = {cell: i for i, cell in enumerate(zip(effort["unit"], effort["quarter"]))}
    return np.array([key[cell] for cell in zip(frame["unit"], q)], dtype=int)


__all__ = ["ARRIVAL_CACHE_SIZE", "TEMPLATES_PER_UNIT", "TEMPLATE_SETS", "ArrivalCells", "arrival_cells",
           "arrival_combine", "arrival_sets", "arrival_sums", "arrival_summary", "arrival_template_events",
           "arrival_template_rows", "cell_index", "future_quarters", "template_set"]
