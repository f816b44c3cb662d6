"""Designation as a Jiangsu provincial major project, following the province's yearly rhythm.

Nominations happen late in the year (a project shows as ``candidate`` in the Q4 snapshot),
and the province decides early in the next (``designated`` with that ``provincial_year``
by the Q1 snapshot). So for a target year ``Y``:

* as of Q1 of ``Y`` or later the answer is known (settled elsewhere);
* as of Q4 of ``Y - 1``, a candidate is designated with ``P(designate | candidate)``, and a
  project that was not nominated will not be;
* earlier, ``P = P(signed, not lost, not yet operating at the end of September Y - 1)``
  ``× P(nominate | eligible) × P(designate | candidate)``, the first factor from the
  progression model.

Both conditional probabilities are logistic in log investment, sector and stage, with
ridge priors (designations are a handful a year), fitted on the history's Q4 and Q1
snapshots. Log investment is centred on the median amount of the projects the step is
fitted on (the eligible projects for nomination), a statistic of the data rather than a
fixed reference size, so the intercept is the log-odds of a typical eligible project.

**Quota or independent decisions; absolute or relative size.** A province that judges each
candidate on its own looks at its size: the expected count grows with the pool. One that
fills a quota takes about a fixed number, the largest of the year's candidates whatever
their absolute size: each candidate's chance is about its share of the year's list. So
designation has two size terms with the same ridge prior: log amount over the eligible
median (absolute) and the log of the candidate's share of the year's candidates' total
amount (relative). The share falls as the pool grows, so a quota is a relative-size
coefficient near (or above) 1 and independent decisions an absolute one: the years' pools
and the sizes of their candidates decide between them, and without such variation the fit
splits the size effect evenly (between the regimes). (Measured on generator B, a quota of
the largest, at Q4 origins over 30 districts: a relative size over the mean log amount,
the earlier form, made the count follow the candidates' spread in size, not their number.)
A remaining pool effect, ``γ · log(n / n_ref)`` (``n``: the number of candidates in the Q4
snapshot, ``n_ref`` the mean pool of the fitted snapshots, :attr:`ProvincialResults.pool_ref`),
has the prior ``γ ~ N(0, 0.5²)``: zero under both regimes in this form. With a single Q4
snapshot γ stays at its prior, and its uncertainty is carried by the parameter draws
(:meth:`ProvincialResults.sample`). The ridge penalty is ``Σ w (b − m)²`` with prior means
``m`` (zero for every coefficient).

**A typical year's count.** Two or three decided lists say little about a district's rate
(two designations and one are as likely from a rate of three a year as from one). So the
fit also holds a prior on the fitted years' mean expected count ``c``: ``log c ~ N(log 3,
log(2)²)``. Provenance: shared/DOMAIN.md, "The 2024 goals": Hailing's goal was to add three
Jiangsu provincial major projects in the year, taken as a typical district's year, with a
factor of two either way as one sd (an estimate: the list's size itself moved from 220–240
to 510, "The provincial major project list").

**The year's luck** (a common shift of the designation log-odds in each year, its spread
carried with its uncertainty): :mod:`forecasting.models.provincial_year`.

In a forecast the pool (its count and its total amount) is that of the candidates on
the ledger once the list for the year is known (as of 31 December of the year before or later); earlier it is expected,
under each parameter draw, from the projects' chances of being eligible in September and
nominated (``forecasting.simulation.rows.row_events``).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import special, stats

from ..errors import ConvergenceWarning, SparseDataWarning
from ..history.histories import History
from .glm import mvn
from .provincial_year import draw_year_sd, estimate_year_sd, size_slope, year_sd_dof
from .results import ModelResults

_ELIGIBLE = ("signed", "approved", "under_construction")
#: Name of the designation step's pool coefficient γ.
POOL = "log_pool_over_mean"
#: Name of the designation step's coefficient of size relative to the year's candidates.
RELATIVE = "log_size_over_pool"
#: Prior of γ (module docstring): the pool's effect beyond the candidate's share, mean and sd.
POOL_PRIOR_MEAN, POOL_PRIOR_SD = 0.0, 0.5
#: Prior of a typical year's designations (module docstring): median count and sd of its log.
COUNT_PRIOR, COUNT_PRIOR_LOG_SD = 3.0, float(np.log(2.0))


def design_matrix(frame: pd.DataFrame, sectors: list[str], centre_bn: float,
            log_pool: np.ndarray | None = None, pool_logamount: np.ndarray | None = None) -> np.ndarray:
    """Design matrix; for the designation step (``log_pool`` and ``pool_logamount``, one value
    per row: log pool over its reference, the log of the year's candidates' total amount) the
    relative-size (log share of that total) and pool columns are appended."""
    amount = frame["investment_bn"].to_numpy(float)
    built = frame["stage"].isin(["approved", "under_construction"]).to_numpy(float)
    sec = np.column_stack([(frame["sector"].to_numpy() == s).astype(float) for s in sectors])
    cols = [np.ones(len(frame)), np.log(amount / centre_bn), built, sec]
    if log_pool is not None:
        cols.append(np.log(amount) - np.asarray(pool_logamount, float).reshape(len(frame)))
        cols.append(np.asarray(log_pool, float).reshape(len(frame), 1))
    return np.column_stack(cols)


def coefficient_names(sectors: list[str], *, pool: bool = False) -> list[str]:
    names = ["const", "log_size_over_median", "approved_or_building", *[f"sector:{s}" for s in sectors]]
    return names + [RELATIVE, POOL] if pool else names


def _weights(sectors: list[str], *, pool: bool = False) -> np.ndarray:
    w = [1e-3, 0.05, 0.5, *[2.0] * len(sectors)]
    # the relative size has the absolute size's prior: without years whose candidates differ
    # in size the fit splits the size effect evenly between the two (between the regimes)
    return np.array(w + [w[1], 1 / (2 * POOL_PRIOR_SD**2)] if pool else w)


def _prior_means(sectors: list[str], *, pool: bool = False) -> np.ndarray:
    m = np.zeros(3 + len(sectors))
    return np.r_[m, 0.0, POOL_PRIOR_MEAN] if pool else m


def fit_step(y: np.ndarray, X: np.ndarray, w: np.ndarray, what: str, *, max_iter: int = 50,
         m: np.ndarray | None = None, n_years: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Penalised fit (prior means ``m``, default zero; with ``n_years`` the rows are that many
    years' lists and the count prior applies, :func:`penalised_logit`); with no rows the fixed
    fallback."""
    m = np.zeros(X.shape[1]) if m is None else np.asarray(m, float)
    if len(y) == 0:
        warnings.warn(
            f"no history to fit P({what}) on (no Q4 snapshot with such projects, or none followed by a "
            f"Q1 decision): it is assumed to be {1 / (1 + np.exp(6.0)):.2%} for every project, whatever "
            "its size and sector, with a wide uncertainty (sd 1 on every log-odds coefficient)",
            SparseDataWarning, stacklevel=3)
        return np.r_[-6.0, m[1:]], np.eye(X.shape[1])
    params, cov, converged = penalised_logit(y, X, w, max_iter, m, n_years)
    if not converged:
        warnings.warn(
            f"the provincial model's fit of P({what}) did not converge in {max_iter} Newton steps: its "
            "probabilities are the last iterate's and may be off, and so may the provincial-list forecast",
            ConvergenceWarning, stacklevel=3)
    return params, cov


