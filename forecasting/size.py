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
reached threshold such as ``20`` bn borrows the shape of the common ones; a threshold
that is not one of :data:`THRESHOLDS` gets no offset. The probability of a band
``[lo, hi)`` is ``P(≥ lo) − P(≥ hi)``.

On ten simulated districts the curve's mean absolute error against the generator's true
signing process, at amounts from 0.6 to 1.8 times a threshold, is 0.057 (0.083 for a
plain logistic in :math:`x`); ``tests/test_size.py`` checks the recovery.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import ConvergenceWarning
from .history import History

#: Round thresholds (billion CNY) the curve is fitted at.
THRESHOLDS: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0)
_WINDOW = np.log(5.0)
#: Where the ramp towards a threshold starts (share of the threshold).
RAMP_FROM = 0.8
NAMES = (["const_lead", "const_negotiating", "slope_lead", "slope_negotiating", "near_below", "at_or_above",
          "campaign"] + [f"threshold_{t:g}" for t in THRESHOLDS])
#: Prior precision of each coefficient on the fitted (unconstrained) scale (penalty
#: ``w * theta**2``, a normal prior of sd ``1 / sqrt(2 w)``): nearly flat for the intercepts
#: and the log slopes (sd 7), sd 3 for the softplus of the jump and the ramp (which a short
#: history can separate perfectly), sd 1 for the campaign, offsets of each threshold shrunk
#: towards zero (sd 0.5).
_PENALTY = np.array([0.01] * 4 + [0.05] * 2 + [0.5] + [2.0] * len(THRESHOLDS))
#: Coefficients kept positive: slopes through ``exp``, the ramp and the jump through softplus.
_LOG = np.array([n.startswith("slope_") for n in NAMES])
_SOFTPLUS = np.array([n in ("near_below", "at_or_above") for n in NAMES])


def to_natural(theta: np.ndarray) -> np.ndarray:
    """Curve coefficients (as :data:`NAMES`) from the unconstrained fitted scale (``... × len(NAMES)``)."""
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


def design(amount, threshold, stage, campaign) -> np.ndarray:
    """Design matrix (one row per broadcast element, columns as :data:`NAMES`)."""
    amount, threshold, stage, campaign = (np.ravel(a) for a in np.broadcast_arrays(
        np.asarray(amount, float), np.asarray(threshold, float), np.asarray(stage), np.asarray(campaign, float)))
    x = np.log(amount / threshold)
    neg = (stage == "negotiating").astype(float)
    offsets = np.isclose(threshold[:, None], np.array(THRESHOLDS)[None, :], rtol=1e-9).astype(float)
    ramp = np.clip((x - np.log(RAMP_FROM)) / -np.log(RAMP_FROM), 0.0, 1.0)
    return np.column_stack([1 - neg, neg, x * (1 - neg), x * neg, ramp, (x >= -1e-12).astype(float), campaign,
                            offsets])


@dataclass
class SizeResults:
    """The fitted threshold curve.

    ``params`` are the curve's coefficients (as :data:`NAMES`); ``theta`` and ``cov`` are
    the estimate and its covariance on the unconstrained scale the fit works on (log
    slopes, softplus-inverse of the ramp and the jump), where the posterior is close to
    normal and every draw keeps the curve monotone.
    """

    params: pd.Series
    cov: pd.DataFrame
    n_signings: int
    theta: pd.Series

    def p_at_least(self, amount, threshold, stage, campaign, *, params: np.ndarray | None = None) -> np.ndarray:
        """P(amount at signing ≥ ``threshold``): ``draw × (broadcast shape of the arguments)``;
        ``params`` is ``draw × len(NAMES)`` (default: the estimate, one draw)."""
        b = self.params.to_numpy()[None, :] if params is None else np.atleast_2d(params)
        shape = np.broadcast_shapes(np.shape(amount), np.shape(threshold), np.shape(stage), np.shape(campaign))
        eta = b @ design(amount, threshold, stage, campaign).T
        return (1.0 / (1.0 + np.exp(-eta))).reshape((b.shape[0],) + shape)

    def p_band(self, amount, lo: float, hi: float | None, stage, campaign, *, params=None) -> np.ndarray:
        """P(``lo`` ≤ amount at signing < ``hi``): ``draw × project``."""
        p = self.p_at_least(amount, lo, stage, campaign, params=params)
        if hi is not None:
            p = p - self.p_at_least(amount, hi, stage, campaign, params=params)
        return np.clip(p, 0.0, 1.0)

    def sample(self, n_draws: int, rng: np.random.Generator) -> np.ndarray:
        """``n_draws × len(NAMES)`` curve coefficients: normal on the fitted scale, mapped back."""
        from .progression import _mvn

        return to_natural(_mvn(self.theta.to_numpy(), self.cov.to_numpy(), n_draws, rng))

    def summary(self) -> pd.DataFrame:
        """Estimates with standard errors by the delta method (``theta`` and its se beside them)."""
        se_theta = np.sqrt(np.diag(self.cov.to_numpy()))
        d1, _ = _dnatural(self.theta.to_numpy())
        return pd.DataFrame({"estimate": self.params, "se": se_theta * d1,
                             "theta": self.theta, "se_theta": se_theta})


