"""Investment at signing: the threshold curve against the generator's own signing process."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.synthetic.generator import signing_amount, default_params, simulate_district
from forecasting.history.histories import History
from forecasting.models.size import THRESHOLDS, fit_size, presigning_amounts

RATIOS = np.array([0.6, 0.8, 0.88, 0.95, 0.99, 1.0, 1.03, 1.1, 1.3, 1.8])


def true_p_at_least(amount: float, threshold: float, n: int = 40_000, seed: int = 0) -> float:
    """P(signed amount >= threshold) for an amount recorded in negotiation, by Monte Carlo
    from the generator's own signing process (revision, heavy tails, bunching)."""
    rng = np.random.default_rng(seed)
    return float(np.mean(signing_amount(default_params(), np.full(n, amount), rng) >= threshold))


@pytest.fixture(scope="module")
def sim_size():
    """Fitted on fifteen years of a simulated district (about 1,800 signings): enough near
    each threshold for the recovery to be judged against the truth, not against luck."""
    sim = simulate_district(rng=3, start="2009Q1", ledger_start_year=2007, end="2023Q4")
    return fit_size(History(sim.district, sim.effort, sim.snapshots()))


@pytest.mark.parametrize("threshold", [0.5, 1.0, 5.0])
def test_the_curve_recovers_the_generators_signing_process(sim_size, threshold):
    amounts = threshold * RATIOS
    truth = np.array([true_p_at_least(a, threshold) for a in amounts])
    fitted = sim_size.predict_at_least(amounts, threshold, np.full(amounts.size, "negotiating"), np.zeros(amounts.size))[0]
    draws = sim_size.predict_at_least(amounts, threshold, np.full(amounts.size, "negotiating"), np.zeros(amounts.size),
                                params=sim_size.sample(400, np.random.default_rng(1)))
    lo, hi = np.quantile(draws, [0.005, 0.995], axis=0)
    # close everywhere, and the truth inside the parameter band at most ratios; the
    # generator's bunching window has a sharp edge (0.85 x threshold) a smooth curve rounds off
    assert np.max(np.abs(fitted - truth)) < 0.16
    assert np.mean(np.abs(fitted - truth)) < 0.06
    assert np.mean((truth >= lo - 0.01) & (truth <= hi + 0.01)) >= 0.8
    # the features of real agreements: an amount just above the threshold mostly stays
    # above it, one just below is often pushed over
    assert fitted[RATIOS == 1.0][0] > 0.5
    assert 0.15 < fitted[RATIOS == 0.95][0] < 0.6


def test_announcements_shrink_on_average(sim_history):
    d = presigning_amounts(sim_history[1])
    ratio = np.log(d["signed"] / d["amount"])
    assert ratio.median() <= 0.0
    assert ratio.mean() < -0.03


def test_curve_rises_with_the_amount_at_every_threshold(bundled_history):
    res = fit_size(bundled_history)
    for t in THRESHOLDS:
        amounts = t * np.exp(np.linspace(np.log(0.3), np.log(3.0), 400))
        for stage in ("lead", "negotiating"):
            p = res.predict_at_least(amounts, t, np.full(amounts.size, stage), np.zeros(amounts.size))[0]
            assert np.all(np.diff(p) >= -1e-9), (t, stage)


@settings(max_examples=60, deadline=None)
@given(amount=st.floats(0.1, 80.0), campaign=st.booleans(), stage=st.sampled_from(["lead", "negotiating"]))
def test_bands_are_probabilities_that_add_up(bundled_size, amount, campaign, stage):
    edges = [0.5, 5.0, 10.0]
    below = 1.0 - bundled_size.predict_at_least(amount, edges[0], stage, float(campaign))[0]
    bands = [bundled_size.predict_band(amount, lo, hi, stage, float(campaign))[0]
             for lo, hi in zip(edges, edges[1:] + [None])]
    assert all(0.0 <= b <= 1.0 for b in bands)
    assert below + sum(bands) == pytest.approx(1.0, abs=1e-9)


@pytest.fixture(scope="module")
def bundled_size(bundled_history):
    return fit_size(bundled_history)


