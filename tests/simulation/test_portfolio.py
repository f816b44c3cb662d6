"""The portfolio simulation: exact where it can be checked, honest about dependence."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from forecasting.forecast.counts import poisson_binomial_pmf
from forecasting.synthetic.generator import default_params, simulate_district, with_params
from forecasting.history.histories import History
from forecasting.simulation.outcomes import OutcomeModel
from forecasting.simulation.adjustments import Adjustments
from forecasting.simulation.draws import draw_parameters
from forecasting.simulation.portfolio import PortfolioSimulator, simulate_portfolio
from forecasting.simulation.rows import row_events
from forecasting.models.progression import fit_progression

AS_OF, YEAR = "2023Q2", 2023


@pytest.fixture(scope="module")
def fitted(bundled_history):
    return OutcomeModel(n_param_draws=30).fit(bundled_history.upto(AS_OF))


@pytest.fixture(scope="module")
def baseline(fitted):
    return fitted.simulate(YEAR, n_draws=6000, rng=11)


def _ledger_events(res, n_param_draws):
    draws = draw_parameters(res, YEAR, n_param_draws, np.random.default_rng(0))
    st = res.state
    frame = res.history.projects.set_index("project_id").loc[st["project_id"]].reset_index()
    return row_events(res, st, frame, YEAR, draws)


def test_independent_case_matches_the_exact_poisson_binomial(fitted):
    """One draw of the parameters and the year's conditions, no new leads: counts are sums
    of independent Bernoullis, so the simulated distribution must match the exact
    Poisson–binomial of the probabilities the simulation drew them from."""
    res = replace(OutcomeModel(n_param_draws=1).fit(fitted.history).results, inflow=None)
    simulator = PortfolioSimulator(res, YEAR, n_draws=40_000, rng=3, n_param_draws=1)
    sim, ev = simulator.run(), simulator.ledger_events
    from forecasting.forecast.contract import settled_probabilities

    settled = settled_probabilities(res.history, YEAR).set_index("project_id").reindex(ev.ids)
    open_ = settled["p_groundbreaking"].isna().to_numpy() & ev.counted
    pmf = poisson_binomial_pmf(ev.cum_ground[0, open_, -1])
    done = int(sim.sources.loc["groundbreakings", "so_far"])
    counts = sim.counts["groundbreakings"].to_numpy() - done
    emp = np.bincount(counts, minlength=pmf.size)[: pmf.size] / counts.size
    assert 0.5 * np.abs(emp - pmf).sum() < 0.02  # total variation; MC error about 0.006
    assert counts.mean() == pytest.approx(pmf @ np.arange(pmf.size), abs=0.05)


def test_same_seed_same_numbers_and_a_null_scenario_changes_nothing(fitted, baseline):
    again = fitted.simulate(YEAR, n_draws=6000, rng=11)
    pd.testing.assert_frame_equal(again.counts, baseline.counts)
    null = fitted.simulate(YEAR, n_draws=6000, rng=11, adjustments=Adjustments(effort={}, approval_speed=1.0))
    assert (null.counts.to_numpy() - baseline.counts.to_numpy() == 0).all()


def test_probabilities_and_paths_are_coherent(baseline):
    t = baseline.targets().set_index("target")
    assert t["p_meet"].between(0, 1).all()
    assert t.loc["all", "p_meet"] <= t["p_meet"].drop("all").min() + 1e-12
    assert (t["p10"].drop("all") <= t["p50"].drop("all")).all() and (t["p50"].drop("all") <= t["p90"].drop("all")).all()
    assert (baseline.counts.to_numpy() >= t["so_far"].drop("all").to_numpy()).all()
    # monthly paths never go down and end at the year's count
    assert (np.diff(baseline.monthly, axis=1) >= 0).all()
    assert (baseline.monthly[:, -1, :] == baseline.counts.to_numpy()).all()
    traj = baseline.trajectory()
    june = traj[traj["month"] == 6].set_index("target")
    assert (june["p10"] == june["actual"]).all()  # the past is not uncertain


def test_common_shock_makes_counts_more_variable_than_independence(fitted):
    """With parameter and year uncertainty the count's variance exceeds the Poisson–binomial's."""
    res = replace(OutcomeModel(n_param_draws=60).fit(fitted.history).results, inflow=None)
    sim = simulate_portfolio(res, YEAR, n_draws=20_000, rng=5, n_param_draws=60)
    ev = _ledger_events(res, 60)
    p = ev.cum_ground[:, ev.counted, -1].mean(axis=0)
    from forecasting.forecast.contract import settled_probabilities

    settled = settled_probabilities(res.history, YEAR).set_index("project_id").reindex(ev.ids)
    p = p[settled["p_groundbreaking"].isna().to_numpy()[ev.counted]]
    # the bundled district varies little from year to year (ratio about 1.1); 1.05 is five
    # Monte Carlo errors of the variance above independence
    assert sim.counts["groundbreakings"].var() > 1.05 * (p * (1 - p)).sum()


@pytest.mark.parametrize("year_sd, lo, hi", [(0.0, 0.0, 0.1), (0.35, 0.15, 1.0)])
def test_estimated_common_shock_near_zero_without_one_and_positive_with_one(year_sd, lo, hi):
    sim = simulate_district(with_params(default_params(), year_sd=year_sd), start="2013Q1", end="2023Q4",
                            ledger_start_year=2011, rng=2)
    res = fit_progression(History(sim.district, sim.effort, sim.snapshots()))
    assert lo <= res.sd_year <= hi


def test_scenarios_move_counts_the_right_way(fitted, baseline):
    faster = fitted.simulate(YEAR, n_draws=6000, rng=11, adjustments=Adjustments(approval_speed=2.0))
    assert faster.counts["groundbreakings"].mean() > baseline.counts["groundbreakings"].mean() + 0.5
    # common random numbers: a faster process never removes a groundbreaking in the same simulated year
    assert (faster.counts["groundbreakings"] >= baseline.counts["groundbreakings"]).mean() > 0.97

    P = fitted.history.projects
    st = fitted.state
    approved = st.loc[st["stage_idx"] == 3, "project_id"]
    big = P[P["project_id"].isin(approved) & (P["investment_bn"] >= 0.5)]["project_id"].tolist()
    lost = fitted.simulate(YEAR, n_draws=6000, rng=11, adjustments=Adjustments(lost=frozenset(big)))
    assert (lost.counts["groundbreakings"] <= baseline.counts["groundbreakings"]).all()
    assert lost.counts["groundbreakings"].mean() < baseline.counts["groundbreakings"].mean() - 1

    slipped = fitted.simulate(YEAR, n_draws=6000, rng=11,
                                 adjustments=Adjustments(slip_months={pid: 12 for pid in big}))
    assert slipped.counts["groundbreakings"].mean() == pytest.approx(lost.counts["groundbreakings"].mean(), abs=0.3)

    prospect = pd.DataFrame([{"unit": "campaign_top10", "sector": "new_energy", "stage": "negotiating",
                              "investment_bn": 12.0, "entered": "2023-03-01"}])
    more = fitted.simulate(YEAR, n_draws=6000, rng=11, adjustments=Adjustments(prospects=prospect))
    assert more.counts["tier_10bn"].mean() > baseline.counts["tier_10bn"].mean() + 0.05
    assert (more.counts["tier_10bn"] >= baseline.counts["tier_10bn"]).all()


def test_rerunning_with_more_staff_only_adds_leads_and_matches_a_fresh_scenario(fitted):
    sim = fitted.simulator(YEAR, n_draws=4000, rng=2)
    base = sim.run()
    more = sim.run({"campaign_top10": {"staff": 30}})
    fresh = fitted.simulate(YEAR, n_draws=4000, rng=2,
                               adjustments=Adjustments(effort={"campaign_top10": {"staff": 30}}))
    pd.testing.assert_frame_equal(more.counts, fresh.counts)
    assert (more.sources["new_leads"] >= base.sources["new_leads"]).all()
    assert (more.counts.to_numpy() >= base.counts.to_numpy()).all()  # common random numbers: monotone


def test_cumulative_tiers_never_count_fewer_than_a_tier_inside_them(bundled_history):
    """With "5 bn and above" and "10 bn and above" both cumulative, no simulated year may
    have more 10 bn signings than 5 bn ones: ledger projects and new leads alike (the new
    leads' tiers were once drawn as if disjoint: 5 % of years broke this)."""
    from dataclasses import replace as dc_replace

    from forecasting.data.district import Tier

    h = bundled_history.upto("2023Q4")
    t = h.district.targets_for(2024)
    cumulative = dc_replace(t, tiers=(Tier("10bn", 10.0, 1), Tier("5bn", 5.0, 2)))
    district = dc_replace(h.district, targets={**h.district.targets, 2024: cumulative})
    h2 = History(district, h.effort, dict(h.snapshots))
    res = OutcomeModel(n_param_draws=20).fit(h2)
    sim = res.simulate(2024, n_draws=8000, rng=1)
    assert sim.sources.loc["tier_10bn", "new_leads"] > 0.05  # the new leads do sign big projects
    assert (sim.counts["tier_10bn"] <= sim.counts["tier_5bn"]).all()
    assert (sim.monthly[:, :, 1] <= sim.monthly[:, :, 2]).all()


def test_reported_monte_carlo_error_matches_the_spread_over_seeds(fitted):
    res = OutcomeModel(n_param_draws=40).fit(fitted.history)
    runs = [res.simulate(YEAR + 1, n_draws=4000, rng=s).targets().set_index("target") for s in range(8)]
    p = pd.concat([r["p_meet"] for r in runs], axis=1)
    se = pd.concat([r["p_meet_mc_se"] for r in runs], axis=1).mean(axis=1)
    spread = p.std(axis=1)
    for target in ("groundbreakings", "tier_5bn", "all"):
        # a standard deviation from 8 seeds is itself uncertain by about ±25 %
        assert 0.4 * spread[target] <= se[target] <= 3.0 * spread[target] + 1e-3, target


def test_default_settings_resolve_every_p_meet_to_about_half_a_point(bundled_history):
    """Issue 13 asks for a Monte Carlo error below 0.005 with the default settings. Measured
    as the spread of p_meet over 30 seeds it is 0.0038 and 0.0041 for the size tiers (0.0053
    and 0.0049 before the rows' uniforms came in antithetic years) and below 0.0005 for the
    rest. The error reported (``mc_se``, the larger of two clustered estimates, each from
    120 pairs or 8 template sets) averages 0.0037 and 0.0046 and is itself noisy (up to 0.0074
    at one seed of 30). This guards the size of the error reported at the default seed."""
    fc = OutcomeModel().fit(bundled_history).forecast(2024)
    se = fc.targets.set_index("target")["p_meet_mc_se"]
    assert (se < 0.0065).all(), se
    assert se.drop(["tier_10bn", "tier_5bn"]).lt(0.002).all(), se


def test_a_generator_seed_is_kept_so_a_rerun_with_it_is_the_same(fitted):
    """A simulator seeded with a generator keeps the seed it drew, so a scenario run with
    ``rng=sim.seed`` (``scenario_changes``, the explorer) gets the same random numbers
    (common random numbers); before, ``seed`` held the generator itself, already advanced."""
    sim = fitted.simulator(YEAR, n_draws=300, rng=np.random.default_rng(5), n_param_draws=4)
    assert isinstance(sim.seed, int)
    again = fitted.simulator(YEAR, n_draws=300, rng=sim.seed, n_param_draws=4)
    np.testing.assert_array_equal(sim.ledger_counts, again.ledger_counts)
    pd.testing.assert_frame_equal(sim.run().counts, again.run().counts)
    assert sim.run().seed == sim.seed
