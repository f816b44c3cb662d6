"""Past years' common conditions as the data alone estimate them, from a fit that shrank them.

A fit with a Gaussian prior on its year effects returns them shrunk toward zero;
:func:`unshrink` takes the prior back out (on orthonormal :func:`helmert` contrasts, since
only differences between years are identified apart from the levels) and returns a
:class:`YearEvidence` that :mod:`~forecasting.models.yearshock` combines across models.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class YearEvidence:
    """What the data alone say about each past year's common conditions, for one component.

    ``estimate[j]`` is year ``years[j]``'s effect relative to the average year (centred:
    the levels absorb the average), ``cov`` their covariance (singular: the centred
    effects sum to zero).
    """

    years: tuple[int, ...]
    estimate: np.ndarray
    cov: np.ndarray


def helmert(k: int) -> np.ndarray:
    """``(k - 1) × k`` orthonormal contrasts (rows orthogonal to the constant)."""
    out = np.zeros((max(k - 1, 0), k))
    for i in range(1, k):
        out[i - 1, :i] = 1.0
        out[i - 1, i] = -i
        out[i - 1] /= np.sqrt(i * (i + 1))
    return out


def unshrink(mean: np.ndarray, cov: np.ndarray, prior_sd: float, years: list[int]) -> YearEvidence | None:
    """Year effects as the data alone estimate them, from a fit that shrank them.

    The fit's posterior for the effects (mean ``m``, covariance ``C``, the other estimates
    integrated out) combines the data with a ``N(0, prior_sd²)`` prior. Only contrasts
    between years are identified apart from the levels, so it works on orthonormal
    contrasts ``T``: ``S = (T C Tᵀ)⁻¹`` is their total information, ``I = S − I/prior_sd²``
    the data's share, and the data-only estimate is ``I⁻¹ S T m`` with covariance ``I⁻¹``,
    mapped back to centred year effects.
    """
    k = len(years)
    if k < 2:
        return None
    T = helmert(k)
    S = np.linalg.inv(T @ cov @ T.T)
    info = S - np.eye(k - 1) / prior_sd**2
    vals, vecs = np.linalg.eigh((info + info.T) / 2)
    if vals.min() <= 1e-9 * max(vals.max(), 1e-300):
        return None  # the data cannot tell some years apart: no evidence worth using
    V = (vecs / vals) @ vecs.T
    est_c = V @ (S @ (T @ mean))
    return YearEvidence(tuple(int(y) for y in years), T.T @ est_c, T.T @ V @ T)
