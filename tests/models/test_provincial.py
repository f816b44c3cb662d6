"""The provincial-list model: it says when it did not converge or had nothing to fit on."""
from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pytest

from forecasting.errors import ConvergenceWarning, SparseDataWarning
from forecasting.history.histories import History
from forecasting.models.provincial import fit_provincial


def test_no_warning_on_the_bundled_data(bundled_history):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        warnings.simplefilter("error", SparseDataWarning)
        fit_provincial(bundled_history.upto("2023Q4"))


def test_newton_stopping_at_max_iter_warns(bundled_history):
    with pytest.warns(ConvergenceWarning, match="provincial"):
        fit_provincial(bundled_history.upto("2023Q4"), max_iter=1)


def test_falling_back_on_fixed_numbers_says_so(bundled_history):
    h = bundled_history.upto("2023Q4")
    # no Q4 snapshot: nothing to learn nominations or designations from
    early = History(h.district, h.effort, {q: t for q, t in h.snapshots.items() if q[:4] == "2023" and q[-1] != "4"})
    from forecasting.errors import ShortHistoryWarning
    from forecasting.models.provincial import fit_step

    with pytest.warns(ShortHistoryWarning, match="cannot be told apart"):
        res = fit_provincial(early)  # one step, fitted on the designations the dates show
    assert np.isfinite(res.nominate.to_numpy()).all()
    # with nothing at all to fit on, the fixed fallback says what it assumed
    with pytest.warns(SparseDataWarning, match="assumed"):
        params, cov = fit_step(np.zeros(0), np.zeros((0, 3)), np.ones(3), "designate | candidate")
    assert params[0] == -6.0 and (np.diag(cov) == 1).all()


# ------------------------------------------------------------------ no constant shared with the generator
def test_log_size_is_centred_on_the_data_not_on_a_fixed_reference(bundled_history):
    import numpy as np

    h = bundled_history.upto("2023Q4")
    res = fit_provincial(h)
    elig = [t[t["stage"].isin(["signed", "approved", "under_construction"]) & (t["provincial"] != "designated")]
            for q, t in h.snapshots.items() if q.endswith("Q4")]
    amounts = np.concatenate([e["investment_bn"].to_numpy(float) for e in elig])
    assert res.size_centre_bn == np.median(amounts)
    assert res.size_centre_bn != 2.0  # the generator's reference size
    assert "log_size_over_median" in res.nominate.index


def test_no_generator_constant_in_the_provincial_model():
    import ast
    import inspect

    import forecasting.models.provincial as provincial
    from forecasting.synthetic.generator import default_params

    p = default_params()
    truth = {abs(v) for k, v in vars(p).items() if k.startswith(("nominate_", "designate_"))}

    def literals(tree):
        return {abs(n.value) for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, float)}

    module = ast.parse(inspect.getsource(provincial))
    assert not literals(module) & truth  # nowhere in the module, not only in the fitting code
    # the generator's 2 bn reference size (its nomination logit uses log(size / 2)), in the design
    design = next(n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == "design_matrix")
    assert 2.0 not in literals(design)


# ------------------------------------------------------------------ quota or independent decisions (issue 13)
SECTORS = ["a", "b", "c"]


def _candidates(rule: str, n_years: int, rng: np.random.Generator, *, pools=(10, 40), quota: float = 2.0,
                level_sd: float = 0.0):
    """Q4 candidate lists and January's decisions, ``n_years`` of them, each year's pool
    uniform in ``pools`` and its candidates' log amounts shifted by ``N(0, level_sd²)``: under
    ``"quota"`` the province takes ``K ~ Poisson(quota)`` of them (drawn in proportion to
    size), under ``"largest"`` the ``K`` largest, under ``"independent"`` it judges each on
    its own (by absolute size)."""
    import pandas as pd
    from scipy import special

    rows = []
    for year in range(n_years):
        n = int(rng.integers(pools[0], pools[1] + 1))
        f = pd.DataFrame({"investment_bn": rng.lognormal(1.0 + level_sd * rng.standard_normal(), 0.6, n),
                          "stage": rng.choice(["signed", "approved", "under_construction"], n),
                          "sector": rng.choice(SECTORS, n)})
        size = f["investment_bn"].to_numpy()
        y = np.zeros(n)
        if rule == "quota":
            y[rng.choice(n, min(rng.poisson(quota), n), replace=False, p=size / size.sum())] = 1
        elif rule == "largest":
            y[np.argsort(-size)[:rng.poisson(quota)]] = 1
        else:
            y = (rng.random(n) < special.expit(-1.8 + np.log(size / 2.7))).astype(float)
        rows.append(f.assign(y=y, year=2000 + year, pool=float(n), pool_logamount=float(np.log(size.sum()))))
    return pd.concat(rows, ignore_index=True)