def test_curve_rises_with_the_amount_in_every_parameter_draw(bundled_size):
    """Monotone by construction (positive slopes, jump and ramp), not only at the estimate."""
    draws = bundled_size.sample(1_000, np.random.default_rng(7))
    for t in sorted(set(THRESHOLDS) | set(bundled_size.thresholds) | {0.2, 20.0}):
        amounts = t * np.exp(np.linspace(np.log(0.2), np.log(5.0), 200))
        for stage in ("lead", "negotiating"):
            for campaign in (0.0, 1.0):
                p = bundled_size.predict_at_least(amounts, t, np.full(amounts.size, stage), np.full(amounts.size, campaign),
                                            params=draws)
                falls = np.diff(p, axis=1) < -1e-12
                assert not falls.any(), (t, stage, campaign, falls.any(axis=1).mean())


def test_optimiser_stopping_early_warns(bundled_history):
    from forecasting.errors import ConvergenceWarning

    with pytest.warns(ConvergenceWarning, match="size-at-signing"):
        fit_size(bundled_history.upto("2023Q4"), max_iter=1)


def test_no_convergence_warning_on_the_bundled_data(bundled_history):
    import warnings

    from forecasting.errors import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        fit_size(bundled_history.upto("2023Q4"))


# ------------------------------------------------------------------ no constant shared with the generator
def test_thresholds_come_from_the_district_and_the_data_not_the_generator(bundled_history):
    from dataclasses import replace

    from forecasting.data.district import Tier
    from forecasting.models.size import REPORTED_THRESHOLDS, bunching_thresholds, thresholds_for

    gen = tuple(default_params().bunching_thresholds)
    assert tuple(THRESHOLDS) != gen and tuple(REPORTED_THRESHOLDS) != gen
    h = bundled_history.upto("2023Q4")
    res = fit_size(h)
    d = presigning_amounts(h)
    expected = thresholds_for(h.district, d["signed"].to_numpy(float))
    assert res.thresholds == expected
    # every tier bound of the district's targets is a threshold
    bounds = {b for t in h.district.targets.values() for tier in t.tiers for b in (tier.min_bn, tier.max_bn) if b}
    assert bounds <= set(res.thresholds)
    # a new tier bound becomes a threshold; bunching is read off the data
    year = max(h.district.targets)
    t = h.district.targets[year]
    district = replace(h.district, targets={**h.district.targets,
                                            year: replace(t, tiers=t.tiers + (Tier("7bn", 7.0, 0),))})
    assert 7.0 in thresholds_for(district)
    signed = np.r_[np.full(20, 4.1), np.full(2, 3.8)]
    assert 4.0 in bunching_thresholds(signed) and 3.0 not in bunching_thresholds(signed)


def test_the_shared_verbs(bundled_size):
    """The curve's coefficients, their delta-method covariance, Wald intervals, the summary
    table and immutability; ``sample`` draws normally on the fitted scale and maps back, so
    the draws' medians are the estimates (the map is monotone in each coefficient)
    and their spread the covariance's where the map is the identity."""
    from conftest import assert_model_verbs

    assert_model_verbs(bundled_size)
    draws = bundled_size.sample(8000, np.random.default_rng(4))
    sd = np.sqrt(np.diag(bundled_size.cov_params().to_numpy()))
    # antithetic pairs: the two middle draws straddle the estimate by the smallest deviation
    np.testing.assert_allclose(np.median(draws, axis=0), bundled_size.params.to_numpy(), atol=0.005 * sd.min())
    # where the map is the identity the draws' spread is the covariance's; where it bends (a
    # slope through exp, a ramp through softplus) the delta method is only a guide
    same = np.isclose(np.diag(bundled_size.cov.to_numpy()), sd**2)
    assert 0 < same.sum() < len(sd)
    np.testing.assert_allclose(draws.std(axis=0)[same], sd[same], rtol=0.06)



def test_the_curve_far_from_a_threshold_is_0_or_1_without_a_warning(bundled_size):
    """Amounts a million times below or above a threshold, with the slopes of a steep draw:
    the probabilities are 0 and 1, and numpy's overflow warning (which the generator-B
    studies showed) does not reach the planner."""
    import warnings

    steep = bundled_size.params.to_numpy() * 50.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = bundled_size.predict_at_least(np.array([1e-6, 1e6]), 1.0, "lead", False, params=steep)
    np.testing.assert_allclose(p[0], [0.0, 1.0], atol=1e-12)