def penalised_logit(y: np.ndarray, X: np.ndarray, w: np.ndarray, max_iter: int,
                     m: np.ndarray | None = None, n_years: int | None = None) -> tuple[np.ndarray, np.ndarray, bool]:
    """Logistic regression maximising ``loglik − Σ w (b − m)²`` (a normal prior with means
    ``m``, default zero), by Newton's method with step halving: the penalised likelihood is
    strictly concave, so this converges from the prior even where the classes separate (a
    list that takes exactly the largest projects). Returns the estimates, their covariance
    (inverse penalised Hessian) and whether it converged.

    With ``n_years`` (the rows are that many years' candidate lists) the objective also holds
    the prior on the fitted years' mean count ``c = Σ p / n_years``,
    ``log c ~ N(log COUNT_PRIOR, COUNT_PRIOR_LOG_SD²)``; its curvature enters the Hessian in
    the Gauss–Newton form (positive definite, so every step still ascends)."""
    m = np.zeros(X.shape[1]) if m is None else np.asarray(m, float)
    b = m.copy()

    def count_term(beta: np.ndarray) -> tuple[float, np.ndarray]:
        """The count prior's standardised deviation ``(log c − log COUNT_PRIOR) / sd`` and its gradient."""
        if not n_years:
            return 0.0, np.zeros(X.shape[1])
        p = special.expit(X @ beta)
        c = max(float(p.sum()) / n_years, 1e-300)
        return ((np.log(c) - np.log(COUNT_PRIOR)) / COUNT_PRIOR_LOG_SD,
                X.T @ (p * (1 - p)) / (n_years * c * COUNT_PRIOR_LOG_SD))

    def objective(beta: np.ndarray) -> float:
        eta = X @ beta
        return float(np.sum(y * eta - np.logaddexp(0.0, eta)) - np.sum(w * (beta - m)**2) - 0.5 * count_term(beta)[0]**2)

    def hessian(beta: np.ndarray) -> np.ndarray:
        p = special.expit(X @ beta)
        g = count_term(beta)[1]
        return (X * (p * (1 - p))[:, None]).T @ X + np.diag(2 * w) + np.outer(g, g)

    value, converged = objective(b), False
    for _ in range(max_iter):
        p = special.expit(X @ b)
        dev, g = count_term(b)
        grad = X.T @ (y - p) - 2 * w * (b - m) - dev * g
        step = np.linalg.solve(hessian(b), grad)
        t = 1.0
        while t > 1e-6 and objective(b + t * step) < value - 1e-12:
            t /= 2
        b = b + t * step
        value = objective(b)
        if np.max(np.abs(t * step)) < 1e-8:
            converged = True
            break
    return b, np.linalg.inv(hessian(b)), converged and bool(np.isfinite(b).all())