def _fitted(cand):
    """The designation step fitted on ``cand`` (the nomination step left at zero)."""
    import pandas as pd

    from forecasting.models.provincial import ProvincialResults, coefficient_names, fit_designation

    centre = float(np.median(cand["investment_bn"]))
    b, cov, ref, mref = fit_designation(cand, SECTORS, centre)
    k = 3 + len(SECTORS)
    return ProvincialResults(SECTORS, pd.Series(np.zeros(k), index=coefficient_names(SECTORS)), np.eye(k),
                             pd.Series(b, index=coefficient_names(SECTORS, pool=True)), cov, 0, int(cand["y"].sum()), centre, ref,
                             pool_logamount_ref=mref)


def test_the_share_recovers_a_quota_and_independent_decisions():
    """Sixty decided years each. A quota drawn in proportion to size (a candidate's chance
    ``K × its share``) shows as a relative-size (share) coefficient near 1 and an absolute one
    near 0; independent decisions with log-odds ``+1`` per log bn as absolute size near 1 and
    share near 0; the remaining pool effect γ covers 0 under both (the form's regimes)."""
    from forecasting.models.provincial import RELATIVE

    for rule, seed, share, absolute in (("quota", 1, 1.0, 0.0), ("independent", 2, 0.0, 1.0)):
        res = _fitted(_candidates(rule, 60, np.random.default_rng(seed)))
        sd = np.sqrt(np.diag(res.designate_cov))
        names = list(res.designate.index)
        for name, truth in ((RELATIVE, share), ("log_size_over_median", absolute)):
            i = names.index(name)
            assert abs(res.designate.iloc[i] - truth) < 2.0 * sd[i], (rule, name, res.designate.iloc[i], sd[i])
        lo, hi = res.gamma_interval(0.95)
        assert lo < 0 < hi, (rule, lo, hi)


def test_a_pool_that_never_varies_leaves_gamma_at_its_prior():
    from forecasting.models.provincial import POOL_PRIOR_MEAN, POOL_PRIOR_SD

    cand = _candidates("independent", 8, np.random.default_rng(3), pools=(12, 12))
    res = _fitted(cand)
    assert res.pool_ref == 12
    assert res.gamma == pytest.approx(POOL_PRIOR_MEAN, abs=1e-12)
    assert np.sqrt(res.designate_cov[-1, -1]) == pytest.approx(POOL_PRIOR_SD, rel=1e-9)
    # ... while the size effect (absolute and relative together) did learn from the data
    from forecasting.models.provincial import RELATIVE

    assert res.designate["log_size_over_median"] + res.designate[RELATIVE] > 0.5


def test_one_decided_q4_snapshot_gives_the_prior(bundled_history):
    """A history with a single Q4 list and its January decision (issue 14's short folder)."""
    from forecasting.models.provincial import POOL, POOL_PRIOR_MEAN

    h = bundled_history
    one = History(h.district, h.effort, {q: t for q, t in h.snapshots.items() if q in ("2023Q4", "2024Q1")})
    res = fit_provincial(one)
    assert list(res.pools) == [2024] and res.pool_ref == res.pools[2024] > 0
    assert res.designate[POOL] == pytest.approx(POOL_PRIOR_MEAN, abs=1e-12)
    assert res.n_designated >= 1


def test_designation_probabilities_are_bounded_whatever_the_pool():
    res = _fitted(_candidates("quota", 30, np.random.default_rng(4)))
    frame = _candidates("quota", 1, np.random.default_rng(5))
    from forecasting.models.glm import mvn as _mvn

    params = _mvn(res.designate.to_numpy(), res.designate_cov * 25, 200, np.random.default_rng(6))  # wide draws
    for pool in (0.0, 1.0, 1e6, np.full((200, len(frame)), 3.0)):
        p = res.predict_designate(frame, params, pool=pool)
        assert p.shape == (200, len(frame))
        assert np.isfinite(p).all() and (p >= 0).all() and (p <= 1).all()
    # a larger pool lowers a candidate's chance when γ < 0, and leaves it alone when γ = 0
    b = res.designate.to_numpy().copy()
    b[-1] = -0.5
    lo, hi = (res.predict_designate(frame, b, pool=n) for n in (5.0, 50.0))
    assert (hi < lo).all()
    b0 = b.copy()
    b0[-1] = 0.0
    np.testing.assert_allclose(res.predict_designate(frame, b0, pool=5.0), res.predict_designate(frame, b0, pool=50.0))


