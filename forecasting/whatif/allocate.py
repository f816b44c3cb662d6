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

:func:`staff_needed` answers the reverse question: the fewest extra people, and where, to
lift the objective to a level.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import ExtrapolationWarning

Allocation = dict[str, int]
Objective = Callable[[Mapping[str, int]], float]


class _Budget(Exception):
    """The evaluation budget is spent."""


class _Evaluator:
    """The objective on integer vectors in a fixed unit order, memoised and budgeted."""

    def __init__(self, objective: Objective, units: Sequence[str], max_evals: int | None):
        self.objective, self.units, self.max_evals = objective, tuple(units), max_evals
        self.cache: dict[tuple[int, ...], float] = {}

    def __call__(self, x: tuple[int, ...], *, force: bool = False) -> float:
        v = self.cache.get(x)
        if v is None:
            if not force and self.max_evals is not None and len(self.cache) >= self.max_evals:
                raise _Budget
            v = float(self.objective(dict(zip(self.units, x))))
            if math.isnan(v):
                raise ValueError(f"the objective returned NaN for {dict(zip(self.units, x))}")
            self.cache[x] = v
        return v


@dataclass(frozen=True)
class _Bounds:
    lo: tuple[int, ...]
    hi: tuple[int, ...]

    def feasible(self, x: tuple[int, ...], total: int) -> bool:
        return sum(x) == total and all(a <= v <= b for a, v, b in zip(self.lo, x, self.hi))


def _whole(name: str, values: Mapping[str, float]) -> dict[str, int]:
    out = {}
    for u, v in values.items():
        if isinstance(v, bool) or float(v) != int(v) or v < 0:
            raise ValueError(f"{name}[{u!r}] = {v!r} is not a whole number of people ≥ 0")
        out[u] = int(v)
    return out


def _bounds(units: Sequence[str], total: int, minimum: Mapping[str, int] | None,
            maximum: Mapping[str, int] | None) -> _Bounds:
    for name, given in (("minimum", minimum), ("maximum", maximum)):
        unknown = sorted(set(given or {}) - set(units))
        if unknown:
            raise ValueError(f"{name} names units that are not allocated: {', '.join(map(str, unknown))}")
    lo = _whole("minimum", {u: (minimum or {}).get(u, 0) for u in units})
    hi = _whole("maximum", {u: (maximum or {}).get(u, total) for u in units})
    tight = [u for u in units if lo[u] > hi[u]]
    if tight:
        raise ValueError(f"minimum above maximum for {', '.join(tight)}")
    if total < 0 or sum(lo.values()) > total or sum(hi.values()) < total:
        raise ValueError(f"no allocation of {total} people respects the bounds: the minimums add up to "
                         f"{sum(lo.values())} and the maximums to {sum(hi.values())}")
    return _Bounds(tuple(lo[u] for u in units), tuple(min(hi[u], total) for u in units))


def _shares(now: np.ndarray, total: int, b: _Bounds) -> np.ndarray:
    """``now`` scaled to ``total``; a unit pushed past a bound is held there and the others rescaled."""
    lo, hi = np.array(b.lo, float), np.array(b.hi, float)
    weight = now if now.sum() > 0 else np.ones(len(now))
    share = weight / weight.sum() * total
    held = np.zeros(len(now), bool)
    while True:
        past = ~held & ((share > hi) | (share < lo))
        if not past.any():
            break
        held |= past
        share[past] = np.clip(share[past], lo[past], hi[past])
        free = ~held
        if not free.any():
            break
        w = weight[free] if weight[free].sum() > 0 else np.ones(free.sum())
        share[free] = w / w.sum() * (total - share[held].sum())
    return np.clip(share, lo, hi)


