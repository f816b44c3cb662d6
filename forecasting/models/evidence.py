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

    Years the data do not reach (a component fitted over fewer years than another: their
    posterior is the prior, uncorrelated with the rest) are left out of the evidence.

    The fit's posterior for the effects (mean ``m``, covariance ``C``, the other estimates
    integrated out) combines the data with a ``N(0, prior_sd²)`` prior. Only contrasts
    between years are identified apart from the levels, so it works on orthonormal
    contrasts ``T``: ``S = (T C Tᵀ)⁻¹`` is their total information, ``I = S − I/prior_sd²``
    the data's share, and the data-only estimate is ``I⁻¹ S T m`` with covariance ``I⁻¹``,
    mapped back to centred year effects.
    """
    mean, cov = np.asarray(mean, float), np.asarray(cov, float)
    informed = _informed(cov, prior_sd)
    if not informed.all():  # years no data reach (their posterior is the prior): left out
        years = [y for y, keep in zip(years, informed) if keep]
        mean, cov = mean[informed], cov[np.ix_(informed, informed)]
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


def _informed(cov: np.ndarray, prior_sd: float) -> np.ndarray:
    """Which effects the data inform: those whose posterior is not the prior alone (a
    variance below the prior's, or a correlation with another effect)."""
    k = len(cov)
    if k == 0:
        return np.zeros(0, bool)
    var = np.diag(cov)
    off = np.abs(cov - np.diag(var)).max(axis=1) if k > 1 else np.zeros(1)
    return (var < prior_sd**2 * (1 - 1e-6)) | (off > 1e-9 * prior_sd**2)