def fit_size(history: History, *, max_iter: int = 200) -> SizeResults:
    """Fit the threshold curve on every signing the history shows.

    ``max_iter`` bounds the optimiser's iterations; a fit that stops there warns
    (:class:`~forecasting.errors.ConvergenceWarning`).

    Examples
    --------
    >>> from forecasting import load_history
    >>> res = fit_size(load_history("data"))
    >>> float(res.p_at_least(5.2, 5.0, "negotiating", 0)[0]) > 0.5
    True
    """
    d = presigning_amounts(history)
    t = np.array(THRESHOLDS)
    x = np.log(d["amount"].to_numpy(float)[:, None] / t[None, :])
    i, j = np.nonzero(np.abs(x) <= _WINDOW)
    X = design(d["amount"].to_numpy(float)[i], t[j], d["stage"].to_numpy()[i], d["campaign"].to_numpy(float)[i])
    y = (d["signed"].to_numpy(float)[i] >= t[j]).astype(float)
    theta, H, ok = _fit_theta(X, y, max_iter=max_iter)
    if not ok:
        warnings.warn(
            "the size-at-signing curve's optimiser stopped before converging: the curve and its "
            "uncertainty are those of the last iterate and may be off; the tier probabilities "
            "that use them are less reliable", ConvergenceWarning, stacklevel=2)
    cov = np.linalg.inv(H)
    return SizeResults(pd.Series(to_natural(theta), index=NAMES),
                       pd.DataFrame(cov, index=NAMES, columns=NAMES), len(d), pd.Series(theta, index=NAMES))


def _fit_theta(X: np.ndarray, y: np.ndarray, *, max_iter: int = 200) -> tuple[np.ndarray, np.ndarray, bool]:
    """Penalised binomial fit on the unconstrained scale: ``(theta, minus the Hessian, converged)``."""
    from scipy.optimize import minimize

    w = _PENALTY

    def parts(th):
        b = to_natural(th)
        eta = X @ b
        p = 1.0 / (1.0 + np.exp(-eta))
        return b, eta, p

    def f(th):
        _, eta, _ = parts(th)
        return -(y @ eta - np.logaddexp(0.0, eta).sum()) + (w * th ** 2).sum()

    def grad(th):
        _, _, p = parts(th)
        d1, _ = _dnatural(th)
        return -(d1 * (X.T @ (y - p))) + 2 * w * th

    def hess(th):
        _, _, p = parts(th)
        d1, d2 = _dnatural(th)
        fisher = (X * (p * (1 - p))[:, None]).T @ X
        return d1[:, None] * fisher * d1[None, :] - np.diag(d2 * (X.T @ (y - p))) + np.diag(2 * w)

    # start where every constrained coefficient is moderate: slope 1, ramp and jump log 2
    start = np.zeros(X.shape[1])
    res = minimize(f, start, jac=grad, hess=hess, method="trust-exact", options={"maxiter": max_iter, "gtol": 1e-6})
    H = hess(res.x)
    ok = bool(res.success) and np.isfinite(res.x).all()
    return res.x, H, ok
