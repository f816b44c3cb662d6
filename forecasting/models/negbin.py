"""The inflow model's estimation: a ridge-penalised negative-binomial GLM with its dispersion
estimated by maximum likelihood, alternating until both settle (R's ``MASS::glm.nb``).

:func:`fit_nb_glm` fits the GLM at a fixed dispersion, :func:`ml_alpha` the dispersion at
fixed means, :func:`fit_alternating` alternates them; each reports a failure to converge as
an :class:`InflowFitWarning`.
"""
from __future__ import annotations

import warnings

import numpy as np
from scipy import optimize
from statsmodels.base._penalties import L2
from statsmodels.genmod import families  # not statsmodels.api, which loads its graphics and tsa (0.5 s)
from statsmodels.tools.sm_exceptions import ConvergenceWarning as StatsmodelsConvergenceWarning

from ..errors import ConvergenceWarning
from .glm import GLMPenalized

_ROUNDS = 4
_ALPHA_BOUNDS = (1e-4, 10.0)


class InflowFitWarning(ConvergenceWarning):
    """The inflow model's optimiser did not converge; its estimates may be unreliable."""



def fit_nb_glm(y: np.ndarray, X: np.ndarray, sd: np.ndarray, alpha: float, start: np.ndarray, offset=None):
    """The penalised NB GLM at a fixed ``alpha``, by Newton; if Newton does not converge, by
    BFGS from the better of where it stopped and ``start``; reported if that fails too."""
    model = GLMPenalized(y, X, family=families.NegativeBinomial(alpha=alpha),
                         penal=L2(weights=1.0 / (2.0 * sd**2)), pen_weight=1.0, offset=offset)

    def fit(method: str, p0: np.ndarray, maxiter: int):
        with warnings.catch_warnings():
            # statsmodels' warning is replaced by the check of its own record below
            warnings.simplefilter("ignore", StatsmodelsConvergenceWarning)
            # Newton can overshoot into overflow before BFGS takes over: the check below decides
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                res = model.fit(method=method, start_params=p0, maxiter=maxiter, disp=0)
        return res, bool(res.mle_retvals.get("converged", True)) and np.isfinite(res.params).all()

    res, ok = fit("newton", start, 50)
    if not ok:
        res, ok = fit("bfgs", res.params if np.isfinite(res.params).all() else start, 2000)
    if not ok:
        warnings.warn(
            "the inflow model's fit did not converge, so its estimates may be off: check effort.csv "
            "for implausible staff, visits or budget values, or fit on a longer history",
            InflowFitWarning, stacklevel=4,
        )
    return res


def ml_alpha(y: np.ndarray, mu: np.ndarray) -> float:
    """Maximum-likelihood NB dispersion given the means."""
    def nll(log_a: float) -> float:
        return -families.NegativeBinomial(alpha=float(np.exp(log_a))).loglike(y, mu)

    lo, hi = np.log(_ALPHA_BOUNDS)
    res = optimize.minimize_scalar(nll, bounds=(lo, hi), method="bounded")
    if not (res.success and np.isfinite(res.x)):
        warnings.warn(
            "the inflow model's dispersion search did not converge: the spread of quarterly lead counts "
            "is the search's last value and may be off", InflowFitWarning, stacklevel=4,
        )
    return float(np.exp(res.x))


def fit_alternating(y, X, sd, alpha, start, offset=None):
    """Alternate the GLM at fixed ``alpha`` and ML ``alpha`` at fixed means."""
    res = None
    for _ in range(_ROUNDS):
        res = fit_nb_glm(y, X, sd, alpha, start, offset)
        start = res.params
        new = ml_alpha(y, res.fittedvalues)
        done = abs(np.log(new / alpha)) < 0.01
        alpha = new
        if done:
            break
    else:
        warnings.warn(
            f"the inflow model's dispersion did not settle in {_ROUNDS} rounds of alternating fits: the "
            "spread of quarterly lead counts, and so the width of their intervals, is the last round's",
            InflowFitWarning, stacklevel=3,
        )
    return res, alpha