@dataclass(frozen=True, eq=False)
class ProvincialResults(ModelResults):
    """Fitted nomination and designation curves; ``size_centre_bn`` is the amount log size is
    centred on (the median of the eligible projects the nomination step was fitted on);
    ``pool_ref`` the pool the designation step's ``log(pool / pool_ref)`` is centred on (the
    mean number of candidates of the fitted Q4 snapshots), ``pools`` those numbers by the
    year of the decision and ``pool_logamount_ref`` the mean over those years of the log of the
    candidates' total amount (bn). ``year_sd``: sd of the year's common shift of the designation
    log-odds (:func:`estimate_year_sd`), known to ``year_sd_dof`` years (infinite: known)."""

    sectors: list[str]
    nominate: pd.Series
    nominate_cov: np.ndarray
    designate: pd.Series
    designate_cov: np.ndarray
    n_nominated: int
    n_designated: int
    size_centre_bn: float
    pool_ref: float = 1.0
    pools: dict[int, int] = field(default_factory=dict)
    pool_logamount_ref: float = 0.0
    year_sd: float = 0.0
    year_sd_dof: float = float("inf")

    title: ClassVar[str] = "Provincial list: October nomination, January designation (logits)"

    @property
    def gamma(self) -> float:
        """The designation step's pool coefficient: 0 independent decisions, −1 a quota."""
        return float(self.designate[POOL])

    def gamma_interval(self, level: float = 0.9) -> tuple[float, float]:
        """Central ``level`` interval of γ (normal, from the fit's covariance)."""
        sd = float(np.sqrt(self.designate_cov[-1, -1]))
        z = stats.norm.ppf(0.5 + level / 2)
        return self.gamma - z * sd, self.gamma + z * sd

    def predict_nominate(self, frame: pd.DataFrame, params: np.ndarray | None = None) -> np.ndarray:
        """P(nominated in October | eligible then): ``draw × project``."""
        b = self.nominate.to_numpy()[None] if params is None else np.atleast_2d(params)
        return 1 / (1 + np.exp(-(design_matrix(frame, self.sectors, self.size_centre_bn) @ b.T).T))

    def predict_designate(self, frame: pd.DataFrame, params: np.ndarray | None = None,
                    pool: float | np.ndarray | None = None,
                    pool_amount: float | np.ndarray | None = None) -> np.ndarray:
        """P(designated in January | candidate): ``draw × project``.

        ``pool``: the number of candidates that year, given the project is one (a number, one
        per project, or ``draw × project``; at least 1, the project itself); ``pool_amount``:
        their total amount (bn, the project's included), in the same shapes. Defaults:
        ``pool_ref`` and ``exp(pool_logamount_ref)``, a typical year of the history.
        """
        b = self.designate.to_numpy()[None] if params is None else np.atleast_2d(params)
        X = design_matrix(frame, self.sectors, self.size_centre_bn)
        eta = (X @ b[:, :-2].T).T  # draw × project
        pool = self.pool_ref if pool is None else pool
        amount = frame["investment_bn"].to_numpy(float)
        m = self.pool_logamount_ref if pool_amount is None else np.log(np.maximum(np.asarray(pool_amount, float), amount))
        log_pool = np.log(np.maximum(np.asarray(pool, float), 1.0) / self.pool_ref)
        relative = np.log(amount) - m
        return 1 / (1 + np.exp(-(eta + b[:, -2:-1] * relative + b[:, -1:] * log_pool)))

    def sample(self, n_draws: int, rng: np.random.Generator | int | None = 0) -> tuple[np.ndarray, np.ndarray]:
        """Draws of both steps' coefficients; each designation draw also carries one year's common
        shift of the log-odds (``N(0, σ_d²)`` on the intercept, ``σ_d`` its own, :meth:`sample_year_sd`):
        a simulated year uses one draw, so its candidates share their year's luck."""
        rng = np.random.default_rng(rng)
        nom = mvn(self.nominate.to_numpy(), self.nominate_cov, n_draws, rng)
        des = mvn(self.designate.to_numpy(), self.designate_cov, n_draws, rng).copy()  # one draw: the fit's own
        if self.year_sd > 0:
            des[:, 0] += self.sample_year_sd(n_draws, rng) * rng.standard_normal(n_draws)
        return nom, des

    def sample_year_sd(self, n_draws: int, rng: np.random.Generator | int | None = 0) -> np.ndarray:
        """Draws of the year shift's sd, ``σ² ~ Scale-inv-χ²(ν, year_sd²)``, ``ν = year_sd_dof``
        (:mod:`~forecasting.models.provincial_year`); ``year_sd`` itself when ``ν`` is infinite."""
        return draw_year_sd(self.year_sd, self.year_sd_dof, n_draws, rng)

    @property
    def params(self) -> pd.Series:
        """Both steps' estimates in one vector: ``nominate:…`` then ``designate:…``."""
        return pd.concat([self.nominate.rename(lambda n: f"nominate:{n}"),
                          self.designate.rename(lambda n: f"designate:{n}")])

    def cov_params(self) -> pd.DataFrame:
        """Covariance of :attr:`params` (the two steps are fitted apart: block diagonal)."""
        k, m = len(self.nominate), len(self.designate)
        cov = np.zeros((k + m, k + m))
        cov[:k, :k], cov[k:, k:] = self.nominate_cov, self.designate_cov
        return pd.DataFrame(cov, index=self.params.index, columns=self.params.index)

    def summary_notes(self) -> tuple[str, ...]:
        return (f"{self.n_nominated} nominations, {self.n_designated} designations; year-to-year sd of the "
                f"designation log-odds {self.year_sd:.3f} (known to {self.year_sd_dof:.0f} years)",)


