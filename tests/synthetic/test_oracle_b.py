"""The second district's oracle: its probabilities are the truth's, given what is known at the origin."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecasting.forecast.contract import settled_probabilities
from forecasting.history.histories import History
from forecasting.synthetic.generator_b import default_params_b, simulate_district_b
from forecasting.synthetic.oracle_b import OracleB


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
    expect = (np.minimum(k, cand) * stats.poisson.pmf(k, sim.params.provincial_rate)).sum()
    assert pr["p_provincial"].sum() == pytest.approx(expect, abs=1e-6)
