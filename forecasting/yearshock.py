"""Year-to-year conditions: one shock a year that reaches every stage, the losses and the inflow.

A good or bad year for investment moves the whole pipeline at once: deals close and sites
start faster, fewer projects are abandoned, more leads arrive. Counts over a year compound
that shock through every stage a project passes, so its spread decides how wide a year-ahead
range must be, and a ledger of five or so years cannot pin that spread down. This module
estimates it and carries what is not known into every forecast.

The model, per calendar year ``y`` (a one-factor model)::

    f_y ~ N(0, tau²)                         the year's conditions
    advance log-odds after signing   + f_y   (loading 1: the scale of f; approvals, starts)
    advance log-odds before signing  + lambda_pre f_y + q_y,      q_y ~ N(0, sigma_pre²)
    loss log-odds                    + lambda_loss f_y + r_y,     r_y ~ N(0, sigma_loss²)
    log mean inflow of leads         + lambda_inflow f_y + e_y,   e_y ~ N(0, sigma_inflow²)

The evidence is what the data alone say about each past year (the fits' year effects,
unshrunk: :func:`~forecasting.progression.unshrink`), as contrasts between years (the
levels absorb the average year), each with its sampling covariance. The current year,
part-way through, is one of them: its months so far inform this year's ``f`` (and through
the loadings, this year's losses and inflow) exactly as far as they go.

Priors, weakly informative, from the public figures in ``shared/DOMAIN.md``:

* ``tau``: half-Student-t, 4 degrees of freedom, scale 0.2. Of signed projects "roughly
  45–60 % start within 12 months" (and "57–67 %" in another set of reports): read as
  year-to-year variation of ±1 sd, the share's logit moves by about ±0.3, and a monthly
  log-odds shift ``f`` moves the logit of a one-year share of about 52 % by 1.4 ``f``
  (``-log(1 - p) / p``), so ``tau`` ≈ 0.2; the heavy tail keeps 0.5 and more possible.
* ``lambda_pre``, ``lambda_loss``, ``lambda_inflow``: N(0, 1). The sign is not imposed: the
  figures say a bad year delays and cancels ("weak demand, investor short of capital"), not
  by how much, nor whether deal-making feels it as the building sites do.
* ``sigma_pre``: half-normal, scale 0.2 (a judgement); ``sigma_loss``: half-normal, scale 0.3 ("7–15 % are cancelled": a logit range of 0.9,
  ±1.5 sd); ``sigma_inflow``: half-Student-t, 4 df, scale 0.15 (a judgement: a tenth of the
  year's leads either way is common, half is rare).

The posterior is computed by importance sampling (a round from the prior, a second from a
widened normal fitted to the first round's weighted draws, mixed with the prior), with the
exact Gaussian likelihood of the contrasts. With no usable history the posterior is the
prior, which is wide: the forecasts then say so by their ranges.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from .errors import ForecastingWarning
from .progression import YearEvidence, helmert

#: Components, in the order of the latent vector (f, then each component's own residual).
COMPONENTS = ("advance", "advance_pre", "loss", "inflow")
#: Hyper-parameters: tau, then per component after the first its loading and residual sd.
HYPER = ("tau", "lambda_pre", "sigma_pre", "lambda_loss", "sigma_loss", "lambda_inflow", "sigma_inflow")
#: Prior scales (see the module docstring for their provenance).
PRIOR = {"tau_scale": 0.2, "tau_df": 4.0, "loading_sd": 1.0, "sigma_pre_scale": 0.2, "sigma_loss_scale": 0.3,
         "sigma_inflow_scale": 0.15, "sigma_inflow_df": 4.0}
_LOGS = [0, 2, 4, 6]  # hyper-parameters sampled on the log scale
#: Draws per importance-sampling round, and the pool kept.
N_IMPORTANCE = 6000
#: Below this effective sample size the posterior is flagged.
MIN_ESS = 200


class YearShockWarning(ForecastingWarning):
    """The posterior of the year-to-year variation is poorly resolved."""


@dataclass(frozen=True)
class YearShockPosterior:
    """The posterior of the year-to-year variation (:func:`fit_year_shock`).

    Attributes
    ----------
    draws : equally weighted posterior draws of :data:`HYPER`.
    current : ``(value, variance)`` per component of the as-of year's evidence (NaN where
        there is none), to condition that year's shock on.
    current_year : the as-of calendar year.
    ess : effective sample size of the importance weights.
    n_years : years of evidence used.
    """

    draws: pd.DataFrame
    current: dict[str, tuple[float, float]]
    current_year: int
    ess: float
    n_years: int

    def summary(self) -> pd.DataFrame:
        """Posterior mean and 5 %, 50 %, 95 % quantiles of each hyper-parameter."""
        q = self.draws.quantile([0.05, 0.5, 0.95]).T
        q.columns = ["q05", "median", "q95"]
        q.insert(0, "mean", self.draws.mean())
        return q

    def sample(self, n: int, *, kind: Literal["current", "future"], rng, stratify: bool = False
               ) -> pd.DataFrame:
        """``n`` joint draws of a year's shifts, one column per component (:data:`COMPONENTS`).

        ``kind="current"`` conditions on the as-of year's evidence so far; ``"future"`` is
        a year not begun. With ``stratify`` the draws are spread over the quantiles of the
        advance shift (one per stratum, in random order), so that ``n`` draws resolve its
        distribution as well as many more would.
        """
        rng = np.random.default_rng(rng)
        pool = n * (32 if stratify else 1)
        h = self.draws.iloc[rng.integers(len(self.draws), size=pool)].reset_index(drop=True)
        lam = np.column_stack([np.ones(pool), h["lambda_pre"], h["lambda_loss"], h["lambda_inflow"]])
        prior_var = np.column_stack([h["tau"] ** 2, h["sigma_pre"] ** 2, h["sigma_loss"] ** 2, h["sigma_inflow"] ** 2])
        k = len(COMPONENTS)
        B = np.zeros((pool, k, k))  # observed component c = lam_c f + residual_c (none for advance)
        B[:, :, 0] = lam
        for c in range(1, k):
            B[:, c, c] = 1.0
        if kind == "current":
            obs = np.array([self.current.get(c, (np.nan, np.nan)) for c in COMPONENTS])
            ok = np.isfinite(obs[:, 1]) & (obs[:, 1] > 0)
            w = np.where(ok, 1.0 / np.where(ok, obs[:, 1], 1.0), 0.0)
            z = np.nan_to_num(obs[:, 0])
            prec = np.einsum("nji,j,njk->nik", B, w, B) + np.einsum("ni,ij->nij", 1.0 / np.maximum(prior_var, 1e-12),
                                                                      np.eye(k))
            cov = np.linalg.inv(prec)
            mean = np.einsum("nij,nkj,k->ni", cov, B, w * z)
            root = np.linalg.cholesky((cov + np.swapaxes(cov, 1, 2)) / 2)
            latent = mean + np.einsum("nij,nj->ni", root, rng.standard_normal((pool, k)))
        else:
            latent = rng.standard_normal((pool, k)) * np.sqrt(prior_var)
        shifts = np.einsum("nij,nj->ni", B, latent)
        f = latent[:, 0]
        out = pd.DataFrame(shifts, columns=list(COMPONENTS))
        if stratify:
            order = np.argsort(f, kind="stable")
            pick = ((np.arange(n) + rng.random(n)) / n * pool).astype(int)
            out = out.iloc[order[np.minimum(pick, pool - 1)]].iloc[rng.permutation(n)].reset_index(drop=True)
        return out


# --------------------------------------------------------------------------- the fit
def _prior_draws(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n × 7`` draws on the working scale (:data:`HYPER`, the sds as logs)."""
    p = PRIOR
    tau = np.abs(rng.standard_t(p["tau_df"], n)) * p["tau_scale"]
    s_pre = np.abs(rng.standard_normal(n)) * p["sigma_pre_scale"]
    s_loss = np.abs(rng.standard_normal(n)) * p["sigma_loss_scale"]
    s_in = np.abs(rng.standard_t(p["sigma_inflow_df"], n)) * p["sigma_inflow_scale"]
    lam = rng.normal(0, p["loading_sd"], (n, 3))
    return np.column_stack([np.log(tau), lam[:, 0], np.log(s_pre), lam[:, 1], np.log(s_loss), lam[:, 2],
                            np.log(s_in)])