def fit_provincial(history: History, *, max_iter: int = 50) -> ProvincialResults:
    """Fit both steps on the history's Q4 snapshots and the Q1 decisions that followed.

    The designation step includes the year's pool (the number of candidates in the Q4
    snapshot), whose coefficient tells a quota from independent decisions (module docstring).
    ``max_iter`` bounds each fit's Newton steps; a fit that stops there warns
    (:class:`~forecasting.errors.ConvergenceWarning`), and a step with no history to fit on
    falls back to a small fixed probability and says so (:class:`~forecasting.errors.SparseDataWarning`).

    Examples
    --------
    >>> from forecasting import load_history
    >>> res = fit_provincial(load_history("data"))
    >>> res.n_designated >= 1
    True
    """
    sectors = list(history.district.sectors)
    snaps = history.snapshots
    P = history.projects.set_index("project_id")
    elig_rows, cand_rows, pools = [], [], {}
    for q, snap in snaps.items():
        if not q.endswith("Q4"):
            continue
        year = int(q[:4]) + 1
        eligible = snap[snap["stage"].isin(_ELIGIBLE) & (snap["provincial"] != "designated")]
        elig_rows.append(eligible.assign(y=(eligible["provincial"] == "candidate").astype(float)))
        if f"{year}Q1" in snaps:  # decided
            cand = eligible[eligible["provincial"] == "candidate"]
            later = P.reindex(cand["project_id"])
            y = (later["provincial"].eq("designated") & later["provincial_year"].eq(year)).fillna(False)
            cand_rows.append(cand.assign(y=y.to_numpy(float), year=year, pool=float(len(cand)),
                                         pool_logamount=float(np.log(max(cand["investment_bn"].to_numpy(float).sum(), 1e-9)))))
            pools[year] = len(cand)
    elig = pd.concat(elig_rows, ignore_index=True) if elig_rows else pd.DataFrame(columns=["y"])
    cand = pd.concat(cand_rows, ignore_index=True) if cand_rows else pd.DataFrame(columns=["y"])
    w = _weights(sectors)
    centre = _size_centre(elig, P)
    if not len(cand):  # no Q4 list followed by its January decision (a short history)
        return _fit_from_dates(history, sectors, w, centre, max_iter)
    bn, cn = fit_step(elig["y"].to_numpy(float), design_matrix(elig, sectors, centre) if len(elig) else np.zeros((0, len(w))),
                  w, "nominate | eligible", max_iter=max_iter)
    bd, cd, ref, mref = fit_designation(cand, sectors, centre, max_iter=max_iter)
    eta = design_matrix(cand, sectors, centre, np.log(cand["pool"].to_numpy(float) / ref),
                        cand["pool_logamount"].to_numpy(float)) @ bd
    tau = estimate_year_sd(cand, eta, size_slope(bd))
    return ProvincialResults(sectors, pd.Series(bn, index=coefficient_names(sectors)), cn,
                             pd.Series(bd, index=coefficient_names(sectors, pool=True)), cd,
                             int(elig["y"].sum()) if len(elig) else 0, int(cand["y"].sum()), centre, ref, pools, mref,
                             tau, year_sd_dof(cand, eta, tau))


