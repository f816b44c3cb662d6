"""The distribution of a count: exact for independent events, or summarised from draws.

Quantiles follow one convention everywhere: the smallest count ``k`` whose cumulative
probability reaches ``q`` (``numpy.quantile(method="inverted_cdf")`` on draws), so exact
and simulated answers are comparable.
"""
from __future__ import annotations

import numpy as np

#: Slack when comparing a cumulative probability with a quantile level, so that a CDF that
#: reaches ``q`` exactly (e.g. 0.5 for two fair coins) is not pushed up by rounding error.
_CDF_SLACK = 1e-12

_LEVELS = {"p10": 0.1, "p50": 0.5, "p90": 0.9}


def poisson_binomial_pmf(p) -> np.ndarray:
    """Exact pmf of the number of successes among independent events with probabilities ``p``.

    Dynamic programming over the events, vectorised over the support: adding event ``i``
    maps ``pmf[k]`` to ``(1 - p_i) pmf[k] + p_i pmf[k - 1]``. Every step is a convex
    combination of non-negative numbers, so there is no cancellation (unlike FFT or
    characteristic-function methods) and the result stays non-negative and sums to one
    to rounding. Events with ``p = 1`` shift the pmf and events with ``p = 0`` pad it,
    exactly. Cost is ``O(n^2)`` arithmetic in ``n`` numpy steps.

    Parameters
    ----------
    p : array-like of probabilities in ``[0, 1]``.

    Returns
    -------
    ndarray of length ``len(p) + 1``: ``pmf[k] = P(count = k)``; ``[1.0]`` for no events.

    Examples
    --------
    >>> poisson_binomial_pmf([0.5, 0.2]).round(6).tolist()
    [0.4, 0.5, 0.1]
    >>> poisson_binomial_pmf([1.0, 0.3]).round(6).tolist()
    [0.0, 0.7, 0.3]
    """
    p = np.asarray(p, float).ravel()
    if np.isnan(p).any() or np.any((p < 0) | (p > 1)):
        raise ValueError("Event probabilities must lie in [0, 1] with none missing.")
    sure = int(np.count_nonzero(p == 1))
    q = p[(p > 0) & (p < 1)]
    pmf = np.zeros(p.size + 1)
    part = np.zeros(q.size + 1)
    part[0] = 1.0
    for i, pi in enumerate(q):
        part[1:i + 2] = part[1:i + 2] * (1 - pi) + part[:i + 1] * pi
        part[0] *= 1 - pi
    pmf[sure:sure + q.size + 1] = part
    return pmf


def _summary(values: np.ndarray, probs: np.ndarray, goal: float | None) -> dict:
    """Mean, p10/p50/p90 and p_meet of a distribution on sorted integer ``values``."""
    cdf = np.cumsum(probs)
    out = {"mean": float(values[0] + (values - values[0]) @ probs)}
    for name, q in _LEVELS.items():
        k = min(int(np.searchsorted(cdf, q - _CDF_SLACK, side="left")), values.size - 1)
        out[name] = int(values[k])
    # Clipped: rounding in a normalised pmf can put the sum of all mass at 1 + 2e-16.
    out["p_meet"] = float(np.clip(probs[values >= goal].sum(), 0.0, 1.0)) if goal is not None else np.nan
    return out


def count_summary(pmf, *, offset: int = 0, goal: float | None = None) -> dict:
    """Mean, p10, p50, p90 and ``p_meet`` of ``offset + count`` where ``count ~ pmf``.

    Parameters
    ----------
    pmf : ``pmf[k] = P(count = k)``, non-negative (normalised here if it does not sum to 1).
    offset : events already counted (e.g. so far this year), added to every outcome.
    goal : when given, ``p_meet = P(count + offset >= goal)``; otherwise ``p_meet`` is NaN.

    Returns
    -------
    dict with ``mean`` (float), ``p10``, ``p50``, ``p90`` (int: the smallest ``k`` with
    ``P(count + offset <= k) >= q``) and ``p_meet`` (float).

    Examples
    --------
    >>> count_summary([0.4, 0.5, 0.1], offset=2, goal=3)
    {'mean': 2.7, 'p10': 2, 'p50': 3, 'p90': 3, 'p_meet': 0.6}
    """
    pmf = np.asarray(pmf, float).ravel()
    if not pmf.size or not np.isfinite(pmf).all() or (pmf < 0).any() or pmf.sum() <= 0:
        raise ValueError("pmf must be non-empty, finite, non-negative and not all zero.")
    return _summary(offset + np.arange(pmf.size), pmf / pmf.sum(), goal)


def draws_summary(counts, *, goal: float | None = None) -> dict:
    """The summary of :func:`count_summary` from simulated counts (one per draw).

    Quantiles are ``numpy.quantile(counts, q, method="inverted_cdf")``; ``p_meet`` is the
    share of draws with ``count >= goal``.

    Examples
    --------
    >>> draws_summary([2, 2, 2, 2, 3, 3, 3, 3, 3, 4], goal=3)
    {'mean': 2.7, 'p10': 2, 'p50': 3, 'p90': 3, 'p_meet': 0.6}
    """
    c = np.asarray(counts).ravel()
    if not c.size:
        raise ValueError("No draws to summarise.")
    if np.isnan(c.astype(float)).any():
        raise ValueError("Draws contain missing values.")
    out = {"mean": float(c.mean())}
    for name, q in _LEVELS.items():
        out[name] = int(np.quantile(c, q, method="inverted_cdf"))
    out["p_meet"] = float((c >= goal).mean()) if goal is not None else np.nan
    return out
