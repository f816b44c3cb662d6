"""Investment at signing: how a project's recorded amount moves from lead to signature.

Announcements tend to shrink, with heavy tails, and signed amounts bunch just above round
thresholds (a "5.1 bn" project is far commoner than a "4.9 bn" one). Rather than model the
amount's density and then the bunching, we model directly what the tiers need: the
probability that the signed amount reaches a round threshold ``t`` given the amount ``a``
recorded before signing. With :math:`x = \\log(a / t)`,

.. math::  \\operatorname{logit} P(\\text{signed} \\ge t \\mid a, \\text{stage}) =
           \\beta_{0,\\text{stage}} + \\beta_{1,\\text{stage}}\\, x + \\kappa\\, r(x)
           + \\gamma\\, [x \\ge 0] + \\beta_2 [\\text{campaign}] + \\tau_t

fitted (penalised binomial GLM, statsmodels) on every historical signing against every
round threshold within a factor of five of its earlier amount. The curve is not a plain
logistic. Many agreements keep the announced amount: a jump at :math:`x = 0` (term
:math:`\\gamma`). An amount within 20 % below a threshold tends to be pushed over it, the
more so the closer it is: the ramp :math:`r(x)` rises from 0 at :math:`a = 0.8\\,t` to 1
at :math:`a = t` and stays there (term :math:`\\kappa`). The curve rises with the amount
by construction, in every parameter draw and not only at the estimate: the slopes are
fitted on the log scale (:math:`\\beta_1 = e^{\\theta}`), the ramp and the jump through a
softplus (:math:`\\kappa, \\gamma = \\log(1 + e^{\\theta})`), and the covariance is carried on
that unconstrained scale, so :meth:`SizeResults.sample` draws :math:`\\theta` and maps it
back. Thresholds differ in how strongly amounts bunch at
them: each has its own offset :math:`\\tau_t`, shrunk towards zero (sd 0.5), so a rarely
reached threshold such as ``10`` bn borrows the shape of the common ones; a threshold
that is not one the curve was fitted at (:attr:`SizeResults.thresholds`) gets no offset.
The thresholds are the district's own: the bounds of its tier targets and its
groundbreaking floor (district.toml), the round amounts the region reports signings
at (:data:`REPORTED_THRESHOLDS`), and every other round amount at which the history's
signed amounts bunch (:func:`bunching_thresholds`: more signings just above it
than just below). The probability of a band
``[lo, hi)`` is ``P(≥ lo) − P(≥ hi)``.

On three simulated fifteen-year districts the curve's mean absolute error against the
generator's true signing process, at amounts from 0.6 to 1.8 times the 0.5, 1 and 5 bn
thresholds, is 0.036 (0.035 with the generator's own thresholds handed to the fit);
``tests/test_size.py`` checks the recovery.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import special

from ..errors import ConvergenceWarning
from ..history.histories import History
from .glm import mvn
from .results import ModelResults

#: Round amounts (billion CNY) signings are reported at: Taizhou's Jan–Feb 2025 signings
#: "≥0.1, ≥0.5, ≥1, ≥5 bn", and Hailing's 2026 plan of signings of at least 0.1, 0.5, 1 and
#: 5 bn (/work/shared/DOMAIN.md). The district's tier bounds are added to them (:func:`thresholds_for`).
REPORTED_THRESHOLDS: tuple[float, ...] = (0.1, 0.5, 1.0, 5.0)
#: Thresholds of the bundled district (Hailing's tiers add 10 bn); kept for callers that
#: need a fixed set — a fit uses :func:`thresholds_for` its own district.
THRESHOLDS: tuple[float, ...] = (0.1, 0.5, 1.0, 5.0, 10.0)
_WINDOW = np.log(5.0)
#: Where the ramp towards a threshold starts (share of the threshold).
RAMP_FROM = 0.8
_CURVE = ["const_lead", "const_negotiating", "slope_lead", "slope_negotiating", "near_below", "at_or_above",
          "campaign"]


def names(thresholds: tuple[float, ...]) -> list[str]:
    """Coefficient names: the curve's, then one offset per threshold."""
    return _CURVE + [f"threshold_{t:g}" for t in thresholds]