def _expected_counts(res, pools, rng, n_lists: int = 50):
    """Mean forecast count (over parameter draws and ``n_lists`` candidate lists) per pool size."""
    _, params = res.sample(400, rng)
    out = []
    for n in pools:
        lists = [_candidates("quota", 1, rng, pools=(n, n)) for _ in range(n_lists)]
        out.append(float(np.mean([res.predict_designate(f, params, pool=float(n), pool_amount=f["investment_bn"].sum())
                                   .sum(axis=1).mean() for f in lists])))
    return out


def test_under_a_quota_the_expected_count_stays_near_the_quota_when_the_pool_doubles():
    """Fitted on a quota of about 2 a year, the forecast count for a pool of 20 and of 40
    candidates stays near 2; fitted on independent decisions it about doubles."""
    quota = _expected_counts(_fitted(_candidates("quota", 60, np.random.default_rng(7))), (20, 40),
                             np.random.default_rng(8))
    assert quota[0] == pytest.approx(2.0, abs=0.6) and quota[1] == pytest.approx(2.0, abs=0.6), quota
    assert quota[1] / quota[0] < 1.4, quota
    indep = _expected_counts(_fitted(_candidates("independent", 60, np.random.default_rng(2))), (20, 40),
                             np.random.default_rng(8))
    assert indep[1] / indep[0] > 1.6, indep


# ------------------------------------------------------------------ the pool in the forecast
@pytest.fixture(scope="module")
def q4_results(bundled_history):
    from forecasting.simulation.outcomes import OutcomeModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return OutcomeModel(n_param_draws=8).fit(bundled_history.upto("2023Q4")).results


def _events(res, year, **kw):
    from forecasting.simulation.draws import draw_parameters
    from forecasting.simulation.rows import row_events

    draws = draw_parameters(res, year, 8, np.random.default_rng(0))
    st = res.state
    frame = res.history.projects.set_index("project_id").loc[st["project_id"]].reset_index()
    return st, frame, draws, row_events(res, st, frame, year, draws, **kw)


