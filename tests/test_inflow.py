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

from forecasting.errors import ExtrapolationWarning, SparseDataWarning
from forecasting.synthetic.generator import SECTORS, default_params, simulate_district, with_params
from forecasting.history.histories import History
from forecasting.models.inflow import LeadMix, arrival_counts, fit_inflow

SEED = 7
START, END = "2015Q1", "2023Q4"
FUTURE = ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]


def simulate(params=None, seed: int = SEED):
    sim = simulate_district(params, start=START, end=END, ledger_start_year=2015, rng=seed)
    return sim, History(sim.district, sim.effort, sim.snapshots())


@pytest.fixture(scope="module")
def fitted():
    sim, h = simulate()
    return sim, h, fit_inflow(h)


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
    ci = res.summary(alpha=0.002)
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
    assert (res.expected(rows)[off] == 0).all() and (res.expected(rows)[~off] > 0).all()
    assert (res.expected(rows, params=res.sample(50, rng=1))[:, off] == 0).all()
    assert (res.simulate_counts(rows, 200, rng=1)[:, off] == 0).all()
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
    assert res.expected(rows, params=draws).shape == (30, len(rows))
    with pytest.raises(ValueError, match="columns"):
        res.expected(rows, params=draws[:, :-1])


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
    assert (res.expected(more, params=draws) >= res.expected(rows, params=draws) - 1e-12).all()
    # the truncation touches only the tail: the average elasticity moves by little
    plain = _mvn_plain(res, 2000)
    for u in res.design.units:
        j = names.index(f"log_staff:{u}")
        assert abs((pooled + draws[:, j]).mean() - (plain[:, names.index("log_staff")] + plain[:, j]).mean()) < 0.02


def _mvn_plain(res, n):
    from forecasting.models.progression import mvn

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
    counts = res.simulate_counts(rows, n, rng=3)
    assert counts.shape == (n, len(rows)) and np.issubdtype(counts.dtype, np.integer)
    se = counts.std(axis=0) / np.sqrt(n)
    assert (np.abs(counts.mean(axis=0) - mean) < 4 * se).all()
    np.testing.assert_allclose(counts.var(axis=0), var, rtol=0.08)
    assert (counts.var(axis=0) > 1.2 * counts.mean(axis=0)).all()  # overdispersed, not Poisson


def test_future_effort_carries_the_last_quarter_forward(fitted):
    _, h, res = fitted
    out = res.future_effort(["2024Q1", "2024Q2"])
    last = h.effort[h.effort["quarter"] == h.as_of].set_index("unit")
    assert list(out.columns) == ["quarter", "unit", "staff", "visits", "budget_m"]
    assert len(out) == 2 * len(h.district.units)
    for q in ("2024Q1", "2024Q2"):
        got = out[out["quarter"] == q].set_index("unit")
        pd.testing.assert_frame_equal(got[["staff", "visits", "budget_m"]].astype(float),
                                      last.loc[got.index, ["staff", "visits", "budget_m"]].astype(float))


def test_future_effort_overrides(fitted):
    """Staff changed alone: visits in proportion (they are made by staff), budget held, and
    the expected leads scale by ``2 ** elasticity`` when staff double."""
    _, _, res = fitted
    base = res.future_effort(["2024Q1"]).set_index("unit")
    s0, v0, b0 = base.loc["branch_1", ["staff", "visits", "budget_m"]]
    lo, hi = res.staff_range("branch_1")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExtrapolationWarning)
        doubled = res.future_effort(["2024Q1"], overrides={"branch_1": {"staff": 2 * s0}}).set_index("unit")
    assert doubled.loc["branch_1", "staff"] == 2 * s0
    assert doubled.loc["branch_1", "visits"] == pytest.approx(2 * v0)
    assert doubled.loc["branch_1", "budget_m"] == b0
    pd.testing.assert_frame_equal(doubled.drop(index="branch_1"), base.drop(index="branch_1"))
    ratio = res.expected(doubled.reset_index()) / res.expected(base.reset_index())
    e = res.elasticities().loc["branch_1", "estimate"]
    assert ratio[list(base.index).index("branch_1")] == pytest.approx(2.0**e)

    given = res.future_effort(["2024Q1"], overrides={"branch_1": {"staff": s0, "visits": 100}})
    assert given.set_index("unit").loc["branch_1", "visits"] == 100
    budget = res.future_effort(["2024Q1"], overrides={"branch_1": {"budget_m": 9.0}}).set_index("unit")
    assert budget.loc["branch_1", ["staff", "visits", "budget_m"]].tolist() == [s0, v0, 9.0]

    with warnings.catch_warnings():
        warnings.simplefilter("error", ExtrapolationWarning)
        res.future_effort(["2024Q1"], overrides={"branch_1": {"staff": hi}})  # seen: no warning
    with pytest.warns(ExtrapolationWarning, match="branch_1"):
        res.future_effort(["2024Q1"], overrides={"branch_1": {"staff": 3 * hi}})
    with pytest.raises(ValueError, match="unknown unit"):
        res.future_effort(["2024Q1"], overrides={"branch_9": {"staff": 3}})
    with pytest.raises(ValueError, match="cannot override"):
        res.future_effort(["2024Q1"], overrides={"branch_1": {"salary": 3}})
    with pytest.raises(ValueError, match="YYYYQn"):
        res.future_effort(["2024-Q1"])