def fit_designation(cand: pd.DataFrame, sectors: list[str], centre_bn: float, *, max_iter: int = 50
                     ) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Fit P(designate | candidate) on candidate rows (``investment_bn``, ``stage``,
    ``sector``, the outcome ``y``, the decision's ``year``, that year's ``pool``, its number
    of candidates, and ``pool_logamount``, the log of their total amount). Returns the
    estimates (the relative size and the pool coefficient γ last), their covariance and the
    references (the mean pool and mean ``pool_logamount`` over the years). The fit includes
    the prior on a typical year's count (:data:`COUNT_PRIOR`)."""
    per_year = cand.groupby("year")[["pool", "pool_logamount"]].first()
    ref, mref = float(per_year["pool"].mean()), float(per_year["pool_logamount"].mean())
    X = design_matrix(cand, sectors, centre_bn, np.log(cand["pool"].to_numpy(float) / ref), cand["pool_logamount"].to_numpy(float))
    b, cov = fit_step(cand["y"].to_numpy(float), X, _weights(sectors, pool=True), "designate | candidate",
                  max_iter=max_iter, m=_prior_means(sectors, pool=True), n_years=len(per_year))
    return b, cov, ref, mref


def _size_centre(elig: pd.DataFrame, projects: pd.DataFrame) -> float:
    """Median amount (bn) of the eligible project-years; with none, of the signed projects; else 1 bn
    (the provincial list's usual floor, DOMAIN.md: "usually at least 1 bn")."""
    for amounts in (elig.get("investment_bn"), projects["investment_signed"] if "investment_signed" in projects
                    else None):
        if amounts is not None:
            a = pd.to_numeric(amounts, errors="coerce").to_numpy(float)
            a = a[np.isfinite(a) & (a > 0)]
            if a.size:
                return float(np.median(a))
    return 1.0