def _log_prior(theta: np.ndarray) -> np.ndarray:
    """Log prior density on the working scale (Jacobians of the logs included)."""
    p = PRIOR

    def half_t(log_x, df, scale):
        return np.log(2) + stats.t.logpdf(np.exp(log_x) / scale, df) - np.log(scale) + log_x

    def half_normal(log_x, scale):
        return np.log(2) + stats.norm.logpdf(np.exp(log_x) / scale) - np.log(scale) + log_x

    return (half_t(theta[:, 0], p["tau_df"], p["tau_scale"])
            + stats.norm.logpdf(theta[:, [1, 3, 5]], 0, p["loading_sd"]).sum(axis=1)
            + half_normal(theta[:, 2], p["sigma_pre_scale"]) + half_normal(theta[:, 4], p["sigma_loss_scale"])
            + half_t(theta[:, 6], p["sigma_inflow_df"], p["sigma_inflow_scale"]))


class _Likelihood:
    """The exact Gaussian likelihood of the year contrasts of every component."""

    def __init__(self, evidence: dict[str, YearEvidence]):
        comps = [c for c in COMPONENTS if c in evidence and len(evidence[c].years) >= 2]
        self.comps = comps
        blocks, noise, x = [], [], []
        for c in comps:
            ev = evidence[c]
            T = helmert(len(ev.years))
            blocks.append((c, T, ev.years))
            x.append(T @ ev.estimate)
            noise.append(T @ ev.cov @ T.T)
        self.x = np.concatenate(x) if x else np.zeros(0)
        n = self.x.size
        self.noise = np.zeros((n, n))
        offs = np.cumsum([0] + [b[1].shape[0] for b in blocks])
        for i, nz in enumerate(noise):
            vals, vecs = np.linalg.eigh((nz + nz.T) / 2)  # a covariance: no negative rounding
            self.noise[offs[i]:offs[i + 1], offs[i]:offs[i + 1]] = (vecs * np.clip(vals, 0, None)) @ vecs.T
        # M[(c, c')]: contrasts of c against contrasts of c' where their years match
        self.M = {}
        for i, (c, Ti, yi) in enumerate(blocks):
            for j, (c2, Tj, yj) in enumerate(blocks):
                E = (np.array(yi)[:, None] == np.array(yj)[None, :]).astype(float)
                big = np.zeros((n, n))
                big[offs[i]:offs[i + 1], offs[j]:offs[j + 1]] = Ti @ E @ Tj.T
                self.M[(COMPONENTS.index(c), COMPONENTS.index(c2))] = big
        self.n_years = max((len(b[2]) for b in blocks), default=0)

    def __call__(self, theta: np.ndarray) -> np.ndarray:
        if self.x.size == 0:
            return np.zeros(len(theta))
        # far outside anything the prior allows: no likelihood worth computing
        sane = (np.abs(theta[:, [1, 3, 5]]) < 8).all(axis=1) & (theta[:, _LOGS] < 2.0).all(axis=1) \
            & (theta[:, _LOGS] > -12).all(axis=1)
        out = np.full(len(theta), -np.inf)
        if sane.any():
            out[sane] = self._loglik(theta[sane])
        return out

    def _loglik(self, theta: np.ndarray) -> np.ndarray:
        tau = np.exp(theta[:, 0])
        lam = np.column_stack([np.ones(len(theta)), theta[:, 1], theta[:, 3], theta[:, 5]])
        S = (tau**2)[:, None, None] * lam[:, :, None] * lam[:, None, :]
        for c, j in ((1, 2), (2, 4), (3, 6)):
            S[:, c, c] += np.exp(theta[:, j]) ** 2
        K = np.broadcast_to(self.noise, (len(theta),) + self.noise.shape).copy()
        for (a, b), M in self.M.items():
            K += S[:, a, b][:, None, None] * M
        L = np.linalg.cholesky(K + 1e-9 * np.eye(K.shape[1]))
        z = np.linalg.solve(L, np.broadcast_to(self.x, (len(theta), self.x.size))[..., None])[..., 0]
        logdet = 2 * np.log(np.diagonal(L, axis1=1, axis2=2)).sum(axis=1)
        return -0.5 * (logdet + (z**2).sum(axis=1) + self.x.size * np.log(2 * np.pi))


