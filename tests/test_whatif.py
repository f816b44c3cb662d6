"""What-if tools: exact against direct re-simulation, and pointing the right way."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from forecasting.outcomes import OutcomeModel
from forecasting.portfolio import Adjustments, PortfolioSimulator, simulate_portfolio
from forecasting.whatif import StaffObjective, project_leverage

AS_OF, YEAR = "2023Q2", 2023


@pytest.fixture(scope="module")
def fitted(bundled_history):
    return OutcomeModel(n_param_draws=20).fit(bundled_history.upto(AS_OF))


def test_project_leverage_equals_a_direct_rerun_of_that_project_sooner(fitted):
    lev = project_leverage(fitted, YEAR, months=3, n_draws=3000, rng=4).set_index("project_id")
    base = simulate_portfolio(fitted, YEAR, n_draws=3000, rng=4).targets().set_index("target")["p_meet"]
    for pid in lev.index[:2].tolist() + lev["gain_groundbreakings"].nlargest(1).index.tolist():
        again = simulate_portfolio(fitted, YEAR, n_draws=3000, rng=4,
                                   adjustments=Adjustments(slip_months={pid: -3})).targets().set_index("target")["p_meet"]
        assert lev.loc[pid, "gain_groundbreakings"] == pytest.approx(again["groundbreakings"] - base["groundbreakings"], abs=1e-12)
        assert lev.loc[pid, "gain_all"] == pytest.approx(again["all"] - base["all"], abs=1e-12)
    # a quarter sooner never hurts the groundbreaking count's chances in a typical project
    assert (lev["gain_groundbreakings"] >= -0.002).mean() > 0.95


def test_staff_objective_is_memoised_deterministic_and_monotone_in_a_units_staff(fitted):
    obj = StaffObjective(PortfolioSimulator(fitted, YEAR + 1, n_draws=2000, rng=1))
    now = obj.current
    assert set(now) == set(fitted.history.district.unit_ids)
    a = obj.p_meet(now)
    b = obj.p_meet(dict(now))
    assert a is b
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        more = obj.p_meet({**now, "campaign_top10": now["campaign_top10"] + 6})
    # common random numbers: more staff can only add leads, so no target's chance falls
    assert (more.to_numpy() >= a.to_numpy() - 1e-12).all()
    assert 0.0 <= obj(now) <= 1.0
