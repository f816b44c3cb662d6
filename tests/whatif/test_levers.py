"""What-if tools: exact against direct re-simulation, and pointing the right way."""
from __future__ import annotations

import warnings

import pytest

from forecasting.simulation.outcomes import OutcomeModel
from forecasting.simulation.adjustments import Adjustments
from forecasting.whatif.objectives import Objective
from forecasting.whatif.levers import StaffObjective, format_value, project_leverage, response_curves, tornado

AS_OF, YEAR = "2023Q2", 2023


def test_project_leverage_equals_a_direct_rerun_of_that_project_sooner(fitted_2023q2):
    lev = project_leverage(fitted_2023q2, YEAR, months=3, n_draws=3000, rng=4).set_index("project_id")
    base = fitted_2023q2.simulate(YEAR, n_draws=3000, rng=4).targets().set_index("target")["p_meet"]
    for pid in lev.index[:2].tolist() + lev["gain_groundbreakings"].nlargest(1).index.tolist():
        again = fitted_2023q2.simulate(YEAR, n_draws=3000, rng=4,
                                   adjustments=Adjustments(slip_months={pid: -3})).targets().set_index("target")["p_meet"]
        assert lev.loc[pid, "gain_groundbreakings"] == pytest.approx(again["groundbreakings"] - base["groundbreakings"], abs=1e-12)
        assert lev.loc[pid, "gain_all"] == pytest.approx(again["all"] - base["all"], abs=1e-12)
    # a quarter sooner never hurts the groundbreaking count's chances in a typical project
    assert (lev["gain_groundbreakings"] >= -0.002).mean() > 0.95


def test_staff_objective_is_memoised_deterministic_and_monotone_in_a_units_staff(fitted_2023q2):
    obj = StaffObjective(fitted_2023q2.simulator(YEAR + 1, n_draws=2000, rng=1), "all")
    now = obj.current
    assert set(now) == set(fitted_2023q2.history.district.unit_ids)
    a = obj.p_meet(now)
    b = obj.p_meet(dict(now))
    assert a is b
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        more = obj.p_meet({**now, "campaign_top10": now["campaign_top10"] + 6})
    # common random numbers: more staff can only add leads, so no target's chance falls
    assert (more.to_numpy() >= a.to_numpy() - 1e-12).all()
    assert 0.0 <= obj(now) <= 1.0
    assert obj(now) == pytest.approx(a["all"])


