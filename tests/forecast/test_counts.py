"""The exact count distribution: hand cases, properties, scipy, and Monte Carlo agreement."""
from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom

from forecasting.forecast import counts
from forecasting.forecast.counts import count_summary, draws_summary, poisson_binomial_pmf

#: Monte Carlo tolerance in standard errors. A 5-SE miss has two-sided probability 6e-7;
#: with ~6 checks on each of <= 50 derandomised examples the family-wise false-alarm rate
#: is below 2e-4, while a real error of a few per cent in a probability is caught at
#: 20,000 draws (SE <= 0.0035).
MC_SE = 5.0
N_DRAWS = 20_000

probs = st.lists(st.one_of(st.floats(0, 1, allow_nan=False), st.sampled_from([0.0, 1.0])), max_size=40)


# --- Hand-computed cases ---------------------------------------------------------------

def test_hand_computed_pmfs():
    np.testing.assert_allclose(poisson_binomial_pmf([0.5, 0.2]), [0.4, 0.5, 0.1])
    np.testing.assert_allclose(poisson_binomial_pmf([0.1, 0.2, 0.3]),
                               [0.504, 0.398, 0.092, 0.006])  # e.g. P(3) = 0.1 * 0.2 * 0.3
    assert poisson_binomial_pmf([1.0, 0.3]).tolist() == [0.0, 0.7, 0.3]
    assert poisson_binomial_pmf([]).tolist() == [1.0]
    assert poisson_binomial_pmf([0.0, 0.0]).tolist() == [1.0, 0.0, 0.0]
    assert poisson_binomial_pmf([1.0, 1.0]).tolist() == [0.0, 0.0, 1.0]


def test_hand_computed_summary():
    s = count_summary([0.4, 0.5, 0.1], offset=2, goal=3)
    assert s["mean"] == pytest.approx(2.7)
    assert (s["p10"], s["p50"], s["p90"]) == (2, 3, 3)  # CDF 0.4, 0.9, 1.0; 0.9 reaches p90
    assert s["p_meet"] == pytest.approx(0.6)
    assert count_summary([0.5, 0.5])["p50"] == 0  # CDF exactly 0.5 reaches the median
    assert np.isnan(count_summary([1.0])["p_meet"])
    assert count_summary([0.3, 0.7], offset=4, goal=4)["p_meet"] == 1.0
    assert count_summary([0.3, 0.7], offset=4, goal=6)["p_meet"] == 0.0


@pytest.mark.parametrize("bad", [[0.2, 1.1], [-0.1], [0.5, np.nan]])
def test_bad_probabilities_raise(bad):
    with pytest.raises(ValueError):
        poisson_binomial_pmf(bad)


def test_large_n_is_stable():
    # 2,000 events with tiny and near-certain probabilities: no negative mass, no drift.
    rng = np.random.default_rng(0)
    p = np.r_[rng.uniform(0, 1e-4, 1000), rng.uniform(1 - 1e-4, 1, 500), rng.random(500)]
    pmf = poisson_binomial_pmf(p)
    assert (pmf >= 0).all() and pmf.sum() == pytest.approx(1, abs=1e-12)
    assert (np.arange(pmf.size) @ pmf) == pytest.approx(p.sum(), rel=1e-12)


# --- Properties ------------------------------------------------------------------------

@given(probs)
def test_pmf_is_a_distribution_with_the_right_moments(p):
    pmf = poisson_binomial_pmf(p)
    p = np.asarray(p, float)
    k = np.arange(pmf.size)
    assert pmf.size == p.size + 1
    assert (pmf >= 0).all()
    assert pmf.sum() == pytest.approx(1, abs=1e-12)
    mean = k @ pmf
    assert mean == pytest.approx(p.sum(), abs=1e-9)
    assert ((k - mean) ** 2) @ pmf == pytest.approx((p * (1 - p)).sum(), abs=1e-9)


