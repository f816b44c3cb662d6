"""Scores against scikit-learn, hand-computed cases and properties; the cluster bootstrap."""
from __future__ import annotations

import doctest
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss
from sklearn.metrics import log_loss as sk_log_loss

from forecasting.evaluation import scoring
from forecasting.evaluation.scoring import (
    bootstrap_scores,
    bootstrap_skill,
    brier_score,
    brier_skill_score,
    expected_calibration_error,
    interval_coverage,
    log_loss,
    reliability_table,
    score_table,
)

#: Floating-point agreement between two exact computations of the same sums.
EXACT = dict(rel=1e-12, abs=1e-12)
EXACT_NP = dict(rtol=1e-12, atol=1e-12)


def forecasts(seed: int, n: int = 500, *, grid: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Calibrated forecasts and outcomes; on a 0.05 grid when ``grid`` (hits bin edges, 0, 1)."""
    rng = np.random.default_rng(seed)
    p = rng.integers(0, 21, n) / 20 if grid else rng.beta(0.8, 1.5, n)
    return p, (rng.random(n) < p).astype(int)


def clustered(seed: int, *, n_groups: int = 40, per_group: int = 25) -> pd.DataFrame:
    """Origins with a shared shock; ``p`` knows the shock, ``p_ref`` only the base rate."""
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(n_groups), per_group)
    shock = rng.normal(0, 1, n_groups)[g]
    x = rng.normal(0, 1, g.size)
    truth = 1 / (1 + np.exp(-(-0.5 + x + shock)))
    y = (rng.random(g.size) < truth).astype(int)
    return pd.DataFrame({"origin": [f"o{k}" for k in g], "p": truth, "p_ref": y.mean(), "y": y})


# --- Against scikit-learn --------------------------------------------------------------

@pytest.mark.parametrize("seed", range(5))
def test_brier_and_log_loss_match_sklearn(seed):
    p, y = forecasts(seed)
    assert brier_score(p, y) == pytest.approx(brier_score_loss(y, p), **EXACT)
    # Away from 0 and 1 the clipping does not bite, so the two must agree.
    pc = np.clip(p, 0.01, 0.99)
    assert log_loss(pc, y) == pytest.approx(sk_log_loss(y, pc, labels=[0, 1]), **EXACT)


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@pytest.mark.parametrize("seed,grid,n_bins", [(0, False, 10), (1, True, 10), (2, True, 7), (3, False, 5)])
def test_reliability_matches_calibration_curve(seed, grid, n_bins, strategy):
    # The grid puts forecasts exactly on the uniform bin edges and at 0 and 1, and the
    # beta forecasts leave high bins empty: both conventions (right-closed bins, empty
    # bins dropped) must match scikit-learn's.
    p, y = forecasts(seed, n=300, grid=grid)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=n_bins, strategy=strategy)
    tab = reliability_table(p, y, n_bins=n_bins, strategy=strategy)
    np.testing.assert_allclose(tab["observed"], prob_true, **EXACT_NP)
    np.testing.assert_allclose(tab["mean_p"], prob_pred, **EXACT_NP)
    assert tab["n"].sum() == len(p)


def test_reliability_bins_are_right_closed_and_drop_empty():
    tab = reliability_table([0.0, 0.1, 0.5, 1.0], [0, 1, 1, 1], n_bins=10)
    assert tab["bin"].tolist() == [0, 4, 9]
    assert tab["n"].tolist() == [2, 1, 1]


def test_reliability_wilson_interval_by_formula():
    p = np.r_[np.full(10, 0.15), np.full(4, 0.75)]
    y = np.r_[np.ones(3), np.zeros(7), np.ones(4)]
    tab = reliability_table(p, y)
    z = norm.ppf(0.95)  # 90 % two-sided
    for (_, row), x, n in zip(tab.iterrows(), (3, 4), (10, 4)):
        centre = (x + z**2 / 2) / (n + z**2)
        half = z / (n + z**2) * np.sqrt(x * (n - x) / n + z**2 / 4)
        assert row["obs_lo"] == pytest.approx(centre - half, rel=1e-9)
        assert row["obs_hi"] == pytest.approx(min(centre + half, 1.0), rel=1e-9)
    assert (tab["obs_lo"] <= tab["observed"]).all() and (tab["observed"] <= tab["obs_hi"]).all()


# --- Hand-computed cases ---------------------------------------------------------------

def test_hand_computed_scores():
    assert brier_score([0.2, 0.9], [0, 1]) == pytest.approx((0.04 + 0.01) / 2)
    assert log_loss([0.5, 0.8], [1, 0]) == pytest.approx((np.log(2) + np.log(5)) / 2)
    assert brier_skill_score([0.2, 0.9], [0, 1], [0.5, 0.5]) == pytest.approx(1 - 0.025 / 0.25)
    # bins 0, 1, 9: (1 |0.05 - 0| + 2 |0.15 - 0.5| + 1 |0.95 - 1|) / 4
    assert expected_calibration_error([0.05, 0.15, 0.15, 0.95], [0, 1, 0, 1]) == pytest.approx(0.2)
    assert interval_coverage([1, 5, 9, 3], [1, 6, 0, 4], [2, 8, 9, 5]) == 0.5  # ends included


def test_log_loss_clips_certain_misses():
    assert log_loss([1.0], [0], eps=1e-6) == pytest.approx(-np.log(1e-6))


def test_skill_is_nan_when_reference_is_perfect():
    assert np.isnan(brier_skill_score([0.3, 0.6], [0, 1], [0, 1]))


def test_ece_agrees_with_reliability_table():
    p, y = forecasts(4)
    tab = reliability_table(p, y, n_bins=8)
    expected = (tab["n"] * (tab["mean_p"] - tab["observed"]).abs()).sum() / len(p)
    assert expected_calibration_error(p, y, n_bins=8) == pytest.approx(expected, **EXACT)


@pytest.mark.parametrize("bad", [
    lambda: brier_score([0.2, 1.2], [0, 1]),
    lambda: brier_score([0.2, 0.3], [0, 2]),
    lambda: brier_score([0.2, 0.3], [0, 1, 1]),
    lambda: reliability_table([0.2, np.nan], [0, 1]),
    lambda: reliability_table([0.2, 0.3], [0, 1], strategy="kmeans"),
    lambda: bootstrap_scores(clustered(0), group_col="origin", stat="brier_skill"),
    lambda: bootstrap_scores(clustered(0), group_col="origin", stat="crps"),
])
def test_bad_input_raises(bad):
    with pytest.raises(ValueError):
        bad()


def test_missing_values_give_nan_scores():
    assert np.isnan(brier_score([0.2, np.nan], [0, 1]))
    assert np.isnan(expected_calibration_error([0.2, np.nan], [0, 1]))


# --- Properties ------------------------------------------------------------------------

prob = st.floats(0, 1, allow_nan=False)
pairs = st.lists(st.tuples(prob, st.integers(0, 1)), min_size=1, max_size=50)


@given(pairs)
def test_scores_are_bounded(rows):
    p, y = map(np.array, zip(*rows))
    assert 0 <= brier_score(p, y) <= 1
    assert 0 <= expected_calibration_error(p, y) <= 1
    assert 0 <= log_loss(p, y) <= -np.log(1e-6) + 1e-12
    assert brier_skill_score(p, y, np.full(len(p), 0.5)) <= 1


@given(st.lists(st.integers(0, 1), min_size=1, max_size=50))
def test_perfect_forecasts_score_zero(y):
    y = np.array(y)
    assert brier_score(y, y) == 0
    assert expected_calibration_error(y, y) == 0
    assert log_loss(y, y) == pytest.approx(-np.log1p(-1e-6))


# --- Score table -----------------------------------------------------------------------

@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_score_table_matches_per_group_scores(strategy):
    d = clustered(1, n_groups=6)
    d["event"] = np.where(np.arange(len(d)) % 3 == 0, "signed", "started")
    d.index = np.arange(len(d))[::-1]  # any index will do
    tab = score_table(d, by=["event", "origin"], ref_col="p_ref", n_bins=5, strategy=strategy)
    assert len(tab) == 12
    for _, row in tab.iterrows():
        g = d[(d["event"] == row["event"]) & (d["origin"] == row["origin"])]
        assert row["n"] == len(g) and row["events"] == g["y"].sum()
        assert row["brier"] == pytest.approx(brier_score(g["p"], g["y"]), **EXACT)
        assert row["log_loss"] == pytest.approx(log_loss(g["p"], g["y"]), **EXACT)
        assert row["ece"] == pytest.approx(
            expected_calibration_error(g["p"], g["y"], n_bins=5, strategy=strategy), **EXACT)
        assert row["brier_skill"] == pytest.approx(brier_skill_score(g["p"], g["y"], g["p_ref"]), **EXACT)


def test_score_table_without_groups_or_reference():
    d = clustered(2)
    tab = score_table(d)
    assert list(tab.columns) == ["n", "events", "brier", "log_loss", "ece"] and len(tab) == 1
    assert tab["brier"].iloc[0] == pytest.approx(brier_score(d["p"], d["y"]), **EXACT)


def test_score_table_marks_groups_with_missing_values():
    d = pd.DataFrame({"g": ["a", "a", "b"], "p": [0.2, np.nan, 0.7], "y": [0, 1, 1]})
    tab = score_table(d, by="g").set_index("g")
    assert tab.loc["a", ["brier", "log_loss", "ece"]].isna().all()
    assert tab.loc["b", "brier"] == pytest.approx(0.09)


# --- Cluster bootstrap -----------------------------------------------------------------

def test_bootstrap_interval_contains_estimate_and_matches_point_skill():
    d = clustered(3)
    est, lo, hi = bootstrap_skill(d, prob_col="p", ref_col="p_ref", group_col="origin", n_boot=500, rng=1)
    assert est == pytest.approx(brier_skill_score(d["p"], d["y"], d["p_ref"]), **EXACT)
    assert lo < est < hi


def test_bootstrap_identical_forecasts_give_zero_skill_exactly():
    d = clustered(4).assign(p_ref=lambda x: x["p"])
    assert bootstrap_skill(d, prob_col="p", ref_col="p_ref", group_col="origin", n_boot=200, rng=0) == (0, 0, 0)
    assert bootstrap_scores(d, group_col="origin", stat="brier_diff", ref_col="p_ref", n_boot=200,
                            rng=0) == (0, 0, 0)


def test_bootstrap_is_reproducible_with_a_seed():
    d = clustered(5)
    kw = dict(prob_col="p", ref_col="p_ref", group_col="origin", n_boot=300)
    assert bootstrap_skill(d, **kw, rng=7) == bootstrap_skill(d, **kw, rng=7)
    assert bootstrap_skill(d, **kw, rng=7) == bootstrap_skill(d, **kw, rng=np.random.default_rng(7))
    assert bootstrap_skill(d, **kw, rng=7) != bootstrap_skill(d, **kw, rng=8)


def test_named_stat_equals_the_same_stat_as_a_callable():
    # The fast path (group sums and multiplicity matrices) against literal resampled frames.
    d = clustered(6, n_groups=15)

    def skill(frame: pd.DataFrame) -> float:
        return brier_skill_score(frame["p"], frame["y"], frame["p_ref"])

    fast = bootstrap_scores(d, group_col="origin", stat="brier_skill", ref_col="p_ref", n_boot=200, rng=3)
    slow = bootstrap_scores(d, group_col="origin", stat=skill, n_boot=200, rng=3)
    np.testing.assert_allclose(fast, slow, rtol=1e-10)
    assert bootstrap_skill(d, prob_col="p", ref_col="p_ref", group_col="origin", n_boot=200, rng=3) == fast


def test_callable_sees_duplicated_groups_as_distinct():
    d = clustered(7, n_groups=5)
    seen = []
    bootstrap_scores(d, group_col="origin", stat=lambda f: seen.append(f["origin"].nunique()) or 0.0,
                     n_boot=20, rng=0)
    assert seen[0] == 5 and all(k == 5 for k in seen[1:])


def test_paired_difference_detects_the_better_forecaster():
    d = clustered(8)
    est, lo, hi = bootstrap_scores(d, group_col="origin", stat="brier_diff", ref_col="p_ref", n_boot=500, rng=0)
    assert est == pytest.approx(brier_score(d["p"], d["y"]) - brier_score(d["p_ref"], d["y"]), **EXACT)
    assert lo <= est <= hi < 0


def test_bootstrap_with_one_group_has_no_interval():
    d = clustered(9, n_groups=1)
    est, lo, hi = bootstrap_skill(d, prob_col="p", ref_col="p_ref", group_col="origin", rng=0)
    assert np.isfinite(est) and np.isnan(lo) and np.isnan(hi)


def test_bootstrap_is_fast():
    # 1,000 resamples over 100k rows in 200 groups: ~0.02 s vectorised; a per-resample
    # pandas loop takes tens of seconds, so a 1 s bound separates them with room to spare.
    d = clustered(10, n_groups=200, per_group=500)
    t0 = time.perf_counter()
    bootstrap_skill(d, prob_col="p", ref_col="p_ref", group_col="origin", n_boot=1000, rng=0)
    assert time.perf_counter() - t0 < 1.0


def test_docstring_examples_run():
    assert doctest.testmod(scoring, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_bootstrap_interval_is_ordered(seed):
    d = clustered(seed, n_groups=8, per_group=5)
    est, lo, hi = bootstrap_scores(d, group_col="origin", stat="brier", n_boot=100, rng=seed)
    assert lo <= hi and 0 <= lo and hi <= 1
