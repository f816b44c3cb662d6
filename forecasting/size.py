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
at :math:`a = t` and stays there (term :math:`\\kappa`). With :math:`\\kappa, \\gamma \\ge
0` the curve rises with the amount. Thresholds differ in how strongly amounts bunch at
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
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from .history import History

#: Round thresholds (billion CNY) the curve is fitted at.
THRESHOLDS: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0)
_WINDOW = np.log(5.0)
#: Where the ramp towards a threshold starts (share of the threshold).
RAMP_FROM = 0.8
NAMES = (["const_lead", "const_negotiating", "slope_lead", "slope_negotiating", "near_below", "at_or_above",
          "campaign"] + [f"threshold_{t:g}" for t in THRESHOLDS])
#: Prior precision of each coefficient (penalty ``w * b**2``, a normal prior of sd
#: ``1 / sqrt(2 w)``): nearly flat for the curve (sd 7), sd 3 for the jump and the ramp
#: (which a short history can separate perfectly), sd 1 for the campaign, offsets of each
#: threshold shrunk towards zero (sd 0.5).
_PENALTY = np.array([0.01] * 4 + [0.05] * 2 + [0.5] + [2.0] * len(THRESHOLDS))


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
    """The fitted threshold curve."""

    params: pd.Series
    cov: pd.DataFrame
    n_signings: int

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
        from .progression import _mvn

        return _mvn(self.params.to_numpy(), self.cov.to_numpy(), n_draws, rng)

    def summary(self) -> pd.DataFrame:
        se = np.sqrt(np.diag(self.cov.to_numpy()))
        return pd.DataFrame({"estimate": self.params, "se": se})


#: Fewer signings with an earlier amount than this: the stated prior curve, not a fit.
MIN_SIGNINGS = 10
#: Fewer than this: the fit shrinks towards the prior curve rather than towards zero.
INFORMATIVE_BELOW = 200
#: The prior curve (estimate, sd): the typical fit on simulated districts of the bundled scale
#: (announced amounts shrink a little at signing, some bunching at round thresholds).
PRIOR_CURVE = {"const_lead": (-0.7, 0.7), "const_negotiating": (-0.7, 0.7), "slope_lead": (8.0, 2.0),
               "slope_negotiating": (8.0, 2.0), "near_below": (0.3, 0.7), "at_or_above": (0.6, 0.5),
               "campaign": (0.0, 0.5)}


def prior_size(n_signings: int, history: History | None = None) -> SizeResults:
    """The stated prior curve, used when the history shows too few signings with an amount
    recorded before them (a folder that starts with one snapshot shows none)."""
    from .errors import ShortHistoryWarning

    est = {n: PRIOR_CURVE.get(n, (0.0, 0.5)) for n in NAMES}
    n_snap = len(history.quarters) if history is not None else 0
    warnings.warn(
        f"size at signing: only {n_signings} signing{'s' if n_signings != 1 else ''} with an amount recorded "
        f"before it in {n_snap} snapshot{'s' if n_snap != 1 else ''} (at least {MIN_SIGNINGS} needed); "
        "the tiers use the stated prior curve (amounts shrink a little at signing, some bunching at round "
        "thresholds)", ShortHistoryWarning, stacklevel=2)
    params = pd.Series({n: v[0] for n, v in est.items()})
    cov = pd.DataFrame(np.diag([v[1] ** 2 for v in est.values()]), index=NAMES, columns=NAMES)
    return SizeResults(params, cov, n_signings)


def fit_size(history: History) -> SizeResults:
    """Fit the threshold curve on every signing the history shows.

    Examples
    --------
    >>> from forecasting import load_history
    >>> res = fit_size(load_history("data"))
    >>> float(res.p_at_least(5.2, 5.0, "negotiating", 0)[0]) > 0.5
    True
    """
    from statsmodels.base._penalties import L2

    from .progression import GLMPenalized

    d = presigning_amounts(history)
    if len(d) < MIN_SIGNINGS:
        return prior_size(len(d), history)
    t = np.array(THRESHOLDS)
    x = np.log(d["amount"].to_numpy(float)[:, None] / t[None, :])
    i, j = np.nonzero(np.abs(x) <= _WINDOW)
    X = design(d["amount"].to_numpy(float)[i], t[j], d["stage"].to_numpy()[i], d["campaign"].to_numpy(float)[i])
    y = (d["signed"].to_numpy(float)[i] >= t[j]).astype(float)
    # few signings: the stated prior curve is the centre of the penalty (an offset), so
    # a short history moves it only as far as its signings show (a flat prior let a draw
    # of 29 signings give a 0.2 bn lead a 7 % chance of a 10 bn signing)
    informative = len(d) < INFORMATIVE_BELOW
    centre = np.array([PRIOR_CURVE.get(n, (0.0, 0.5))[0] for n in NAMES]) if informative else np.zeros(len(NAMES))
    weights = (1.0 / (2.0 * np.array([PRIOR_CURVE.get(n, (0.0, 0.5))[1] for n in NAMES]) ** 2)
               if informative else _PENALTY)
    model = GLMPenalized(y, X, family=sm.families.Binomial(), penal=L2(weights=weights), pen_weight=1.0,
                         offset=X @ centre if informative else None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = model.fit(method="newton", maxiter=100, disp=0)
        if not (np.isfinite(res.params).all() and np.isfinite(res.cov_params()).all()):
            # Newton can overshoot on a short, nearly separable history; BFGS from zero cannot
            res = model.fit(method="bfgs", start_params=np.zeros(X.shape[1]), maxiter=2000, disp=0)
    return SizeResults(pd.Series(res.params + centre, index=NAMES),
                       pd.DataFrame(res.cov_params(), index=NAMES, columns=NAMES), len(d))
