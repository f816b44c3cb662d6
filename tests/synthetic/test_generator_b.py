"""Generator B (an independent synthetic district) and its oracle."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from forecasting import load_data
from forecasting.forecast.contract import poisson_binomial_pmf, settled_probabilities
from forecasting.synthetic.generator_b import default_params_b, simulate_district_b
from forecasting.history.histories import History
from forecasting.synthetic.oracle_b import OracleB

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


def _pooled(params, seeds, pairs):
    rows = []
    for seed in seeds:
        sim = simulate_district_b(params, rng=seed, end="2023Q4")
        full = History(sim.district, sim.effort, sim.snapshots())
        truth = sim.projects.set_index("project_id")
        for origin, year in pairs:
            h = full.upto(origin)
            fit = OracleB(sim).fit(h)
            pr = fit.project_probabilities(year)
            fc = fit.forecast(year)
            cols = [c for c in fc.projects if c.startswith("p_")]
            v = fc.projects[cols].to_numpy()
            assert np.all((v >= 0) & (v <= 1))
            st = settled_probabilities(h, year).set_index("project_id")
            done = fc.projects.set_index("project_id")
            s = st.loc[done.index, "p_groundbreaking"]
            assert np.all(np.isin(done.loc[s.notna(), "p_groundbreaking"], (0.0, 1.0)))
            t = truth.loc[pr["project_id"]]
            for ev, col, date in (("signed", "p_signed", "signed_date"), ("ground", "p_groundbreaking", "groundbreaking_date")):
                is_open = st.loc[pr["project_id"], col].isna().to_numpy()
                rows.append(pd.DataFrame({"ev": ev, "p": pr[col].to_numpy()[is_open],
                                          "y": t[date].dt.year.eq(year).to_numpy()[is_open]}))
    return pd.concat(rows, ignore_index=True)


def test_oracle_calibrated_without_climate_uncertainty():
    # with the climate switched off the projects are independent given their types, so the
    # realised frequencies must match the oracle's probabilities within binomial error
    params = replace(default_params_b(), climate_sd=1e-4)
    d = _pooled(params, range(3), (("2022Q4", 2023), ("2023Q2", 2023)))
    for ev, g in d.groupby("ev"):
        sd = np.sqrt((g["p"] * (1 - g["p"])).sum())
        assert abs(g["y"].sum() - g["p"].sum()) < 3.5 * sd, ev
        g = g.assign(b=pd.cut(g["p"], [-0.01, 0.05, 0.15, 0.3, 0.5, 1.0]))
        for _, b in g.groupby("b", observed=True):
            if len(b) >= 30:
                sd_b = np.sqrt((b["p"] * (1 - b["p"])).sum()) + 1.0
                assert abs(b["y"].sum() - b["p"].sum()) < 4 * sd_b, (ev, len(b))


def test_oracle_provincial_exact_at_december():
    sim = simulate_district_b(rng=2, end="2023Q4")
    h = History(sim.district, sim.effort, sim.snapshots()).upto("2022Q4")
    pr = OracleB(sim).fit(h).project_probabilities(2023)
    cand = h.latest["provincial"].eq("candidate").sum()
    k = np.arange(200)
    from scipy import stats
    expect = (np.minimum(k, cand) * stats.poisson.pmf(k, sim.params.provincial_rate)).sum()
    assert pr["p_provincial"].sum() == pytest.approx(expect, abs=1e-6)
    _ = poisson_binomial_pmf
