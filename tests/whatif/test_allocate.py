"""The allocator on synthetic objectives whose optimum is known or can be enumerated.

Every objective here is cheap, so the true optimum is found by enumerating all integer
allocations (a few hundred to a few thousand, ``conftest.compositions``); the real
objective (a simulation) is tested with the portfolio.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import compositions, log_objective
from forecasting.errors import ExtrapolationWarning
from forecasting.whatif.allocate import allocate
from forecasting.whatif.search import greedy_allocation, random_allocations, rescale

#: Equal objectives up to float rounding (sums of logs in a different order).
EXACT = 1e-12


def all_targets(weights: np.ndarray, need: np.ndarray, units: list[str], scale: float = 1.0):
    """P(every target met) when target k is met with probability logistic(w_k·x − c_k): not separable."""
    def f(x):
        v = np.array([x[u] for u in units], float)
        return float(np.prod(1 / (1 + np.exp(-(weights @ v - need) / scale))))
    return f


# ---------------------------------------------------------------------------- known optimum
def test_separable_concave_objective_reaches_the_enumerated_optimum():
    a = {"u1": 1.0, "u2": 2.5, "u3": 4.0, "u4": 6.5}
    f = log_objective(a)
    values = {x: f(dict(zip(a, x))) for x in compositions(12, [0] * 4, [12] * 4)}
    optimum = max(values, key=values.get)
    assert sorted(values.values())[-2] < values[optimum] - 1e-6  # the optimum is unique
    res = allocate(f, {u: 3 for u in a}, 12)
    assert tuple(res.best.values()) == optimum
    assert res.best_value == pytest.approx(values[optimum], abs=EXACT)
    assert res.current == {u: 3 for u in a} and res.current_value == pytest.approx(values[(3, 3, 3, 3)])
    # greedy is optimal for separable concave objectives
    assert tuple(greedy_allocation(f, 12, {u: 0 for u in a}).values()) == optimum


def test_steeper_units_receive_more_staff():
    a = {f"u{i}": w for i, w in enumerate([0.5, 1.0, 1.5, 2.5, 4.0, 6.0])}
    res = allocate(log_objective(a), {u: 5 for u in a}, 30)
    staff = list(res.best.values())
    assert staff == sorted(staff) and staff[-1] > staff[0]
    # and the marginal value of one more person is what the objective says
    f = log_objective(a)
    for u in a:
        assert res.marginal[u] == pytest.approx(f({**res.best, u: res.best[u] + 1}) - f(res.best), abs=EXACT)


@pytest.fixture(scope="module")
def targets():
    """Three targets over five units; each unit helps some targets more than others."""
    rng = np.random.default_rng(20240331)
    units = [f"unit_{i}" for i in range(5)]
    weights = rng.gamma(2.0, 0.5, (3, 5)) * rng.binomial(1, 0.6, (3, 5))
    need = np.array([6.0, 5.0, 7.0])
    return units, all_targets(weights, need, units)


def test_non_separable_objective_beats_random_allocations_and_greedy(targets):
    units, f = targets
    current = dict(zip(units, [8, 5, 3, 2, 2]))
    res = allocate(f, current, 20)
    assert res.best_value >= f(current) and sum(res.best.values()) == 20
    draws = random_allocations(200, 20, {u: 0 for u in units}, rng=7)
    assert res.best_value >= max(f(x) for x in draws)
    assert res.best_value >= f(greedy_allocation(f, 20, {u: 0 for u in units}))
    # on this small case the enumerated optimum is reachable too (C(24, 4) = 10,626 allocations)
    best = max(f(dict(zip(units, x))) for x in compositions(20, [0] * 5, [20] * 5))
    assert res.best_value == pytest.approx(best, rel=1e-9)


def test_bounds_are_respected(targets):
    units, f = targets
    minimum = {"unit_0": 4, "unit_3": 3}
    maximum = {"unit_1": 2, "unit_2": 3, "unit_4": 4}
    res = allocate(f, dict(zip(units, [8, 5, 3, 2, 2])), 18, minimum=minimum, maximum=maximum)
    assert sum(res.best.values()) == 18 and sum(res.current.values()) == 18
    for alloc in (res.best, res.current):
        assert all(alloc[u] >= k for u, k in minimum.items()) and all(alloc[u] <= k for u, k in maximum.items())
    lo = [minimum.get(u, 0) for u in units]
    hi = [maximum.get(u, 18) for u in units]
    best = max(f(dict(zip(units, x))) for x in compositions(18, lo, hi))
    assert res.best_value == pytest.approx(best, rel=1e-9)


def test_a_different_total_rescales_today_and_never_falls_below_it():
    a = {"a": 1.0, "b": 1.0, "c": 1.0}
    res = allocate(log_objective(a), {"a": 2, "b": 4, "c": 6}, 24, max_evals=1)
    assert res.current == {"a": 4, "b": 8, "c": 12}
    assert res.best == res.current and res.budget_exhausted  # no budget: today's (rescaled) stands


# ---------------------------------------------------------------------------- never worse than today
@st.composite
def problems(draw):
    n = draw(st.integers(2, 5))
    units = [f"u{i}" for i in range(n)]
    lo = [draw(st.integers(0, 3)) for _ in units]
    hi = [a + draw(st.integers(0, 6)) for a in lo]
    total = draw(st.integers(sum(lo), sum(hi)))
    current = {u: draw(st.integers(0, 9)) for u in units}
    seed = draw(st.integers(0, 2**32 - 1))
    curvature = draw(st.sampled_from(["concave", "indefinite", "convex"]))
    noise = draw(st.sampled_from([0.0, 0.1, 2.0]))
    same_total = draw(st.booleans())
    budget = draw(st.sampled_from([None, 3, 25]))
    return units, lo, hi, total, current, seed, curvature, noise, same_total, budget


def quadratic_with_noise(units, seed, curvature, noise):
    """b·x − x'Qx/2 plus a fixed noise value per allocation (a table drawn from ``seed``)."""
    rng = np.random.default_rng(seed)
    n = len(units)
    m = rng.normal(size=(n, n))
    q = {"concave": m @ m.T / n, "indefinite": (m + m.T) / 2, "convex": -m @ m.T / n}[curvature]
    b = rng.normal(2, 1, n)
    table: dict[tuple, float] = {}

    def f(alloc):
        x = np.array([alloc[u] for u in units], float)
        key = tuple(int(v) for v in x)
        if key not in table:
            table[key] = float(np.random.default_rng([seed, *key]).normal(0, noise)) if noise else 0.0
        return float(b @ x - x @ q @ x / 2) + table[key]

    return f


