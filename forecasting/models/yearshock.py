"""Year-to-year conditions: one shock a year that reaches every stage, the losses and the inflow.

A good or bad year for investment moves the whole pipeline at once: deals close and sites
start faster, fewer projects are abandoned, more leads arrive. Counts over a year compound
that shock through every stage a project passes, so its spread decides how wide a year-ahead
range must be, and a ledger of five or so years cannot pin that spread down. This module
estimates it and carries what is not known into every forecast.

The model, per calendar year ``y`` (a one-factor model)::

    f_y = rho f_(y-1) + sqrt(1 - rho²) u_y,  u_y ~ N(0, tau²)   the year's conditions
    advance log-odds after signing   + f_y   (loading 1: the scale of f; approvals, starts)
    advance log-odds before signing  + lambda_pre f_y + q_y,      q_y ~ N(0, sigma_pre²)
    loss log-odds                    + lambda_loss f_y + r_y,     r_y ~ N(0, sigma_loss²)
    log mean inflow of leads         + lambda_inflow f_y + e_y,   e_y ~ N(0, sigma_inflow²)

A year's conditions persist into the next by ``rho`` (stationary spread ``tau``): a boom
that is not over by December tilts next year too, and a year-ahead forecast made in the
fourth quarter leans on how this year went, as far as the history says years carry over.

The evidence is what the data alone say about each past year (the fits' year effects,
unshrunk: :func:`~forecasting.models.evidence.unshrink`), as contrasts between years (the
levels absorb the average year), each with its sampling covariance. The current year,
part-way through, is one of them: its months so far inform this year's ``f`` (and through
the loadings, this year's losses and inflow) exactly as far as they go.

Priors, weakly informative, from the public figures in ``shared/DOMAIN.md``:

* ``tau``: half-Student-t, 4 degrees of freedom, scale 0.2. Of signed projects "roughly
  45–60 % start within 12 months" (and "57–67 %" in another set of reports): read as
  year-to-year variation of ±1 sd, the share's logit moves by about ±0.3, and a monthly
  log-odds shift ``f`` moves the logit of a one-year share of about 52 % by 1.4 ``f``
  (``-log(1 - p) / p``), so ``tau`` ≈ 0.2; the other reports' 57–67 %, read alike, give
  0.16. The scale takes the wider reading: the prior's mean is 0.2, its median 0.15, and
  the heavy tail keeps 0.5 and more possible (7 % above 0.5). Both ranges span places as
  well as years, so reading them as year-to-year swings is a judgement; with three or
  four years of evidence the posterior leans on it, which is why the fit of the dated
  stages reaches back to the ledger's second year (:func:`~forecasting.models.progression.fit_progression`).
* ``lambda_pre``, ``lambda_loss``, ``lambda_inflow``: N(0, 1). The sign is not imposed: the
  figures say a bad year delays and cancels ("weak demand, investor short of capital"), not
  by how much, nor whether deal-making feels it as the building sites do.
* ``rho``: N(0, 0.5²) truncated to (-0.95, 0.95). DOMAIN.md has no figure on how much of a
  year's conditions carry into the next; the prior is centred on none (years independent)
  and as wide as "half of a year's conditions carry over" at one sd either way, so that a
  decade of history can move it (a judgement).
* ``sigma_pre``: half-normal, scale 0.2 (a judgement); ``sigma_loss``: half-normal, scale 0.3 ("7–15 % are cancelled": a logit range of 0.9,
  ±1.5 sd); ``sigma_inflow``: half-Student-t, 4 df, scale 0.15 (a judgement: a tenth of the
  year's leads either way is common, half is rare).

The posterior is computed by importance sampling (a round from the prior, then rounds of a
widened multivariate t fitted to the last round's weighted draws, mixed with the prior),
with the exact Gaussian likelihood of the contrasts. Given the hyper-parameters, every
year's shifts are Gaussian given the contrasts: :meth:`YearShockPosterior.sample_years`
draws them jointly for the horizon's years (this year conditioned on its months so far and,
through ``rho``, on the years before; next year on this one), as shifts from the average
year the fits' levels stand for. With no usable history the posterior is the
prior, which is wide: the forecasts then say so by their ranges.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from typing import ClassVar, Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from ..errors import ForecastingWarning
from .evidence import YearEvidence, helmert
from .results import ModelResults, SummaryTable

#: Components, in the order of the latent vector (f, then each component's own residual).
COMPONENTS = ("advance", "advance_pre", "loss", "inflow")
#: Hyper-parameters: tau, then per component after the first its loading and residual sd.
HYPER = ("tau", "lambda_pre", "sigma_pre", "lambda_loss", "sigma_loss", "lambda_inflow", "sigma_inflow", "rho")
#: Prior scales (see the module docstring for their provenance).
PRIOR = {"tau_scale": 0.2, "tau_df": 4.0, "loading_sd": 1.0, "sigma_pre_scale": 0.2, "sigma_loss_scale": 0.3,
         "sigma_inflow_scale": 0.15, "sigma_inflow_df": 4.0, "rho_sd": 0.5, "rho_max": 0.95}
_LOGS = [0, 2, 4, 6]  # hyper-parameters sampled on the log scale
_RHO = 7  # sampled as atanh(rho)
#: Draws per importance-sampling round, and the pool kept.
N_IMPORTANCE = 6000
#: Below this effective sample size the posterior is flagged.
MIN_ESS = 200


class YearShockWarning(ForecastingWarning):
    """The posterior of the year-to-year variation is poorly resolved."""


@dataclass(frozen=True)
class YearShockPosterior(ModelResults):
    """The posterior of the year-to-year variation (:func:`fit_year_shock`).

    Attributes
    ----------
    draws : equally weighted posterior draws of :data:`HYPER`.
    current : ``(value, variance)`` per component of the as-of year's evidence (NaN where
        there is none), for display.
    current_year : the as-of calendar year.
    ess : effective sample size of the importance weights.
    n_years : years of evidence used.
    """

    draws: pd.DataFrame
    current: dict[str, tuple[float, float]]
    current_year: int
    ess: float
    n_years: int
    likelihood: "ShockLikelihood | None" = field(default=None, repr=False, compare=False)

    title: ClassVar[str] = "Year-to-year variation: posterior of the common yearly shocks' hyper-parameters"

    @property
    def params(self) -> pd.Series:
        """Posterior means of the hyper-parameters (:data:`HYPER`)."""
        return self.draws.mean()

    def cov_params(self) -> pd.DataFrame:
        """Posterior covariance of the hyper-parameters, from the draws."""
        return self.draws.cov()

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Central ``1 - alpha`` posterior intervals (quantiles of the draws: the posterior of a
        spread is skewed, so not the Wald interval the other models give)."""
        if not 0 < alpha < 1:
            raise ValueError(f"alpha must lie strictly between 0 and 1 (0.05 gives 95 % intervals); got {alpha}")
        q = self.draws.quantile([alpha / 2, 1 - alpha / 2]).T
        q.columns = ["lower", "upper"]
        return q

    def summary_notes(self) -> tuple[str, ...]:
        return (f"{len(self.draws)} posterior draws (effective sample size {self.ess:.0f}) from {self.n_years} years "
                "of evidence; intervals are posterior quantiles",)

    def summary(self, alpha: float = 0.05) -> SummaryTable:
        """Posterior mean, sd and central ``1 - alpha`` interval of each hyper-parameter."""
        frame = pd.concat([self.params.rename("estimate"), self.draws.std().rename("se"), self.conf_int(alpha)], axis=1)
        return SummaryTable(self.title, frame, self.summary_notes())

    def sample(self, n: int, *, kind: Literal["current", "future"], rng, stratify: bool = False
               ) -> pd.DataFrame:
        """``n`` joint draws of one year's shifts, one column per component (:data:`COMPONENTS`).

        ``kind="current"`` is the as-of year, conditioned on its months so far; ``"future"``
        the year after it (which leans on this one through ``rho``). See :meth:`sample_years`.
        """
        year = self.current_year + (0 if kind == "current" else 1)
        s = self.sample_years(n, [year], rng=rng, stratify_year=year if stratify else None)
        return pd.DataFrame(s[:, 0, :], columns=list(COMPONENTS))

    def sample_years(self, n: int, years, *, rng, stratify_year: int | None = None) -> np.ndarray:
        """``n`` joint draws of the shifts of ``years`` (``n × len(years) × component``).

        Each draw takes one posterior draw of the hyper-parameters and, given them, the
        years' conditions from their Gaussian posterior given every year's evidence (so the
        as-of year is conditioned on its months so far, a year after it on that year through
        ``rho``, a year with no evidence on its neighbours). The shifts are measured from the
        average of the years the evidence covers, which is what the fits' levels stand for.
        With ``stratify_year`` the draws are spread over the quantiles of that year's
        advance shift (one per stratum, in random order), so that ``n`` draws resolve its
        distribution as well as many more would.
        """
        rng = np.random.default_rng(rng)
        years = [int(y) for y in years]
        pool = n * (16 if stratify_year is not None else 1)
        theta = self.draws.iloc[rng.integers(len(self.draws), size=pool)].to_numpy(float)
        lik = self.likelihood if self.likelihood is not None else ShockLikelihood({})
        out = np.empty((pool, len(years), len(COMPONENTS)))
        for lo in range(0, pool, _CHUNK):  # bounded memory: P × P per draw
            hi = min(lo + _CHUNK, pool)
            out[lo:hi] = lik.conditional_draws(theta[lo:hi], years, rng)
        if stratify_year is not None:
            f = out[:, years.index(int(stratify_year)), 0]
            order = np.argsort(f, kind="stable")
            pick = ((np.arange(n) + rng.random(n)) / n * pool).astype(int)
            out = out[order[np.minimum(pick, pool - 1)]][rng.permutation(n)]
        return out


