"""Shared pieces of the second synthetic district (:mod:`forecasting.synthetic.generator_b`) and its oracle.

Everything here is a pure function of the true parameters: the stage clocks that the yearly
climate and the season speed up or slow down, the per-project duration multipliers, the
latent investor-type probabilities, and the signing amount's law (realisation factor,
rounding, pull to round thresholds) with its exact distribution function.

Time is measured in days since 1 January of the ledger's first year (floats: events land on
real instants); durations and clocks in "operational months" of 30.4375 days.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd
from scipy import special, stats

DAYS_PER_MONTH = 30.4375
#: Stages with a modelled exit (lead, negotiating, signed, approved, under_construction).
N_OPEN = 5
TYPES = ("fast", "steady", "stalling")
SIZE_BINS = (0.5, 2.0, 5.0)  # bn; bins [0.1,0.5), [0.5,2), [2,5), [5,inf) of the lead's announced size
PULL_THRESHOLDS = (0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0)

# Spring Festival slows work in February and a year-end push speeds December (DOMAIN.md l.38);
# groundbreaking ceremonies cluster in March-April ("about 55 % of planned starts happen in
# Q1", l.29, and the province's 40 %-by-Q1 aim). Values are relative clock speeds, own judgement.
_GENERIC_SEASON = (0.9, 0.45, 1.05, 1.05, 1.0, 1.0, 0.95, 0.95, 1.0, 1.0, 1.1, 1.5)
_GROUND_SEASON = (0.9, 0.8, 5.0, 2.0, 0.8, 0.7, 0.6, 0.6, 0.7, 0.7, 0.7, 1.0)


@dataclass(frozen=True)
class ParamsB:
    """Every parameter of generator B (monthly units; see each comment for its source)."""

    # ---- stages: Weibull advance time in operational months (scale for a steady investor,
    # smallest size bin, focus sector, ordinary channel), competing exponential loss per month.
    # lead: 25-35 % of leads reach negotiation (DOMAIN l.33) -> scale 16, loss 0.15/month
    # negotiating: 35-50 % of those sign (l.33) -> scale 14, loss 0.18/month
    # signed->approved, approved->ground: "under five months when land is ready" (l.28),
    # 45-60 % start within 12 months, ~70 % within 24, 7-15 % cancelled (l.31-33)
    # under_construction->operating: "about a year" (l.30)
    adv_scale: tuple[float, ...] = (16.0, 14.0, 18.0, 2.5, 12.5)
    adv_shape: tuple[float, ...] = (1.1, 1.3, 0.85, 1.2, 3.0)
    loss_rate: tuple[float, ...] = (0.15, 0.18, 0.008, 0.005, 0.001)
    season: tuple[tuple[float, ...], ...] = (
        _GENERIC_SEASON, _GENERIC_SEASON, _GENERIC_SEASON, _GROUND_SEASON, (1.0,) * 12)
    # ---- latent investor types (fast / steady / stalling), the same investor in every stage.
    # "Bigger projects convert less and take longer" (l.34): stalling gets likelier with size.
    type_scale: tuple[float, float, float] = (0.5, 1.0, 2.4)  # multiplies every advance scale
    type_loss: tuple[float, float, float] = (0.5, 1.0, 2.5)  # multiplies every loss rate
    type_stage_power: tuple[float, ...] = (1.0, 1.0, 0.7, 0.7, 0.3)  # type matters less after signing (land, permits)
    type_logit_fast: tuple[float, float] = (-0.5, -0.6)  # intercept, per log10(size / 0.3 bn)
    type_logit_stall: tuple[float, float] = (-1.0, 0.8)
    # ---- covariates (own judgement within l.34): size bin, fast channel, non-focus sector
    size_bin_scale: tuple[float, ...] = (1.0, 1.2, 1.4, 1.6)
    size_bin_loss: tuple[float, ...] = (1.0, 1.15, 1.3, 1.45)
    fast_channel_scale: float = 0.7  # campaign for the top-10 or a later phase: lead/negotiation only
    other_sector_scale: float = 1.2
    # ---- yearly climate c_y: AR(1) with heavy-tailed (scale-mixture normal) innovations.
    # Sized so the share of signed projects starting within 12 months moves across the
    # 45-60 % range from year to year (l.31, read as year-to-year variation): own judgement.
    climate_phi: float = 0.5
    climate_sd: float = 0.25  # stationary sd
    climate_tail_prob: float = 0.15  # innovation drawn from the wide component
    climate_tail_ratio: float = 2.5  # its sd relative to the narrow one
    climate_load: tuple[float, ...] = (0.3, 0.4, 1.8, 1.6, 0.0)  # AFT loading of each stage clock
    climate_loss_load: tuple[float, ...] = (0.2, 0.3, 0.8, 0.8, 0.0)  # loss rate x exp(-load c)
    climate_inflow_load: float = 0.3  # leads x exp(load c): a boom year lifts leads too
    # ---- inflow: Poisson-lognormal leads per unit and quarter. ~1,000 leads a year so that
    # with 25-35 % x 35-50 % conversion (l.33) the district signs ~100-160 a year (l.16).
    inflow_base: Mapping[str, float] = field(default_factory=lambda: {
        "branch_1": 1.9, "branch_2": 1.95, "branch_3": 2.0, "branch_4": 1.75, "branch_5": 1.95,
        "center_beijing": 2.0, "center_shanghai": 2.1, "center_nanjing": 2.05, "campaign_top10": 1.65})
    inflow_elasticity: Mapping[str, float] = field(default_factory=lambda: {
        "branch_1": 0.9, "branch_2": 0.7, "branch_3": 0.6, "branch_4": 1.0, "branch_5": 0.75,
        "center_beijing": 0.6, "center_shanghai": 0.55, "center_nanjing": 0.55, "campaign_top10": 0.5})
    inflow_visits: float = 0.25  # per log(visits per staff / 12)
    inflow_season: tuple[float, float, float, float] = (-0.15, 0.05, 0.0, 0.1)  # Spring Festival (l.38)
    inflow_noise_sd: float = 0.15  # unit-quarter lognormal noise
    # ---- sizes at the lead (bn): lognormal body + Pareto tail. Targets (l.15-22): of signings
    # >= 0.1 bn about 25-40 % are >= 0.5 bn, 7-9 % >= 1 bn, ~1 % >= 5 bn; "1 % of announcements,
    # half of value" for the largest (l.23-24) -> tail index 1.3.
    size_body_log10_mean: float = -0.65
    size_body_log10_sd: float = 0.28
    size_tail_prob: float = 0.15
    size_tail_min: float = 0.7  # bn, Pareto x_m
    size_tail_alpha: float = 1.0
    size_campaign_factor: float = 2.0  # the top-10 companies bring bigger projects (own judgement)
    # ---- revisions: at negotiation a noisy restatement; at signing a realisation factor.
    # "60-80 % of greenfield FDI announcements are realised" (l.36) -> Beta(7, 3), mean 0.7.
    neg_revise_prob: float = 0.35
    neg_revise_sd: float = 0.10
    sign_keep_prob: float = 0.35
    sign_down_prob: float = 0.55
    sign_down_beta: tuple[float, float] = (7.0, 3.0)
    sign_up_sd: float = 0.25  # the rest revised up by exp(|N(0, sd^2)|)
    pull_prob: float = 0.5  # amounts in [0.85 T, T) are written as exactly T ("bunch just above", l.22)
    # ---- provincial list: each January the province takes the district's K largest eligible
    # (signed or approved at 31 December, focus sector, >= 1 bn: l.44-47) projects, K ~ Poisson.
    provincial_rate: float = 2.6  # the 2024 goal of three designations is a stretch (l.8): own judgement
    provincial_min_bn: float = 1.0
    # ---- phase II share by unit type (l.9: phase II projects are common among the leaders)
    phase2_prob: Mapping[str, float] = field(default_factory=lambda: {"branch": 0.12, "center": 0.03, "campaign": 0.45})


# --------------------------------------------------------------------------------------
# climate


def climate_innovation_nodes(p: ParamsB, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature nodes and weights for one climate innovation (a two-component normal mixture)."""
    x, w = np.polynomial.hermite_e.hermegauss(n)
    w = w / w.sum()
    s1, s2 = innovation_sds(p)
    nodes = np.concatenate([x * s1, x * s2])
    weights = np.concatenate([w * (1 - p.climate_tail_prob), w * p.climate_tail_prob])
    return nodes, weights