def test_staff_objective_takes_every_objective_and_pairs_its_gains(fitted_2023q2):
    sim = fitted_2023q2.simulator(YEAR + 1, n_draws=2000, rng=1)
    shortfall = StaffObjective(sim, "shortfall")
    now = shortfall.current
    more = {**now, "campaign_top10": now["campaign_top10"] + 6}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value_now, se_now = shortfall.value(now)
        value_more, _ = shortfall.value(more)
        gain, se = shortfall.gain(more, now)
    # the score is the shortfall negated; the gain is the fall in the shortfall, paired
    assert shortfall(now) == pytest.approx(-value_now)
    assert gain == pytest.approx(value_now - value_more)
    assert gain >= 0 and 0 < se < se_now  # common random numbers: the paired error is the smaller
    assert shortfall.gain(now, now) == (0.0, 0.0)
    count = StaffObjective(sim, Objective("expected_count", "groundbreakings"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert count.gain(more, now)[0] >= 0
    assert count.value(now)[0] == pytest.approx(count.run(now).counts["groundbreakings"].mean())
    with pytest.raises(ValueError, match="no target 'tier_3bn'"):
        StaffObjective(sim, "count:tier_3bn")


def test_the_default_objective_says_why(fitted_2023q2):
    sim = fitted_2023q2.simulator(YEAR + 1, n_draws=2000, rng=1)
    obj = StaffObjective(sim, language="en")
    p_all = sim.run().p_meet("all")
    if p_all >= 0.05:
        assert obj.objective == Objective("p_meet", "all") and "at least 5%" in obj.reason
    else:
        assert obj.objective.kind == "expected_shortfall" and "below 5%" in obj.reason
    assert StaffObjective(sim, "count:groundbreakings", language="zh").label == "开工项目预期数量"
    assert StaffObjective(sim, "at_least:tier_5bn:2", language="en").label == "P(5 bn signings ≥ 2)"


@pytest.fixture(scope="module")
def steep_and_flat():
    """A district simulated with known unit elasticities: branch_1 and branch_4 respond
    steeply to staff (1.5), branch_2 and branch_3 hardly at all (0.1); fitted_2023q2 as of 2023Q4."""
    from forecasting.synthetic.generator import default_params, simulate_district, with_params
    from forecasting.history.histories import History

    p = default_params()
    elasticity = {**p.inflow_elasticity, "branch_1": 1.5, "branch_4": 1.5, "branch_2": 0.1, "branch_3": 0.1}
    sim = simulate_district(with_params(p, inflow_elasticity=elasticity), rng=31, end="2023Q4")
    h = History(sim.district, sim.effort, sim.snapshots())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return OutcomeModel(n_param_draws=20).fit(h)


def _recommend(results, seed: int, objective="shortfall"):
    from forecasting.whatif.allocate import allocate

    objective = StaffObjective(results.simulator(2024, n_draws=1500, rng=seed), objective)
    now = objective.current
    free = ("branch_1", "branch_2", "branch_3", "branch_4")
    # the other units stay as they are; each free unit may gain or lose up to three people
    lo = {u: (max(0, s - 3) if u in free else s) for u, s in now.items()}
    hi = {u: (s + 3 if u in free else s) for u, s in now.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = allocate(objective, now, sum(now.values()), minimum=lo, maximum=hi, greedy_start=False,
                       tol=2.0 / 1500, max_evals=80)
    return res, {u: res.best[u] - now[u] for u in free}


def test_the_shortfall_objective_moves_staff_towards_the_units_whose_true_response_is_steeper(steep_and_flat):
    e = steep_and_flat.results.inflow.elasticities()
    assert e.loc[["branch_1", "branch_4"], "estimate"].min() > e.loc[["branch_2", "branch_3"], "estimate"].max()
    res, change = _recommend(steep_and_flat, seed=0)
    assert res.best_value >= res.current_value
    assert not res.within_noise and res.move_gain > 2 * res.move_gain_se
    assert change["branch_1"] + change["branch_4"] > 0
    assert change["branch_2"] + change["branch_3"] < 0
    assert change["branch_1"] + change["branch_4"] == -(change["branch_2"] + change["branch_3"])
    # one more person helps most in a steep unit
    assert max(res.marginal["branch_1"], res.marginal["branch_4"]) > max(res.marginal["branch_2"],
                                                                         res.marginal["branch_3"])


def test_allocator_recommendation_is_stable_across_seeds(steep_and_flat):
    _, a = _recommend(steep_and_flat, seed=0)
    _, b = _recommend(steep_and_flat, seed=1)
    assert all(abs(a[u] - b[u]) <= 1 for u in a), (a, b)


def test_response_curves_and_tornado_are_in_the_objectives_units_with_errors(fitted_2023q2):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        curves = response_curves(fitted_2023q2, [YEAR + 1], units=["campaign_top10"], change=(0, 4), n_draws=600, rng=2,
                                 objective="count:groundbreakings")
        levers = tornado(fitted_2023q2, YEAR + 1, n_draws=600, rng=2, n_param_draws=6, n_projects=1,
                         objective="shortfall", language="en")
    today = curves[curves["change"] == 0].iloc[0]
    assert today["gain"] == 0.0 and today["gain_se"] == 0.0
    assert (curves["objective"] == "count:groundbreakings").all()
    up = curves[curves["change"] == 4].iloc[0]
    assert up["gain"] == pytest.approx(up["value"] - today["value"]) and up["gain"] >= 0
    assert (levers["objective"] == "shortfall").all() and (levers["year"] == YEAR + 1).all()
    assert levers["objective_label"].iloc[0] == "expected shortfall against the goals"
    assert (levers[["low_gain_se", "high_gain_se"]] >= 0).all().all()
    # the shortfall falls (a positive gain) with more staff, as the gain says
    staff = levers[levers["lever"].str.startswith("Top-10")].iloc[0]
    assert staff["high_gain"] == pytest.approx(staff["base"] - staff["high"])
    assert staff["within_noise"] == ((abs(staff["low_gain"]) <= 2 * staff["low_gain_se"])
                                     and (abs(staff["high_gain"]) <= 2 * staff["high_gain_se"]))


def test_values_print_in_the_objectives_units():
    assert format_value(Objective("p_meet", "all"), 0.1234) == "12.3%"
    assert format_value(Objective("p_meet", "all"), 0.0025, signed=True) == "+0.25%"
    assert format_value(Objective("expected_shortfall"), 9.6675) == "9.67"
    assert format_value(Objective("expected_shortfall"), 0.0059) == "0.006"


class _Stub:
    """An objective as allocation_note reads it: today's staff, a value per allocation."""
    label, current = "P(all targets met)", {"a": 40, "b": 35}

    def value(self, alloc):
        return 0.1 * alloc["a"] / (1 + alloc["a"]) + 0.1 * alloc["b"] / (1 + alloc["b"]), 0.0

    def format(self, x, signed=False):
        return f"{x:+.3f}" if signed else f"{x:.3f}"


def _result(current, move, within=False):
    from forecasting.whatif.allocate import AllocationResult

    return AllocationResult(move, 0.0, current, 0.0, {}, 1, None, [], False, move, 0.01, 0.001, within, {})


@pytest.mark.parametrize("current,move,within,start", [
    ({"a": 40, "b": 35}, {"a": 40, "b": 35}, False, "Today's staffing stands: no move"),
    ({"a": 1, "b": 0}, {"a": 1, "b": 0}, False, "Today's staffing (75 staff) rescaled to 1 (a 1, b 0) stands: no move"),
    ({"a": 1, "b": 0}, {"a": 0, "b": 1}, True, "Today's staffing (75 staff) rescaled to 1 (a 1, b 0) stands: the best"),
])
def test_allocation_note_says_what_stands_when_the_total_differs_from_todays(current, move, within, start):
    from forecasting.whatif.levers import allocation_note

    assert allocation_note(_result(current, move, within), _Stub(), language="en").startswith(start)


def test_a_recommended_move_from_a_rescaled_start_says_it_is_against_that_start():
    from forecasting.whatif.levers import allocation_note

    note = allocation_note(_result({"a": 5, "b": 5}, {"a": 6, "b": 4}), _Stub(), language="en")
    assert note.startswith("Recommended: a +1, b -1;")
    assert note.endswith(" Moves and gains are against today's staffing (75 staff) rescaled to 10: a 5, b 5.")
    same = allocation_note(_result({"a": 40, "b": 35}, {"a": 41, "b": 34}), _Stub(), language="en")
    assert "rescaled" not in same and same.startswith("Recommended: a +1, b -1;")
    assert "按比例调整为10人" in allocation_note(_result({"a": 5, "b": 5}, {"a": 6, "b": 4}), _Stub(), language="zh")


def test_allocation_note_names_units_as_the_report_does():
    # the report's tables say "Team A"; the verdict above them said "zs_a +11"
    from forecasting.whatif.levers import allocation_note

    names = {"a": "Team A", "b": "Shanghai hub"}
    note = allocation_note(_result({"a": 40, "b": 35}, {"a": 41, "b": 34}), _Stub(), language="en", names=names)
    assert note.startswith("Recommended: Team A +1, Shanghai hub -1;")
    rescaled = allocation_note(_result({"a": 1, "b": 0}, {"a": 1, "b": 0}), _Stub(), language="en", names=names)
    assert rescaled.startswith("Today's staffing (75 staff) rescaled to 1 (Team A 1, Shanghai hub 0) stands")
