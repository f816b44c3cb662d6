"""The year-to-year variation: its posterior recovers known spreads and loadings, carries
what a short history cannot tell, and conditions the current year on its months so far."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import notebook_html
from forecasting.synthetic.generator import default_params, simulate_district, with_params
from forecasting.history.histories import History
from forecasting.models.inflow import fit_inflow
from forecasting.simulation.outcomes import OutcomeModel
from forecasting.models.evidence import YearEvidence
from forecasting.models.progression import fit_progression
from forecasting.models.yearshock import fit_year_shock


def _evidence(values: np.ndarray, se: float, years) -> YearEvidence:
    """Centred estimates of ``values`` observed with noise ``se``, as a fit would report them."""
    k = len(values)
    C = np.eye(k) - 1.0 / k
    return YearEvidence(tuple(years), C @ values, C @ (se**2 * np.eye(k)) @ C)


def _synthetic(tau, lam_loss, lam_inflow, k=15, se=0.04, seed=0):
    rng = np.random.default_rng(seed)
    years = range(2009, 2009 + k)
    f = rng.normal(0, tau, k)
    adv = f + rng.normal(0, se, k)
    loss = lam_loss * f + rng.normal(0, 0.05, k) + rng.normal(0, se, k)
    inflow = lam_inflow * f + rng.normal(0, 0.05, k) + rng.normal(0, se, k)
    return {"advance": _evidence(adv, se, years), "loss": _evidence(loss, se, years),
            "inflow": _evidence(inflow, se, years)}


def test_without_history_the_posterior_is_the_documented_prior():
    post = fit_year_shock({}, 2024)
    # half-Student-t(4) with scale 0.2: median 0.2 × 0.741
    assert post.draws["tau"].median() == pytest.approx(0.148, abs=0.012)
    assert post.draws["lambda_inflow"].mean() == pytest.approx(0.0, abs=0.06)
    assert post.ess > 1000


@pytest.mark.parametrize("tau, lam_loss, lam_inflow", [(0.3, -0.6, 0.8), (0.15, 0.5, 1.2)])
def test_posterior_covers_known_spread_and_loadings(tau, lam_loss, lam_inflow):
    hits = {"tau": 0, "lambda_inflow": 0}
    for seed in range(4):
        post = fit_year_shock(_synthetic(tau, lam_loss, lam_inflow, seed=seed), 2023, rng=seed)
        q = post.draws.quantile([0.025, 0.975])
        hits["tau"] += q["tau"].iloc[0] <= tau <= q["tau"].iloc[1]
        hits["lambda_inflow"] += q["lambda_inflow"].iloc[0] <= lam_inflow <= q["lambda_inflow"].iloc[1]
    assert hits["tau"] >= 3 and hits["lambda_inflow"] >= 3


def test_no_shock_gives_a_spread_near_zero():
    post = fit_year_shock(_synthetic(0.0, 0.0, 0.0, seed=3), 2023)
    assert post.draws["tau"].quantile(0.95) < 0.08


def test_current_year_evidence_moves_this_year_only():
    ev = _synthetic(0.3, 0.0, 0.8, seed=1)
    k = len(ev["advance"].years)
    strong = ev["advance"].estimate.copy()
    strong[-1] = 0.6  # a boom year so far, measured precisely
    ev["advance"] = YearEvidence(ev["advance"].years, strong, ev["advance"].cov)
    del ev["inflow"]  # no inflow figures: this year's inflow follows from the loading's prior
    post = fit_year_shock(ev, 2009 + k - 1)
    now = post.sample(4000, kind="current", rng=0)
    ahead = post.sample(4000, kind="future", rng=0)
    assert now["advance"].mean() > 0.45 and now["advance"].std() < 0.1
    # next year leans on this one only as far as the posterior persistence says (these
    # years were drawn independent), and is as uncertain as any year
    assert abs(ahead["advance"].mean() - post.draws["rho"].mean() * now["advance"].mean()) < 0.06
    assert ahead["advance"].std() > 0.15
    # without inflow figures the loading is its prior, N(0, 1): a boom says nothing of its sign
    assert abs(now["inflow"].mean()) < 0.1 and now["inflow"].std() > 0.3


def _ar_evidence(rho, tau=0.3, k=15, se=0.03, seed=0, last=None):
    """Advance evidence from an AR(1) series of yearly conditions (stationary sd ``tau``)."""
    rng = np.random.default_rng(seed)
    f = np.empty(k)
    f[0] = rng.normal(0, tau)
    for i in range(1, k):
        f[i] = rho * f[i - 1] + rng.normal(0, tau * np.sqrt(1 - rho**2))
    if last is not None:
        f[-1] = last
    return {"advance": _evidence(f + rng.normal(0, se, k), se, range(2009, 2009 + k))}, f


@pytest.mark.parametrize("rho", [0.0, 0.8])
def test_persistence_is_recovered(rho):
    hits = 0
    for seed in range(4):
        ev, _ = _ar_evidence(rho, k=30, seed=seed)  # short series bias the sample persistence low
        q = fit_year_shock(ev, 2023, rng=seed).draws["rho"].quantile([0.025, 0.975])
        hits += q.iloc[0] <= rho <= q.iloc[1]
    assert hits >= 3


def test_next_year_is_exact_against_the_gaussian_formula_for_fixed_hyper_parameters():
    """Given the hyper-parameters, next year's shift is Gaussian with mean and variance
    from the textbook conditioning on the contrasts (computed here independently)."""
    import pandas as pd

    from forecasting.models.yearshock import HYPER, ShockLikelihood, YearShockPosterior

    ev, _ = _ar_evidence(0.6, k=6, seed=4, last=0.4)
    rho, tau = 0.6, 0.3
    draws = pd.DataFrame([[tau, 0.0, 1e-6, 0.0, 1e-6, 0.0, 1e-6, rho]], columns=list(HYPER))
    post = YearShockPosterior(draws, {}, 2014, 1.0, 6, ShockLikelihood(ev))
    s = post.sample_years(40_000, [2015], rng=0)[:, 0, 0]
    years = np.arange(2009, 2016)
    R = tau**2 * rho ** np.abs(np.subtract.outer(years, years))  # f over the six years and the next
    T = __import__("forecasting.models.evidence", fromlist=["helmert"]).helmert(6)
    Hx = np.hstack([T, np.zeros((5, 1))])
    x = T @ ev["advance"].estimate
    K = Hx @ R @ Hx.T + T @ ev["advance"].cov @ T.T
    g = np.zeros(7)
    g[6], g[:6] = 1.0, -1.0 / 6  # next year's level minus the evidence years' average
    mean = g @ R @ Hx.T @ np.linalg.solve(K, x)
    var = g @ R @ g - g @ R @ Hx.T @ np.linalg.solve(K, Hx @ R @ g)
    assert s.mean() == pytest.approx(mean, abs=4 * np.sqrt(var / s.size))
    assert s.var() == pytest.approx(var, rel=0.03)


def test_stratified_draws_cover_the_quantiles_evenly():
    post = fit_year_shock(_synthetic(0.3, 0.0, 0.8, seed=2), 2023)
    ref = np.sort(post.sample(200_000, kind="future", rng=1)["advance"].to_numpy())
    n = 50
    s = np.sort(post.sample(n, kind="future", rng=2, stratify=True)["advance"].to_numpy())
    ranks = np.searchsorted(ref, s) / ref.size
    # one draw per stratum (±0.5/n), from a pool of 32 n (its quantiles ±0.04 at most)
    assert np.all(np.abs(ranks - (np.arange(n) + 0.5) / n) <= 0.5 / n + 0.04)


def _district(year_sd, inflow_year_sd, seed=2, start="2011Q1"):
    params = with_params(default_params(), year_sd=year_sd, inflow_year_sd=inflow_year_sd)
    sim = simulate_district(params, start=start, end="2023Q4", ledger_start_year=int(start[:4]) - 2, rng=seed)
    return sim, History(sim.district, sim.effort, sim.snapshots())


def _posterior(h):
    prog, inflow = fit_progression(h), fit_inflow(h)
    ev = dict(prog.year_evidence)
    ev["inflow"] = inflow.year_evidence
    return fit_year_shock(ev, h.as_of_date.year)


def test_generator_without_a_common_shock_gives_a_spread_near_zero():
    _, h = _district(0.0, 0.0)
    assert _posterior(h).draws["tau"].quantile(0.9) < 0.12


def test_generator_with_a_common_shock_is_covered():
    sim, h = _district(0.35, 0.1)
    q = _posterior(h).draws["tau"].quantile([0.05, 0.95])
    assert q.iloc[0] <= 0.35 <= q.iloc[1]


def test_five_years_of_history_give_wider_count_ranges_than_fifteen():
    sim, long = _district(0.15, 0.08, seed=5, start="2009Q1")
    # a ledger begun in 2017 and snapshotted from 2019: the milestone dates of 2018 on only
    short = History(sim.district, sim.effort, {q: t[t["first_seen"] >= "2017-01-01"]
                                               for q, t in sim.snapshots().items() if q >= "2019Q1"})
    width = {}
    for name, h in (("long", long), ("short", short)):
        res = OutcomeModel(n_param_draws=40).fit(h)
        counts = res.simulate(2024, n_draws=8000, rng=0).counts["groundbreakings"]
        width[name] = counts.quantile(0.9) - counts.quantile(0.1)
    assert width["short"] > width["long"]


def test_the_dated_stages_give_evidence_from_the_ledgers_second_year():
    """A ledger begun in 2016, snapshotted from 2019: the signed and approved stages are
    dated, so their years 2017-2021 are evidence (the pre-signing stages only from the
    first snapshot), and the early years' effects track the true shocks."""
    params = with_params(default_params(), year_sd=0.3)
    sim = simulate_district(params, start="2019Q1", end="2021Q4", ledger_start_year=2016, rng=3)
    ev = fit_progression(History(sim.district, sim.effort, sim.snapshots())).year_evidence
    assert ev["advance"].years == (2017, 2018, 2019, 2020, 2021)
    assert ev["advance_pre"].years == (2019, 2020, 2021)
    true = sim.year_effects.loc[list(ev["advance"].years)].to_numpy()
    assert np.corrcoef(ev["advance"].estimate, true)[0, 1] > 0.8


def test_the_shared_verbs():
    """Posterior means and covariance of the draws; intervals are the draws' quantiles; the
    summary has the one table shape over them; the posterior is immutable."""
    import dataclasses

    from forecasting.models.results import SUMMARY_COLUMNS

    ev = {"advance": _evidence(np.array([0.3, -0.2, 0.1, -0.1, -0.1]), 0.05, range(2019, 2024))}
    post = fit_year_shock(ev, 2024, rng=1)
    np.testing.assert_allclose(post.params, post.draws.mean())
    np.testing.assert_allclose(post.cov_params(), np.cov(post.draws.to_numpy().T))
    ci = post.conf_int(0.1)
    np.testing.assert_allclose(ci["lower"], post.draws.quantile(0.05))
    np.testing.assert_allclose(ci["upper"], post.draws.quantile(0.95))
    table = post.summary(0.1)
    assert tuple(table.frame.columns) == SUMMARY_COLUMNS
    np.testing.assert_allclose(table.frame["se"], post.draws.std())
    assert "posterior quantiles" in str(table) and "<table" in notebook_html(table)
    with pytest.raises(dataclasses.FrozenInstanceError):
        post.ess = 0.0