def _rescale(share: np.ndarray, total: int, b: _Bounds) -> tuple[int, ...]:
    """Integers within the bounds adding to ``total``, as close to ``share`` as largest remainders allow."""
    lo, hi = np.array(b.lo), np.array(b.hi)
    x = np.clip(np.floor(share + 1e-9).astype(int), lo, hi)
    while x.sum() < total:  # the largest shortfall first (largest remainder when nothing binds)
        gap = np.where(x < hi, share - x, -np.inf)
        x[int(np.argmax(gap))] += 1
    while x.sum() > total:
        gap = np.where(x > lo, share - x, np.inf)
        x[int(np.argmin(gap))] -= 1
    return tuple(int(v) for v in x)


def rescale(current: Mapping[str, float], total: int, minimum: Mapping[str, int] | None = None,
            maximum: Mapping[str, int] | None = None) -> Allocation:
    """``current`` scaled to ``total`` people by largest remainders, within the bounds.

    An allocation that already adds up to ``total`` and respects the bounds comes back
    unchanged. With everyone at zero the total is shared equally.

    Examples
    --------
    >>> rescale({"a": 3, "b": 3, "c": 4}, 15)
    {'a': 5, 'b': 4, 'c': 6}
    """
    units = list(current)
    b = _bounds(units, total, minimum, maximum)
    now = np.array([max(float(current[u]), 0.0) for u in units])
    return dict(zip(units, _rescale(_shares(now, total, b), total, b)))


def _greedy(ev: _Evaluator, b: _Bounds, total: int, prefer: np.ndarray | None = None,
            trace: list | None = None) -> tuple[int, ...]:
    """From the minimums, one person at a time to the unit where the objective gains most.

    Exact ties (a flat objective) go to the unit furthest below ``prefer``, else the first.
    """
    x = list(b.lo)
    while sum(x) < total:
        best_key, best_u = None, -1
        for u in range(len(x)):
            if x[u] >= b.hi[u]:
                continue
            y = tuple(x[:u] + [x[u] + 1] + x[u + 1:])
            key = (ev(y), 0.0 if prefer is None else float(prefer[u] - x[u]))
            if best_key is None or key > best_key:
                best_key, best_u = key, u
        x[best_u] += 1
        if trace is not None:
            trace.append(("greedy", "add", None, ev.units[best_u], tuple(x), best_key[0]))
    return tuple(x)


def greedy_allocation(objective: Objective, total: int, minimum: Mapping[str, int],
                      maximum: Mapping[str, int] | None = None) -> Allocation:
    """The greedy build: from ``minimum``, add one person at a time where ``objective`` gains most.

    The units are those of ``minimum`` (give 0 for a unit without one). For a separable
    concave objective this is the optimum; otherwise a reasonable start.

    Examples
    --------
    >>> greedy_allocation(lambda a: min(a["x"], 2) + 0.5 * a["y"], 5, {"x": 0, "y": 0})
    {'x': 2, 'y': 3}
    """
    units = list(minimum)
    b = _bounds(units, total, minimum, maximum)
    return dict(zip(units, _greedy(_Evaluator(objective, units, None), b, total)))


def _climb(ev: _Evaluator, x: tuple[int, ...], b: _Bounds, tol: float, trace: list, label: str,
           stop_at: float = math.inf) -> tuple[int, ...]:
    """Steepest ascent over single moves (one person from unit i to unit j), until none
    improves by more than ``tol`` or the value reaches ``stop_at``."""
    value = ev(x)
    n = len(x)
    while value < stop_at:
        best, best_value, best_move = None, value + tol, None
        for i in range(n):
            if x[i] <= b.lo[i]:
                continue
            for j in range(n):
                if j == i or x[j] >= b.hi[j]:
                    continue
                y = list(x)
                y[i] -= 1
                y[j] += 1
                y = tuple(y)
                v = ev(y)
                if v > best_value:
                    best, best_value, best_move = y, v, (i, j)
        if best is None:
            return x
        x, value = best, best_value
        trace.append((label, "move", ev.units[best_move[0]], ev.units[best_move[1]], x, value))
    return x