#: Hyper-parameter draws per block of the conditional sampling.
_CHUNK = 1024


# --------------------------------------------------------------------------- the fit
def _prior_draws(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n × 8`` draws on the working scale (:data:`HYPER`, the sds as logs, rho as atanh)."""
    p = PRIOR
    tau = np.abs(rng.standard_t(p["tau_df"], n)) * p["tau_scale"]
    s_pre = np.abs(rng.standard_normal(n)) * p["sigma_pre_scale"]
    s_loss = np.abs(rng.standard_normal(n)) * p["sigma_loss_scale"]
    s_in = np.abs(rng.standard_t(p["sigma_inflow_df"], n)) * p["sigma_inflow_scale"]
    lam = rng.normal(0, p["loading_sd"], (n, 3))
    a = p["rho_max"] / p["rho_sd"]
    rho = stats.truncnorm.rvs(-a, a, scale=p["rho_sd"], size=n, random_state=rng)
    return np.column_stack([np.log(tau), lam[:, 0], np.log(s_pre), lam[:, 1], np.log(s_loss), lam[:, 2],
                            np.log(s_in), np.arctanh(rho)])


def _log_prior(theta: np.ndarray) -> np.ndarray:
    """Log prior density on the working scale (Jacobians of the logs and of atanh included;
    the truncation's constant left out)."""
    p = PRIOR

    def half_t(log_x, df, scale):
        return np.log(2) + stats.t.logpdf(np.exp(log_x) / scale, df) - np.log(scale) + log_x

    def half_normal(log_x, scale):
        return np.log(2) + stats.norm.logpdf(np.exp(log_x) / scale) - np.log(scale) + log_x

    rho = np.tanh(theta[:, _RHO])
    log_rho = np.where(np.abs(rho) < p["rho_max"], stats.norm.logpdf(rho, 0, p["rho_sd"]) + np.log1p(-rho**2),
                       -np.inf)
    return (half_t(theta[:, 0], p["tau_df"], p["tau_scale"])
            + stats.norm.logpdf(theta[:, [1, 3, 5]], 0, p["loading_sd"]).sum(axis=1)
            + half_normal(theta[:, 2], p["sigma_pre_scale"]) + half_normal(theta[:, 4], p["sigma_loss_scale"])
            + half_t(theta[:, 6], p["sigma_inflow_df"], p["sigma_inflow_scale"]) + log_rho)


def _natural(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``tau``, loadings and residual sds per component (advance: 1 and 0), ``rho``, from
    draws on the natural scale (the columns of :data:`HYPER`)."""
    m = len(theta)
    lam = np.column_stack([np.ones(m), theta[:, 1], theta[:, 3], theta[:, 5]])
    sig = np.column_stack([np.zeros(m), theta[:, 2], theta[:, 4], theta[:, 6]])
    return theta[:, 0], lam, sig, theta[:, _RHO]


def _to_natural(theta: np.ndarray) -> np.ndarray:
    out = theta.copy()
    out[:, _LOGS] = np.exp(out[:, _LOGS])
    out[:, _RHO] = np.tanh(out[:, _RHO])
    return out


class ShockLikelihood:
    """The exact Gaussian likelihood of the year contrasts of every component, and the
    years' conditions given them.

    The evidence is stacked in rows (component, year); ``A`` maps the rows to each
    component's orthonormal contrasts (:func:`~forecasting.models.evidence.helmert`), ``x``
    holds the contrasts and ``noise`` their sampling covariance.
    """

    def __init__(self, evidence: dict[str, YearEvidence]):
        comps = [c for c in COMPONENTS if c in evidence and len(evidence[c].years) >= 2]
        self.comps = comps
        self.years_of = {c: tuple(int(y) for y in evidence[c].years) for c in comps}
        rows_c, rows_y, blocks, noise, x = [], [], [], [], []
        for c in comps:
            ev = evidence[c]
            T = helmert(len(ev.years))
            blocks.append(T)
            rows_c += [COMPONENTS.index(c)] * len(ev.years)
            rows_y += list(self.years_of[c])
            x.append(T @ ev.estimate)
            nz = T @ ev.cov @ T.T
            vals, vecs = np.linalg.eigh((nz + nz.T) / 2)  # a covariance: no negative rounding
            noise.append((vecs * np.clip(vals, 0, None)) @ vecs.T)
        self.x = np.concatenate(x) if x else np.zeros(0)
        n, N = self.x.size, len(rows_c)
        self.row_comp, self.row_year = np.array(rows_c, int), np.array(rows_y, int)
        self.A = np.zeros((n, N))
        self.noise = np.zeros((n, n))
        r = c0 = 0
        for T, nz in zip(blocks, noise):
            k = T.shape[1]
            self.A[r:r + k - 1, c0:c0 + k] = T
            self.noise[r:r + k - 1, r:r + k - 1] = nz
            r, c0 = r + k - 1, c0 + k
        self.lag = np.abs(self.row_year[:, None] - self.row_year[None, :])
        self.same = (self.row_comp[:, None] == self.row_comp[None, :]) & (self.lag == 0)
        self.n_years = max((len(y) for y in self.years_of.values()), default=0)

    # ---- the likelihood of the contrasts
    def __call__(self, theta: np.ndarray) -> np.ndarray:
        """Log-likelihood of draws on the working scale."""
        if self.x.size == 0:
            return np.zeros(len(theta))
        # far outside anything the prior allows: no likelihood worth computing
        sane = (np.abs(theta[:, [1, 3, 5]]) < 8).all(axis=1) & (theta[:, _LOGS] < 2.0).all(axis=1) \
            & (theta[:, _LOGS] > -12).all(axis=1) & (np.abs(np.tanh(theta[:, _RHO])) < PRIOR["rho_max"])
        out = np.full(len(theta), -np.inf)
        if sane.any():
            L = np.linalg.cholesky(self._K(_to_natural(theta[sane])))
            z = np.linalg.solve(L, np.broadcast_to(self.x, (len(L), self.x.size))[..., None])[..., 0]
            logdet = 2 * np.log(np.diagonal(L, axis1=1, axis2=2)).sum(axis=1)
            out[sane] = -0.5 * (logdet + (z**2).sum(axis=1) + self.x.size * np.log(2 * np.pi))
        return out

    def _K(self, nat: np.ndarray) -> np.ndarray:
        """Covariance of the contrasts for draws on the natural scale."""
        tau, lam, sig, rho = _natural(nat)
        lr, sr = lam[:, self.row_comp], sig[:, self.row_comp]
        C = _powers(rho, self.lag) * ((tau**2)[:, None, None] * lr[:, :, None] * lr[:, None, :])
        C += self.same[None] * (sr**2)[:, :, None]
        K = _sandwich(self.A, C) + self.noise
        return K + 1e-9 * np.eye(K.shape[1])

    # ---- the years' conditions given the contrasts
    def conditional_draws(self, nat: np.ndarray, years: list[int], rng: np.random.Generator) -> np.ndarray:
        """For each hyper draw (natural scale), one draw of every component's shift in each
        of ``years`` from its Gaussian posterior given the contrasts (``m × years × comps``)."""
        m, k = len(nat), len(COMPONENTS)
        tau, lam, sig, rho = _natural(nat)
        grid = sorted(set(self.row_year.tolist()) | set(years))
        Y = len(grid)
        gi = {y: i for i, y in enumerate(grid)}
        P = k * Y  # latent: f on the grid, then each residual component on the grid
        lag = np.abs(np.subtract.outer(np.array(grid), np.array(grid)))
        S = np.zeros((m, P, P))
        S[:, :Y, :Y] = (tau**2)[:, None, None] * _powers(rho, lag)
        for c in range(1, k):
            idx = np.arange(c * Y, (c + 1) * Y)
            S[:, idx, idx] = (sig[:, c] ** 2)[:, None]

        def loading_map(comp: int, weights: np.ndarray) -> np.ndarray:
            """``m × P``: lam_comp * (weights · f) + (weights · residual_comp)."""
            g = np.zeros((m, P))
            g[:, :Y] = lam[:, comp][:, None] * weights[None, :]
            if comp:
                g[:, comp * Y:(comp + 1) * Y] = weights[None, :]
            return g

        # what each target shift is: the year's level minus the evidence years' average
        G = np.zeros((m, len(years) * k, P))
        for j, y in enumerate(years):
            for c, name in enumerate(COMPONENTS):
                w = np.zeros(Y)
                w[gi[y]] = 1.0
                if name in self.years_of:
                    w[[gi[v] for v in self.years_of[name]]] -= 1.0 / len(self.years_of[name])
                G[:, j * k + c] = loading_map(c, w)
        GS = G @ S
        cov = GS @ np.swapaxes(G, 1, 2)
        mean = np.zeros((m, len(years) * k))
        if self.x.size:
            H = np.zeros((m, len(self.row_comp), P))  # the evidence rows as maps of the latent
            for r, (c, y) in enumerate(zip(self.row_comp, self.row_year)):
                w = np.zeros(Y)
                w[gi[int(y)]] = 1.0
                H[:, r] = loading_map(int(c), w)
            AH = self.A @ H  # m × n × P
            V = GS @ np.swapaxes(AH, 1, 2)  # Cov(target, contrasts): m × Q × n
            K = AH @ S @ np.swapaxes(AH, 1, 2) + self.noise + 1e-9 * np.eye(self.x.size)
            Lk = np.linalg.cholesky(K)
            W = np.linalg.solve(Lk, np.swapaxes(V, 1, 2))  # m × n × Q
            mean = np.einsum("mnq,mn->mq", W, np.linalg.solve(Lk, np.broadcast_to(self.x, (m, self.x.size))[..., None])[..., 0])
            cov = cov - np.swapaxes(W, 1, 2) @ W
        vals, vecs = np.linalg.eigh((cov + np.swapaxes(cov, 1, 2)) / 2)
        root = vecs * np.sqrt(np.clip(vals, 0, None))[:, None, :]
        draw = mean + np.einsum("mqr,mr->mq", root, rng.standard_normal((m, len(years) * k)))
        return draw.reshape(m, len(years), k)


def _powers(rho: np.ndarray, lag: np.ndarray) -> np.ndarray:
    """``rho ** lag`` for every draw (``m × lag.shape``), by table lookup (lags are small integers)."""
    table = rho[:, None] ** np.arange(int(lag.max(initial=0)) + 1)[None, :]
    return table[:, lag]


def _sandwich(A: np.ndarray, C: np.ndarray) -> np.ndarray:
    """``A @ C[i] @ A.T`` for every ``i``, as two large matrix products."""
    m, N, _ = C.shape
    X = (A @ C.transpose(1, 0, 2).reshape(N, m * N)).reshape(A.shape[0], m, N).transpose(1, 0, 2)
    return (X.reshape(-1, N) @ A.T).reshape(m, A.shape[0], A.shape[0])


def fit_year_shock(evidence: dict[str, YearEvidence], current_year: int, *, rng=0,
                   n_importance: int = N_IMPORTANCE) -> YearShockPosterior:
    """The posterior of the year-to-year variation from the years' evidence (adaptive
    importance sampling: the prior, then up to six rounds of a multivariate-t proposal).

    Parameters
    ----------
    evidence : component (:data:`COMPONENTS`) -> its
        :class:`~forecasting.models.evidence.YearEvidence` (components may be missing).
    current_year : the as-of calendar year (its evidence conditions that year's shock).
    rng : seed of the importance sampling (the result is reproducible).

    Examples
    --------
    >>> post = fit_year_shock({}, 2024)   # no history: the prior
    >>> bool(0.1 < post.draws["tau"].median() < 0.3)
    True
    """
    rng = np.random.default_rng(rng)
    # the evidence to 1e-6 (effects) and 1e-7 (their covariance), far inside its error: the
    # fits' last-digit noise (a renamed district sums its categories in another order) then
    # stops here, instead of moving the adaptive proposals until the resampling picks another draw
    evidence = {c: replace(ev, estimate=np.round(ev.estimate, 6), cov=np.round(ev.cov, 7))
                for c, ev in evidence.items()}
    lik = ShockLikelihood(evidence)
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
    draws = pd.DataFrame(_to_natural(theta[np.minimum(idx, len(theta) - 1)]), columns=list(HYPER))
    current = {}
    for c, ev in evidence.items():
        if current_year in ev.years:
            j = ev.years.index(current_year)
            current[c] = (float(ev.estimate[j]), float(ev.cov[j, j]))
    return YearShockPosterior(draws, current, int(current_year), ess, lik.n_years, lik)


def _normalise(log_w: np.ndarray) -> np.ndarray:
    log_w = np.where(np.isfinite(log_w), log_w, -np.inf)
    return np.exp(log_w - special.logsumexp(log_w))


__all__ = ["YearShockPosterior", "YearShockWarning", "fit_year_shock", "COMPONENTS", "HYPER", "PRIOR"]
