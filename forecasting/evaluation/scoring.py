"""Scores for probability forecasts of yes/no events, and their uncertainty.

Brier score, log loss, expected calibration error (ECE), reliability tables, Brier skill
against a reference, and a cluster bootstrap that resamples whole groups (forecast origins,
projects) so a planner can tell a real improvement from noise.

Forecasts ``p`` must lie in ``[0, 1]`` and outcomes ``y`` in ``{0, 1}`` (booleans are fine);
anything else raises ``ValueError``. A missing value (NaN) makes a score NaN rather than
being dropped silently.
"""
from __future__ import annotations

from typing import Callable, Hashable, Literal

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

Strategy = Literal["uniform", "quantile"]
NamedStat = Literal["brier", "log_loss", "brier_skill", "brier_diff"]

#: Multiplicity-matrix cells per chunk of bootstrap resamples (bounds memory at ~32 MB).
_CHUNK_CELLS = 1 << 22


def _arrays(p, y) -> tuple[np.ndarray, np.ndarray]:
    p, y = np.asarray(p, float).ravel(), np.asarray(y, float).ravel()
    if p.shape != y.shape:
        raise ValueError(f"p and y must have the same length, got {p.size} and {y.size}.")
    if np.any((p < 0) | (p > 1)):
        raise ValueError("Forecast probabilities must lie in [0, 1]; clip or fix them first.")
    if np.any((y != 0) & (y != 1) & ~np.isnan(y)):
        raise ValueError("Outcomes must be 0 or 1 (or booleans).")
    return p, y


def brier_score(p, y) -> float:
    """Mean squared difference between forecast probability and outcome.

    Parameters
    ----------
    p : array-like of probabilities in ``[0, 1]``.
    y : array-like of outcomes in ``{0, 1}``, same length.

    Returns
    -------
    float in ``[0, 1]``, 0 best; NaN for empty input or any missing value.

    Examples
    --------
    >>> brier_score([0.2, 0.9], [0, 1])
    0.025
    """
    p, y = _arrays(p, y)
    return float(np.mean((p - y) ** 2)) if p.size else np.nan


def log_loss(p, y, *, eps: float = 1e-6) -> float:
    """Mean negative log-likelihood of the outcomes.

    Probabilities are clipped to ``[eps, 1 - eps]`` so a confident miss costs a large but
    finite amount (``-log(eps)``).

    Examples
    --------
    >>> round(log_loss([0.5, 0.8], [1, 0]), 6)
    1.151293
    """
    p, y = _arrays(p, y)
    p = np.clip(p, eps, 1 - eps)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p))) if p.size else np.nan


def brier_skill_score(p, y, p_ref) -> float:
    """``1 - BS(p) / BS(p_ref)``: the share of the reference's squared error removed.

    1 is perfect, 0 no better than the reference, negative worse. NaN when the reference
    has no error (``BS(p_ref) == 0``), since no forecast can improve on it.

    Examples
    --------
    >>> round(brier_skill_score([0.2, 0.9], [0, 1], [0.5, 0.5]), 6)
    0.9
    """
    ref = brier_score(p_ref, y)
    return 1.0 - brier_score(p, y) / ref if ref > 0 else np.nan


def _bin_ids(p: np.ndarray, n_bins: int, strategy: str) -> tuple[np.ndarray, np.ndarray]:
    """Bin of every forecast and the bin edges, as scikit-learn's ``calibration_curve``.

    Bins are closed on the right, ``(lo, hi]``, the first also holding ``p = 0``.
    """
    if int(n_bins) != n_bins or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}.")
    n_bins = int(n_bins)
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    elif strategy == "quantile":
        edges = np.percentile(p, np.linspace(0, 100, n_bins + 1)) if p.size else np.linspace(0, 1, n_bins + 1)
    else:
        raise ValueError(f"strategy must be 'uniform' or 'quantile', got {strategy!r}.")
    return np.searchsorted(edges[1:-1], p), edges


