"""Year effects as the data alone estimate them: taking a known prior back out of a shrunk fit."""
from __future__ import annotations

import numpy as np
import pytest

from forecasting.models.evidence import YearEvidence, helmert, unshrink


@pytest.mark.parametrize("k", [2, 3, 6])
def test_helmert_contrasts_are_orthonormal_and_orthogonal_to_the_constant(k):
    T = helmert(k)
    assert T.shape == (k - 1, k)
    np.testing.assert_allclose(T @ T.T, np.eye(k - 1), atol=1e-12)
    np.testing.assert_allclose(T @ np.ones(k), 0.0, atol=1e-12)


def test_unshrink_recovers_the_data_only_estimate():
    """Build a posterior by hand: data estimate ``x`` of the contrasts with covariance ``V``, a
    ``N(0, s²)`` prior on each year; the posterior has ``C = (V⁻¹ + I/s²)⁻¹``, ``m = C V⁻¹ x``.
    Unshrinking ``m`` and ``C`` returns ``x`` and ``V`` (mapped to centred year effects)."""
    years, s = [2019, 2020, 2021, 2022], 0.3
    k = len(years)
    T = helmert(k)
    x = np.array([0.4, -0.2, 0.1])
    V = np.diag([0.05, 0.08, 0.02])
    C = np.linalg.inv(np.linalg.inv(V) + np.eye(k - 1) / s**2)
    m = C @ np.linalg.solve(V, x)
    ev = unshrink(T.T @ m, T.T @ C @ T, s, years)
    assert isinstance(ev, YearEvidence) and ev.years == tuple(years)
    np.testing.assert_allclose(T @ ev.estimate, x, atol=1e-10)
    np.testing.assert_allclose(T @ ev.cov @ T.T, V, atol=1e-10)
    assert ev.estimate.sum() == pytest.approx(0.0, abs=1e-12)  # centred
    # the shrunk effects are smaller than the data's
    assert np.abs(m).sum() < np.abs(x).sum()


def test_no_evidence_from_one_year_or_from_the_prior_alone():
    assert unshrink(np.zeros(1), np.eye(1), 0.3, [2020]) is None
    T = helmert(3)
    prior_only = T.T @ (0.3**2 * np.eye(2)) @ T  # the posterior is the prior: the data said nothing
    assert unshrink(np.zeros(3), prior_only, 0.3, [2020, 2021, 2022]) is None


def test_years_the_data_do_not_reach_are_left_out():
    """A block fitted over fewer years than the design holds: the extra years' posterior is
    the prior (variance s², uncorrelated). They are dropped, and the other years' evidence
    is what it would be without them."""
    years, s = [2019, 2020, 2021, 2022], 0.3
    T = helmert(4)
    x, V = np.array([0.4, -0.2, 0.1]), np.diag([0.05, 0.08, 0.02])
    C = np.linalg.inv(np.linalg.inv(V) + np.eye(3) / s**2)
    m = C @ np.linalg.solve(V, x)
    mean, cov = T.T @ m, T.T @ C @ T
    ref = unshrink(mean, cov, s, years)
    big_mean = np.concatenate([[0.0], mean])
    big_cov = np.zeros((5, 5))
    big_cov[0, 0] = s**2
    big_cov[1:, 1:] = cov
    ev = unshrink(big_mean, big_cov, s, [2018] + years)
    assert ev is not None and ev.years == tuple(years)
    np.testing.assert_allclose(ev.estimate, ref.estimate, atol=1e-12)
    np.testing.assert_allclose(ev.cov, ref.cov, atol=1e-12)
    # a year the data barely reach is kept (its variance is below the prior's)
    big_cov[0, 0] = s**2 * 0.9
    assert unshrink(big_mean, big_cov, s, [2018] + years).years == (2018, *years)
