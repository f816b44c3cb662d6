"""The allocator's search space and moves: whole people per unit within bounds, and how to step through them.

The pieces :func:`~forecasting.whatif.allocate.allocate` and
:func:`~forecasting.whatif.needed.staff_needed` are built from: an :class:`Evaluator` (the
objective on integer vectors, memoised, with a budget of evaluations that raises
:class:`BudgetSpent`), the per-unit :class:`Bounds`, rescaling today's staff to a total by
largest remainders (:func:`rescale`), the greedy build (:func:`greedy_build`,
:func:`greedy_allocation`), steepest ascent over single moves (:func:`climb`) and uniform
random allocations (:func:`random_allocations`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

Allocation = dict[str, int]
Objective = Callable[[Mapping[str, int]], float]


class BudgetSpent(Exception):
    """The evaluation budget is spent."""


class Evaluator:
    """The objective on integer vectors in a fixed unit order, memoised and budgeted."""

    def __init__(self, objective: Objective, units: Sequence[str], max_evals: int | None):
        self.objective, self.units, self.max_evals = objective, tuple(units), max_evals
        self.cache: dict[tuple[int, ...], float] = {}

    def __call__(self, x: tuple[int, ...], *, force: bool = False) -> float:
        v = self.cache.get(x)
        if v is None:
            if not force and self.max_evals is not None and len(self.cache) >= self.max_evals:
                raise BudgetSpent
            v = float(self.objective(dict(zip(self.units, x))))
            if math.isnan(v):
                raise ValueError(f"the objective returned NaN for {dict(zip(self.units, x))}")
            self.cache[x] = v
        return v


@dataclass(frozen=True)
class Bounds:
    """Per-unit lowest and highest staff, in the evaluator's unit order."""

    lo: tuple[int, ...]
    hi: tuple[int, ...]

    def feasible(self, x: tuple[int, ...], total: int) -> bool:
        """Whether ``x`` adds up to ``total`` and lies within the bounds."""
        return sum(x) == total and all(a <= v <= b for a, v, b in zip(self.lo, x, self.hi))


def whole_people(name: str, values: Mapping[str, float]) -> dict[str, int]:
    """``values`` as whole numbers of people ≥ 0; a ValueError names the first that is not."""
    out = {}
    for u, v in values.items():
        if isinstance(v, bool) or float(v) != int(v) or v < 0:
            raise ValueError(f"{name}[{u!r}] = {v!r} is not a whole number of people ≥ 0")
        out[u] = int(v)
    return out


def check_bounds(units: Sequence[str], total: int, minimum: Mapping[str, int] | None,
            maximum: Mapping[str, int] | None) -> Bounds:
    """The bounds for allocating ``total`` people across ``units`` (default 0 and ``total``),
    or a ValueError saying why no allocation can respect them."""
    for name, given in (("minimum", minimum), ("maximum", maximum)):
        unknown = sorted(set(given or {}) - set(units))
        if unknown:
            raise ValueError(f"{name} names units that are not allocated: {', '.join(map(str, unknown))}")
    lo = whole_people("minimum", {u: (minimum or {}).get(u, 0) for u in units})
    if total >= 0 and sum(lo.values()) > total:  # before the per-unit check: a unit's default maximum is the total
        raise ValueError(f"no allocation of {total} people respects the bounds: the minimums add up to "
                         f"{sum(lo.values())}, more than the total")
    hi = whole_people("maximum", {u: (maximum or {}).get(u, total) for u in units})
    tight = [u for u in units if lo[u] > hi[u]]
    if tight:
        raise ValueError(f"minimum above maximum for {', '.join(tight)}")
    if total < 0 or sum(lo.values()) > total or sum(hi.values()) < total:
        raise ValueError(f"no allocation of {total} people respects the bounds: the minimums add up to "
                         f"{sum(lo.values())} and the maximums to {sum(hi.values())}")
    return Bounds(tuple(lo[u] for u in units), tuple(min(hi[u], total) for u in units))


def shares(now: np.ndarray, total: int, b: Bounds) -> np.ndarray:
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


def round_to_total(share: np.ndarray, total: int, b: Bounds) -> tuple[int, ...]:
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
    b = check_bounds(units, total, minimum, maximum)
    now = np.array([max(float(current[u]), 0.0) for u in units])
    return dict(zip(units, round_to_total(shares(now, total, b), total, b)))


def greedy_build(ev: Evaluator, b: Bounds, total: int, prefer: np.ndarray | None = None,
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
    b = check_bounds(units, total, minimum, maximum)
    return dict(zip(units, greedy_build(Evaluator(objective, units, None), b, total)))


def climb(ev: Evaluator, x: tuple[int, ...], b: Bounds, tol: float, trace: list, label: str,
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
    b = check_bounds(units, total, minimum, maximum)
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


__all__ = ["Allocation", "Bounds", "BudgetSpent", "Evaluator", "Objective", "check_bounds", "climb", "greedy_allocation",
           "greedy_build", "random_allocations", "rescale", "round_to_total", "shares", "whole_people"]
