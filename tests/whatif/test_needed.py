"""The reverse question: the fewest extra people to reach a level, against enumeration."""
from __future__ import annotations

import pytest

from conftest import compositions, log_objective
from forecasting.whatif.needed import staff_needed

#: Equal objectives up to float rounding (sums of logs in a different order).
EXACT = 1e-12


@pytest.mark.parametrize("level", [3.0, 4.2, 5.0, 5.6])
def test_staff_needed_is_the_enumerated_minimum(level):
    a = {"a": 0.6, "b": 1.0, "c": 1.8}
    f = log_objective(a)
    current = {"a": 1, "b": 0, "c": 1}
    fewest = next(k for k in range(20) if any(
        f({u: current[u] + e for u, e in zip(a, extra)}) >= level for extra in compositions(k, [0] * 3, [k] * 3)))
    ans = staff_needed(f, current, level, maximum_extra=15)
    assert ans.reached and ans.n_added == fewest and ans.value >= level
    assert ans.value == pytest.approx(f({u: current[u] + ans.added.get(u, 0) for u in a}), abs=EXACT)
    assert list(ans.path["value"]) == sorted(ans.path["value"]) and ans.path["value"].iloc[0] == f(current)


def test_staff_needed_says_when_the_level_is_out_of_reach():
    f = log_objective({"a": 1.0, "b": 1.0})
    ans = staff_needed(f, {"a": 1, "b": 1}, 10.0, maximum_extra=4)
    assert not ans.reached and ans.n_added == 4 and "not reachable with 4 more people" in str(ans)
    assert staff_needed(f, {"a": 1, "b": 1}, 0.5, maximum_extra=4).added == {}
    capped = staff_needed(f, {"a": 1, "b": 1}, 10.0, maximum_extra=10, maximum={"a": 2, "b": 3})
    assert not capped.reached and capped.added == {"a": 1, "b": 2}


def test_polishing_finds_fewer_people_than_the_greedy_path():
    # "b" pays only from its second person on: greedy adds to "a" first and needs 4 people,
    # while 2 in "b" reach the level (not concave, so greedy is only an upper bound)
    g, h = [0, 1.0, 1.5, 1.95, 2.1, 2.2], [0, 0.4, 2.0, 2.5, 2.8, 3.0]

    def f(x):
        return g[x["a"]] + h[x["b"]]

    greedy = staff_needed(f, {"a": 0, "b": 0}, 2.0, maximum_extra=5, polish=False)
    assert greedy.reached and greedy.added == {"a": 3, "b": 1}
    polished = staff_needed(f, {"a": 0, "b": 0}, 2.0, maximum_extra=5)
    assert polished.added == {"b": 2} and polished.value == 2.0
    assert list(polished.path["unit"][1:]) == ["a", "a", "a", "b"]  # the path stays the greedy one




def test_beyond_history_names_the_units_taken_past_their_most_staff():
    from forecasting.whatif.needed import beyond_history

    f = log_objective({"a": 0.6, "b": 1.0, "c": 1.8})
    current = {"a": 1, "b": 4, "c": 1}
    ans = staff_needed(f, current, 5.0, maximum_extra=15)
    seen = {"a": (1.0, 10.0), "b": (2.0, 4.0), "c": (1.0, 1.0)}
    beyond = beyond_history(ans, current, seen.__getitem__)
    assert beyond == [u for u in ans.added if current[u] + ans.added[u] > seen[u][1]]
    assert "c" in ans.added and "c" in beyond and "a" not in beyond
    assert beyond_history(ans, current, lambda u: (0.0, 99.0)) == []
