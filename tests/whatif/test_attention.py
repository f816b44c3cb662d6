"""The attention list: exact against direct re-simulation, and honest about what counts."""
from __future__ import annotations


import pytest

from forecasting.whatif.attention import attention_list
from forecasting.whatif.objectives import Objective
from forecasting.simulation.adjustments import Adjustments

AS_OF, YEAR = "2023Q2", 2023


@pytest.fixture(scope="module")
def attention(fitted_2023q2):
    return attention_list(fitted_2023q2, YEAR, months=3, objective="shortfall", n_draws=3000, rng=4, language="en")


def test_counted_gains_equal_the_projects_own_probabilities_a_quarter_sooner(fitted_2023q2, attention):
    lev = attention.set_index("project_id")
    base = fitted_2023q2.simulator(YEAR, n_draws=100, rng=4, new_leads=False).project_probabilities() \
        .set_index("project_id")
    tiers = [t.name for t in fitted_2023q2.history.district.targets_for(YEAR).tiers]
    for pid in lev.index[:3]:
        again = fitted_2023q2.simulator(YEAR, n_draws=100, rng=4, new_leads=False,
                                   adjustments=Adjustments(slip_months={pid: -3})).project_probabilities() \
            .set_index("project_id")
        counted = lev.loc[pid, "counts_for_groundbreakings"]
        gb = (again.loc[pid, "p_groundbreaking"] - base.loc[pid, "p_groundbreaking"]) * counted
        assert lev.loc[pid, "gain_groundbreakings"] == pytest.approx(gb, abs=1e-9)
        for t in tiers:
            tier = again.loc[pid, f"p_tier_{t}"] - base.loc[pid, f"p_tier_{t}"]
            assert lev.loc[pid, f"gain_tier_{t}"] == pytest.approx(tier, abs=1e-9)
        assert lev.loc[pid, "p_groundbreaking"] == pytest.approx(base.loc[pid, "p_groundbreaking"], abs=1e-9)
    assert (lev["gain_counted_se"] >= 0).all()
    # sorted by the counted gain, and a quarter sooner rarely costs a typical project anything
    assert attention["gain_counted"].is_monotonic_decreasing
    assert (attention["gain_counted"] >= -0.002).mean() > 0.95


def test_the_objective_gain_equals_a_direct_rerun_of_that_project_sooner(fitted_2023q2, attention):
    lev = attention.set_index("project_id")
    objective = Objective("expected_shortfall")
    base = fitted_2023q2.simulator(YEAR, n_draws=3000, rng=4).run()
    assert (attention["objective"] == "shortfall").all()
    for pid in lev.index[:2].tolist() + lev["gain_objective"].nlargest(1).index.tolist():
        again = fitted_2023q2.simulator(YEAR, n_draws=3000, rng=4,
                                   adjustments=Adjustments(slip_months={pid: -3})).run()
        gain, se = objective.gain(again, base)
        assert lev.loc[pid, "gain_objective"] == pytest.approx(gain, abs=1e-12)
        assert lev.loc[pid, "gain_objective_se"] == pytest.approx(se, rel=1e-9, abs=1e-12)


def test_projects_that_cannot_count_are_marked_and_gain_no_groundbreaking(fitted_2023q2, attention):
    min_bn = fitted_2023q2.history.district.targets_for(YEAR).groundbreakings_min_bn
    small = attention[attention["investment_bn"] < min_bn]
    assert len(small) > 0
    assert not small["counts_for_groundbreakings"].any()
    assert (small["gain_groundbreakings"] == 0).all() and (small["p_groundbreakings"] == 0).all()
    assert small["counting_note"].str.contains(f"below the {min_bn:g} bn threshold").all()
    assert small["reason"].str.contains("does not count").all()
    big = attention[attention["investment_bn"] >= min_bn]
    assert big["counts_for_groundbreakings"].all()
    top = attention.iloc[0]
    assert top["gain_counted"] > 0 and "a quarter sooner adds" in top["reason"]