def innovation_sds(p: ParamsB) -> tuple[float, float]:
    """The two components' sds, scaled so the stationary sd is ``climate_sd``."""
    var_innov = p.climate_sd**2 * (1 - p.climate_phi**2)
    mix = (1 - p.climate_tail_prob) + p.climate_tail_prob * p.climate_tail_ratio**2
    s1 = np.sqrt(var_innov / mix)
    return float(s1), float(s1 * p.climate_tail_ratio)


# --------------------------------------------------------------------------------------
# clocks


@dataclass(frozen=True)
class Knots:
    """Month-start instants (days since ``t0``) with calendar month and year of each month."""

    day: np.ndarray  # (M+1,) month starts, the last one closing the final month
    month: np.ndarray  # (M,) 0..11
    year: np.ndarray  # (M,)

    @classmethod
    def build(cls, t0: pd.Timestamp, last_year: int) -> "Knots":
        starts = pd.date_range(t0, f"{last_year + 1}-01-01", freq="MS")
        day = ((starts - t0).days).to_numpy(float)
        return cls(day, starts.month.to_numpy()[:-1] - 1, starts.year.to_numpy()[:-1])


def clocks(p: ParamsB, knots: Knots, climate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative advance and loss clocks at every knot, ``stage x (M+1)`` each.

    ``climate`` holds c for each month (``(M,)``) or for several scenarios (``(S, M)``);
    the result then has a leading scenario axis.
    """
    climate = np.asarray(climate, float)
    days = np.diff(knots.day)
    season = np.array(p.season)[:, knots.month]  # stage x M
    load = np.array(p.climate_load)[:, None]
    lload = np.array(p.climate_loss_load)[:, None]
    c = climate[..., None, :]
    rate_a = season * np.exp(load * c) * days / DAYS_PER_MONTH
    rate_l = np.exp(-lload * c) * days / DAYS_PER_MONTH * np.ones_like(season)
    zero = np.zeros(rate_a.shape[:-1] + (1,))
    return np.concatenate([zero, np.cumsum(rate_a, -1)], -1), np.concatenate([zero, np.cumsum(rate_l, -1)], -1)


def month_rates(p: ParamsB, knots: Knots, climate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Instantaneous clock speeds per month (operational months per calendar month), stage x M."""
    season = np.array(p.season)[:, knots.month]
    c = np.asarray(climate, float)[..., None, :]
    ra = season * np.exp(np.array(p.climate_load)[:, None] * c)
    rl = np.exp(-np.array(p.climate_loss_load)[:, None] * c) * np.ones_like(season)
    return ra, rl


# --------------------------------------------------------------------------------------
# per-project multipliers


def type_probabilities(p: ParamsB, size_lead: np.ndarray) -> np.ndarray:
    """``project x type`` prior probabilities of the latent investor type."""
    x = np.log10(np.asarray(size_lead, float) / 0.3)
    eta = np.column_stack([p.type_logit_fast[0] + p.type_logit_fast[1] * x, np.zeros_like(x),
                           p.type_logit_stall[0] + p.type_logit_stall[1] * x])
    return special.softmax(eta, axis=1)


def cells(p: ParamsB, size_lead: np.ndarray, fast_channel: np.ndarray, other_sector: np.ndarray) -> np.ndarray:
    """Covariate cell 0..15 of each project (size bin x channel x sector)."""
    b = np.searchsorted(np.array(SIZE_BINS), np.asarray(size_lead, float), side="right")
    return b * 4 + 2 * np.asarray(fast_channel, int) + np.asarray(other_sector, int)


def cell_multipliers(p: ParamsB) -> tuple[np.ndarray, np.ndarray]:
    """Advance scale and loss rate for every ``cell x type x stage`` (16 x 3 x 5)."""
    c = np.arange(16)
    b, fast, other = c // 4, (c // 2) % 2, c % 2
    st = np.arange(N_OPEN)
    pre = (st < 2).astype(float)
    scale = (np.array(p.adv_scale)[None, None, :]
             * np.array(p.size_bin_scale)[b][:, None, None]
             * np.where(fast[:, None, None] == 1, p.fast_channel_scale ** pre, 1.0)
             * np.where(other[:, None, None] == 1, p.other_sector_scale, 1.0)
             * np.array(p.type_scale)[None, :, None] ** np.array(p.type_stage_power)[None, None, :])
    loss = (np.array(p.loss_rate)[None, None, :] * np.array(p.size_bin_loss)[b][:, None, None]
            * np.array(p.type_loss)[None, :, None] ** np.array(p.type_stage_power)[None, None, :])
    return scale, loss


# --------------------------------------------------------------------------------------
# amounts


def round_amount(x: np.ndarray) -> np.ndarray:
    """Ledger rounding: to 0.01 bn below 1 bn, 0.1 bn below 10 bn, 0.5 bn above; floor 0.1 bn."""
    x = np.asarray(x, float)
    q = np.where(x < 1.0, 0.01, np.where(x < 10.0, 0.1, 0.5))
    return np.maximum(np.round(np.round(x / q) * q, 3), 0.1)


def signing_amount(p: ParamsB, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The agreement's amount from the amount in negotiation: realisation factor, pull, rounding."""
    n = x.size
    u = rng.random(n)
    down = rng.beta(*p.sign_down_beta, n)
    up = np.exp(np.abs(rng.normal(0.0, p.sign_up_sd, n)))
    y = x * np.where(u < p.sign_keep_prob, 1.0, np.where(u < p.sign_keep_prob + p.sign_down_prob, down, up))
    return pull_and_round(p, y, rng)


def pull_and_round(p: ParamsB, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    pulled = y.copy()
    go = rng.random(y.size) < p.pull_prob
    for t in PULL_THRESHOLDS:
        pulled = np.where((y >= 0.85 * t) & (y < t) & go, t, pulled)
    return round_amount(pulled)


def _round_cut(lo: float) -> float:
    """Smallest continuous amount whose rounding is at least ``lo`` (rounding is monotone)."""
    a, b = 1e-6, max(lo, 0.1) * 2 + 1.0
    if round_amount(np.array([a]))[0] >= lo:
        return 0.0
    for _ in range(80):
        m = 0.5 * (a + b)
        if round_amount(np.array([m]))[0] >= lo:
            b = m
        else:
            a = m
    return b


def _factor_cdf(p: ParamsB, v: np.ndarray, with_neg: bool) -> np.ndarray:
    """P(log total revision factor <= v) for a project before negotiation (``with_neg``) or in it."""
    v = np.asarray(v, float)
    qs = (np.arange(400) + 0.5) / 400
    log_down = np.log(stats.beta.ppf(qs, *p.sign_down_beta))
    log_up = np.abs(stats.norm.ppf(0.5 + qs / 2)) * p.sign_up_sd  # |N| quantiles
    sd = p.neg_revise_sd

    def sign_cdf(w: np.ndarray, noise: bool) -> np.ndarray:
        if noise:
            keep = stats.norm.cdf(w / sd)
            down = stats.norm.cdf((w[..., None] - log_down) / sd).mean(-1)
            up = stats.norm.cdf((w[..., None] - log_up) / sd).mean(-1)
        else:
            keep = (w >= 0).astype(float)
            down = stats.beta.cdf(np.exp(np.minimum(w, 0.0)), *p.sign_down_beta) * (w < 0) + (w >= 0)
            up = np.where(w >= 0, 2 * stats.norm.cdf(np.maximum(w, 0) / p.sign_up_sd) - 1, 0.0)
        return p.sign_keep_prob * keep + p.sign_down_prob * down + (1 - p.sign_keep_prob - p.sign_down_prob) * up

    if not with_neg:
        return sign_cdf(v, False)
    return (1 - p.neg_revise_prob) * sign_cdf(v, False) + p.neg_revise_prob * sign_cdf(v, True)


def p_amount_at_least(p: ParamsB, size_now: np.ndarray, lo: float, with_neg: np.ndarray) -> np.ndarray:
    """Exact P(signed amount >= lo) for projects not yet signed, given today's amount.

    The continuous amount ``y = size_now x factor``; a pulled amount becomes the threshold
    itself, any other is rounded (:func:`round_amount`), so P = sum over the pieces of
    ``y``'s line of P(final >= lo | piece) x P(y in piece).
    """
    size_now = np.asarray(size_now, float)
    cut = _round_cut(lo)
    edges = sorted({cut, *[0.85 * t for t in PULL_THRESHOLDS], *PULL_THRESHOLDS})
    edges = np.array([0.0] + [e for e in edges if e > 0] + [np.inf])
    mids = np.where(np.isinf(edges[1:]), edges[:-1] * 2 + 1, 0.5 * (edges[:-1] + edges[1:]))
    g = (mids >= cut).astype(float)
    for t in PULL_THRESHOLDS:
        inside = (mids >= 0.85 * t) & (mids < t)
        g = np.where(inside, p.pull_prob * (t >= lo) + (1 - p.pull_prob) * g, g)
    out = np.zeros(size_now.size)
    for flag in (False, True):
        sel = np.asarray(with_neg, bool) == flag
        if not sel.any():
            continue
        with np.errstate(divide="ignore"):
            v = np.log(edges[None, :] / size_now[sel, None])
        F = _factor_cdf(p, np.clip(v, -50, 50), flag)
        F[:, 0], F[:, -1] = 0.0, 1.0
        out[sel] = (np.diff(F, axis=1) * g[None, :]).sum(axis=1)
    return out
