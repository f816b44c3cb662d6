"""The progression fit's solver: Newton steps on the monthly multinomial, empirical-Bayes spreads."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sparse

from forecasting.models.newton import Multinomial, fit_eb, precisions


def test_an_intercept_only_fit_finds_the_event_rates():
    """Stay / advance / lost with 3000 person-months, 300 advances and 150 losses: the
    multinomial logit's maximum is ``log(300 / 2550)`` and ``log(150 / 2550)``; the weak fixed
    prior (sd 3 on a constant) moves it by less than 0.01, and the mode is a stationary point
    of the penalised likelihood."""
    n = 3000
    ya = np.r_[np.ones(300), np.zeros(n - 300)]
    yl = np.r_[np.zeros(300), np.ones(150), np.zeros(n - 450)]
    X = sparse.csr_matrix(np.ones((n, 1)))
    model = Multinomial(X, X, ya, yl, np.zeros(n), np.zeros(n))
    names = ["0:const"]
    theta, H, sd = fit_eb(model, names, names, np.array(["", ""]), [], {}, 50)
    np.testing.assert_allclose(theta, [np.log(300 / 2550), np.log(150 / 2550)], atol=0.01)
    grad, _, _ = model.derivatives(theta, precisions(names, names, sd))
    np.testing.assert_allclose(grad, 0.0, atol=1e-6)
    assert np.all(np.linalg.eigvalsh(H) > 0)  # a maximum: the penalised Hessian is positive definite


def test_precisions_are_one_over_the_prior_variances():
    prec = precisions(["0:const", "year:2020"], ["0:const"], {"year": 0.5})
    np.testing.assert_allclose(prec, [1 / 9.0, 1 / 0.25, 1 / 9.0])


def test_newton_accepting_a_failed_line_search_warns():
    from forecasting.errors import ConvergenceWarning

    rng = np.random.default_rng(0)
    X = sparse.csr_matrix(rng.normal(size=(50, 2)))
    y = (rng.random(50) < 0.3).astype(float)
    model = Multinomial(X, X, y, np.zeros(50), np.zeros(50), np.full(50, -3.0), np.ones(50))
    # an objective that every step makes worse: the halving runs down to 1e-4
    model.objective = lambda theta, prec: -np.inf
    with pytest.warns(ConvergenceWarning, match="line search"):
        model.newton_step(np.zeros(4), np.ones(4))


def test_the_gram_product_is_scipys_bit_for_bit_and_refuses_another_pattern():
    import numpy as np
    import scipy.sparse as sp

    from forecasting.models.newton import Gram

    rng = np.random.default_rng(3)
    X = sp.random(5000, 40, density=0.1, format="csr", random_state=4)
    X.data = rng.normal(size=X.nnz) * 10.0 ** rng.integers(-8, 8, X.nnz)
    XT = X.T.tocsr()
    gram = Gram(XT, X)
    assert gram.fast  # the sized-once path runs on this SciPy
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    for _ in range(3):
        B = X.copy()
        B.data = B.data * rng.exponential(size=X.shape[0])[rows]
        got, want = gram(B), (XT @ B).toarray()
        assert got.dtype == want.dtype and np.array_equal(got, want)
        assert np.array_equal(got.view(np.int64), want.view(np.int64))  # the same bits, zeros' signs too
    other = sp.random(5000, 40, density=0.2, format="csr", random_state=5)
    assert np.array_equal(gram(other), (XT @ other).toarray()) and gram.fast  # another pattern: the public product
    empty = sp.csr_matrix((5000, 40))
    assert not Gram(XT, empty)(empty).any()


def _units_problem(true_sd: float, seed: int, n_units: int = 30, per_unit: int = 400):
    """Stay / advance / lost on person-months of ``n_units`` units whose advance log-odds differ
    by ``N(0, true_sd^2)`` (a unit block with an empirical-Bayes spread); losses a constant."""
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), per_unit)
    n = unit.size
    eff = rng.normal(0.0, true_sd, n_units) if true_sd > 0 else np.zeros(n_units)
    ea, el = -2.0 + eff[unit], np.full(n, -3.0)
    den = 1 + np.exp(ea) + np.exp(el)
    u = rng.random(n)
    ya = (u < np.exp(ea) / den).astype(float)
    yl = ((u >= np.exp(ea) / den) & (u < (np.exp(ea) + np.exp(el)) / den)).astype(float)
    Xa = sparse.hstack([sparse.csr_matrix(np.ones((n, 1))),
                        sparse.csr_matrix((np.ones(n), (np.arange(n), unit)), shape=(n, n_units))]).tocsr()
    Xl = sparse.csr_matrix(np.ones((n, 1)))
    names_a = ["0:const"] + [f"unit:u{j}" for j in range(n_units)]
    names_l = ["0:const"]
    block_of = np.array([""] + ["unit"] * n_units + [""])
    return Multinomial(Xa, Xl, ya, yl, np.zeros(n), np.zeros(n)), names_a, names_l, block_of


def _evidence_argmax(model, na, nl, block_of) -> float:
    """The unit spread that maximises the Laplace-approximate marginal likelihood, found
    directly (bounded search over the log spread, the coefficients at their mode for each):
    an independent check of the fixed point."""
    from scipy.optimize import minimize_scalar

    from forecasting.models.design import MIN_SD

    def neg_evidence(log_sd: float) -> float:
        prec = precisions(na, nl, {"unit": float(np.exp(log_sd))})
        theta = np.zeros(len(block_of))
        for _ in range(50):
            theta, _, size = model.newton_step(theta, prec)
            if size < 1e-10:
                break
        _, H, value = model.derivatives(theta, prec)
        return -(value + 0.5 * np.sum(np.log(prec)) - 0.5 * np.linalg.slogdet(H)[1])

    res = minimize_scalar(neg_evidence, bounds=(np.log(MIN_SD), np.log(2.0)), method="bounded",
                          options={"xatol": 1e-4})
    return float(np.exp(res.x))


@pytest.mark.parametrize("true_sd,seed", [(0.0, 0), (0.0, 2), (0.0, 3), (0.4, 0), (0.4, 1)])
def test_the_spread_is_the_marginal_likelihoods_maximum(true_sd, seed):
    """Units that do not differ, or differ by sd 0.4: from either side, within 60 iterations
    and without a warning, the spread settles within 5 % of the directly maximised marginal
    likelihood (or, where that maximum is at the floor, next to the floor). MacKay's update
    alone crawls toward the floor (its steps shrink with the effects) and ran past 100."""
    import warnings

    from forecasting.models.design import MIN_SD

    model, na, nl, block_of = _units_problem(true_sd, seed)
    best = _evidence_argmax(model, na, nl, block_of)
    for start in (0.25, 1.5):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            _, _, sd = fit_eb(model, na, nl, block_of, ["unit"], {"unit": start}, 60)
        if best < 1.05 * MIN_SD:
            assert sd["unit"] < 1.2 * MIN_SD, (start, sd, best)
        else:
            assert abs(np.log(sd["unit"] / best)) < 0.05, (start, sd, best)