@settings(max_examples=80, deadline=None, derandomize=True, database=None)
@given(problems())
def test_the_result_is_never_worse_than_today(problem):
    units, lo, hi, total, current, seed, curvature, noise, same_total, budget = problem
    f = quadratic_with_noise(units, seed, curvature, noise)
    minimum, maximum = dict(zip(units, lo)), dict(zip(units, hi))
    if same_total:  # today's allocation, made feasible, is the reference itself
        current = rescale(current, total, minimum, maximum)
    calls = []
    res = allocate(lambda x: calls.append(dict(x)) or f(x), current, total, minimum=minimum, maximum=maximum,
                   max_evals=budget, n_random_starts=1, rng=seed)
    assert sum(res.best.values()) == total
    assert all(a <= res.best[u] <= b for u, a, b in zip(units, lo, hi))
    assert res.best_value == f(res.best) and res.current_value == f(res.current)
    assert res.best_value >= res.current_value
    assert res.current == rescale(current, total, minimum, maximum)  # today's itself when feasible
    if same_total:
        assert res.current == current
    # memoised: each allocation evaluated once; the budget holds (plus today's and the marginals)
    assert len(calls) == len({tuple(c.values()) for c in calls}) == res.evaluations
    if budget is not None:
        assert res.evaluations <= budget + 1 + len(units)


