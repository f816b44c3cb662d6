"""Distributing whole people across units to make an objective as large as possible.

The objective is the caller's (for the toolkit, :class:`~forecasting.whatif.levers.StaffObjective`:
an :class:`~forecasting.whatif.objectives.Objective`'s score — P(all targets met), or the expected
shortfall against the goals negated, and so on — simulated with common random numbers). It is
expensive, deterministic for a given allocation, a little noisy from one allocation to the
next and not necessarily concave, so the search is frugal, memoised and local:

1. **Starts.** Today's allocation (rescaled to the total by largest remainders when the
   total differs, within the bounds); a greedy build that, from the minimums, adds one
   person at a time where the objective gains most; optionally random allocations.
2. **Steepest ascent** from each start over single moves (one person from unit ``i`` to
   unit ``j``): evaluate every move, take the best improving one, repeat until none improves.
3. **Never worse than today.** The recommendation is the best allocation evaluated, and it
   replaces today's only if it beats it by more than ``tol``; a planner is never told to
   reorganise for a worse, or an equal, expected result.
4. **Never for noise.** When the objective also reports a paired gain with its Monte Carlo
   error (``objective.gain(allocation, reference) -> (gain, se)``, as
   :class:`~forecasting.whatif.levers.StaffObjective` does for every
   :class:`~forecasting.whatif.objectives.Objective`), the best move found is recommended only if
   its gain exceeds ``noise_z`` (2) errors; otherwise today's staffing stands, and the move,
   its gain and its error are still reported.

:func:`~forecasting.whatif.needed.staff_needed` answers the reverse question: the fewest
extra people, and where, to lift the objective to a level. The search's pieces are in
:mod:`forecasting.whatif.search`.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import ExtrapolationWarning
from .needed import StaffNeeded, staff_needed
from .search import (Allocation, Bounds, BudgetSpent, Evaluator, Objective, check_bounds, climb, greedy_allocation,
                     greedy_build, random_allocations, rescale)


def _search(ev: Evaluator, start: tuple[int, ...], b: Bounds, total: int, *, tol: float, greedy_start: bool,
            random_starts: Sequence[tuple[int, ...]], trace: list) -> tuple[tuple[int, ...], float, bool]:
    """Climb from each start; the best feasible allocation evaluated, ``start`` unless beaten by > ``tol``."""
    start_value = ev(start, force=True)
    trace.append(("current", "start", None, None, start, start_value))
    exhausted = False
    try:
        climb(ev, start, b, tol, trace, "current")
        if greedy_start:
            g = greedy_build(ev, b, total, prefer=np.array(start, float), trace=trace)
            climb(ev, g, b, tol, trace, "greedy")
        for k, x in enumerate(random_starts, start=1):
            trace.append((f"random {k}", "start", None, None, x, ev(x)))
            climb(ev, x, b, tol, trace, f"random {k}")
    except BudgetSpent:
        exhausted = True
    # every allocation evaluated counts, not only the climbs' end points; today's wins near-ties
    best, best_value = start, start_value
    for x, v in ev.cache.items():
        if v > best_value and b.feasible(x, total):
            best, best_value = x, v
    if best_value <= start_value + tol:
        best, best_value = start, start_value
    return best, best_value, exhausted


@dataclass(frozen=True)
class AllocationResult:
    """What :func:`allocate` found.

    Attributes
    ----------
    best, best_value : the recommended allocation and its objective (``best`` is
        ``current`` unless something beat it by more than ``tol``).
    current, current_value : today's allocation (rescaled to the total when it differs, or
        when it breaks the bounds) and its objective.
    marginal : unit -> objective(best with one more person there) − objective(best); the
        total and the maximums are ignored, so it says where the next hire would help most.
    evaluations : distinct allocations evaluated (the marginal ones included).
    trace : one row per step (``start``, ``kind`` = start/add/move, ``from_unit``,
        ``to_unit``, the allocation's units as columns, ``value``).
    extrapolated : units whose recommended staff lies outside ``seen_range``.
    budget_exhausted : whether the search stopped at ``max_evals``.
    move : the best allocation found, recommended or not (``current`` when nothing beat it).
    move_gain, move_gain_se : its gain over ``current`` in the objective's units (positive
        = better) and the paired Monte Carlo error (NaN without ``objective.gain``; then
        ``move_gain`` is the score difference).
    within_noise : the move was found but not recommended: its gain is not more than
        ``noise_z`` errors.
    marginal_se : unit -> the Monte Carlo error of ``marginal`` (NaN without ``objective.gain``).
    """

    best: Allocation
    best_value: float
    current: Allocation
    current_value: float
    marginal: dict[str, float]
    evaluations: int
    trace: pd.DataFrame
    extrapolated: list[str] = field(default_factory=list)
    budget_exhausted: bool = False
    move: Allocation | None = None
    move_gain: float = float("nan")
    move_gain_se: float = float("nan")
    within_noise: bool = False
    marginal_se: dict[str, float] | None = None

    @property
    def gain(self) -> float:
        """best_value − current_value (≥ 0)."""
        return self.best_value - self.current_value

    @property
    def change(self) -> dict[str, int]:
        """Per unit, the recommended staff minus today's."""
        return {u: self.best[u] - self.current[u] for u in self.best}

    @property
    def move_change(self) -> dict[str, int]:
        """Per unit, the best move found minus today's (recommended or not)."""
        move = self.move or self.best
        return {u: move[u] - self.current[u] for u in move}

    def summary(self) -> pd.DataFrame:
        """One row per unit: staff_now, staff_best, change, marginal, extrapolated, the
        marginal's Monte Carlo error (``marginal_se``); then the best move found (``staff_move``) with its gain and
        error (``move_gain``, ``move_gain_se``, the same on every row) and ``within_noise``."""
        se = self.marginal_se or {}
        move = self.move or self.best
        return pd.DataFrame({"unit": list(self.best), "staff_now": [self.current[u] for u in self.best],
                             "staff_best": list(self.best.values()), "change": list(self.change.values()),
                             "marginal": [self.marginal[u] for u in self.best],
                             "extrapolated": [u in self.extrapolated for u in self.best],
                             "marginal_se": [se.get(u, float("nan")) for u in self.best],
                             "staff_move": [move[u] for u in self.best],
                             "move_gain": self.move_gain, "move_gain_se": self.move_gain_se,
                             "within_noise": self.within_noise})


