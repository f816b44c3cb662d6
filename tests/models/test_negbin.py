"""The inflow model's negative-binomial estimation: a failure to converge is never silent;
the dispersion's maximum likelihood recovers a known one."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from forecasting.models.inflow import fit_inflow


def test_dispersion_not_settling_warns(bundled_history, monkeypatch):
    import forecasting.models.negbin as negbin
    from forecasting.errors import ConvergenceWarning

    monkeypatch.setattr(negbin, "_ROUNDS", 1)
    with pytest.warns(ConvergenceWarning, match="dispersion"):
        fit_inflow(bundled_history.upto("2023Q4"))


def test_glm_failing_with_its_fallback_warns():
    from forecasting.errors import ConvergenceWarning
    from forecasting.models.negbin import fit_nb_glm

    rng = np.random.default_rng(0)
    X = np.column_stack([np.ones(20), rng.normal(size=20)])
    y = np.r_[rng.poisson(3.0, 19), np.nan].astype(float)  # a count no optimiser can fit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.warns(ConvergenceWarning, match="did not converge"):
            fit_nb_glm(y, X, np.ones(2), 0.1, np.zeros(2))


def test_the_dispersion_estimate_recovers_a_known_one():
    """NB2 counts with mean 5 and ``alpha = 0.5`` (a gamma-Poisson mixture), 20,000 of them:
    the maximum-likelihood ``alpha`` given the true means is within 0.05 of it (its sampling
    sd is about 0.01); Poisson counts give one near the lower bound."""
    from forecasting.models.negbin import ml_alpha

    rng = np.random.default_rng(11)
    mu = np.full(20_000, 5.0)
    y = rng.poisson(rng.gamma(1 / 0.5, 0.5 * mu)).astype(float)
    assert ml_alpha(y, mu) == pytest.approx(0.5, abs=0.05)
    assert ml_alpha(rng.poisson(mu).astype(float), mu) < 0.02