def test_ties_and_flat_objectives_keep_today():
    current = {"a": 3, "b": 0, "c": 5}
    res = allocate(lambda x: 0.5, current)
    assert res.best == current and res.gain == 0 and all(v == 0 for v in res.change.values())
    # gains below tol are noise, not a reason to reorganise
    res = allocate(lambda x: 1e-6 * x["b"], current, tol=1e-3)
    assert res.best == current


def test_extrapolated_units_are_flagged_once(targets):
    units, f = targets
    seen = {u: (2.0, 6.0) for u in units}
    with pytest.warns(ExtrapolationWarning, match="outside the range seen") as record:
        res = allocate(f, dict(zip(units, [4] * 5)), 20, seen_range=seen)
    assert len(record) == 1
    assert res.extrapolated == [u for u in units if not 2 <= res.best[u] <= 6] != []
    table = res.summary()
    assert list(table.columns) == ["unit", "staff_now", "staff_best", "change", "marginal", "extrapolated",
                                   "marginal_se", "staff_move", "move_gain", "move_gain_se", "within_noise"]
    assert table["extrapolated"].sum() == len(res.extrapolated)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        allocate(f, dict(zip(units, [4] * 5)), 20, seen_range={u: (0, 20) for u in units})


def test_the_trace_ends_at_the_best_value(targets):
    units, f = targets
    res = allocate(f, dict(zip(units, [4] * 5)), 20)
    assert res.trace["value"].max() == pytest.approx(res.best_value)
    assert set(res.trace["start"]) == {"current", "greedy"}
    moves = res.trace[res.trace["kind"] == "move"]
    for _, run in moves.groupby("start"):
        assert run["value"].is_monotonic_increasing


@pytest.mark.parametrize("kwargs, message", [
    ({"total": 30, "maximum": {"a": 5, "b": 5, "c": 5}}, "no allocation of 30 people"),
    ({"total": 5, "minimum": {"a": 3, "b": 3}}, "no allocation of 5 people"),
    # a minimum above the total, with no maximum given, is about the total (not "minimum above maximum")
    ({"total": 5, "minimum": {"a": 6}}, "the minimums add up to 6, more than the total"),
    ({"total": 9, "minimum": {"z": 1}}, "minimum names units that are not allocated: z"),
    ({"total": 9, "minimum": {"a": 4}, "maximum": {"a": 3}}, "minimum above maximum for a"),
])
def test_impossible_bounds_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        allocate(lambda x: 0.0, {"a": 3, "b": 3, "c": 3}, **kwargs)


def test_a_nan_objective_is_refused():
    with pytest.raises(ValueError, match="NaN"):
        allocate(lambda x: float("nan"), {"a": 1, "b": 1})


class _Noisy:
    """A separable objective with a paired Monte Carlo error of the caller's choosing."""

    def __init__(self, se: float):
        self.se = se

    def __call__(self, a):
        return math.log1p(a["a"]) + 1.2 * math.log1p(a["b"])

    def gain(self, a, b):
        return self(a) - self(b), self.se


def test_a_move_within_twice_its_monte_carlo_error_is_not_recommended():
    now = {"a": 5, "b": 5}
    clear = allocate(_Noisy(se=1e-4), now, 10, greedy_start=False)
    assert clear.best != now and not clear.within_noise
    assert clear.move == clear.best and clear.move_gain == pytest.approx(clear.best_value - clear.current_value)
    assert clear.move_gain > 2 * clear.move_gain_se
    noisy = allocate(_Noisy(se=1.0), now, 10, greedy_start=False)
    assert noisy.best == now and noisy.within_noise
    # the move found is still reported, with its gain and error
    assert noisy.move == clear.best and noisy.move_gain == pytest.approx(clear.move_gain) and noisy.move_gain_se == 1.0
    table = noisy.summary()
    assert (table["staff_best"] == table["staff_now"]).all()
    assert table["within_noise"].all() and (table["move_gain_se"] == 1.0).all()
    assert (table["marginal_se"] == 1.0).all()
    # without the check the same search moves
    assert allocate(_Noisy(se=1.0), now, 10, greedy_start=False, noise_z=None).best == clear.best