def test_response_curve(fitted):
    _, _, res = fitted
    lo, hi = res.staff_range("branch_1")
    grid = np.arange(0.0, 31.0)
    curve = res.response_curve("branch_1", grid, n_draws=300, rng=4)
    assert list(curve.columns) == ["staff", "mean", "lo", "hi", "extrapolated"]
    assert (np.diff(curve["mean"]) > 0).all()
    assert (curve["lo"] <= curve["mean"]).all() and (curve["mean"] <= curve["hi"]).all()
    assert (curve["hi"] - curve["lo"])[1:].gt(0).all()
    expected_flag = (grid > 0) & ((grid < lo) | (grid > hi))
    np.testing.assert_array_equal(curve["extrapolated"].to_numpy(), expected_flag)
    assert not expected_flag.all() and expected_flag.any()

    # with the estimate alone (draw 0), at today's staff it is the expected count next quarter
    nxt = res.future_effort(["2024Q1"])
    s0 = nxt.set_index("unit").loc["branch_1", "staff"]
    point = res.response_curve("branch_1", [s0], quarter="2024Q1", n_draws=1)
    assert point.loc[0, "mean"] == pytest.approx(res.expected(nxt)[list(nxt["unit"]).index("branch_1")])


def test_a_unit_never_staffed_borrows_from_its_type(fitted):
    """Before 2023 the Beijing centre had no staff: its level is its type's average and its
    elasticity the pooled one, with a warning; any staff is an extrapolation."""
    _, h, _ = fitted
    with pytest.warns(SparseDataWarning, match="center_beijing"):
        res = fit_inflow(h.upto("2022Q4"))
    e = res.elasticities()
    assert e.loc["center_beijing", "quarters"] == 0
    assert e.loc["center_beijing", "estimate"] == pytest.approx(res.params["log_staff"])
    assert np.isnan(res.staff_range("center_beijing")).all()
    rows = pd.DataFrame({"quarter": "2023Q1", "unit": ["center_beijing", "center_shanghai", "center_nanjing"],
                         "staff": 4.0, "visits": 48.0, "budget_m": 1.4})
    mu = res.expected(rows)
    intercepts = res.params[["unit:center_shanghai", "unit:center_nanjing"]]
    shift = intercepts.mean() - res.params["unit:center_shanghai"]
    slope = res.params["log_staff:center_shanghai"] * (np.log(4.0) - res.design.log_staff_centre)
    assert mu[0] == pytest.approx(mu[1] * np.exp(shift - slope))
    assert res.response_curve("center_beijing", [1, 4], n_draws=20)["extrapolated"].all()


# --------------------------------------------------------------------------- lead mix
def test_lead_mix_resembles_each_units_leads(fitted):
    """The campaign's leads are larger than the centres' (the generator shifts their log10
    size by +0.3 and -0.08), it sources only focus sectors, and every draw is a valid lead."""
    sim, _, res = fitted
    mix = res.mix
    camp = mix.sample("campaign_top10", 4000, rng=5)
    centre = mix.sample("center_shanghai", 4000, rng=6)
    assert np.log(camp["investment_bn"]).mean() > np.log(centre["investment_bn"]).mean() + 0.4
    assert set(camp["sector"]) <= set(SECTORS[:5])
    for draw, unit, utype in ((camp, "campaign_top10", "campaign"), (centre, "center_shanghai", "center")):
        assert list(draw.columns) == ["unit", "unit_type", "sector", "phase", "investment_bn"]
        assert (draw["unit"] == unit).all() and (draw["unit_type"] == utype).all()
        assert set(draw["sector"]) <= set(sim.district.sectors)
        assert (draw["investment_bn"] >= 0.1).all() and (draw["phase"] >= 1).all()
        assert draw["investment_bn"].nunique() > 0.95 * len(draw)  # jittered, not repeated