@given(probs)
def test_a_certain_event_shifts_the_pmf(p):
    pmf = poisson_binomial_pmf(p)
    np.testing.assert_array_equal(poisson_binomial_pmf([*p, 1.0]), np.r_[0.0, pmf])
    np.testing.assert_array_equal(poisson_binomial_pmf([1.0, *p]), np.r_[0.0, pmf])
    np.testing.assert_array_equal(poisson_binomial_pmf([*p, 0.0]), np.r_[pmf, 0.0])


# scipy's binom.pmf overflows for subnormal p, so keep p away from 0 and 1 unless exact.
@given(st.integers(0, 80), st.one_of(st.sampled_from([0.0, 1.0]), st.floats(1e-12, 1 - 1e-12)))
def test_equal_probabilities_give_the_binomial(n, q):
    np.testing.assert_allclose(poisson_binomial_pmf(np.full(n, q)), binom.pmf(np.arange(n + 1), n, q),
                               rtol=1e-9, atol=1e-13)


@given(probs, st.integers(0, 5))
def test_p_meet_is_non_increasing_in_goal(p, offset):
    pmf = poisson_binomial_pmf(p)
    goals = np.arange(-1, len(p) + offset + 3)
    meet = [count_summary(pmf, offset=offset, goal=g)["p_meet"] for g in goals]
    assert all(0 <= m <= 1 for m in meet)
    assert all(a >= b - 1e-15 for a, b in zip(meet, meet[1:]))
    assert meet[0] == pytest.approx(1) and meet[-1] == 0


@given(st.lists(st.integers(0, 12), min_size=1, max_size=200), st.integers(0, 14))
def test_draws_and_exact_summaries_share_a_convention(draws, goal):
    # The empirical pmf of the draws, summarised exactly, must equal the draws' summary:
    # quantiles exactly (numpy's inverted_cdf), mean and p_meet to rounding.
    draws = np.array(draws)
    exact = count_summary(np.bincount(draws), goal=goal)
    sim = draws_summary(draws, goal=goal)
    assert {k: sim[k] for k in ("p10", "p50", "p90")} == {k: exact[k] for k in ("p10", "p50", "p90")}
    for k in ("p10", "p50", "p90"):
        assert sim[k] == np.quantile(draws, int(k[1:]) / 100, method="inverted_cdf")
    assert sim["mean"] == pytest.approx(exact["mean"], rel=1e-12)
    assert sim["p_meet"] == pytest.approx(exact["p_meet"], abs=1e-12)


@settings(max_examples=50, deadline=None, derandomize=True)
@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=30), st.integers(0, 3),
       st.integers(0, 30))
def test_monte_carlo_agrees_with_exact(p, offset, goal):
    p = np.asarray(p)
    rng = np.random.default_rng(20240601)
    draws = offset + (rng.random((N_DRAWS, p.size)) < p).sum(axis=1)
    pmf = poisson_binomial_pmf(p)
    exact = count_summary(pmf, offset=offset, goal=goal)
    sim = draws_summary(draws, goal=goal)

    sd = np.sqrt((p * (1 - p)).sum())
    assert abs(sim["mean"] - exact["mean"]) <= MC_SE * sd / np.sqrt(N_DRAWS) + 1e-12
    pm = exact["p_meet"]
    assert 0 <= pm <= 1
    assert abs(sim["p_meet"] - pm) <= MC_SE * np.sqrt(pm * (1 - pm) / N_DRAWS) + 1e-12
    # A simulated quantile k may differ from the exact one where the CDF is close to q;
    # what must hold is that the exact CDF at k (and just below k) is within the
    # empirical CDF's standard error (<= 0.5 / sqrt(N)) of q.
    cdf = np.cumsum(pmf)
    tol = MC_SE * 0.5 / np.sqrt(N_DRAWS)
    for name, q in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9)):
        k = sim[name] - offset
        assert cdf[k] >= q - tol
        assert k == 0 or cdf[k - 1] < q + tol
        assert abs(sim[name] - exact[name]) <= 1 or abs(cdf[exact[name] - offset] - q) < tol


def test_docstring_examples_run():
    assert doctest.testmod(counts).failed == 0