def fit_year_shock(evidence: dict[str, YearEvidence], current_year: int, *, rng=0,
                   n_importance: int = N_IMPORTANCE) -> YearShockPosterior:
    """The posterior of the year-to-year variation from the years' evidence (adaptive
    importance sampling: the prior, then up to six rounds of a multivariate-t proposal).

    Parameters
    ----------
    evidence : component (:data:`COMPONENTS`) -> its
        :class:`~forecasting.progression.YearEvidence` (components may be missing).
    current_year : the as-of calendar year (its evidence conditions that year's shock).
    rng : seed of the importance sampling (the result is reproducible).

    Examples
    --------
    >>> post = fit_year_shock({}, 2024)   # no history: the prior
    >>> bool(0.1 < post.draws["tau"].median() < 0.3)
    True
    """
    rng = np.random.default_rng(rng)
    lik = _Likelihood(evidence)
    theta = _prior_draws(n_importance, rng)
    w = _normalise(lik(theta))
    if lik.x.size:
        # adaptive rounds: a multivariate t fitted to the last round's weighted draws, mixed
        # with the prior (so the tails stay covered), until the weights are even enough
        for _ in range(6):
            mu = w @ theta
            cov = np.cov(theta.T, aweights=w + 1e-300) * 1.5**2 + 1e-6 * np.eye(theta.shape[1])
            proposal = stats.multivariate_t(mu, cov, df=5)
            n_prop = int(n_importance * 0.9)
            theta = np.vstack([proposal.rvs(n_prop, random_state=rng), _prior_draws(n_importance - n_prop, rng)])
            log_q = np.logaddexp(np.log(0.9) + proposal.logpdf(theta), np.log(0.1) + _log_prior(theta))
            w = _normalise(lik(theta) + _log_prior(theta) - log_q)
            if 1.0 / np.sum(w**2) > n_importance / 4:
                break
    ess = float(1.0 / np.sum(w**2))
    if ess < MIN_ESS:
        warnings.warn(f"the posterior of the year-to-year variation rests on an effective {ess:.0f} "
                      "importance draws: its spread is resolved coarsely", YearShockWarning, stacklevel=2)
    # systematic resampling to an equally weighted pool
    cum = np.cumsum(w)
    idx = np.searchsorted(cum, (np.arange(n_importance) + rng.random()) / n_importance)
    t = theta[np.minimum(idx, len(theta) - 1)].copy()
    t[:, _LOGS] = np.exp(t[:, _LOGS])
    draws = pd.DataFrame(t, columns=list(HYPER))
    current = {}
    for c, ev in evidence.items():
        if current_year in ev.years:
            j = ev.years.index(current_year)
            current[c] = (float(ev.estimate[j]), float(ev.cov[j, j]))
    return YearShockPosterior(draws, current, int(current_year), ess, lik.n_years)


def _normalise(log_w: np.ndarray) -> np.ndarray:
    log_w = np.where(np.isfinite(log_w), log_w, -np.inf)
    return np.exp(log_w - special.logsumexp(log_w))


__all__ = ["YearShockPosterior", "YearShockWarning", "fit_year_shock", "COMPONENTS", "HYPER", "PRIOR"]