def _search(ev: _Evaluator, start: tuple[int, ...], b: _Bounds, total: int, *, tol: float, greedy_start: bool,
            random_starts: Sequence[tuple[int, ...]], trace: list) -> tuple[tuple[int, ...], float, bool]:
    """Climb from each start; the best feasible allocation evaluated, ``start`` unless beaten by > ``tol``."""
    start_value = ev(start, force=True)
    trace.append(("current", "start", None, None, start, start_value))
    exhausted = False
    try:
        _climb(ev, start, b, tol, trace, "current")
        if greedy_start:
            g = _greedy(ev, b, total, prefer=np.array(start, float), trace=trace)
            _climb(ev, g, b, tol, trace, "greedy")
        for k, x in enumerate(random_starts, start=1):
            trace.append((f"random {k}", "start", None, None, x, ev(x)))
            _climb(ev, x, b, tol, trace, f"random {k}")
    except _Budget:
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
    b = _bounds(units, total, minimum, maximum)
    unknown = sorted(set(seen_range or {}) - set(units))
    if unknown:
        raise ValueError(f"seen_range names units that are not allocated: {', '.join(unknown)}")

    ev = _Evaluator(objective, units, max_evals)
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


def random_allocations(n: int, total: int, minimum: Mapping[str, int], maximum: Mapping[str, int] | None = None,
                       rng=None) -> list[Allocation]:
    """``n`` allocations of ``total`` people drawn uniformly among those within the bounds.

    Exact, without rejection: the number of ways to complete an allocation is counted
    backwards over the units, and each unit's staff is drawn in proportion to the ways left.
    The units are those of ``minimum``.

    Examples
    --------
    >>> random_allocations(2, 4, {"a": 0, "b": 1}, {"a": 2, "b": 4}, rng=0)  # doctest: +SKIP
    [{'a': 1, 'b': 3}, {'a': 2, 'b': 2}]
    """
    units = list(minimum)
    b = _bounds(units, total, minimum, maximum)
    rng = np.random.default_rng(rng)
    free = total - sum(b.lo)
    cap = [h - l for l, h in zip(b.lo, b.hi)]
    k = len(units)
    # ways[u][r]: allocations of r extra people to units u.. within their caps (exact integers)
    ways = [[0] * (free + 1) for _ in range(k + 1)]
    ways[k][0] = 1
    for u in range(k - 1, -1, -1):
        for r in range(free + 1):
            ways[u][r] = sum(ways[u + 1][r - y] for y in range(min(cap[u], r) + 1))
    out = []
    for _ in range(n):
        r, alloc = free, {}
        for u in range(k):
            options = np.arange(min(cap[u], r) + 1)
            w = np.array([ways[u + 1][r - y] / ways[u][r] for y in options], float)
            y = int(rng.choice(options, p=w / w.sum()))
            alloc[units[u]] = b.lo[u] + y
            r -= y
        out.append(alloc)
    return out


def _fewer(ev: _Evaluator, found: tuple[int, ...], greedy: tuple[int, ...], b: _Bounds, level: float,
           tol: float) -> tuple[int, ...] | None:
    """An allocation with one person fewer than ``found`` that still reaches ``level``, or None.

    Climbs from ``found`` less each of its extra people in turn (the best first), then from
    the greedy path's allocation of that size; stops at the first that reaches ``level``.
    """
    drops = {found[:i] + (found[i] - 1,) + found[i + 1:] for i in range(len(found)) if found[i] > b.lo[i]}
    starts = sorted(drops, key=ev, reverse=True) + [greedy]
    for x in starts:
        x = _climb(ev, x, b, tol, [], "polish", stop_at=level)
        if ev(x) >= level:
            return x
    return None