def test_lead_mix_borrows_by_the_stated_weight():
    """A unit with 30 own leads (all "other") among 90 of its type draws its own with
    probability w = 30 / (30 + 30) = 1/2, and from the whole type otherwise: P(other) =
    1/2 + 1/2 · 30/90 = 2/3 (4000 draws: standard error 0.0075, tolerance 4 of them)."""
    leads = pd.DataFrame({
        "unit": ["branch_1"] * 30 + ["branch_2"] * 60 + ["campaign_top10"] * 5,
        "unit_type": ["branch"] * 90 + ["campaign"] * 5,
        "sector": ["other"] * 30 + ["new_energy"] * 60 + ["photovoltaics"] * 5,
        "phase": 1, "investment_bn": 1.0,
    })
    types = {"branch_1": "branch", "branch_2": "branch", "branch_3": "branch",
             "campaign_top10": "campaign", "center_nanjing": "center"}
    mix = LeadMix(leads, types)
    own = mix.sample("branch_1", 4000, rng=7)
    assert (own["sector"] == "other").mean() == pytest.approx(2 / 3, abs=0.03)
    assert (mix.sample("branch_3", 500, rng=8)["sector"] != "photovoltaics").all()  # its type only
    assert set(mix.sample("center_nanjing", 500, rng=9)["sector"]) == {"other", "new_energy", "photovoltaics"}
    with pytest.raises(ValueError, match="unknown unit"):
        mix.sample("branch_9", 1, rng=0)


def test_weighted_templates_stand_for_the_whole_mix_with_far_less_luck(bundled_history):
    """The templates' weighted mean estimates the mix's exact mean of anything (here the
    shares of leads of at least 5 bn, the tiers' raw material, and of at least 0.5 bn, the
    groundbreaking target's size); over seeds it varies far less than a plain resample of
    the same size does."""
    mix = LeadMix.from_history(bundled_history)
    for unit in ("campaign_top10", "branch_1"):
        idx, p = mix.probabilities(unit)
        assert p.sum() == pytest.approx(1.0) and (p > 0).all()
        x = mix.leads["investment_bn"].to_numpy()[idx]
        exact = np.array([p @ (x >= 5.0), p @ (x >= 0.5)])
        est, plain = [], []
        for seed in range(40):
            t = mix.templates(unit, 24, rng=seed)
            assert len(t) == 24 and (t["weight"] > 0).all() and set(t["unit"]) == {unit}
            w, v = t["weight"].to_numpy() / t["weight"].sum(), t["investment_bn"].to_numpy()
            est.append([w @ (v >= 5.0), w @ (v >= 0.5)])
            s = mix.sample(unit, 24, rng=seed)["investment_bn"].to_numpy()
            plain.append([(s >= 5.0).mean(), (s >= 0.5).mean()])
        est, plain = np.array(est), np.array(plain)
        assert exact[0] > 0.01  # big leads do come
        assert est.mean(axis=0) == pytest.approx(exact, rel=0.15, abs=0.005)
        assert est[:, 0].std() < 0.5 * plain[:, 0].std()
        assert est[:, 1].std() < 0.75 * plain[:, 1].std()


# ------------------------------------------------------------------ non-convergence is never silent
def test_no_convergence_warning_on_the_bundled_data(bundled_history):
    from forecasting.errors import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        fit_inflow(bundled_history.upto("2023Q4"))


def test_dispersion_not_settling_warns(bundled_history, monkeypatch):
    import forecasting.models.inflow as inflow
    from forecasting.errors import ConvergenceWarning

    monkeypatch.setattr(inflow, "_ROUNDS", 1)
    with pytest.warns(ConvergenceWarning, match="dispersion"):
        fit_inflow(bundled_history.upto("2023Q4"))


def test_glm_failing_with_its_fallback_warns():
    from forecasting.errors import ConvergenceWarning
    from forecasting.models.inflow import _glm

    rng = np.random.default_rng(0)
    X = np.column_stack([np.ones(20), rng.normal(size=20)])
    y = np.r_[rng.poisson(3.0, 19), np.nan].astype(float)  # a count no optimiser can fit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.warns(ConvergenceWarning, match="did not converge"):
            _glm(y, X, np.ones(2), 0.1, np.zeros(2))
