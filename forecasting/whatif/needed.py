"""The reverse question of the allocator: the fewest extra people, and where, to lift an objective to a level.

Nobody in post is moved: people are added one at a time where the objective gains most
(:func:`staff_needed`); polishing then looks for the same level with fewer, by single moves
among the extra people (the search's :func:`~forecasting.whatif.search.climb`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import pandas as pd

from .search import Bounds, BudgetSpent, Evaluator, Objective, check_bounds, climb, whole_people


def _fewer(ev: Evaluator, found: tuple[int, ...], greedy: tuple[int, ...], b: Bounds, level: float,
           tol: float) -> tuple[int, ...] | None:
    """An allocation with one person fewer than ``found`` that still reaches ``level``, or None.

    Climbs from ``found`` less each of its extra people in turn (the best first), then from
    the greedy path's allocation of that size; stops at the first that reaches ``level``.
    """
    drops = {found[:i] + (found[i] - 1,) + found[i + 1:] for i in range(len(found)) if found[i] > b.lo[i]}
    starts = sorted(drops, key=ev, reverse=True) + [greedy]
    for x in starts:
        x = climb(ev, x, b, tol, [], "polish", stop_at=level)
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
    now = whole_people("current", current)
    if maximum_extra < 0:
        raise ValueError("maximum_extra must be ≥ 0")
    unknown = sorted(set(maximum or {}) - set(units))
    if unknown:
        raise ValueError(f"maximum names units that are not staffed: {', '.join(unknown)}")
    # a cap below today's staff does not move anyone out
    cap = {u: max(now[u], int((maximum or {}).get(u, now[u] + maximum_extra))) for u in units}
    ev = Evaluator(objective, units, None)
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
                found = _fewer(ev, best, prefix[m], check_bounds(units, sum(now.values()) + m, now, cap), level, tol)
                if found is None:
                    break
                best, best_value = found, ev(found)
        except BudgetSpent:
            pass
    added = {u: best[i] - now[u] for i, u in enumerate(units) if best[i] > now[u]}
    return StaffNeeded(added, best_value, reached, float(level), path, len(ev.cache))


def beyond_history(need: StaffNeeded, current: Mapping[str, int],
                   staff_range: Callable[[str], tuple[float, float]]) -> list[str]:
    """The units that the extra people of ``need`` take beyond the most staff their history saw.

    Parameters
    ----------
    need : :func:`staff_needed`'s answer.
    current : today's staff per unit (as given to :func:`staff_needed`).
    staff_range : unit -> (lowest, highest) staff in the history, e.g.
        :meth:`~forecasting.models.inflow.InflowResults.staff_range` (``results.inflow.staff_range``).

    Returns
    -------
    list of str
        the units, in the order of ``need.added``, whose staff with the extra people lies
        above the highest seen: the effect of staff there is extrapolated.

    Examples
    --------
    >>> need = StaffNeeded({"a": 2, "b": 1}, 1.0, True, 1.0, pd.DataFrame(), 0)
    >>> beyond_history(need, {"a": 5, "b": 5}, lambda u: (3.0, 6.0))
    ['a']
    """
    return [u for u, k in need.added.items() if current[u] + k > staff_range(u)[1]]


__all__ = ["StaffNeeded", "beyond_history", "staff_needed"]
