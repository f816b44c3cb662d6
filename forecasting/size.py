"""Investment at signing: how a project's recorded amount moves from lead to signature.

Announcements tend to shrink, with heavy tails, and signed amounts bunch just above round
thresholds (a "5.1 bn" project is far commoner than a "4.9 bn" one). Rather than model the
amount's density and then the bunching, we model directly what the tiers need: the
probability that the signed amount reaches a round threshold ``t`` given the amount ``a``
recorded before signing,

.. math::  P(\\text{signed} \\ge t \\mid a, \\text{stage}) = \\operatorname{logit}^{-1}
           (\\beta_{0,\\text{stage}} + \\beta_{1,\\text{stage}} \\log(a / t) + \\beta_2 [\\text{campaign}])

fitted (statsmodels GLM, binomial) on every historical signing against every round
threshold within a factor of five of its earlier amount. An amount just under a threshold
that tends to be pushed over it raises the curve there, so bunching is learnt from the
data. The probability of a band ``[lo, hi)`` is ``P(≥ lo) − P(≥ hi)``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

from .history import History

#: Round thresholds (billion CNY) the curve is fitted at.
THRESHOLDS: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0)
_WINDOW = np.log(5.0)


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


def _rows(amount: np.ndarray, stage: np.ndarray, campaign: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Long rows (project × threshold) with design columns; returns X and the threshold index."""
    t = np.array(THRESHOLDS)
    x = np.log(amount[:, None] / t[None, :])
    keep = np.abs(x) <= _WINDOW
    i, j = np.nonzero(keep)
    neg = (stage[i] == "negotiating").astype(float)
    X = np.column_stack([1 - neg, neg, x[i, j] * (1 - neg), x[i, j] * neg, campaign[i]])
    return X, np.column_stack([i, j])


NAMES = ["const_lead", "const_negotiating", "slope_lead", "slope_negotiating", "campaign"]


@dataclass
class SizeResults:
    """The fitted threshold curve."""

    params: pd.Series
    cov: pd.DataFrame
    n_signings: int

    def p_at_least(self, amount, threshold, stage, campaign, *, params: np.ndarray | None = None) -> np.ndarray:
        """P(amount at signing ≥ ``threshold``); arrays broadcast; ``params`` is ``draw × 5``."""
        b = self.params.to_numpy()[None, :] if params is None else np.atleast_2d(params)
        amount, threshold = np.asarray(amount, float), np.asarray(threshold, float)
        neg = (np.asarray(stage) == "negotiating").astype(float)
        x = np.log(amount / threshold)
        eta = (b[:, [0]] * (1 - neg) + b[:, [1]] * neg + (b[:, [2]] * (1 - neg) + b[:, [3]] * neg) * x
               + b[:, [4]] * np.asarray(campaign, float))
        return 1.0 / (1.0 + np.exp(-eta))

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


def fit_size(history: History) -> SizeResults:
    """Fit the threshold curve on every signing the history shows.

    Examples
    --------
    >>> from forecasting import load_history
    >>> res = fit_size(load_history("data"))
    >>> float(res.p_at_least(5.2, 5.0, "negotiating", 0)[0, 0]) > 0.5
    True
    """
    d = presigning_amounts(history)
    X, ij = _rows(d["amount"].to_numpy(float), d["stage"].to_numpy(), d["campaign"].to_numpy(float))
    t = np.array(THRESHOLDS)
    y = (d["signed"].to_numpy(float)[ij[:, 0]] >= t[ij[:, 1]]).astype(float)
    # a weak prior keeps the campaign term finite when the campaign has signed little
    from statsmodels.base._penalties import L2

    from .progression import GLMPenalized

    w = np.array([1e-4, 1e-4, 1e-4, 1e-4, 0.5])
    res = GLMPenalized(y, X, family=sm.families.Binomial(), penal=L2(weights=w), pen_weight=1.0).fit(
        method="newton", maxiter=50, disp=0)
    return SizeResults(pd.Series(res.params, index=NAMES),
                       pd.DataFrame(res.cov_params(), index=NAMES, columns=NAMES), len(d))