@dataclass(frozen=True)
class StaffNeeded:
    """The reverse question's answer.

    Attributes
    ----------
    added : unit -> extra people (units without any left out).
    value : the objective with them.
    reached : whether ``value`` reaches ``level`` within ``maximum_extra`` people; when
        not, ``added`` is the best greedy attempt with ``maximum_extra`` people.
    level : the level asked for.
    path : the greedy additions, one row each (``step``, ``unit``, ``value``; step 0 is today).
    evaluations : distinct allocations evaluated.
    """

    added: dict[str, int]
    value: float
    reached: bool
    level: float
    path: pd.DataFrame
    evaluations: int

    @property
    def n_added(self) -> int:
        return sum(self.added.values())

    def __str__(self) -> str:
        where = ", ".join(f"{k} in {u}" for u, k in self.added.items()) or "nobody"
        if self.reached:
            return f"{self.n_added} more people ({where}) lift the objective to {self.value:.3g} ≥ {self.level:.3g}"
        return (f"not reachable with {self.n_added} more people: the best found ({where}) reaches "
                f"{self.value:.3g} < {self.level:.3g}")


def staff_needed(objective: Objective, current: Mapping[str, int], level: float, *, maximum_extra: int,
                 maximum: Mapping[str, int] | None = None, polish: bool = True, tol: float = 1e-9,
                 max_evals: int | None = None) -> StaffNeeded:
    """The fewest extra people that lift ``objective`` to ``level``, and where they go.

    Nobody already in post is moved. People are added one at a time where the objective
    gains most until it reaches ``level``. With ``polish``, one person fewer is then tried,
    again and again: from the answer less each of its extra people, and from the greedy
    path at that size, single moves among the extra people (steepest ascent) look for an
    allocation that still reaches ``level``. The fewest found are returned. For a separable
    concave objective the greedy count is already the minimum; otherwise it is an upper
    bound that polishing lowers where single moves can.

    Parameters
    ----------
    objective : as for :func:`allocate`.
    current : today's staff per unit (whole people).
    level : the objective to reach.
    maximum_extra : the most extra people to consider.
    maximum : per-unit caps on staff (today's plus extra).
    polish : try fewer people than the greedy path needs (costs more evaluations).
    tol : gains within this are ties.
    max_evals : budget of further evaluations for polishing (``None``: unlimited).

    Examples
    --------
    >>> import math
    >>> f = lambda x: math.log1p(x["a"]) + 2 * math.log1p(x["b"])
    >>> staff_needed(f, {"a": 1, "b": 1}, 3.5, maximum_extra=10).added
    {'b': 3}
    """
    units = list(current)
    now = _whole("current", current)
    if maximum_extra < 0:
        raise ValueError("maximum_extra must be ≥ 0")
    unknown = sorted(set(maximum or {}) - set(units))
    if unknown:
        raise ValueError(f"maximum names units that are not staffed: {', '.join(unknown)}")
    # a cap below today's staff does not move anyone out
    cap = {u: max(now[u], int((maximum or {}).get(u, now[u] + maximum_extra))) for u in units}
    ev = _Evaluator(objective, units, None)
    x = [now[u] for u in units]
    prefix = [tuple(x)]
    rows = [(0, None, ev(tuple(x)))]
    while rows[-1][2] < level and len(rows) - 1 < maximum_extra:
        options = [i for i, u in enumerate(units) if x[i] < cap[u]]
        if not options:
            break
        i = max(options, key=lambda i: ev(tuple(x[:i] + [x[i] + 1] + x[i + 1:])))
        x[i] += 1
        prefix.append(tuple(x))
        rows.append((len(rows), units[i], ev(tuple(x))))
    path = pd.DataFrame(rows, columns=["step", "unit", "value"])
    reached = rows[-1][2] >= level
    best, best_value = prefix[-1], rows[-1][2]
    if reached and polish:
        ev.max_evals = None if max_evals is None else len(ev.cache) + max_evals
        try:
            for m in range(len(prefix) - 2, 0, -1):
                found = _fewer(ev, best, prefix[m], _bounds(units, sum(now.values()) + m, now, cap), level, tol)
                if found is None:
                    break
                best, best_value = found, ev(found)
        except _Budget:
            pass
    added = {u: best[i] - now[u] for i, u in enumerate(units) if best[i] > now[u]}
    return StaffNeeded(added, best_value, reached, float(level), path, len(ev.cache))


__all__ = ["AllocationResult", "StaffNeeded", "allocate", "greedy_allocation", "random_allocations", "rescale",
           "staff_needed"]
