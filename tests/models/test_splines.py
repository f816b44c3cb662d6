"""The duration curve's basis: a restricted cubic spline, zero below its first knot and
linear beyond its last."""
from __future__ import annotations

import numpy as np

from forecasting.history.episodes import MAX_DURATION
from forecasting.models.splines import duration_basis, rcs_basis

KNOTS = np.array([0.5, 1.5, 2.5, 3.5])


def test_the_spline_has_k_minus_two_columns_and_vanishes_below_the_first_knot():
    x = np.linspace(-1.0, 0.5, 7)
    B = rcs_basis(x, KNOTS)
    assert B.shape == (7, 2)
    np.testing.assert_allclose(B, 0.0, atol=1e-15)
    assert rcs_basis(x, KNOTS[:2]).shape == (7, 0)  # fewer than three knots: no spline


def test_the_spline_is_linear_beyond_the_last_knot_and_curved_inside():
    beyond = np.linspace(3.6, 8.0, 9)
    B = rcs_basis(beyond, KNOTS)
    np.testing.assert_allclose(np.diff(B, n=2, axis=0), 0.0, atol=1e-10)  # equal steps: linear
    inside = rcs_basis(np.linspace(0.6, 3.4, 9), KNOTS)
    assert np.abs(np.diff(inside, n=2, axis=0)).max() > 1e-4


def test_the_spline_is_smooth_at_its_knots():
    """Cubic pieces joined with continuous first and second derivatives."""
    h = 1e-4
    for t in KNOTS:
        f = rcs_basis(np.array([t - 2 * h, t - h, t, t + h, t + 2 * h]), KNOTS)
        left, right = (f[2] - f[0]) / (2 * h), (f[4] - f[2]) / (2 * h)
        np.testing.assert_allclose(left, right, atol=1e-3)


def test_the_duration_basis_is_log_d_d_over_12_and_the_spline():
    d = np.array([0, 1, 6, 24, 10 * MAX_DURATION])
    B = duration_basis(d, KNOTS)
    dd = np.clip(d, 1, MAX_DURATION).astype(float)
    np.testing.assert_allclose(B[:, 0], np.log(dd))
    np.testing.assert_allclose(B[:, 1], dd / 12.0)
    np.testing.assert_allclose(B[:, 2:], rcs_basis(np.log(dd), KNOTS))
    assert duration_basis(d, np.array([])).shape == (5, 2)
