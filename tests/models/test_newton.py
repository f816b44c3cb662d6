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


def _sector_fit(seed: int, n: int = 6000, true_sd: float = 0.3) -> tuple[dict[str, float], float]:
    """Fit 6 sector effects before and 6 after signing, all drawn from ``N(0, true_sd²)``, on
    ``n`` simulated months with the design's empirical-Bayes blocks; returns the spreads and
    the realised spread of the twelve effects."""
    from forecasting.models.design import PRIOR_SD, eb_block

    rng = np.random.default_rng(seed)
    effects = rng.normal(0.0, true_sd, 12)
    col = rng.integers(0, 6, n) + 6 * (rng.random(n) < 0.5)
    X = np.zeros((n, 13))
    X[:, 0] = 1.0
    X[np.arange(n), 1 + col] = 1.0
    ya = (rng.random(n) < 1 / (1 + np.exp(1.0 - effects[col]))).astype(float)
    names_a = ["0:const"] + [f"sector_pre:s{i}" for i in range(6)] + [f"sector_post:s{i}" for i in range(6)]
    model = Multinomial(sparse.csr_matrix(X), sparse.csr_matrix(np.ones((n, 1))), ya, np.zeros(n),
                        np.zeros(n), np.full(n, -6.0))
    block_of = np.array([eb_block(k) or "" for k in names_a + ["lost:0:const"]])
    blocks = [b for b in dict.fromkeys(block_of) if b]
    _, _, sd = fit_eb(model, names_a, ["0:const"], block_of, blocks, {b: PRIOR_SD["sector"] for b in blocks}, 200)
    return sd, float(np.std(effects))


def test_the_sector_effects_before_and_after_signing_share_one_recovered_spread():
    """Twelve sector effects (six before signing, six after) of true spread 0.3: the one
    empirical-Bayes spread they share is within 35 % of the realised spread in each of ten
    simulated data sets, and 0.3 within 15 % on average (fitted as two blocks of six, one
    of the ten collapsed to the 0.03 floor and another came out 1.7 times too wide)."""
    fits = [_sector_fit(seed) for seed in range(10)]
    assert all(set(sd) == {"sector"} for sd, _ in fits)
    ratio = np.array([sd["sector"] / realised for sd, realised in fits])
    assert np.all(np.abs(np.log(ratio)) < 0.35)
    assert np.mean([sd["sector"] for sd, _ in fits]) == pytest.approx(0.3, rel=0.15)
