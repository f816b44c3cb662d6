"""The provincial list's year shift: how much it varies, and how well a few lists tell it.

More of it, through the fitted model and its draws, in ``test_provincial.py``.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from forecasting.models.provincial import fit_provincial


def test_the_years_a_spread_rests_on_count_each_list_as_far_as_it_tells_the_shift(bundled_history):
    """``ν`` is the prior's years plus ``(T − 1) / T · Σ (τ² V / (1 + τ² V))²``: a list whose
    count is all shift (``τ² V`` large) counts as a year, one of pure binomial noise (``τ`` 0)
    as none; known values for two lists of ``V`` 1 and 3 at ``τ`` 1. ``fit_provincial`` records it."""
    import pandas as pd

    from forecasting.models.provincial_year import YEAR_SD_PRIOR_YEARS, year_sd_dof

    # two years: four candidates at p = 1/2 (V = 1), twelve (V = 3); eta = 0
    cand = pd.DataFrame({"year": [1] * 4 + [2] * 12, "y": 0.0})
    eta = np.zeros(len(cand))
    assert year_sd_dof(cand, eta, 1.0) == pytest.approx(YEAR_SD_PRIOR_YEARS + 0.5 * ((1 / 2) ** 2 + (3 / 4) ** 2))
    assert year_sd_dof(cand, eta, 0.0) == YEAR_SD_PRIOR_YEARS
    assert year_sd_dof(cand, eta, 1e4) == pytest.approx(YEAR_SD_PRIOR_YEARS + 1)
    assert year_sd_dof(cand[cand["year"] == 1], eta[:4], 1e4) == YEAR_SD_PRIOR_YEARS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_provincial(bundled_history.upto("2024Q1"))
    assert YEAR_SD_PRIOR_YEARS <= res.year_sd_dof < YEAR_SD_PRIOR_YEARS + len(res.pools) - 1


def test_years_less_spread_than_independent_decisions_leave_the_priors_share():
    """Two lists whose counts hit their expectations (V 1 and 3, no surprise): the excess is
    below zero, which counts as none, so ``σ² = k 0.4² / (Σ V² + k)``, ``k = 3 · mean V²``: with
    ``Σ V² = 10``, ``k = 15``, ``σ = 0.4 √(15 / 25)``, not 0 (the spread's uncertainty is kept)."""
    import pandas as pd

    from forecasting.models.provincial_year import YEAR_SD_PRIOR, estimate_year_sd

    cand = pd.DataFrame({"year": [1] * 4 + [2] * 12, "y": [1.0, 1, 0, 0] + [1.0] * 6 + [0.0] * 6})
    assert estimate_year_sd(cand, np.zeros(len(cand))) == pytest.approx(YEAR_SD_PRIOR * np.sqrt(15 / 25))
    assert estimate_year_sd(cand, np.zeros(len(cand)), 2.0) == pytest.approx(2 * YEAR_SD_PRIOR * np.sqrt(15 / 25))