def test_the_known_pool_is_the_ledgers_candidates_and_a_part_of_the_ledger_keeps_it(q4_results, bundled_history):
    """As of 2023Q4 the list for 2024 is known: the pool is the ledger's candidates (the
    number the fit counts for that year once decided), every candidate's chance is
    P(designate | candidate, that pool), and the rows recomputed alone (as the explorer does
    for one sector) keep the whole ledger's pool."""
    from forecasting.simulation.rows import row_events

    res = q4_results
    st, frame, draws, ev = _events(res, 2024)
    cand = (frame["provincial"] == "candidate").to_numpy()
    n = int(cand.sum())
    assert n == fit_provincial(bundled_history.upto("2024Q1")).pools[2024] > 1
    assert (ev.pool[:, 0] == n).all()
    assert ev.pool[:, 1] == pytest.approx(frame.loc[cand, "investment_bn"].sum())
    np.testing.assert_allclose(ev.provincial[:, cand], res.provincial.predict_designate(
        frame[cand], draws.designate, pool=float(n), pool_amount=ev.pool[0, 1]))
    assert (ev.provincial[:, ~cand] == 0).all()
    rows = np.flatnonzero(cand)[: n // 2 + 1]
    part = dict(state=st.iloc[rows].reset_index(drop=True), frame=frame.iloc[rows].reset_index(drop=True))
    kept = row_events(res, part["state"], part["frame"], 2024, draws, pool=ev.pool)
    np.testing.assert_allclose(kept.provincial, ev.provincial[:, rows])
    alone = row_events(res, part["state"], part["frame"], 2024, draws)  # its own, smaller pool
    assert (alone.pool[:, 0] < n).all() and not np.allclose(alone.provincial, kept.provincial)


def test_before_the_list_the_pool_is_expected_from_the_nominations(q4_results):
    """As of 2023Q4 for 2025 the pool is each draw's expected number of nominations (it
    varies with the draws), bounds the expected designations, and a larger one lowers every
    row's chance under the draws with γ < 0."""
    from forecasting.simulation.rows import row_events
    from forecasting.models.provincial import POOL

    res = q4_results
    st, frame, draws, ev = _events(res, 2025)
    assert ev.pool.shape == (8, 2) and (ev.pool[:, 0] > 1).all() and np.ptp(ev.pool[:, 0]) > 0
    assert (ev.provincial >= 0).all() and (ev.provincial <= 1).all()
    assert (ev.provincial.sum(axis=1) <= ev.pool[:, 0] + 1e-9).all()  # designations cannot exceed nominations
    from dataclasses import replace

    from forecasting.models.provincial import RELATIVE

    names = list(res.provincial.designate.index)
    des = draws.designate.copy()
    des[:, names.index(RELATIVE)] = 0.0  # the pool's count alone: its mean size then plays no part
    draws = replace(draws, designate=des)
    ev = row_events(res, st, frame, 2025, draws)
    doubled = row_events(res, st, frame, 2025, draws, pool=ev.pool * 2).provincial
    gamma = des[:, names.index(POOL)]
    some = ev.provincial > 1e-6
    assert (gamma < 0).any()
    assert ((doubled < ev.provincial) | ~some)[gamma < 0].all()
    assert ((doubled > ev.provincial) | ~some)[gamma > 0].all()


def _split(res):
    """Absolute and relative size coefficients, and the z of their difference (relative − absolute)."""
    from forecasting.models.provincial import RELATIVE

    names = list(res.designate.index)
    i, j = names.index("log_size_over_median"), names.index(RELATIVE)
    c = res.designate_cov
    b = res.designate.to_numpy()
    return b[i], b[j], (b[j] - b[i]) / np.sqrt(c[i, i] + c[j, j] - 2 * c[i, j]), np.sqrt(c[i, i])


def test_years_whose_candidates_differ_in_size_tell_a_quota_of_the_largest_from_absolute_size():
    """Sixty years whose candidates' sizes shift from year to year: a province taking the
    year's largest shows as relative size (the share; absolute small beside it: a rank is not
    quite a share), one judging absolute size (log odds +1 per log bn) as absolute size
    (relative about 0)."""
    a, r, z, sd = _split(_fitted(_candidates("largest", 60, np.random.default_rng(11), level_sd=0.5)))
    assert z > 3 and abs(a) < 0.25 * r, (a, r, z)
    a, r, z, sd = _split(_fitted(_candidates("independent", 60, np.random.default_rng(12), level_sd=0.5)))
    assert z < -1.645 and abs(a - 1.0) < 1.645 * sd, (a, r, z)
    # with every year's candidates of the same mean size the size effect is split evenly (the
    # prior's symmetry)
    same = _candidates("largest", 60, np.random.default_rng(11)).assign(pool_logamount=1.0)
    a, r, _, _ = _split(_fitted(same))
    assert a == pytest.approx(r, rel=1e-3) and a > 0.5


def test_the_year_shift_of_designations_is_estimated_from_the_years_counts():
    """Sixty years: independent decisions give a year sd near 0, a common yearly shift of
    the log-odds with sd 0.8 one near 0.8; with one year the prior is kept; the draws carry it."""
    import pandas as pd
    from scipy import special

    from forecasting.models.provincial import design_matrix
    from forecasting.models.provincial_year import YEAR_SD_PRIOR, estimate_year_sd

    def years(shift_sd, n_years, seed):
        rng = np.random.default_rng(seed)
        rows = []
        for year in range(n_years):
            f = pd.DataFrame({"investment_bn": rng.lognormal(1.0, 0.6, 30), "stage": "signed", "sector": "a"})
            eta = -1.0 + np.log(f["investment_bn"] / 2.7) + shift_sd * rng.standard_normal()
            f["y"] = (rng.random(30) < special.expit(eta)).astype(float)
            rows.append(f.assign(year=year, pool=30.0, pool_logamount=1.0))
        return pd.concat(rows, ignore_index=True)

    def tau(c):
        res = _fitted(c)
        eta = design_matrix(c, SECTORS, res.size_centre_bn, np.zeros(len(c)), c["pool_logamount"]) @ res.designate.to_numpy()
        return estimate_year_sd(c, eta)

    assert tau(years(0.0, 60, 1)) < 0.25
    assert tau(years(0.8, 60, 2)) == pytest.approx(0.8, abs=0.25)
    assert tau(years(0.8, 1, 3)) == YEAR_SD_PRIOR
    res = _fitted(years(0.0, 5, 4))
    _, wide = replace(res, year_sd=0.8).sample(4000, np.random.default_rng(5))
    _, narrow = replace(res, year_sd=0.0).sample(4000, np.random.default_rng(5))
    assert np.var(wide[:, 0]) - np.var(narrow[:, 0]) == pytest.approx(0.64, abs=0.08)


def test_the_shared_verbs(bundled_history):
    """Both steps' coefficients in one ``params`` (``nominate:…``, ``designate:…``), a block
    diagonal covariance, Wald intervals, the summary table and immutability; ``sample``'s
    nomination draws have the estimate as their mean and the covariance as theirs, the
    designation draws the same plus the year's common shift on the intercept."""
    from conftest import assert_model_verbs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_provincial(bundled_history)
    assert_model_verbs(res)
    nom, des = res.sample(8000, 6)
    np.testing.assert_allclose(nom.mean(axis=0), res.nominate.to_numpy(), atol=1e-9)
    np.testing.assert_allclose(nom.std(axis=0), np.sqrt(np.diag(res.nominate_cov)), rtol=0.06)
    sd_des = np.sqrt(np.diag(res.designate_cov) + np.r_[res.year_sd**2, np.zeros(len(res.designate) - 1)])
    np.testing.assert_allclose(des.std(axis=0), sd_des, rtol=0.06)
    np.testing.assert_allclose(des[:, 1:].mean(axis=0), res.designate.to_numpy()[1:], atol=1e-9)


# ------------------------------------------------------------------ honest counts with few years (issue 13)
def test_the_count_prior_pulls_a_short_history_towards_three_a_year_and_yields_to_a_long_one():
    """Intercept only, pools of 10 with one designation a year: the fitted mean count is the
    maximum of the penalised likelihood (found here by a scalar search on the same
    objective), between the data's 1 and the prior's 3 with two years, and about 1 with sixty."""
    from scipy import optimize, special

    from forecasting.models.provincial import COUNT_PRIOR, COUNT_PRIOR_LOG_SD, penalised_logit

    def counts(n_years):
        y = np.tile(np.r_[1.0, np.zeros(9)], n_years)
        b, cov, ok = penalised_logit(y, np.ones((y.size, 1)), np.array([1e-3]), 100, n_years=n_years)
        assert ok
        return 10 * special.expit(b[0]), cov

    def direct(n_years):
        def neg(eta):
            c = 10 * special.expit(eta)
            return -(n_years * (eta - 10 * np.logaddexp(0.0, eta)) - 1e-3 * eta**2
                     - 0.5 * ((np.log(c) - np.log(COUNT_PRIOR)) / COUNT_PRIOR_LOG_SD) ** 2)
        return 10 * special.expit(optimize.minimize_scalar(neg, bounds=(-8, 3), method="bounded",
                                                          options={"xatol": 1e-10}).x)

    two, cov2 = counts(2)
    assert two == pytest.approx(direct(2), rel=1e-6)
    assert 1.2 < two < 2.0
    sixty, cov60 = counts(60)
    assert sixty == pytest.approx(direct(60), rel=1e-6) and sixty == pytest.approx(1.0, abs=0.05)
    assert cov2[0, 0] > 10 * cov60[0, 0]  # and two years leave the rate uncertain


def _count_sd(res, frame, n_draws: int = 4000, seed: int = 0) -> tuple[float, float]:
    """Mean and sd of the forecast count of ``frame``'s candidates: over the parameter draws
    (each with its year's shift) and the candidates' independent decisions given a draw."""
    _, params = res.sample(n_draws, np.random.default_rng(seed))
    p = res.predict_designate(frame, params, pool=float(len(frame)), pool_amount=frame["investment_bn"].sum())
    total = p.sum(axis=1)
    return float(total.mean()), float(np.sqrt(total.var() + (p * (1 - p)).sum(axis=1).mean()))


@pytest.mark.parametrize("rule", ["largest", "independent"])
def test_two_years_of_lists_give_wider_counts_than_ten(rule):
    """Under a quota of the largest and under independent decisions, the forecast count for
    the same list is more uncertain after two decided years than after ten (the rate, the
    size effects and the year's shift all less known), for each of five histories."""
    frame = _candidates(rule, 1, np.random.default_rng(99), pools=(15, 15))
    for seed in range(5):
        rng = np.random.default_rng(seed)
        sd2 = _count_sd(_fitted(_candidates(rule, 2, rng)), frame)[1]
        sd10 = _count_sd(_fitted(_candidates(rule, 10, np.random.default_rng(100 + seed))), frame)[1]
        assert sd2 > sd10, (rule, seed, sd2, sd10)


def test_thirty_years_recover_the_count_under_a_quota_and_under_independent_decisions():
    """Fitted on thirty years, the mean forecast count of fresh lists of 30 (averaged over 20
    lists) is the rule's: about the quota (2 a year, the history's pools 10–40) under the
    largest-first quota, about ``Σ expit(−1.8 + log(size / 2.7))`` under independent
    decisions; and the forecast sd is at least the binomial one (never narrower than the
    decisions themselves)."""
    from scipy import special

    lists = [_candidates("largest", 1, np.random.default_rng(500 + i), pools=(30, 30)) for i in range(20)]
    res = _fitted(_candidates("largest", 30, np.random.default_rng(51)))
    assert np.mean([_count_sd(res, f, 400)[0] for f in lists]) == pytest.approx(2.0, abs=0.4)
    res = _fitted(_candidates("independent", 30, np.random.default_rng(52)))
    truth = [special.expit(-1.8 + np.log(f["investment_bn"].to_numpy() / 2.7)) for f in lists]
    got = [_count_sd(res, f, 400) for f in lists]
    assert np.mean([g[0] for g in got]) == pytest.approx(np.mean([t.sum() for t in truth]), rel=0.15)
    assert all(g[1] >= np.sqrt((t * (1 - t)).sum()) * 0.95 for g, t in zip(got, truth))


def test_the_forecast_draws_carry_the_parameter_uncertainty_into_each_years_count(q4_results):
    """As of 2023Q4 for 2024 every parameter draw gives the candidates one set of chances (a
    simulated year uses one draw, so its candidates share it): the draws' expected counts
    differ, and more so with a larger year shift."""
    res = q4_results
    _, frame, draws, ev = _events(res, 2024)
    cand = (frame["provincial"] == "candidate").to_numpy()
    spread = np.std(ev.provincial[:, cand].sum(axis=1))
    assert spread > 0.05
    from forecasting.simulation.draws import draw_parameters
    from forecasting.simulation.rows import row_events

    wide = replace(res, provincial=replace(res.provincial, year_sd=2.0))
    d2 = draw_parameters(wide, 2024, 8, np.random.default_rng(0))
    ev2 = row_events(wide, res.state, frame, 2024, d2)
    assert np.std(ev2.provincial[:, cand].sum(axis=1)) > spread


# ------------------------------------------------------------------ the year's shift sized on the bar of size (issue 13)
def _with_year_sd(cand):
    """The designation step fitted on ``cand`` with its year shift estimated as ``fit_provincial`` does."""
    from forecasting.models.provincial import design_matrix
    from forecasting.models.provincial_year import estimate_year_sd, size_slope, year_sd_dof

    res = _fitted(cand)
    b = res.designate.to_numpy()
    X = design_matrix(cand, SECTORS, res.size_centre_bn, np.log(cand["pool"].to_numpy(float) / res.pool_ref),
                      cand["pool_logamount"].to_numpy(float))
    tau = estimate_year_sd(cand, X @ b, size_slope(b))
    return replace(res, year_sd=tau, year_sd_dof=year_sd_dof(cand, X @ b, tau))


def test_a_moving_bar_of_size_is_recovered_in_log_amount():
    """Sixty years whose log-odds rise by 3 per log bn and whose bar moves each year by
    ``N(0, 0.5²)`` in log amount: the year shift of the log-odds is about ``3 × 0.5``; with one
    year the prior (0.4 in log amount) times the fitted slope is kept."""
    import pandas as pd
    from scipy import special

    from forecasting.models.provincial_year import YEAR_SD_PRIOR, estimate_year_sd, size_slope

    rng = np.random.default_rng(21)
    rows = []
    for year in range(60):
        f = pd.DataFrame({"investment_bn": rng.lognormal(1.0, 0.6, 30), "stage": "signed", "sector": "a"})
        eta = -1.0 + 3.0 * (np.log(f["investment_bn"] / 2.7) + 0.5 * rng.standard_normal())
        f["y"] = (rng.random(30) < special.expit(eta)).astype(float)
        rows.append(f.assign(year=year, pool=30.0, pool_logamount=1.0))
    cand = pd.concat(rows, ignore_index=True)
    res = _with_year_sd(cand)
    slope = size_slope(res.designate.to_numpy())
    # a fit without the year's shift sees the slope flattened by it, by about
    # ``1 / sqrt(1 + 0.346 τ²)`` (the logistic-normal approximation): 3 → 2.25
    assert slope == pytest.approx(3.0 / np.sqrt(1 + 0.346 * 1.5**2), rel=0.1)
    # the shift, also seen through the flattened fit, a little low
    assert res.year_sd == pytest.approx(1.5, rel=0.3)
    one = cand[cand["year"] == 0]
    assert estimate_year_sd(one, np.zeros(len(one)), slope) == pytest.approx(YEAR_SD_PRIOR * slope)
    assert estimate_year_sd(one, np.zeros(len(one)), size_slope(np.r_[0.0, 0.3, np.zeros(5), 0.2, 0.0])) == YEAR_SD_PRIOR


def test_a_list_of_the_largest_gets_a_poisson_like_count_and_independent_decisions_keep_theirs():
    """Forty years of the ``K ~ Poisson(2)`` largest (pools 10–40): fresh lists of 30 get a
    forecast count sd near the quota's (``√2``: 0.9 to 1.4 times it); after three years (the
    prior deciding) a shift of the log-odds alone (slope 1) leaves it far narrower; forty years of independent decisions (log-odds +1
    per log bn) have a slope of at most 1, so their year shift is the log-odds one."""
    from forecasting.models.provincial import design_matrix
    from forecasting.models.provincial_year import estimate_year_sd, size_slope

    lists = [_candidates("largest", 1, np.random.default_rng(700 + i), pools=(30, 30)) for i in range(10)]
    cand = _candidates("largest", 40, np.random.default_rng(71))
    res = _with_year_sd(cand)
    sds = [_count_sd(res, f, 2000)[1] for f in lists]
    # at least the quota's, and not much wider (the rate and the size effects are estimates)
    assert np.sqrt(2.0) * 0.9 < np.mean(sds) < np.sqrt(2.0) * 1.4, sds
    # with three years the prior decides: sized on the bar, the spread is near the quota's;
    # on the log-odds alone (slope 1) far narrower
    short, flat = [], []
    for seed in range(5):
        c = _candidates("largest", 3, np.random.default_rng(80 + seed))
        r = _with_year_sd(c)
        X = design_matrix(c, SECTORS, r.size_centre_bn, np.log(c["pool"].to_numpy(float) / r.pool_ref),
                          c["pool_logamount"].to_numpy(float))
        short.append(_count_sd(r, lists[0], 2000)[1])
        flat.append(_count_sd(replace(r, year_sd=estimate_year_sd(c, X @ r.designate.to_numpy())), lists[0], 2000)[1])
    assert np.mean(flat) < 0.8 * np.mean(short)
    ind = _fitted(_candidates("independent", 40, np.random.default_rng(72)))
    assert size_slope(ind.designate.to_numpy()) == pytest.approx(1.0, abs=0.35)


# ------------------------------------------------------------------ the year spread's own uncertainty (issue 13)
def test_each_draw_takes_its_own_year_spread_from_a_scaled_inverse_chi_square():
    """``σ_d² ~ Scale-inv-χ²(ν, s²)``: ``ν s² / σ_d²`` is χ²(ν) (Kolmogorov–Smirnov), so a
    year's shift over the draws is Student-t with ``ν`` df and scale ``s``; with ``ν`` infinite
    every draw keeps ``s``."""
    from scipy import stats

    res = _fitted(_candidates("independent", 4, np.random.default_rng(3)))
    nu, s = 6.0, 0.7
    drawn = replace(res, year_sd=s, year_sd_dof=nu).sample_year_sd(20000, np.random.default_rng(1))
    assert stats.kstest(nu * s**2 / drawn**2, stats.chi2(nu).cdf).pvalue > 0.01
    assert stats.kstest(nu * s**2 / drawn**2, stats.chi2(nu + 4).cdf).pvalue < 1e-6  # and not another ν
    assert np.all(replace(res, year_sd=s).sample_year_sd(50, 1) == s)
    # the shift itself, the coefficients' own uncertainty removed: Student-t(ν), scale s
    exact = replace(res, year_sd=s, year_sd_dof=nu, designate_cov=np.zeros_like(res.designate_cov))
    shift = exact.sample(20000, np.random.default_rng(2))[1][:, 0] - res.designate.iloc[0]
    assert stats.kstest(shift, stats.t(nu, scale=s).cdf).pvalue > 0.01
    assert stats.kstest(shift, stats.norm(scale=s * np.sqrt(nu / (nu - 2))).cdf).pvalue < 0.01


def test_two_years_of_lists_leave_the_spread_wider_than_twenty_and_widen_the_count():
    """With 2 decided lists the drawn spreads range far wider than with 20 (the 10–90 % range of
    ``σ_d / s``: about 0.72–2.3 for ``ν`` 4, 0.82–1.25 for ``ν`` 22); the mixture's count
    variance exceeds the plug-in's (the shift's variance is ``ν / (ν − 2)`` times ``s²``)."""
    from scipy import stats

    from forecasting.models.provincial_year import YEAR_SD_PRIOR_YEARS

    res = replace(_fitted(_candidates("independent", 4, np.random.default_rng(3))), year_sd=1.0)
    ranges = {}
    for T in (2, 20):
        nu = T - 1 + YEAR_SD_PRIOR_YEARS
        d = replace(res, year_sd_dof=nu).sample_year_sd(40000, np.random.default_rng(4))
        q = np.quantile(d, [0.1, 0.9])
        # the known quantiles of sqrt(ν / χ²(ν))
        assert q == pytest.approx(np.sqrt(nu / stats.chi2(nu).ppf([0.9, 0.1])), rel=0.02)
        ranges[T] = q[1] - q[0]
    assert ranges[2] > 2.5 * ranges[20]
    frame = _candidates("independent", 1, np.random.default_rng(9), pools=(30, 30))
    plug = _count_sd(res, frame, 20000)[1]
    mixed = _count_sd(replace(res, year_sd_dof=1 + YEAR_SD_PRIOR_YEARS), frame, 20000)[1]
    assert mixed > 1.05 * plug


def test_many_years_concentrate_the_drawn_spread_on_the_true_one():
    """Sixty simulated years whose bar of size moves by ``N(0, 0.5²)`` in log amount (log-odds
    +3 per log bn): the drawn spreads of the bar's shift (each draw's sd over the fitted slope)
    straddle 0.5 within 25 % (10–90 %), and three years' spread far wider."""
    import pandas as pd
    from scipy import special

    from forecasting.models.provincial_year import size_slope

    def history(n_years, rng):
        rows = []
        for year in range(n_years):
            f = pd.DataFrame({"investment_bn": rng.lognormal(1.0, 0.6, 30), "stage": "signed", "sector": "a"})
            eta = -1.0 + 3.0 * (np.log(f["investment_bn"] / 2.7) + 0.5 * rng.standard_normal())
            f["y"] = (rng.random(30) < special.expit(eta)).astype(float)
            rows.append(f.assign(year=year, pool=30.0, pool_logamount=1.0))
        return pd.concat(rows, ignore_index=True)

    long = _with_year_sd(history(60, np.random.default_rng(21)))
    assert 30 < long.year_sd_dof < 62  # each list tells the shift apart from its binomial noise in part
    # in log amount (over the fitted slope, which the year shift flattens alike): the bar's 0.5
    q = np.quantile(long.sample_year_sd(4000, 5) / size_slope(long.designate.to_numpy()), [0.1, 0.9])
    assert 0.5 * 0.75 < q[0] < 0.5 < q[1] < 0.5 * 1.25
    short = _with_year_sd(history(3, np.random.default_rng(22)))
    qs = np.quantile(short.sample_year_sd(4000, 5) / short.year_sd, [0.1, 0.9])
    assert qs[1] - qs[0] > 3 * (q[1] - q[0]) / long.year_sd


def test_a_single_draw_carries_the_year_shift_too():
    """``n_draws`` 1 is the fit's own estimate (:func:`~forecasting.models.glm.mvn`), a read-only
    vector: the year's shift is added to a copy, and the fit's estimate is left as it was."""
    res = replace(_fitted(_candidates("independent", 4, np.random.default_rng(3))), year_sd=0.5, year_sd_dof=4.0)
    before = res.designate.to_numpy().copy()
    _, des = res.sample(1, np.random.default_rng(0))
    assert des.shape == (1, len(before)) and des[0, 0] != before[0] and np.array_equal(des[0, 1:], before[1:])
    assert np.array_equal(res.designate.to_numpy(), before)
