"""The inflow model of new leads against the generator's truth, and exact moments against
Monte Carlo.

Districts are simulated over 2015Q1–2023Q4 (36 quarters of effort that varies over time, so
each unit's elasticity to staff is identified); each takes about a second to simulate.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from forecasting.synthetic.generator import default_params, simulate_district, with_params
from forecasting.history.histories import History
from forecasting.models.inflow import arrival_counts, fit_inflow

SEED = 7
START, END = "2015Q1", "2023Q4"
FUTURE = ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]


def simulate(params=None, seed: int = SEED):
    sim = simulate_district(params, start=START, end=END, ledger_start_year=2015, rng=seed)
    return sim, History(sim.district, sim.effort, sim.snapshots())


@pytest.fixture
def fitted(inflow_fitted):
    return inflow_fitted


def _true_elasticities(sim) -> pd.Series:
    return pd.Series(sim.params.inflow_elasticity)


# --------------------------------------------------------------------------- arrivals
def test_arrivals_are_leads_first_seen_inside_the_snapshot_quarters(fitted):
    """A history starting in 2017 holds leads from 2015–16 in its first snapshot: they are
    not arrivals of 2017Q1. Every other lead is counted in its own quarter and unit."""
    sim, h, _ = fitted
    late = History(sim.district, sim.effort, {q: t for q, t in h.snapshots.items() if q >= "2017Q1"})
    cells = arrival_counts(late)
    truth = sim.projects[sim.projects["first_seen"] >= "2017-01-01"]
    truth = truth.groupby([truth["unit"], truth["first_seen"].dt.to_period("Q").astype(str)]).size()
    got = cells.set_index(["unit", "quarter"])["arrivals"]
    assert set(cells["quarter"]) == set(late.quarters)
    assert got.sum() == len(sim.projects[(sim.projects["first_seen"] >= "2017-01-01")
                                         & (sim.projects["first_seen"] <= "2023-12-31")])
    assert got[got > 0].sort_index().equals(truth.rename_axis(["unit", "quarter"]).sort_index().rename("arrivals"))


# --------------------------------------------------------------------------- recovery
def test_elasticities_recovered(fitted):
    """Each unit's true elasticity inside its 95 % interval (one miss of nine allowed: a
    95 % interval misses with 5 %, so two or more misses has probability about 7 %), and
    the average over units within 3 standard errors of the true average."""
    sim, _, res = fitted
    e = res.elasticities(alpha=0.05)
    truth = _true_elasticities(sim).reindex(e.index)
    outside = e.index[(truth < e["lo"]) | (truth > e["hi"])]
    assert len(outside) <= 1, e.assign(truth=truth)

    names = list(res.params.index)
    L = np.zeros(len(names))
    L[names.index("log_staff")] = 1.0
    for u in e.index:
        L[names.index(f"log_staff:{u}")] += 1.0 / len(e)
    se = float(np.sqrt(L @ res.cov.to_numpy() @ L))
    assert abs(e["estimate"].mean() - truth.mean()) < 3 * se
    assert (e["lo"] < e["estimate"]).all() and (e["estimate"] < e["hi"]).all()


def test_dispersion_and_other_effects_recovered(fitted):
    """alpha = 1 / inflow_shape (its sampling spread is about 20 %); visits, budget (no
    effect) and season inside their 99.8 % intervals (five checks: 1 % false alarms in all)."""
    sim, _, res = fitted
    p = sim.params
    assert res.alpha == pytest.approx(1.0 / p.inflow_shape, rel=0.5)
    ci = res.conf_int(alpha=0.002)
    season = np.asarray(p.inflow_season)
    truth = {"log_visits_per_staff": p.inflow_visits, "log1p_budget": 0.0,
             **{f"season:Q{k}": season[k - 1] - season[0] for k in (2, 3, 4)}}
    for name, value in truth.items():
        assert ci.loc[name, "lower"] <= value <= ci.loc[name, "upper"], name


def test_interval_coverage_over_districts():
    """90 % intervals of the elasticities over 5 more districts (45 unit intervals): a
    calibrated model covers about 40; at least 36 (80 %) required, which allows for the
    intervals of one district being correlated through the pooled elasticity."""
    inside = 0
    for seed in range(100, 105):
        sim, h = simulate(seed=seed)
        e = fit_inflow(h).elasticities(alpha=0.1)
        truth = _true_elasticities(sim).reindex(e.index)
        inside += int(((e["lo"] <= truth) & (truth <= e["hi"])).sum())
    assert inside >= 36


@pytest.mark.parametrize("true_sd", [0.0, 0.3])
def test_year_sd_tracks_the_common_shock(true_sd):
    """With nine years the moment estimator's sampling spread is about ``sd / 4`` plus the
    yearly estimates' own noise (about 0.07): 0 must come out below 0.12 and 0.3 within
    0.15–0.5 with the estimated year effects following the true ones."""
    sim, h = simulate(with_params(default_params(), inflow_year_sd=true_sd), seed=SEED + 1)
    res = fit_inflow(h)
    if true_sd == 0.0:
        assert res.year_sd < 0.12
    else:
        assert 0.15 < res.year_sd < 0.5
        true = sim.inflow_effects.reindex(res.year_effects.index)
        assert np.corrcoef(res.year_effects, true)[0, 1] > 0.8


# --------------------------------------------------------------------------- predictions
def test_zero_staff_brings_no_leads(fitted):
    _, _, res = fitted
    rows = res.future_effort(FUTURE, overrides={"branch_2": {"staff": 0}})
    off = (rows["unit"] == "branch_2").to_numpy()
    assert (rows.loc[off, "visits"] == 0).all()
    assert (res.predict_mean(rows)[off] == 0).all() and (res.predict_mean(rows)[~off] > 0).all()
    assert (res.predict_mean(rows, params=res.sample(50, rng=1))[:, off] == 0).all()
    assert (res.predict_counts(rows, 200, rng=1)[:, off] == 0).all()
    curve = res.response_curve("branch_2", [0.0], n_draws=50)
    assert curve.loc[0, ["mean", "lo", "hi"]].tolist() == [0.0, 0.0, 0.0]


def test_sample_draws_antithetic_pairs_around_the_estimate(fitted):
    """No draw is the estimate itself (a mixture must not hold a fixed mode); the pairs
    mirror each other about it (the levels are never truncated)."""
    _, _, res = fitted
    draws = res.sample(30, rng=2)
    assert draws.shape == (30, len(res.params))
    est = res.params.to_numpy()
    assert not (draws == est).all(axis=1).any()
    levels = [i for i, n in enumerate(res.params.index) if n.startswith("unit:")]
    np.testing.assert_allclose((draws[0::2, levels] + draws[1::2, levels]) / 2, np.tile(est[levels], (15, 1)))
    rows = res.future_effort(FUTURE)
    assert res.predict_mean(rows, params=draws).shape == (30, len(rows))
    with pytest.raises(ValueError, match="columns"):
        res.predict_mean(rows, params=draws[:, :-1])


def test_no_draw_has_more_staff_bring_fewer_leads(bundled_history):
    """The normal approximation's tail can give a weakly identified unit a negative
    elasticity; those draws are truncated at zero, so more staff never lowers a draw's
    expected arrivals (and the allocator never sees 'hire to get fewer leads')."""
    res = fit_inflow(bundled_history.upto("2023Q2"))
    draws = res.sample(2000, rng=5)
    names = list(res.params.index)
    pooled = draws[:, names.index("log_staff")]
    for u in res.design.units:
        assert (pooled + draws[:, names.index(f"log_staff:{u}")] >= -1e-12).all(), u
    rows = res.future_effort(["2023Q3", "2023Q4"])
    more = rows.assign(staff=rows["staff"] * 6, visits=rows["visits"] * 6)  # visits per person kept
    assert (res.predict_mean(more, params=draws) >= res.predict_mean(rows, params=draws) - 1e-12).all()
    # the truncation touches only the tail: the average elasticity moves by little
    plain = _mvn_plain(res, 2000)
    for u in res.design.units:
        j = names.index(f"log_staff:{u}")
        assert abs((pooled + draws[:, j]).mean() - (plain[:, names.index("log_staff")] + plain[:, j]).mean()) < 0.02


def _mvn_plain(res, n):
    from forecasting.models.glm import mvn

    return mvn(res.params.to_numpy(), res.cov.to_numpy(), n, np.random.default_rng(5))


def test_simulated_counts_match_exact_moments(fitted):
    """Under the normal approximation ``E[exp(x'b)] = exp(x'b̂ + x'Σx / 2)``; with the yearly
    shock and gamma mixing, ``E[N] = E[mu]`` and ``Var N = E[mu] + (1 + alpha) E[mu²] − E[mu]²``.
    Means within 4 Monte Carlo standard errors per row (36 rows: a false alarm has
    probability about 0.2 %); variances within 8 % (their Monte Carlo error is about 1.5 %)."""
    _, _, res = fitted
    rows = res.future_effort(FUTURE)
    X = res.design.matrix(rows)
    m = X @ res.params.to_numpy()
    s2 = np.einsum("ij,jk,ik->i", X, res.cov.to_numpy(), X)
    v2 = res.year_sd**2
    mean = np.exp(m + s2 / 2 + v2 / 2)
    second = np.exp(2 * m + 2 * s2 + 2 * v2)
    var = mean + (1 + res.alpha) * second - mean**2

    n = 20_000
    counts = res.predict_counts(rows, n, rng=3)
    assert counts.shape == (n, len(rows)) and np.issubdtype(counts.dtype, np.integer)
    se = counts.std(axis=0) / np.sqrt(n)
    assert (np.abs(counts.mean(axis=0) - mean) < 4 * se).all()
    np.testing.assert_allclose(counts.var(axis=0), var, rtol=0.08)
    assert (counts.var(axis=0) > 1.2 * counts.mean(axis=0)).all()  # overdispersed, not Poisson


# ------------------------------------------------------------------ non-convergence is never silent
def test_no_convergence_warning_on_the_bundled_data(bundled_history):
    from forecasting.errors import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        fit_inflow(bundled_history.upto("2023Q4"))


def test_the_shared_verbs(fitted):
    """Estimates, covariance, Wald intervals, the summary table and immutability; the draws'
    mean is the estimate and their covariance the estimates' wherever the no-fewer-leads
    truncation of the unit elasticities does not act."""
    from conftest import assert_model_verbs

    _, _, res = fitted
    assert_model_verbs(res)
    draws = res.sample(8000, rng=2)
    keep = [j for j, n in enumerate(res.params.index) if not n.startswith("log_staff:")]
    np.testing.assert_allclose(draws[:, keep].mean(axis=0), res.params.to_numpy()[keep], atol=1e-9)
    sd = np.sqrt(np.diag(res.cov_params().to_numpy()))[keep]
    np.testing.assert_allclose(draws[:, keep].std(axis=0), sd, rtol=0.06)


def test_short_effort_record_keeps_the_elasticity_prior_weak(bundled_history):
    """A folder that starts with one snapshot cannot tell the elasticity of leads to staff
    (each unit's effort is held at its one recorded quarter): the pooled elasticity is the
    stated prior, which must leave both "staff make no difference" (0) and "leads in
    proportion to staff" (1) inside its 90 % interval rather than a generator's range."""
    from forecasting.errors import ShortHistoryWarning

    q = "2023Q3"
    h = History(bundled_history.district, bundled_history.effort, {q: bundled_history.snapshots[q].copy()})
    with pytest.warns(ShortHistoryWarning, match="elasticity to staff is"):
        res = fit_inflow(h)
    est = float(res.params["log_staff"])
    se = float(np.sqrt(res.cov.loc["log_staff", "log_staff"]))
    lo, hi = est - 1.645 * se, est + 1.645 * se
    assert lo < 0.0 and hi > 1.0
    assert 0.3 < est < 0.7
