"""The duration curve's basis: a restricted cubic spline in log months.

:func:`rcs_basis` gives the nonlinear columns of a restricted (natural) cubic spline,
:func:`duration_basis` a stage's full duration curve columns (``log d``, ``d / 12``, spline).
"""
from __future__ import annotations

import numpy as np

from ..history.episodes import MAX_DURATION


def rcs_basis(x: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Nonlinear columns of a restricted (natural) cubic spline in ``x`` (Harrell's form):
    ``len(knots) - 2`` columns, zero below the first knot, the curve linear beyond the last."""
    x = np.asarray(x, float)
    t = np.asarray(knots, float)
    k = t.size
    if k < 3:
        return np.zeros((x.size, 0))
    scale = (t[-1] - t[0]) ** 2
    cube = lambda v: np.clip(v, 0.0, None) ** 3  # noqa: E731
    cols = []
    for j in range(k - 2):
        cols.append((cube(x - t[j]) - cube(x - t[-2]) * (t[-1] - t[j]) / (t[-1] - t[-2])
                     + cube(x - t[-1]) * (t[-2] - t[j]) / (t[-1] - t[-2])) / scale)
    return np.column_stack(cols)


def duration_basis(d: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Columns of a stage's duration curve at ``d`` months: ``log d``, ``d / 12``, spline."""
    dd = np.clip(np.asarray(d, float), 1.0, MAX_DURATION)
    logd = np.log(dd)
    return np.column_stack([logd, dd / 12.0, rcs_basis(logd, knots)])