def reliability_table(p, y, *, n_bins: int = 10, strategy: Strategy = "uniform",
                      alpha: float = 0.1) -> pd.DataFrame:
    """Mean forecast against observed frequency per probability bin, with a Wilson interval.

    Bins follow scikit-learn's ``calibration_curve``: ``n_bins`` equal-width bins on
    ``[0, 1]`` (``"uniform"``) or bins at the quantiles of ``p`` (``"quantile"``), closed on
    the right; empty bins are dropped.

    Parameters
    ----------
    p, y : forecasts in ``[0, 1]`` and outcomes in ``{0, 1}``, no missing values.
    n_bins : number of bins before empty ones are dropped.
    strategy : ``"uniform"`` or ``"quantile"``.
    alpha : the Wilson interval for the observed share has coverage ``1 - alpha``.

    Returns
    -------
    DataFrame with one row per non-empty bin: ``bin`` (0-based), ``p_lo``, ``p_hi``, ``n``,
    ``mean_p``, ``observed`` (share of ``y = 1``), ``obs_lo``, ``obs_hi``.

    Examples
    --------
    >>> tab = reliability_table([0.05, 0.15, 0.15, 0.95], [0, 1, 0, 1])
    >>> tab[["bin", "n", "mean_p", "observed"]].to_string(index=False)
    ' bin  n  mean_p  observed\\n   0  1    0.05       0.0\\n   1  2    0.15       0.5\\n   9  1    0.95       1.0'
    """
    p, y = _arrays(p, y)
    if np.isnan(p).any() or np.isnan(y).any():
        raise ValueError("Missing forecasts or outcomes cannot be binned; drop or fill them first.")
    idx, edges = _bin_ids(p, n_bins, strategy)
    k = len(edges) - 1
    n = np.bincount(idx, minlength=k)
    sp = np.bincount(idx, weights=p, minlength=k)
    sy = np.bincount(idx, weights=y, minlength=k)
    keep = n > 0
    n, sp, sy = n[keep], sp[keep], sy[keep]
    lo, hi = proportion_confint(sy, n, alpha=alpha, method="wilson")
    return pd.DataFrame({"bin": np.flatnonzero(keep), "p_lo": edges[:-1][keep], "p_hi": edges[1:][keep],
                         "n": n, "mean_p": sp / n, "observed": sy / n,
                         "obs_lo": np.asarray(lo, float), "obs_hi": np.asarray(hi, float)})


def expected_calibration_error(p, y, *, n_bins: int = 10, strategy: Strategy = "uniform") -> float:
    """``sum_b n_b / N |mean_p_b - observed_b|`` over the bins of :func:`reliability_table`.

    Examples
    --------
    >>> round(expected_calibration_error([0.05, 0.15, 0.15, 0.95], [0, 1, 0, 1]), 6)
    0.2
    """
    p, y = _arrays(p, y)
    if not p.size or np.isnan(p).any() or np.isnan(y).any():
        return np.nan
    idx, edges = _bin_ids(p, n_bins, strategy)
    gap = np.bincount(idx, weights=p - y, minlength=len(edges) - 1)
    # n_b |mean_p_b - observed_b| = |sum_b (p - y)|
    return float(np.abs(gap).sum() / p.size)


def score_table(frame: pd.DataFrame, *, prob_col: str = "p", outcome_col: str = "y",
                by: str | list[str] | tuple[str, ...] = (), ref_col: str | None = None,
                n_bins: int = 10, strategy: Strategy = "uniform") -> pd.DataFrame:
    """Scores per group: ``n``, ``events``, ``brier``, ``log_loss``, ``ece``.

    With ``ref_col``, also ``brier_ref`` (the reference's Brier score) and ``brier_skill``
    (``1 - brier / brier_ref``, NaN where ``brier_ref == 0``). Groups with a missing
    forecast or outcome get NaN scores.

    Parameters
    ----------
    frame : one row per forecast.
    prob_col, outcome_col : columns of forecasts and outcomes.
    by : grouping column(s); empty for one row over the whole frame.
    ref_col : column of reference forecasts, scored on the same rows.
    n_bins, strategy : binning for ``ece`` (see :func:`reliability_table`).

    Examples
    --------
    >>> d = pd.DataFrame({"event": ["a", "a", "b", "b"], "p": [0.2, 0.9, 0.5, 0.5],
    ...                   "y": [0, 1, 1, 0], "p_ref": 0.5})
    >>> score_table(d, by="event", ref_col="p_ref")[["event", "n", "brier", "brier_skill"]]
      event  n  brier  brier_skill
    0     a  2  0.025          0.9
    1     b  2  0.250          0.0
    """
    by = [by] if isinstance(by, str) else list(by)
    p, y = _arrays(frame[prob_col], frame[outcome_col])
    pc = np.clip(p, 1e-6, 1 - 1e-6)
    keys = by or ["_all"]
    d = frame[by].reset_index(drop=True) if by else pd.DataFrame({"_all": np.zeros(p.size, int)})
    d = d.assign(_n=1.0, _events=(y == 1).astype(float), _se=(p - y) ** 2,
                 _ll=-(y * np.log(pc) + (1 - y) * np.log1p(-pc)), _gap=p - y,
                 _missing=(np.isnan(p) | np.isnan(y)).astype(float), _p=p, _y=y)
    if ref_col is not None:
        r = _arrays(frame[ref_col], y)[0]
        d["_sr"] = (r - y) ** 2
        d["_missing"] += np.isnan(r)
    s = d.drop(columns=["_gap", "_p", "_y"]).groupby(keys, sort=True, dropna=False).sum()
    out = pd.DataFrame({"n": s["_n"].astype(int), "events": s["_events"].astype(int),
                        "brier": s["_se"] / s["_n"], "log_loss": s["_ll"] / s["_n"]})
    if strategy == "uniform":
        # n_b |mean_p_b - observed_b| = |sum_b (p - y)|, so ECE is a sum of per-bin sums.
        d["_bin"] = _bin_ids(np.nan_to_num(p), n_bins, strategy)[0]
        gap = d.groupby(keys + ["_bin"], sort=True, dropna=False)["_gap"].sum().abs()
        out["ece"] = gap.groupby(level=keys, sort=True, dropna=False).sum() / s["_n"]
    else:
        out["ece"] = d.groupby(keys, sort=True, dropna=False)[["_p", "_y"]].apply(
            lambda g: expected_calibration_error(g["_p"], g["_y"], n_bins=n_bins, strategy=strategy))
    if ref_col is not None:
        out["brier_ref"] = s["_sr"] / s["_n"]
        with np.errstate(divide="ignore", invalid="ignore"):
            out["brier_skill"] = np.where(out["brier_ref"] > 0, 1 - out["brier"] / out["brier_ref"], np.nan)
    score_cols = [c for c in out.columns if c not in ("n", "events")]
    out.loc[s["_missing"].to_numpy() > 0, score_cols] = np.nan
    return out.reset_index(drop=not by)