#: Round amounts a ledger kept in 亿元 (0.1 bn, DOMAIN.md) can bunch at: one significant
#: digit, 1亿 to 900亿 (0.1–90 bn).
ROUND_AMOUNTS: tuple[float, ...] = tuple(round(d * 10.0 ** k, 10) for k in (-1, 0, 1) for d in range(1, 10))
#: Signings within this factor of a round amount count as "just above" or "just below" it.
_NEAR = 1.1
#: One-sided binomial test level for "more signings just above than just below". A lenient
#: screen on purpose: a spurious threshold costs one offset shrunk towards zero, a missed
#: one biases the shape all thresholds share (on three simulated 15-year districts, 5 %
#: raised the mean absolute error near 0.5, 1 and 5 bn from 0.036 to 0.040).
_BUNCHING_LEVEL = 0.5


def bunching_thresholds(signed: np.ndarray) -> tuple[float, ...]:
    """Round amounts (:data:`ROUND_AMOUNTS`) at which signed amounts bunch: more signings in
    ``[t, 1.1 t)`` than in ``[t / 1.1, t)`` (one-sided binomial test at :data:`_BUNCHING_LEVEL`)."""
    from scipy.stats import binomtest

    s = np.asarray(signed, float)
    s = s[np.isfinite(s)]
    out = []
    for t in ROUND_AMOUNTS:
        above = int(((s >= t) & (s < _NEAR * t)).sum())
        below = int(((s >= t / _NEAR) & (s < t)).sum())
        if above > below and binomtest(above, above + below, 0.5, alternative="greater").pvalue < _BUNCHING_LEVEL:
            out.append(t)
    return tuple(out)


def thresholds_for(district, signed: np.ndarray | None = None) -> tuple[float, ...]:
    """The amounts the curve is fitted at for a district: :data:`REPORTED_THRESHOLDS`, every
    tier bound and groundbreaking floor of its targets (district.toml) and, given the
    history's signed amounts, the round amounts they bunch at."""
    out = set(REPORTED_THRESHOLDS)
    floor = 0.0
    if signed is not None:
        out.update(bunching_thresholds(signed))
        s = np.asarray(signed, float)
        s = s[np.isfinite(s)]
        # the ledger's smallest recorded amount is a floor, not a choice: every signing
        # clears a threshold at or below it, which says nothing about the curve
        floor = float(s.min()) if s.size else 0.0
    for t in getattr(district, "targets", {}).values():
        if t.groundbreakings_min_bn > 0:
            out.add(float(t.groundbreakings_min_bn))
        for tier in t.tiers:
            out.add(float(tier.min_bn))
            if tier.max_bn is not None:
                out.add(float(tier.max_bn))
    return tuple(sorted(x for x in out if x > floor))


NAMES = names(THRESHOLDS)
#: Prior precision of each coefficient on the fitted (unconstrained) scale (penalty
#: ``w * theta**2``, a normal prior of sd ``1 / sqrt(2 w)``): nearly flat for the intercepts
#: and the log slopes (sd 7), sd 3 for the softplus of the jump and the ramp (which a short
#: history can separate perfectly), sd 1 for the campaign, offsets of each threshold shrunk
#: towards zero (sd 0.5).
def _penalty(n_thresholds: int) -> np.ndarray:
    return np.array([0.01] * 4 + [0.05] * 2 + [0.5] + [2.0] * n_thresholds)


#: Coefficients kept positive: slopes through ``exp``, the ramp and the jump through softplus.
_LOG = np.array([_CURVE.index("slope_lead"), _CURVE.index("slope_negotiating")])
_SOFTPLUS = np.array([_CURVE.index("near_below"), _CURVE.index("at_or_above")])