def allocate(objective: Objective, current: Mapping[str, float], total: int | None = None, *,
             minimum: Mapping[str, int] | None = None, maximum: Mapping[str, int] | None = None,
             seen_range: Mapping[str, tuple[float, float]] | None = None, rng=None, greedy_start: bool = True,
             n_random_starts: int = 0, tol: float = 1e-9, max_evals: int | None = 2000,
             noise_z: float | None = 2.0) -> AllocationResult:
    """The allocation of ``total`` people across the units of ``current`` that makes
    ``objective`` largest, never worse than today's (see the module docstring).

    Parameters
    ----------
    objective : ``objective(allocation) -> float`` to maximise; ``allocation`` maps every
        unit of ``current`` to a whole number of people. Deterministic per allocation
        (common random numbers), as it is evaluated at most once per allocation.
    current : today's staff per unit (the units to allocate across, in this order).
    total : people to distribute (default: today's total).
    minimum, maximum : per-unit bounds (default 0 and ``total``).
    seen_range : unit -> (lowest, highest) staff in the history; units recommended outside
        it are listed in ``extrapolated`` and an :class:`ExtrapolationWarning` is raised once.
    rng : seed or generator for the random starts.
    greedy_start : also climb from the greedy build (costs about ``units × total`` evaluations).
    n_random_starts : further climbs from allocations drawn by :func:`random_allocations`.
    tol : a move, and the final recommendation, must gain more than this (simulation noise).
    max_evals : budget of distinct evaluations for the search (``None``: unlimited); today's
        allocation and the marginal values are evaluated regardless.
    noise_z : when ``objective`` has ``gain(allocation, reference) -> (gain, se)``, the best
        move is recommended only if ``gain > noise_z × se`` (``None``: no such check).

    Examples
    --------
    >>> import math
    >>> weights = {"a": 1.0, "b": 2.0, "c": 4.0}
    >>> res = allocate(lambda x: sum(w * math.log1p(x[u]) for u, w in weights.items()), {"a": 3, "b": 3, "c": 3})
    >>> res.best
    {'a': 1, 'b': 2, 'c': 6}
    """
    units = list(current)
    if not units:
        raise ValueError("no units to allocate across")
    now = np.array([float(current[u]) for u in units])
    if np.any(now < 0) or not np.all(np.isfinite(now)):
        raise ValueError("today's staff must be finite and ≥ 0")
    if total is None:
        if not np.allclose(now, np.round(now)):
            raise ValueError("today's staff are not whole numbers; give the total to allocate")
        total = int(round(now.sum()))
    total = int(total)
    b = check_bounds(units, total, minimum, maximum)
    unknown = sorted(set(seen_range or {}) - set(units))
    if unknown:
        raise ValueError(f"seen_range names units that are not allocated: {', '.join(unknown)}")

    ev = Evaluator(objective, units, max_evals)
    whole = tuple(int(round(v)) for v in now)
    if np.allclose(now, whole) and b.feasible(whole, total):
        start = whole
    else:
        start = tuple(rescale(dict(zip(units, now)), total, minimum, maximum).values())
    starts = []
    if n_random_starts:
        draws = random_allocations(n_random_starts, total, dict(zip(units, b.lo)), dict(zip(units, b.hi)), rng)
        starts = [tuple(a[u] for u in units) for a in draws]
    trace: list[tuple] = []
    best, best_value, exhausted = _search(ev, start, b, total, tol=tol, greedy_start=greedy_start,
                                          random_starts=starts, trace=trace)
    start_value = ev(start)
    paired = getattr(objective, "gain", None) if callable(getattr(objective, "gain", None)) else None
    move, move_gain, move_se, within = best, best_value - start_value, float("nan"), False
    if best != start and paired is not None and noise_z is not None:
        move_gain, move_se = paired(dict(zip(units, best)), dict(zip(units, start)))
        if not move_gain > noise_z * move_se:  # a NaN error is noise too
            within = True
            best, best_value = start, start_value
    marginal, marginal_se = {}, {}
    for i, u in enumerate(units):
        up = best[:i] + (best[i] + 1,) + best[i + 1:]
        marginal[u] = ev(up, force=True) - best_value
        marginal_se[u] = (paired(dict(zip(units, up)), dict(zip(units, best)))[1] if paired is not None
                          else float("nan"))
    best_alloc = dict(zip(units, best))
    extrapolated = [u for u, (lo, hi) in (seen_range or {}).items()
                    if not (lo - 1e-9 <= best_alloc[u] <= hi + 1e-9)]
    if extrapolated:
        warnings.warn("the recommended staff lies outside the range seen in the history for "
                      + ", ".join(f"{u} ({best_alloc[u]}; seen {seen_range[u][0]:g}–{seen_range[u][1]:g})"
                                  for u in extrapolated)
                      + ": the effect of staff there is extrapolated", ExtrapolationWarning, stacklevel=2)
    frame = pd.DataFrame([(s, k, f, t, *x, v) for s, k, f, t, x, v in trace],
                         columns=["start", "kind", "from_unit", "to_unit", *units, "value"])
    return AllocationResult(best_alloc, best_value, dict(zip(units, start)), start_value, marginal, len(ev.cache),
                            frame, extrapolated, exhausted, dict(zip(units, move)), float(move_gain), float(move_se),
                            within, marginal_se)


__all__ = ["AllocationResult", "StaffNeeded", "allocate", "greedy_allocation", "random_allocations", "rescale",
           "staff_needed"]