def _ratio_stat(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """A named score as a function of column sums ``[n, se, ll, sr]`` (last axis)."""
    stats = {
        "brier": lambda s: s[..., 1] / s[..., 0],
        "log_loss": lambda s: s[..., 2] / s[..., 0],
        "brier_skill": lambda s: 1 - s[..., 1] / s[..., 3],
        "brier_diff": lambda s: (s[..., 1] - s[..., 3]) / s[..., 0],
    }
    if name not in stats:
        raise ValueError(f"stat must be one of {sorted(stats)} or a callable, got {name!r}.")
    return stats[name]


def bootstrap_scores(frame: pd.DataFrame, *, group_col: Hashable,
                     stat: NamedStat | Callable[[pd.DataFrame], float] = "brier_skill",
                     prob_col: str = "p", ref_col: str | None = None, outcome_col: str = "y",
                     n_boot: int = 1000, alpha: float = 0.1,
                     rng: np.random.Generator | int | None = None) -> tuple[float, float, float]:
    """A score with a cluster-bootstrap percentile interval that resamples whole groups.

    Forecasts from one origin (or one project) share shocks, so rows are not independent;
    resampling whole groups with replacement keeps that dependence. Two forecasters in the
    same frame are scored on the same resample (a paired comparison).

    Parameters
    ----------
    frame : one row per forecast.
    group_col : column naming the cluster (e.g. ``"origin"``).
    stat : a callable ``frame -> float``, or a name, computed fast from per-group sums:
        ``"brier"`` and ``"log_loss"`` of ``prob_col``; ``"brier_skill"``
        (``1 - BS(prob_col) / BS(ref_col)``); ``"brier_diff"`` (``BS(prob_col) -
        BS(ref_col)``, negative when ``prob_col`` is better).
    prob_col, ref_col, outcome_col : columns used by the named stats.
    n_boot : number of resamples.
    alpha : the interval has coverage ``1 - alpha``.
    rng : a ``numpy.random.Generator`` or a seed.

    Returns
    -------
    (estimate, lower, upper): the stat on ``frame`` and the ``alpha / 2``, ``1 - alpha / 2``
    percentiles of its resampled values. The interval is NaN with fewer than two groups or
    ``n_boot = 0``; resamples whose stat is undefined (e.g. a reference without error) are
    left out.

    Notes
    -----
    Named stats are ratios of per-group sums, so a resample is a group-multiplicity vector
    and all resamples are one matrix product. A callable is called once per resample, on a
    frame in which ``group_col`` holds the draw number (``0 .. G-1``) so that a group drawn
    twice stays two groups.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> d = pd.DataFrame({"origin": np.repeat(np.arange(20), 30), "p_ref": 0.3})
    >>> d["p"] = rng.uniform(0.05, 0.6, len(d))
    >>> d["y"] = (rng.random(len(d)) < d["p"]).astype(int)
    >>> est, lo, hi = bootstrap_scores(d, group_col="origin", stat="brier_skill", ref_col="p_ref", rng=1)
    >>> bool(lo <= est <= hi)
    True
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha!r}.")
    if int(n_boot) != n_boot or n_boot < 0:
        raise ValueError(f"n_boot must be a non-negative integer, got {n_boot!r}.")
    n_boot = int(n_boot)
    rng = np.random.default_rng(rng)
    codes = frame.groupby(group_col, sort=False, dropna=False).ngroup().to_numpy()
    G = int(codes.max()) + 1 if codes.size else 0

    if callable(stat):
        est = float(stat(frame))
        if G < 2 or n_boot == 0:
            return est, np.nan, np.nan
        order = np.argsort(codes, kind="stable")
        sizes = np.bincount(codes, minlength=G)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        boots = np.empty(n_boot)
        for b in range(n_boot):
            picks = rng.integers(0, G, size=G)
            lens = sizes[picks]
            first = np.repeat(starts[picks] - (np.cumsum(lens) - lens), lens)
            rows = order[first + np.arange(lens.sum())]
            sample = frame.iloc[rows].copy()
            sample[group_col] = np.repeat(np.arange(G), lens)
            boots[b] = stat(sample)
    else:
        f = _ratio_stat(stat)
        if stat in ("brier_skill", "brier_diff") and ref_col is None:
            raise ValueError(f"stat={stat!r} compares two forecasts; pass ref_col.")
        p, y = _arrays(frame[prob_col], frame[outcome_col])
        r = _arrays(frame[ref_col], y)[0] if ref_col is not None else np.zeros_like(p)
        pc = np.clip(p, 1e-6, 1 - 1e-6)
        rows = np.column_stack([np.ones_like(p), (p - y) ** 2,
                                -(y * np.log(pc) + (1 - y) * np.log1p(-pc)), (r - y) ** 2])
        sums = np.column_stack([np.bincount(codes, weights=c, minlength=G) for c in rows.T])
        with np.errstate(divide="ignore", invalid="ignore"):
            est = float(f(sums.sum(axis=0))) if G else np.nan
        if G < 2 or n_boot == 0:
            return est, np.nan, np.nan
        boots = np.empty(n_boot)
        chunk = max(1, _CHUNK_CELLS // G)
        for start in range(0, n_boot, chunk):
            m = min(chunk, n_boot - start)
            picks = rng.integers(0, G, size=(m, G))
            mult = np.bincount((picks + G * np.arange(m)[:, None]).ravel(), minlength=m * G)
            with np.errstate(divide="ignore", invalid="ignore"):
                boots[start:start + m] = f(mult.reshape(m, G).astype(float) @ sums)
    boots = boots[np.isfinite(boots)]
    if not boots.size:
        return est, np.nan, np.nan
    lo, hi = np.quantile(boots, [alpha / 2, 1 - alpha / 2])
    return est, float(lo), float(hi)


def bootstrap_skill(frame: pd.DataFrame, *, prob_col: str, ref_col: str, outcome_col: str = "y",
                    group_col: Hashable, n_boot: int = 1000, alpha: float = 0.1,
                    rng: np.random.Generator | int | None = None) -> tuple[float, float, float]:
    """Brier skill of ``prob_col`` over ``ref_col`` with a paired cluster-bootstrap interval.

    Shorthand for ``bootstrap_scores(frame, stat="brier_skill", ...)``.

    Returns
    -------
    (estimate, lower, upper) with a ``1 - alpha`` percentile interval.

    Examples
    --------
    >>> d = pd.DataFrame({"origin": [1, 1, 2, 2, 3, 3], "p": [0.2, 0.9, 0.3, 0.7, 0.1, 0.6],
    ...                   "p_ref": 0.5, "y": [0, 1, 0, 1, 0, 1]})
    >>> est, lo, hi = bootstrap_skill(d, prob_col="p", ref_col="p_ref", group_col="origin", rng=0)
    >>> round(est, 4)  # 1 - 0.4 / 1.5
    0.7333
    """
    return bootstrap_scores(frame, group_col=group_col, stat="brier_skill", prob_col=prob_col,
                            ref_col=ref_col, outcome_col=outcome_col, n_boot=n_boot, alpha=alpha, rng=rng)


def interval_coverage(realised, lo, hi) -> float:
    """Share of realised values inside ``[lo, hi]`` (both ends included).

    Examples
    --------
    >>> interval_coverage([1, 5, 9], [0, 6, 9], [2, 8, 12])
    0.6666666666666666
    """
    r, lo, hi = (np.asarray(a, float).ravel() for a in (realised, lo, hi))
    if not (r.shape == lo.shape == hi.shape):
        raise ValueError("realised, lo and hi must have the same length.")
    return float(np.mean((r >= lo) & (r <= hi))) if r.size else np.nan
