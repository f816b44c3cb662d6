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
