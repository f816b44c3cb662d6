"""The provincial list's year: a common shift of every candidate's designation log-odds.

A list whose size changes from year to year (DOMAIN.md: 220–240, then
510) makes a district's count vary more than independent candidates would: each parameter
draw carries a common shift of the designation log-odds, ``N(0, year_sd²)``. A longer or
shorter list moves the province's bar of size, so the shift is sized on the log amount and
turned into log-odds by the fitted size slope (absolute plus relative, at least 1): the
years' counts estimate it, shrunk to a prior of 0.4 in log amount (:func:`estimate_year_sd`).
A list of the largest projects has a steep slope and ``p`` near 0 or 1 for most candidates:
a small shift of the log-odds would hardly move its count (measured at Q4 origins, 30
districts of generator B: on the log-odds alone randomised-PIT coverage 0.64 and RMS
standardised error 1.31, sized on the log amount 0.77 and 1.10; the package's 0.87, 0.92).
A few years' lists cannot pin the spread down, so each parameter draw takes its own,
``σ² ~ Scale-inv-χ²(ν, s²)``: ``s`` the shrunk estimate, ``ν`` the years it rests on (the ``T``
lists, each as far as its count tells the shift from binomial noise, less the fitted level,
plus ``YEAR_SD_PRIOR_YEARS``: :func:`year_sd_dof`); over the draws a year's shift is Student-t.

Used by :mod:`forecasting.models.provincial` (the fit records ``year_sd`` and ``year_sd_dof``,
its parameter draws call :func:`draw_year_sd`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

#: Prior of the designation's year shift sd (in log amount) and its weight in years
#: (:func:`estimate_year_sd`; provenance there).
YEAR_SD_PRIOR, YEAR_SD_PRIOR_YEARS = 0.4, 3.0


def estimate_year_sd(cand: pd.DataFrame, eta: np.ndarray, slope: float = 1.0) -> float:
    """Sd of a year's common shift of the designation log-odds (the years' counts varying more
    than independent candidates would), ``slope × σ``: ``σ`` the yearly shift of the size bar
    in log amount, ``slope`` the log-odds per log amount (:func:`size_slope`).

    A shift ``u ~ N(0, τ²)`` adds about ``V² τ²`` to the variance ``V = Σ p(1 − p)`` of a year's
    count, so the years' squared surprises beyond ``V`` estimate ``τ² = slope² σ²``; the estimate
    of ``σ²`` is shrunk to ``YEAR_SD_PRIOR²`` with the weight of ``YEAR_SD_PRIOR_YEARS`` years.
    Provenance of the prior: shared/DOMAIN.md, the Jiangsu list was 220–240 projects a year and
    510 in 2024, a change of the list's size of tens of per cent in usual years, more in some;
    moving the bar by ``σ`` 0.4 in log amount (a factor of 1.5) changes a year's designations
    by about ±35 % at a slope of 1 (an estimate: the candidates' amounts span a factor of a few).
    """
    t = year_totals(cand, eta)
    # the fitted intercept makes the years' surprises sum to about zero: T − 1 free among T
    if (T := len(t)) < 2:
        return YEAR_SD_PRIOR * slope
    excess = float(((t["o"] - t["e"]) ** 2 * T / (T - 1) - t["v"]).sum())
    v2 = float((t["v"] ** 2).sum()) * slope**2
    k = YEAR_SD_PRIOR_YEARS * float((t["v"] ** 2).mean()) * slope**2
    # years less dispersed than independent decisions say the shift is small, not that the prior is void
    return slope * float(np.sqrt((max(excess, 0.0) + k * YEAR_SD_PRIOR**2) / (v2 + k)))


def year_totals(cand: pd.DataFrame, eta: np.ndarray) -> pd.DataFrame:
    """Per decided year: designations ``o``, their expectation ``e`` and variance ``v`` given ``eta``."""
    p = special.expit(eta)
    g = pd.DataFrame({"year": cand["year"].to_numpy(), "o": cand["y"].to_numpy(float), "e": p, "v": p * (1 - p)})
    return g.groupby("year")[["o", "e", "v"]].sum()


def year_sd_dof(cand: pd.DataFrame, eta: np.ndarray, year_sd: float) -> float:
    """``ν``, the years :func:`estimate_year_sd` rests on: a count of variance ``V + τ² V²`` tells
    ``w = (τ² V / (1 + τ² V))²`` as much on ``τ²`` as the year's shift itself would (Fisher
    information); ``T`` lists give ``(T − 1) / T · Σ w`` (the level takes one), plus the prior's years."""
    v = year_totals(cand, eta)["v"].to_numpy()
    w = (year_sd**2 * v / (1 + year_sd**2 * v)) ** 2
    return float(w.sum()) * max(len(v) - 1, 0) / max(len(v), 1) + YEAR_SD_PRIOR_YEARS


def size_slope(designate: np.ndarray) -> float:
    """The designation log-odds per log amount within a year (absolute plus relative size), at
    least 1: it turns a shift of the size bar into one of the log-odds (:func:`estimate_year_sd`)."""
    return max(float(np.asarray(designate, float)[[1, -2]].sum()), 1.0)


def draw_year_sd(year_sd: float, dof: float, n_draws: int, rng: np.random.Generator | int | None = 0) -> np.ndarray:
    """Draws of the year shift's sd, ``σ² ~ Scale-inv-χ²(ν, year_sd²)`` with ``ν = dof``;
    ``year_sd`` itself when ``dof`` is infinite (a spread taken as known)."""
    rng = np.random.default_rng(rng)
    if not np.isfinite(dof):
        return np.full(n_draws, year_sd)
    return year_sd * np.sqrt(dof / rng.chisquare(dof, n_draws))


__all__ = ["YEAR_SD_PRIOR", "YEAR_SD_PRIOR_YEARS", "draw_year_sd", "estimate_year_sd", "size_slope", "year_sd_dof",
           "year_totals"]
