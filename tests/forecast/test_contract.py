"""The forecast contract: settled events, counts from independent probabilities, Monte Carlo errors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.forecast.contract import (TARGET_COLUMNS, finish_projects, independent_targets, mc_se,
                                           project_columns, settled_probabilities, so_far, targets_from_draws)


@pytest.fixture(scope="module")
def mid_year(bundled_history):
    return bundled_history.upto("2023Q2")


def test_settled_events_are_zero_or_one_and_open_ones_nan(mid_year):
    s = settled_probabilities(mid_year, 2023)
    P = mid_year.projects.reset_index(drop=True)
    signed_in_year = P["signed_date"].dt.year.eq(2023).to_numpy()
    np.testing.assert_array_equal(s.loc[signed_in_year, "p_signed"], 1.0)
    signed_before = (P["signed_date"].dt.year < 2023).to_numpy()
    np.testing.assert_array_equal(s.loc[signed_before, "p_signed"], 0.0)
    lost_unsigned = P["stage"].eq("lost").to_numpy() & P["signed_date"].isna().to_numpy()
    np.testing.assert_array_equal(s.loc[lost_unsigned, "p_signed"], 0.0)
    open_ = ~P["stage"].eq("lost").to_numpy() & P["signed_date"].isna().to_numpy()
    assert s.loc[open_, "p_signed"].isna().all() and open_.any()


def test_a_certain_forecast_gives_its_counts_exactly(mid_year):
    """Every open project signing with probability 1 and nothing else happening: the count of
    signed-target tiers is so far + the open projects in the tier, with P = 1 or 0 of meeting."""
    P = mid_year.projects
    probs = pd.DataFrame({"project_id": P["project_id"]})
    for col in project_columns(mid_year.district.targets_for(2023))[3:]:
        probs[col] = 0.0
    projects = finish_projects(mid_year, 2023, probs)
    assert list(projects.columns) == project_columns(mid_year.district.targets_for(2023))
    out = independent_targets(mid_year, 2023, projects).set_index("target")
    assert list(out.reset_index().columns) == TARGET_COLUMNS
    done = so_far(mid_year, 2023)
    for name in done.index:
        assert out.loc[name, "mean"] == pytest.approx(done[name])  # nothing open can happen
        assert out.loc[name, "p_meet"] == float(done[name] >= out.loc[name, "goal"])


def test_targets_from_draws_and_the_clustered_error(mid_year):
    names = mid_year.district.targets_for(2023).names
    rng = np.random.default_rng(0)
    draws = pd.DataFrame({n: rng.poisson(40, 400) for n in names})
    out = targets_from_draws(mid_year, 2023, draws, clusters=np.repeat(np.arange(100), 4)).set_index("target")
    goal = out.loc[names[0], "goal"]
    assert out.loc[names[0], "p_meet"] == pytest.approx((draws[names[0]] >= goal).mean())
    met = np.all([draws[n] >= out.loc[n, "goal"] for n in names], axis=0)
    assert out.loc["all", "p_meet"] == pytest.approx(met.mean())
    assert "p_meet_mc_se" in out.columns


def test_mc_se_known_answers():
    """Clusters of two equal hits each: the cluster means are the hits, so the error is
    ``sd / sqrt(n)``; without clusters it is not defined."""
    hit = np.array([1, 1, 0, 0, 1, 1, 0, 0], float)
    clusters = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    assert mc_se(hit, clusters) == pytest.approx(np.std([1, 0, 1, 0], ddof=1) / 2)
    assert np.isnan(mc_se(hit, None)) and np.isnan(mc_se(hit, np.zeros(8, int)))
    # groups that are the clusters themselves change nothing; a single group leaves the clusters' error
    assert mc_se(hit, clusters, clusters) == pytest.approx(mc_se(hit, clusters))
    assert mc_se(hit, clusters, np.zeros(8, int)) == pytest.approx(mc_se(hit, clusters))


def test_mc_se_counts_what_groups_of_clusters_share():
    """8 groups of 15 clusters of 20 years; each group shares a shift of its years' chance
    (like the new leads' templates shared by a template set), each cluster has its own. The
    clusters' spread alone misses the groups' part; with the groups the error matches the
    spread of the mean over repeated simulations (the truth here)."""
    rng = np.random.default_rng(3)
    G, C, Y = 8, 15, 20
    clusters = np.repeat(np.arange(G * C), Y)
    groups = clusters // C
    means, se_c, se_g = [], [], []
    for _ in range(400):
        p = 0.4 + rng.normal(0, 0.06, G)[groups] + rng.normal(0, 0.06, G * C)[clusters]
        hit = rng.random(G * C * Y) < p
        means.append(hit.mean())
        se_c.append(mc_se(hit, clusters))
        se_g.append(mc_se(hit, clusters, groups))
    truth = np.std(means, ddof=1)  # ≈ sqrt(0.06²/8 + (0.06² + 0.24/20)/120) = 0.0232
    assert np.mean(se_c) < 0.6 * truth
    assert 0.85 * truth < np.mean(se_g) < 1.2 * truth
