"""The shared estimation pieces: antithetic normal draws and the penalised GLM."""
from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from statsmodels.base._penalties import L2

from forecasting.models.glm import GLMPenalized, mvn

MEAN = np.array([1.0, -0.5, 3.0])
COV = np.array([[1.0, 0.6, 0.0], [0.6, 2.0, -0.3], [0.0, -0.3, 0.5]])


def test_draws_come_in_antithetic_pairs_around_the_mean():
    d = mvn(MEAN, COV, 10, np.random.default_rng(0))
    assert d.shape == (10, 3)
    np.testing.assert_allclose((d[0::2] + d[1::2]) / 2, np.tile(MEAN, (5, 1)))
    assert not np.isclose(d, MEAN).all(axis=1).any()  # no draw is the mode


def test_many_draws_have_the_mean_and_covariance():
    """Antithetic pairs: the mean is exact; the covariance within sampling error (20,000 draws:
    relative error of a variance about 1.4 %, tolerance 6 %)."""
    d = mvn(MEAN, COV, 20_000, np.random.default_rng(1))
    np.testing.assert_allclose(d.mean(axis=0), MEAN, atol=1e-12)
    np.testing.assert_allclose(np.cov(d.T), COV, atol=0.06 * np.abs(COV).max())


def test_an_odd_count_and_a_single_draw():
    assert mvn(MEAN, COV, 7, np.random.default_rng(2)).shape == (7, 3)
    np.testing.assert_array_equal(mvn(MEAN, COV, 1, np.random.default_rng(2)), MEAN[None, :])


def test_the_penalised_glm_shrinks_towards_zero():
    """A Poisson GLM with a ridge prior ``w · b²``: no penalty gives the maximum likelihood; with
    one, the mode is where the score equals the penalty's slope, ``Xᵀ(y − μ) = 2 w b``, and the
    slope is pulled towards zero."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=400)
    X = np.column_stack([np.ones(400), x])
    y = rng.poisson(np.exp(0.5 + 0.8 * x))
    free = sm.GLM(y, X, family=sm.families.Poisson()).fit().params
    light = GLMPenalized(y, X, family=sm.families.Poisson(), penal=L2(weights=np.array([0.0, 1e-8])),
                         pen_weight=1.0).fit(disp=0).params
    heavy = GLMPenalized(y, X, family=sm.families.Poisson(), penal=L2(weights=np.array([0.0, 1.0])),
                         pen_weight=400.0).fit(disp=0).params
    np.testing.assert_allclose(light, free, atol=1e-4)
    mu = np.exp(X @ heavy)
    np.testing.assert_allclose(X.T @ (y - mu), [0.0, 2 * 400.0 * heavy[1]], atol=1e-3 * 400)
    assert 0 < heavy[1] < 0.7 * free[1]
    assert free[1] == pytest.approx(0.8, abs=0.1)
