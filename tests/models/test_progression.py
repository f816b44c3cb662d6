"""The stage-progression model against known truth and an independent survival estimate."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.survfunc import SurvfuncRight

from forecasting.history.episodes import person_months, spells
from forecasting.errors import SparseDataWarning
from forecasting.synthetic.generator import default_params, simulate_district, with_params
from forecasting.history.histories import History
from forecasting.models.design import build_matrices, covariates
from forecasting.models.progression import fit_progression


@pytest.fixture(scope="module")
def no_frailty():
    """Data from the generator with no hidden frailty: the model family holds the truth."""
    sim = simulate_district(with_params(default_params(), frailty_sd=0.0), rng=5)
    h = History(sim.district, sim.effort, sim.snapshots())
    return sim, h, fit_progression(h)


def test_effects_recovered_within_their_intervals(no_frailty):
    sim, _, res = no_frailty
    ci = res.conf_int(alpha=0.01)
    truth = sim.params.hazards
    # stages with exactly dated entries (signed, approved): every covariate effect
    checks = {}
    for k, stage in ((2, "signed"), (3, "approved")):
        hz = truth[stage]
        checks[f"{k}:logd"] = hz.kappa
        checks[f"{k}:d"] = hz.mu * 12
        checks[f"{k}:logsize"] = hz.beta_size
        checks[f"{k}:phase2"] = hz.beta_phase2
        checks[f"lost:{k}:logd"] = hz.lam
    outside = [k for k, v in checks.items() if not ci.loc[k, "lower"] <= v <= ci.loc[k, "upper"]]
    assert not outside, outside


def test_year_effects_track_the_common_shock(no_frailty):
    sim, _, res = no_frailty
    years = [y for y in range(2019, 2024)]
    est = np.array([res.params_advance[f"year:{y}"] for y in years])
    true = sim.year_effects.loc[years].to_numpy()
    assert np.corrcoef(est, true)[0, 1] > 0.7
    assert 0.02 <= res.sd_year <= 0.4


@pytest.mark.parametrize("stage_idx", [2, 3])
def test_marginal_curve_agrees_with_kaplan_meier(no_frailty, stage_idx):
    """Time to advance from a stage (loss censors): the model's hazard averaged over the
    risk set at each duration against statsmodels' Kaplan–Meier on the same spells."""
    _, h, res = no_frailty
    P = h.projects
    rows = person_months(spells(P, h.as_of_date)).join(covariates(P), on="project_id")
    rows = rows[rows["stage_idx"] == stage_idx]
    Xa, Xl = build_matrices(rows, res.design)
    ea = np.exp(Xa @ res.params_advance.to_numpy())
    el = np.exp(Xl @ res.params_lost.to_numpy())
    p_adv = ea / (1 + ea + el)
    by_d = pd.DataFrame({"d": rows["duration"], "p": p_adv}).groupby("d")["p"].mean()
    model_surv = np.cumprod(1 - by_d.loc[1:24].to_numpy())
    sp = spells(P, h.as_of_date)
    sp = sp[sp["stage_idx"] == stage_idx]
    dur = np.maximum(sp["exit_month"] - sp["entry_month"], 1).to_numpy()
    km = SurvfuncRight(dur, (sp["outcome"] == "advance").to_numpy().astype(int))
    km_surv = np.array([km.surv_prob[km.surv_times <= d][-1] if (km.surv_times <= d).any() else 1.0
                        for d in range(1, 25)])
    assert np.max(np.abs(model_surv - km_surv)) < 0.04


def test_unseen_unit_gets_the_pooled_estimate_and_a_warning():
    from forecasting import OutcomeModel

    sim = simulate_district(rng=9, start="2021Q1", end="2023Q2")
    h = History(sim.district, sim.effort, sim.snapshots())
    res = OutcomeModel(n_param_draws=5).fit(h.upto("2022Q4")).results
    assert "center_beijing" in res.progression.unseen.get("unit", [])
    assert res.progression.params_advance.get("unit:center_beijing", 0.0) == pytest.approx(0.0, abs=1e-6)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # the Beijing centre's first leads arrive in 2023: forecast from a history that has them open
        res2 = OutcomeModel(n_param_draws=5).fit(h.upto("2023Q1"))
        f = res2.forecast(2023)
    assert f.projects["p_signed"].between(0, 1).all()
    if "center_beijing" in res2.results.progression.unseen.get("unit", []):
        assert any(issubclass(w.category, SparseDataWarning) for w in caught)


# ------------------------------------------------------------------ non-convergence is never silent
@pytest.fixture(scope="module")
def bundled_2023q4():
    from forecasting import load_history

    return load_history(ROOT_DATA).upto("2023Q4")


ROOT_DATA = __import__("pathlib").Path(__file__).resolve().parents[2] / "data"


def test_no_convergence_warning_on_the_bundled_data(bundled_2023q4):
    from forecasting.errors import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        fit_progression(bundled_2023q4)


def test_empirical_bayes_stopping_at_max_iter_warns(bundled_2023q4):
    from forecasting.errors import ConvergenceWarning

    with pytest.warns(ConvergenceWarning, match="empirical-Bayes"):
        fit_progression(bundled_2023q4, max_eb_iter=1)


def test_unit_types_come_from_the_schema_not_a_copied_list():
    import inspect

    import forecasting.models.progression as progression
    from forecasting.data.schema import UNIT_TYPES

    assert '"branch", "center", "campaign"' not in inspect.getsource(progression)
    h = History(*(lambda s: (s.district, s.effort, s.snapshots()))(simulate_district(rng=2, start="2021Q1",
                                                                                     end="2022Q4")))
    assert fit_progression(h).design.unit_types == list(UNIT_TYPES)


def test_the_shared_verbs(bundled_2023q4):
    """``params`` both hazards (``lost:…`` after the advance ones), ``cov_params`` the joint
    covariance; Wald intervals, the summary table, immutability; ``sample``'s draws have the
    estimate as their mean (antithetic pairs) and the covariance as theirs."""
    from conftest import assert_model_verbs

    res = fit_progression(bundled_2023q4)
    assert_model_verbs(res)
    assert len(res.params) == len(res.params_advance) + len(res.params_lost)
    assert res.params.index[len(res.params_advance)].startswith("lost:")
    a, lost = res.sample(6000, rng=3)
    both = np.hstack([a, lost])
    np.testing.assert_allclose(both.mean(axis=0), res.params.to_numpy(), atol=1e-9)
    sd = np.sqrt(np.diag(res.cov_params().to_numpy()))
    np.testing.assert_allclose(both.std(axis=0), sd, rtol=0.08)
    np.testing.assert_array_equal(res.sample(4, rng=3)[0], res.sample(4, rng=3)[0])  # same seed, same draws