def to_natural(theta: np.ndarray) -> np.ndarray:
    """Curve coefficients (as :func:`names`) from the unconstrained fitted scale (``... × n_coefficients``)."""
    theta = np.asarray(theta, float)
    out = theta.copy()
    out[..., _LOG] = np.exp(theta[..., _LOG])
    out[..., _SOFTPLUS] = np.logaddexp(0.0, theta[..., _SOFTPLUS])
    return out


def _dnatural(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and second derivatives of :func:`to_natural`, elementwise."""
    d1, d2 = np.ones_like(theta), np.zeros_like(theta)
    e = np.exp(theta[_LOG])
    d1[_LOG], d2[_LOG] = e, e
    s = 1.0 / (1.0 + np.exp(-theta[_SOFTPLUS]))
    d1[_SOFTPLUS], d2[_SOFTPLUS] = s, s * (1.0 - s)
    return d1, d2


def presigning_amounts(history: History) -> pd.DataFrame:
    """For every signed project: its last amount recorded before signing, the stage it was
    recorded in, the amount at signing and whether the campaign sourced it."""
    long = history.long
    P = history.projects.set_index("project_id")
    before = long[long["stage"].isin(["lead", "negotiating"])]
    last = before.groupby("project_id", sort=False).last()
    signed = P[P["investment_signed"].notna()]
    out = pd.DataFrame({
        "amount": last["investment_bn"].reindex(signed.index),
        "stage": last["stage"].reindex(signed.index),
        "signed": signed["investment_signed"],
        "campaign": (signed["unit_type"] == "campaign").astype(float),
    }).dropna()
    return out.reset_index()


def design(amount, threshold, stage, campaign, thresholds: tuple[float, ...] = THRESHOLDS) -> np.ndarray:
    """Design matrix (one row per broadcast element, columns as :func:`names` of ``thresholds``)."""
    amount, threshold, stage, campaign = (np.ravel(a) for a in np.broadcast_arrays(
        np.asarray(amount, float), np.asarray(threshold, float), np.asarray(stage), np.asarray(campaign, float)))
    x = np.log(amount / threshold)
    neg = (stage == "negotiating").astype(float)
    offsets = np.isclose(threshold[:, None], np.array(thresholds)[None, :], rtol=1e-9).astype(float)
    ramp = np.clip((x - np.log(RAMP_FROM)) / -np.log(RAMP_FROM), 0.0, 1.0)
    return np.column_stack([1 - neg, neg, x * (1 - neg), x * neg, ramp, (x >= -1e-12).astype(float), campaign,
                            offsets])


@dataclass(frozen=True, eq=False)
class SizeResults(ModelResults):
    """The fitted threshold curve.

    ``params`` are the curve's coefficients (as :func:`names` of ``thresholds``); ``theta`` and ``cov`` are
    the estimate and its covariance on the unconstrained scale the fit works on (log
    slopes, softplus-inverse of the ramp and the jump), where the posterior is close to
    normal and every draw keeps the curve monotone.
    """

    params: pd.Series
    cov: pd.DataFrame
    n_signings: int
    theta: pd.Series
    thresholds: tuple[float, ...] = THRESHOLDS

    title: ClassVar[str] = "Amount at signing: P(at or above a threshold), by earlier amount and stage"

    def predict_at_least(self, amount, threshold, stage, campaign, *, params: np.ndarray | None = None) -> np.ndarray:
        """P(amount at signing ≥ ``threshold``): ``draw × (broadcast shape of the arguments)``;
        ``params`` is ``draw × len(self.params)`` (default: the estimate, one draw)."""
        b = self.params.to_numpy()[None, :] if params is None else np.atleast_2d(params)
        shape = np.broadcast_shapes(np.shape(amount), np.shape(threshold), np.shape(stage), np.shape(campaign))
        eta = b @ design(amount, threshold, stage, campaign, self.thresholds).T
        return special.expit(eta).reshape((b.shape[0],) + shape)  # no overflow warning far out

    def predict_band(self, amount, lo: float, hi: float | None, stage, campaign, *, params=None) -> np.ndarray:
        """P(``lo`` ≤ amount at signing < ``hi``): ``draw × project``."""
        p = self.predict_at_least(amount, lo, stage, campaign, params=params)
        if hi is not None:
            p = p - self.predict_at_least(amount, hi, stage, campaign, params=params)
        return np.clip(p, 0.0, 1.0)

    def sample(self, n_draws: int, rng: np.random.Generator | int | None = 0) -> np.ndarray:
        """``n_draws × len(self.params)`` curve coefficients: normal on the fitted scale, mapped back."""
        return to_natural(mvn(self.theta.to_numpy(), self.cov.to_numpy(), n_draws, np.random.default_rng(rng)))

    def cov_params(self) -> pd.DataFrame:
        """Covariance of :attr:`params` by the delta method from :attr:`cov` (the fitted scale's)."""
        d1, _ = _dnatural(self.theta.to_numpy())
        return pd.DataFrame(d1[:, None] * self.cov.to_numpy() * d1[None, :], index=self.params.index,
                            columns=self.params.index)

    def summary_notes(self) -> tuple[str, ...]:
        return (f"{self.n_signings} signings with an earlier amount; thresholds "
                + ", ".join(f"{t:g}" for t in self.thresholds) + " bn",)


#: Fewer signings with an earlier amount than this: the stated prior curve, not a fit.
MIN_SIGNINGS = 10
#: Fewer than this: the fit shrinks towards the prior curve rather than towards zero.
INFORMATIVE_BELOW = 200
#: The prior curve on the fitted scale (centre, sd), a judgement from the public figures
#: (shared/DOMAIN.md: announced amounts shrink, "sizes bunch just above round
#: thresholds"), not from a simulation: an amount at a threshold signs at or above it
#: about half the time (intercept 0), the odds rise 2–8-fold per doubling of the amount
#: (log slope log 4 ± 0.7), a moderate ramp and jump (softplus⁻¹ 0.5 ± 1), no campaign
#: effect (± 0.5), no threshold offsets (± 0.5).
PRIOR_THETA = {"const_lead": (0.0, 1.5), "const_negotiating": (0.0, 1.5), "slope_lead": (np.log(4.0), 0.7),
               "slope_negotiating": (np.log(4.0), 0.7), "near_below": (np.log(np.expm1(0.5)), 1.0),
               "at_or_above": (np.log(np.expm1(0.5)), 1.0), "campaign": (0.0, 0.5)}


def _prior(nm: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Centre and sd of :data:`PRIOR_THETA` for coefficient names ``nm`` (offsets: 0 ± 0.5)."""
    c = np.array([PRIOR_THETA.get(n, (0.0, 0.5))[0] for n in nm])
    sd = np.array([PRIOR_THETA.get(n, (0.0, 0.5))[1] for n in nm])
    return c, sd


def prior_size(n_signings: int, history: History | None = None,
               thresholds: tuple[float, ...] = THRESHOLDS) -> SizeResults:
    """The stated prior curve (:data:`PRIOR_THETA`), used when the history shows too few
    signings with an amount recorded before them (a folder that starts with one snapshot
    shows none); said in a :class:`~forecasting.errors.ShortHistoryWarning`."""
    from ..errors import ShortHistoryWarning

    nm = names(thresholds)
    c, sd = _prior(nm)
    n_snap = len(history.quarters) if history is not None else 0
    warnings.warn(
        f"size at signing: only {n_signings} signing{'s' if n_signings != 1 else ''} with an amount recorded "
        f"before it in {n_snap} snapshot{'s' if n_snap != 1 else ''} (at least {MIN_SIGNINGS} needed); "
        "the tiers use the stated prior curve (amounts shrink a little at signing, some bunching at round "
        "thresholds), with its wide uncertainty", ShortHistoryWarning, stacklevel=2)
    return SizeResults(pd.Series(to_natural(c), index=nm), pd.DataFrame(np.diag(sd**2), index=nm, columns=nm),
                       n_signings, pd.Series(c, index=nm), thresholds)


def fit_size(history: History, *, max_iter: int = 200) -> SizeResults:
    """Fit the threshold curve on every signing the history shows.

    ``max_iter`` bounds the optimiser's iterations; a fit that stops there warns
    (:class:`~forecasting.errors.ConvergenceWarning`).

    Examples
    --------
    >>> from forecasting import load_history
    >>> res = fit_size(load_history("data"))
    >>> float(res.predict_at_least(5.2, 5.0, "negotiating", 0)[0]) > 0.5
    True
    """
    d = presigning_amounts(history)
    thresholds = thresholds_for(history.district, d["signed"].to_numpy(float))
    if len(d) < MIN_SIGNINGS:
        return prior_size(len(d), history, thresholds)
    t = np.array(thresholds)
    x = np.log(d["amount"].to_numpy(float)[:, None] / t[None, :])
    i, j = np.nonzero(np.abs(x) <= _WINDOW)
    X = design(d["amount"].to_numpy(float)[i], t[j], d["stage"].to_numpy()[i], d["campaign"].to_numpy(float)[i],
               thresholds)
    y = (d["signed"].to_numpy(float)[i] >= t[j]).astype(float)
    # few signings: the stated prior is the centre of the penalty, so a short history moves
    # the curve only as far as its signings show (a flat prior let a draw of 29 signings
    # give a 0.2 bn lead a 7 % chance of a 10 bn signing)
    prior = _prior(names(thresholds)) if len(d) < INFORMATIVE_BELOW else None
    theta, H, ok = _fit_theta(X, y, max_iter=max_iter, prior=prior)
    if not ok:
        warnings.warn(
            "the size-at-signing curve's optimiser stopped before converging: the curve and its "
            "uncertainty are those of the last iterate and may be off; the tier probabilities "
            "that use them are less reliable", ConvergenceWarning, stacklevel=2)
    cov = np.linalg.inv(H)
    nm = names(thresholds)
    return SizeResults(pd.Series(to_natural(theta), index=nm), pd.DataFrame(cov, index=nm, columns=nm), len(d),
                       pd.Series(theta, index=nm), thresholds)


def _fit_theta(X: np.ndarray, y: np.ndarray, *, max_iter: int = 200,
               prior: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray, bool]:
    """Penalised binomial fit on the unconstrained scale: ``(theta, minus the Hessian, converged)``;
    ``prior`` (centre, sd) replaces the default penalty centred at zero."""
    from scipy.optimize import minimize

    if prior is None:
        w, c = _penalty(X.shape[1] - len(_CURVE)), np.zeros(X.shape[1])
    else:
        c, w = prior[0], 1.0 / (2.0 * prior[1] ** 2)

    def parts(th):
        b = to_natural(th)
        eta = X @ b
        p = 1.0 / (1.0 + np.exp(-eta))
        return b, eta, p

    def f(th):
        _, eta, _ = parts(th)
        return -(y @ eta - np.logaddexp(0.0, eta).sum()) + (w * (th - c) ** 2).sum()

    def grad(th):
        _, _, p = parts(th)
        d1, _ = _dnatural(th)
        return -(d1 * (X.T @ (y - p))) + 2 * w * (th - c)

    def hess(th):
        _, _, p = parts(th)
        d1, d2 = _dnatural(th)
        fisher = (X * (p * (1 - p))[:, None]).T @ X
        return d1[:, None] * fisher * d1[None, :] - np.diag(d2 * (X.T @ (y - p))) + np.diag(2 * w)

    # start where every constrained coefficient is moderate: slope 1, ramp and jump log 2
    start = c.copy()
    res = minimize(f, start, jac=grad, hess=hess, method="trust-exact", options={"maxiter": max_iter, "gtol": 1e-6})
    H = hess(res.x)
    # trust-exact can stop at the limit of floating point ("a bad approximation caused failure
    # to predict improvement") with the gradient already at zero: that is converged
    ok = (bool(res.success) or float(np.max(np.abs(grad(res.x)))) < 1e-4) and bool(np.isfinite(res.x).all())
    return res.x, H, ok
