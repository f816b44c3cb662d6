"""The allocator's pieces: bounds, rescaling, the greedy build, the climb, random allocations, the evaluator."""
from __future__ import annotations

import pytest
from scipy import stats

from conftest import compositions, log_objective
from forecasting.whatif.search import (Bounds, BudgetSpent, Evaluator, check_bounds, climb, greedy_allocation,
                                       random_allocations, rescale)


def test_rescale_uses_largest_remainders_within_bounds():
    assert rescale({"a": 3, "b": 3, "c": 4}, 15) == {"a": 5, "b": 4, "c": 6}
    assert rescale({"a": 1, "b": 2, "c": 7}, 10) == {"a": 1, "b": 2, "c": 7}
    assert rescale({"a": 1, "b": 2, "c": 7}, 20, maximum={"c": 10}) == {"a": 3, "b": 7, "c": 10}
    assert rescale({"a": 0, "b": 0}, 5) == {"a": 3, "b": 2}


def test_random_allocations_are_uniform_over_the_bounded_simplex():
    lo, hi, total = {"a": 0, "b": 1, "c": 0}, {"a": 4, "b": 3, "c": 6}, 6
    feasible = list(compositions(total, list(lo.values()), list(hi.values())))
    draws = random_allocations(60 * len(feasible), total, lo, hi, rng=1)
    counts = {x: 0 for x in feasible}
    for d in draws:
        counts[tuple(d.values())] += 1  # a KeyError would be an allocation outside the bounds
    assert min(counts.values()) > 0
    assert stats.chisquare(list(counts.values())).pvalue > 1e-3




def test_the_evaluator_memoises_and_stops_at_its_budget():
    calls = []

    def f(a):
        calls.append(dict(a))
        return float(a["x"] - a["y"])

    ev = Evaluator(f, ["x", "y"], max_evals=2)
    assert ev((3, 1)) == 2.0 and ev((3, 1)) == 2.0 and len(calls) == 1  # memoised
    assert calls[0] == {"x": 3, "y": 1}
    ev((1, 3))
    with pytest.raises(BudgetSpent):
        ev((2, 2))
    assert ev((2, 2), force=True) == 0.0 and len(ev.cache) == 3  # forced past the budget


def test_the_evaluator_refuses_nan():
    with pytest.raises(ValueError, match="NaN"):
        Evaluator(lambda a: float("nan"), ["x"], None)((1,))


def test_check_bounds_caps_the_maximum_at_the_total_and_refuses_the_impossible():
    b = check_bounds(["a", "b"], 5, {"a": 1}, {"b": 9})
    assert b == Bounds((1, 0), (5, 5))
    assert b.feasible((1, 4), 5) and not b.feasible((0, 5), 5) and not b.feasible((1, 3), 5)
    with pytest.raises(ValueError, match=r"minimum\['a'\] = 1.5 is not a whole number"):
        check_bounds(["a"], 3, {"a": 1.5}, None)
    with pytest.raises(ValueError, match="no allocation of 9 people"):
        check_bounds(["a", "b"], 9, None, {"a": 2, "b": 3})


def test_climb_reaches_the_enumerated_optimum_of_a_separable_concave_objective():
    a = {"u1": 1.0, "u2": 3.0, "u3": 5.0}
    f = log_objective(a)
    ev = Evaluator(f, list(a), None)
    b = check_bounds(list(a), 9, None, None)
    trace = []
    x = climb(ev, (9, 0, 0), b, 1e-12, trace, "test")
    best = max(compositions(9, [0] * 3, [9] * 3), key=lambda y: f(dict(zip(a, y))))
    assert x == best and trace and all(step[1] == "move" for step in trace)
    values = [step[-1] for step in trace]
    assert values == sorted(values)  # every move improves
    # a climb told to stop at a level stops at the first allocation reaching it
    stop = f(dict(zip(a, (5, 2, 2))))
    assert f(dict(zip(a, climb(ev, (9, 0, 0), b, 1e-12, [], "stop", stop_at=stop)))) >= stop


def test_greedy_allocation_fills_from_the_minimums():
    f = log_objective({"a": 1.0, "b": 1.0})
    assert greedy_allocation(f, 6, {"a": 4, "b": 0}) == {"a": 4, "b": 2}
