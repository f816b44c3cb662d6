"""Generator B: an independent synthetic district, reproducible and inside DOMAIN.md's ranges."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting import load_data
from forecasting.synthetic.generator_b import default_params_b, simulate_district_b

YEARS = range(2019, 2024)


def _counts(sim) -> pd.DataFrame:
    P, s = sim.projects, sim.projects["size_signed"]
    rows = []
    for y in YEARS:
        sy, gy = P["signed_date"].dt.year.eq(y), P["groundbreaking_date"].dt.year.eq(y)
        rows.append({"sign": sy.sum(), "s1": (sy & (s >= 1)).sum(), "s5": (sy & (s >= 5)).sum(),
                     "gb05": (gy & (s >= 0.5)).sum(), "des": (P["designated_year"] == y).sum()})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def counts() -> pd.DataFrame:
    return pd.concat([_counts(simulate_district_b(rng=seed, end="2023Q4")) for seed in range(8)], ignore_index=True)


def test_reproducible_and_valid(tmp_path):
    a, b = simulate_district_b(rng=7, end="2022Q4"), simulate_district_b(rng=7, end="2022Q4")
    pd.testing.assert_frame_equal(a.projects, b.projects)
    pd.testing.assert_frame_equal(a.snapshot("2022Q2"), b.snapshot("2022Q2"))
    assert not a.projects.equals(simulate_district_b(rng=8, end="2022Q4").projects)
    folder = load_data(a.write(tmp_path / "data"))
    assert len(folder.snapshots) == len(a.quarters)


def test_a_district_with_huge_leads_is_valid(tmp_path):
    # seed 200 has Pareto-tailed leads of 300 and 600 bn, thousands of times the median: written
    # in billion CNY they are read as written, not refused as a 亿元/万元 mix-up
    sim = simulate_district_b(rng=200, end="2023Q4")
    assert sim.projects["size_lead"].max() >= 1000 * sim.projects["size_lead"].median()
    folder = load_data(sim.write(tmp_path / "data"))
    assert folder.snapshots["2023Q4"]["investment_bn"].max() >= 300


def test_yearly_counts_in_domain_ranges(counts):
    m = counts.mean()
    assert 100 <= m["sign"] <= 170  # DOMAIN: ~100-160 signings >= 0.1 bn a year
    assert 12 <= m["gb05"] <= 21  # roughly 12-20 starts >= 0.5 bn a year
    assert 4 <= m["s1"] <= 16  # 15 of >= 1 bn planned for 2026
    assert 0.1 <= m["s5"] <= 3  # 0-3 of >= 5 bn a year
    assert 1 <= m["des"] <= 4  # the goal of 3 designations is a stretch
    assert counts["s5"].max() <= 4


def test_groundbreakings_overdispersed(counts):
    # the yearly climate moves every project at once: more spread than a Poisson's, beyond
    # the 99 % point of the dispersion test's chi-square law
    from scipy import stats

    n = len(counts)
    assert counts["gb05"].var() / counts["gb05"].mean() > stats.chi2.ppf(0.99, n - 1) / (n - 1)


def test_climate_is_ar1_with_the_stated_sd():
    p = default_params_b()
    c = np.concatenate([simulate_district_b(rng=s, start="2018Q1", end="2018Q1", ledger_start_year=2017)
                        .year_effects.to_numpy() for s in range(120)])
    assert abs(c.std() - p.climate_sd) < 0.04
