"""The provincial-list model: it says when it did not converge or had nothing to fit on."""
from __future__ import annotations

import warnings

import pytest

from forecasting.errors import ConvergenceWarning, SparseDataWarning
from forecasting.history import History
from forecasting.provincial import fit_provincial


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
    with pytest.warns(SparseDataWarning, match="assumed"):
        res = fit_provincial(early)
    assert res.n_nominated == 0 and res.n_designated == 0
