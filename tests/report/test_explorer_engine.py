"""The live what-if's engine: every lever's fast path gives a new simulator's numbers.

Exactness: every lever is checked for *identical* simulated counts against a
:class:`PortfolioSimulator` built with the same adjustments and seed. For staff, projects,
prospects and the approval speed that is exact by construction (the same arithmetic on the
same rows and uniforms); for a sector's year the arrival cells are summed in another order
(equal to rounding, 1e-15), so a difference could only come from a uniform within 1e-15 of
a threshold: none happens here, and the counts are compared exactly.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from forecasting.simulation.adjustments import Adjustments
from forecasting.whatif.objectives import Objective


PROSPECT = {"name": "Battery phase II", "unit": "branch_4", "sector": "photovoltaics", "stage": "negotiating",
            "investment_bn": 8.0}


def lever_cases(big):
    two = pd.DataFrame([PROSPECT, {**PROSPECT, "unit": "campaign_top10", "sector": "new_energy", "stage": "signed",
                                   "investment_bn": 12.0}])
    return {
        "staff": Adjustments(effort={"branch_4": {"staff": 14.0}, "center_nanjing": {"staff": 1.0}}),
        "approval speed on the grid": Adjustments(approval_speed=1.25),
        "approval speed off the grid": Adjustments(approval_speed=0.7),
        "slip": Adjustments(slip_months={big[0]: 4}),
        "sooner": Adjustments(slip_months={big[1]: -3}),
        "lost": Adjustments(lost=frozenset([big[0]])),
        "resize": Adjustments(resize={big[1]: 20.0}),
        "one prospect": Adjustments(prospects=pd.DataFrame([PROSPECT])),
        "two prospects": Adjustments(prospects=two),
        "a sector's good year": Adjustments(sector_effect={"photovoltaics": 0.5}),
        "two sectors' years": Adjustments(sector_effect={"new_energy": -0.4, "smart_grid": 0.3}),
        "everything at once": Adjustments(effort={"branch_4": {"staff": 14.0}}, approval_speed=1.25,
                                          slip_months={big[0]: -3}, lost=frozenset([big[1]]),
                                          prospects=pd.DataFrame([PROSPECT]), sector_effect={"new_energy": -0.4}),
    }


@pytest.mark.parametrize("lever", ["staff", "approval speed on the grid", "approval speed off the grid", "slip",
                                   "sooner", "lost", "resize", "one prospect", "two prospects",
                                   "a sector's good year", "two sectors' years", "everything at once"])
def test_each_levers_fast_path_gives_a_new_simulators_counts(outcome_forecaster, ex, ex_big, ex_direct, lever):
    adj = lever_cases(ex_big)[lever]
    fast, slow = ex.simulate(adj), ex_direct(adj)
    np.testing.assert_array_equal(fast.counts.to_numpy(), slow.counts.to_numpy())
    pd.testing.assert_frame_equal(fast.targets(), slow.targets())
    # and the lever does something (a test of equality between two no-ops proves nothing)
    assert not np.array_equal(fast.counts.to_numpy(), ex.baseline.counts.to_numpy())


def test_the_baseline_and_repeated_answers_are_the_simulators_own(outcome_forecaster, ex, ex_big, ex_direct):
    np.testing.assert_array_equal(ex.simulate().counts.to_numpy(), ex_direct(Adjustments()).counts.to_numpy())
    adj = Adjustments(slip_months={ex_big[0]: 4}, sector_effect={"photovoltaics": 0.5})
    np.testing.assert_array_equal(ex.simulate(adj).counts.to_numpy(), ex.simulate(adj).counts.to_numpy())
    # a change, then back: today's plans again (nothing leaks from one answer into the next)
    np.testing.assert_array_equal(ex.simulate().counts.to_numpy(), ex.baseline.counts.to_numpy())


def test_bad_levers_are_sentences(outcome_forecaster, ex):
    from forecasting.report.explorer_engine import Explorer

    with pytest.raises(ValueError, match="not an open project of the ledger: NOPE"):
        ex.simulate(Adjustments(slip_months={"NOPE": 3}))
    with pytest.raises(ValueError, match="not a sector of the district: mining"):
        ex.simulate(Adjustments(sector_effect={"mining": 0.3}))
    with pytest.raises(ValueError, match="integer seed"):
        Explorer(outcome_forecaster, ex.year, n_draws=ex.n_draws, rng=np.random.default_rng(0))


def test_background_precomputation_and_a_given_objective(outcome_forecaster, ex):
    from forecasting.report.explorer_engine import Explorer
    from forecasting.whatif.objectives import objective_label

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e = Explorer(outcome_forecaster, ex.year, n_draws=500, rng=ex.seed, approval_grid=(0.8,), sector_grid=(-0.25,),
                     precompute="background", objective=Objective("expected_count", "groundbreakings"))
        assert e.wait() > 0
        assert set(e.regimes) == {0.8, 1.0}
        sectors = outcome_forecaster.history.district.sectors
        assert {(sp, s, v) for sp, s, v in e.sector_parts} == {(1.0, s, -0.25) for s in sectors}
        adj = Adjustments(approval_speed=0.8, sector_effect={"smart_grid": -0.25})
        np.testing.assert_array_equal(
            e.simulate(Adjustments(sector_effect={"smart_grid": -0.25})).counts.to_numpy(),
            outcome_forecaster.simulator(ex.year, n_draws=500, rng=ex.seed,
                               adjustments=Adjustments(sector_effect={"smart_grid": -0.25})).run(monthly=False)
            .counts.to_numpy())
        e.simulate(adj)  # off the precomputed combinations: computed when asked, then kept
        assert (0.8, "smart_grid", -0.25) in e.sector_parts
    s = e.summary(e.simulate(Adjustments(effort={"branch_4": {"staff": 14.0}})), "en")
    assert s.index[0] == objective_label(e.objective, "en") == "expected groundbreakings"
    assert objective_label(e.objective, "zh") == "开工项目预期数量"