def _fit_from_dates(history: History, sectors: list[str], w: np.ndarray, centre: float,
                    max_iter: int) -> ProvincialResults:
    """Without a Q4 snapshot followed by the January decision, the two steps cannot be told
    apart: the designations of the last three years (``provincial_year`` of the designated
    projects) are fitted against the projects eligible at the end of September before, as
    the milestone dates show them, as one step ("nominate"; "designate" is then near certain).
    Said in a :class:`~forecasting.errors.ShortHistoryWarning`."""
    from ..errors import ShortHistoryWarning

    P = history.projects
    as_of = history.as_of_date
    rows = []
    for year in range(as_of.year - 2, as_of.year + 1):
        if as_of < pd.Timestamp(f"{year}-01-31"):
            continue
        sep = pd.Timestamp(f"{year - 1}-09-30")
        alive = (P["signed_date"] <= sep) & ~(P["operating_date"] <= sep) & ~(P["lost_date"] <= sep)
        earlier = P["provincial"].eq("designated") & (P["provincial_year"] < year)
        e = P[alive & ~earlier.fillna(False)].copy()
        e["stage"] = np.where(e["groundbreaking_date"] <= sep, "under_construction",
                              np.where(e["approved_date"] <= sep, "approved", "signed"))
        e["y"] = (e["provincial"].eq("designated") & e["provincial_year"].eq(year)).fillna(False).astype(float)
        rows.append(e)
    elig = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["y"])
    bn, cn = fit_step(elig["y"].to_numpy(float), design_matrix(elig, sectors, centre) if len(elig) else np.zeros((0, len(w))),
                  w, "designated | eligible in September", max_iter=max_iter)
    k = len(w) + 2  # the designation step's relative size and pool coefficients, here zero: designation is near certain
    bd, cd = np.r_[6.0, np.zeros(k - 1)], np.eye(k) * 1e-4
    n = int(elig["y"].sum()) if len(elig) else 0
    warnings.warn(
        f"provincial list: no Q4 snapshot followed by January's decision, so nomination and designation "
        f"cannot be told apart; fitted as one step on the {n} designation{'s' if n != 1 else ''} of the last "
        "three years that the ledger's dates show, against the projects eligible each September",
        ShortHistoryWarning, stacklevel=3)
    return ProvincialResults(sectors, pd.Series(bn, index=coefficient_names(sectors)), cn,
                             pd.Series(bd, index=coefficient_names(sectors, pool=True)), cd, n, n, centre)
