"""Stage progression as competing risks in discrete (monthly) time.

In each month a project in stage ``s`` advances to the next stage, is lost, or stays:

.. math::

    P(\\text{advance}) = \\frac{e^{\\eta_a}}{1 + e^{\\eta_a} + e^{\\eta_l}}, \\qquad
    P(\\text{lost}) = \\frac{e^{\\eta_l}}{1 + e^{\\eta_a} + e^{\\eta_l}}

with, for the advance hazard,
``eta_a = const_s + f_s(d) + c_s log(size) + p_s [phase >= 2] + g_s pace``
``        + sector + unit type + unit (before signing) + month of year + year``
and for loss ``eta_l = const_s + a_s log d + b_s d + c_s log(size) + g_s pace + sector``.

* ``d`` is the months already spent in the stage, so durations are not memoryless. The
  advance hazard's duration curve ``f_s`` is, per stage, ``log d``, ``d`` and a restricted
  cubic spline in ``log d`` (knots at quantiles of the stage's observed exits; linear in
  ``log d`` and ``d`` beyond them). Projects differ beyond the covariates and the slow ones
  stay longest, so the population hazard bends in ways no two-term curve follows.
* ``pace`` is the log of the months the project spent per earlier stage: it carries what
  the covariates miss (some investors are simply faster). It depends only on when the
  project was first seen and when it entered the current stage, so it is exact even
  though the ledger does not date the start of negotiation.
* Categorical effects (sector, unit, unit type, month, year) have Gaussian (ridge) priors,
  so sparse categories borrow strength from the pooled estimate. The spreads of the
  year effects (the common shock that moves every project of a year together), of the
  units within their type and of the sectors are estimated by empirical Bayes (Laplace
  approximation, EM updates of each block's variance): a district whose units differ
  little gets unit effects shrunk close to zero instead of fitted noise.

The multinomial logit is fitted jointly (both hazards at once) by penalised
Newton–Raphson on person-month rows, with the exact Hessian; the inverse penalised
Hessian at the mode is the estimates' covariance (the Laplace approximation to their
posterior), from which :meth:`ProgressionResults.sample` draws.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from statsmodels.base._penalized import PenalizedMixin
from statsmodels.genmod.generalized_linear_model import GLM

from ..data.quarters import parse_quarter
from ..data.schema import UNIT_TYPES
from ..errors import ConvergenceWarning, SparseDataWarning
from ..history.episodes import MAX_DURATION, OPEN_STAGES, interval_person_months, month_index, negotiation_windows, spells
from ..history.histories import History

N_STAGES = len(OPEN_STAGES)
#: The open stages before signing (lead, negotiating): their hazards use the pre-signing terms.
PRE = (0, 1)
#: The open stage that ends with groundbreaking (approved).
GROUND = OPEN_STAGES.index("approved")
#: The open stage that ends with operation (under construction).
OPERATE = OPEN_STAGES.index("under_construction")

#: Prior standard deviations of the ridge-penalised blocks (log-odds scale). Those of
#: :data:`EB_BLOCKS` are only starting values: their spread is estimated.
PRIOR_SD = {"sector": 0.3, "unit_type": 0.5, "unit": 0.25, "season": 0.5, "year": 0.2, "spline": 1.0,
            "fixed": 3.0}
#: Blocks whose prior spread is estimated by empirical Bayes (name prefix -> block).
#: The month-of-year blocks are not among them: a calendar is a few sharp months (the
#: Spring Festival dip, the March groundbreakings) among flat ones, which a Gaussian
#: spread estimated from all twelve shrinks away (February's deal-making dip came out at
#: a third of its true depth, and forecasts made in Q1 ran 5 % low on groundbreakings);
#: they keep the fixed prior of :data:`PRIOR_SD` (sd 0.5).
EB_BLOCKS = {"year:": "year", "year_pre:": "year_pre", "lost:year:": "year_lost", "unit:": "unit", "sector_pre:": "sector_pre", "sector_post:": "sector_post",
             "lost:sector:": "sector_lost", "spline": "spline"}
#: Smallest spread empirical Bayes may settle on (keeps the prior proper).
MIN_SD = 0.03
#: Quantiles of the observed exit durations (log months) where the duration spline has knots.
KNOT_QUANTILES = (0.05, 0.35, 0.65, 0.95)


def _block(name: str) -> str | None:
    """The empirical-Bayes block a coefficient belongs to (lost-hazard names prefixed ``lost:``)."""
    if ":rcs" in name:
        return "spline"
    return next((b for p, b in EB_BLOCKS.items() if name.startswith(p)), None)


class GLMPenalized(PenalizedMixin, GLM):
    """A statsmodels GLM maximising a penalised likelihood (here: a ridge prior)."""


# ----------------------------------------------------------------------------- duration curve
def rcs_basis(x: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Nonlinear columns of a restricted (natural) cubic spline in ``x`` (Harrell's form):
    ``len(knots) - 2`` columns, zero below the first knot, the curve linear beyond the last."""
    x = np.asarray(x, float)
    t = np.asarray(knots, float)
    k = t.size
    if k < 3:
        return np.zeros((x.size, 0))
    scale = (t[-1] - t[0]) ** 2
    cube = lambda v: np.clip(v, 0.0, None) ** 3  # noqa: E731
    cols = []
    for j in range(k - 2):
        cols.append((cube(x - t[j]) - cube(x - t[-2]) * (t[-1] - t[j]) / (t[-1] - t[-2])
                     + cube(x - t[-1]) * (t[-2] - t[j]) / (t[-1] - t[-2])) / scale)
    return np.column_stack(cols)


def duration_basis(d: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Columns of a stage's duration curve at ``d`` months: ``log d``, ``d / 12``, spline."""
    dd = np.clip(np.asarray(d, float), 1.0, MAX_DURATION)
    logd = np.log(dd)
    return np.column_stack([logd, dd / 12.0, rcs_basis(logd, knots)])


@dataclass
class Design:
    """The columns of the hazard models and where each block sits.

    ``knots[k]`` are the duration spline's knots (log months) for stage ``k``.
    """

    sectors: list[str]
    units: list[str]
    unit_types: list[str]
    years: list[int]
    knots: dict[int, np.ndarray] = field(default_factory=dict)

    def duration_names(self, k: int) -> list[str]:
        n_spline = max(len(self.knots.get(k, ())) - 2, 0)
        return [f"{k}:logd", f"{k}:d"] + [f"{k}:rcs{j + 1}" for j in range(n_spline)]

    def advance_names(self) -> list[str]:
        names = []
        for k in range(N_STAGES):
            names += [f"{k}:const", *self.duration_names(k), f"{k}:logsize", f"{k}:phase2"]
            if k > 0:
                names.append(f"{k}:pace")
        names += [f"sector_pre:{s}" for s in self.sectors] + [f"sector_post:{s}" for s in self.sectors]
        names += [f"unit_type:{t}" for t in self.unit_types] + [f"unit:{u}" for u in self.units]
        names += [f"season:{m}" for m in range(12)] + [f"season_ground:{m}" for m in range(12)]
        names += [f"season_operate:{m}" for m in range(12)]
        # the year's conditions, apart before and after signing: deal-making and the
        # approval-to-construction steps need not feel a good year alike
        names += [f"year:{y}" for y in self.years] + [f"year_pre:{y}" for y in self.years]
        return names

    def lost_names(self) -> list[str]:
        names = []
        for k in range(N_STAGES):
            names += [f"{k}:const", f"{k}:logd", f"{k}:d", f"{k}:logsize"]
            if k > 0:
                names.append(f"{k}:pace")
        names += [f"sector:{s}" for s in self.sectors]
        names += [f"year:{y}" for y in self.years]  # the year's conditions reach losses too
        return names

    @staticmethod
    def prior_sd(names: list[str], sd_blocks: dict[str, float] | None = None, *, lost: bool = False) -> np.ndarray:
        """Prior standard deviation of every coefficient (``sd_blocks`` overrides EB blocks)."""
        sd_blocks = sd_blocks or {}
        out = []
        for n in names:
            key = f"lost:{n}" if lost else n
            block = _block(key)
            if block is not None and block in sd_blocks:
                out.append(sd_blocks[block])
            elif n.startswith("sector"):
                out.append(PRIOR_SD["sector"])
            elif n.startswith("unit_type"):
                out.append(PRIOR_SD["unit_type"])
            elif n.startswith("unit:"):
                out.append(PRIOR_SD["unit"])
            elif n.startswith("season"):
                out.append(PRIOR_SD["season"])
            elif n.startswith("year"):
                out.append(PRIOR_SD["year"])
            elif ":rcs" in n:
                out.append(PRIOR_SD["spline"])
            else:
                out.append(PRIOR_SD["fixed"])
        return np.array(out)

    @staticmethod
    def weights(names: list[str], sd_year: float) -> np.ndarray:
        """Ridge weights ``1 / (2 sd^2)`` (the year block at ``sd_year``)."""
        sd = Design.prior_sd(names, {"year": sd_year})
        return 1.0 / (2.0 * sd**2)


def covariates(projects: pd.DataFrame) -> pd.DataFrame:
    """Per-project covariates the hazards use, indexed by ``project_id``."""
    pre_size = projects["investment_first"].fillna(projects["investment_bn"])
    post_size = projects["investment_signed"].fillna(projects["investment_bn"])
    return pd.DataFrame({
        "sector": projects["sector"].to_numpy(),
        "unit": projects["unit"].to_numpy(),
        "unit_type": projects["unit_type"].to_numpy(),
        "phase2": (projects["phase"].to_numpy() >= 2).astype(float),
        "logsize_pre": np.log(pre_size.to_numpy(float)),
        "logsize_post": np.log(post_size.to_numpy(float)),
    }, index=pd.Index(projects["project_id"].to_numpy(), name="project_id"))


def _onehot(values: np.ndarray, levels: list) -> np.ndarray:
    index = {v: i for i, v in enumerate(levels)}
    pos = np.array([index.get(v, -1) for v in values])
    out = np.zeros((len(values), len(levels)))
    ok = pos >= 0
    out[np.flatnonzero(ok), pos[ok]] = 1.0
    return out


def build_matrices(rows: pd.DataFrame, design: Design) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Design matrices (advance, lost) for person-month ``rows`` joined with covariates
    (sparse: each row touches its own stage's block only)."""
    n = len(rows)
    k = rows["stage_idx"].to_numpy()
    d = rows["duration"].to_numpy()
    logsize = np.where(np.isin(k, PRE), rows["logsize_pre"].to_numpy(), rows["logsize_post"].to_numpy())
    phase2 = rows["phase2"].to_numpy()
    pace = rows["pace"].to_numpy()
    stage_oh = _onehot(k, list(range(N_STAGES)))
    blocks_a, blocks_l = [], []
    logd = np.log(np.clip(d, 1, MAX_DURATION).astype(float))
    dyr = np.clip(d, 1, MAX_DURATION) / 12.0
    for s in range(N_STAGES):
        on = stage_oh[:, s]
        dur = duration_basis(d, design.knots.get(s, np.array([])))
        cols_a = [on, *(on * dur.T), on * logsize, on * phase2]
        cols_l = [on, on * logd, on * dyr, on * logsize]
        if s > 0:
            cols_a.append(on * pace)
            cols_l.append(on * pace)
        blocks_a.append(np.column_stack(cols_a))
        blocks_l.append(np.column_stack(cols_l))
    pre = np.isin(k, PRE)[:, None].astype(float)
    sector = _onehot(rows["sector"].to_numpy(), design.sectors)
    month = _onehot(rows["cal_month"].to_numpy(), list(range(12)))
    ground = (k == GROUND)[:, None].astype(float)
    operate = (k == OPERATE)[:, None].astype(float)
    Xa = np.hstack(blocks_a + [
        sector * pre, sector * (1 - pre),
        _onehot(rows["unit_type"].to_numpy(), design.unit_types) * pre,
        _onehot(rows["unit"].to_numpy(), design.units) * pre,
        month * (1 - ground - operate), month * ground, month * operate,
        _onehot(rows["year"].to_numpy(), design.years) * (1 - pre),
        _onehot(rows["year"].to_numpy(), design.years) * pre,
    ])
    Xl = np.hstack(blocks_l + [sector, _onehot(rows["year"].to_numpy(), design.years)])
    assert Xa.shape == (n, len(design.advance_names()))
    assert Xl.shape == (n, len(design.lost_names()))
    return sp.csr_matrix(Xa), sp.csr_matrix(Xl)


def duration_effect(params: pd.Series | np.ndarray, names: list[str], design: Design, k: int,
                    d: np.ndarray) -> np.ndarray:
    """Stage ``k``'s advance duration curve ``f_k(d)`` (log-odds) at ``d`` months.

    ``params`` is one labelled vector or a ``draw × coefficient`` array; returns ``d``'s
    shape, or ``draw × len(d)``.
    """
    ix = {n: i for i, n in enumerate(names)}
    cols = [ix[n] for n in design.duration_names(k)]
    B = duration_basis(np.atleast_1d(d), design.knots.get(k, np.array([])))
    p = np.asarray(params, float)
    return (p[..., cols] @ B.T) if p.ndim > 1 else B @ p[cols]


# ----------------------------------------------------------------------------- the fit
@dataclass
class ProgressionResults:
    """A fitted progression model: estimates, their covariance, and what they were fitted on.

    Attributes
    ----------
    params_advance, params_lost : labelled estimates.
    cov_advance, cov_lost : their covariance (the inverse penalised Hessian's blocks).
    sd_year : estimated spread of the yearly common shock (log-odds).
    design : the categories seen in the history and the duration spline's knots.
    as_of_month : month index of the as-of date.
    n_rows : person-month rows fitted (negotiation spells counted once per candidate entry).
    unseen : categories with no history (they get the pooled estimate).
    sd_blocks : the empirical-Bayes spreads of the year, unit and sector effects.
    cov_joint : covariance of both hazards' estimates together (advance first).
    """

    params_advance: pd.Series
    params_lost: pd.Series
    cov_advance: pd.DataFrame
    cov_lost: pd.DataFrame
    sd_year: float
    design: Design
    as_of_month: int
    n_rows: int
    unseen: dict[str, list[str]] = field(default_factory=dict)
    sd_blocks: dict[str, float] = field(default_factory=dict)
    cov_joint: np.ndarray | None = field(default=None, repr=False)
    year_evidence: dict = field(default_factory=dict, repr=False)

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Wald intervals for every parameter of both hazards."""
        from scipy.stats import norm

        z = norm.ppf(1 - alpha / 2)
        frames = []
        for which, p, c in (("advance", self.params_advance, self.cov_advance),
                            ("lost", self.params_lost, self.cov_lost)):
            se = np.sqrt(np.diag(c.to_numpy()))
            frames.append(pd.DataFrame({"hazard": which, "param": p.index, "estimate": p.to_numpy(),
                                        "se": se, "lower": p.to_numpy() - z * se, "upper": p.to_numpy() + z * se}))
        return pd.concat(frames, ignore_index=True)

    def summary(self) -> pd.DataFrame:
        """The estimates with standard errors and 95 % intervals (renders as a table in Jupyter)."""
        return self.conf_int().set_index(["hazard", "param"])

    def duration_curve(self, k: int, d: np.ndarray) -> np.ndarray:
        """Stage ``k``'s fitted advance duration curve (log-odds) at ``d`` months."""
        return duration_effect(self.params_advance, list(self.params_advance.index), self.design, k, d)

    def sample(self, n_draws: int, *, rng: np.random.Generator | int | None = 0) -> tuple[np.ndarray, np.ndarray]:
        """Parameter draws from the estimates' normal approximation (antithetic pairs, no mode draw)."""
        rng = np.random.default_rng(rng)
        na = len(self.params_advance)
        if self.cov_joint is not None:
            mean = np.concatenate([self.params_advance.to_numpy(), self.params_lost.to_numpy()])
            both = mvn(mean, self.cov_joint, n_draws, rng)
            return both[:, :na], both[:, na:]
        a = mvn(self.params_advance.to_numpy(), self.cov_advance.to_numpy(), n_draws, rng)
        l = mvn(self.params_lost.to_numpy(), self.cov_lost.to_numpy(), n_draws, rng)
        return a, l


def mvn(mean: np.ndarray, cov: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` draws from ``N(mean, cov)`` in antithetic pairs (``mean ± z``): every draw is a
    draw (none is the mode), and the pairs cancel the first-order Monte Carlo error of
    anything smooth in the parameters. ``n <= 1`` gives the mean itself."""
    if n <= 1:
        return mean[None, :]
    vals, vecs = np.linalg.eigh((cov + cov.T) / 2)
    root = vecs * np.sqrt(np.clip(vals, 0, None))
    z = rng.standard_normal(((n + 1) // 2, len(mean))) @ root.T
    both = np.empty((2 * z.shape[0], len(mean)))
    both[0::2], both[1::2] = mean + z, mean - z
    return both[:n]


class _Multinomial:
    """Penalised log-likelihood of the monthly multinomial (stay / advance / lost)."""

    def __init__(self, Xa: sp.csr_matrix, Xl: sp.csr_matrix, ya: np.ndarray, yl: np.ndarray,
                 off_a: np.ndarray, off_l: np.ndarray, weight: np.ndarray | None = None):
        self.Xa, self.Xl = Xa.tocsr(), Xl.tocsr()
        self.r = np.ones(Xa.shape[0]) if weight is None else np.asarray(weight, float)
        self.XaT, self.XlT = self.Xa.T.tocsr(), self.Xl.T.tocsr()
        self.ya, self.yl, self.off_a, self.off_l = ya, yl, off_a, off_l
        self.na = Xa.shape[1]
        self._rows_a = np.repeat(np.arange(Xa.shape[0]), np.diff(self.Xa.indptr))
        self._rows_l = np.repeat(np.arange(Xl.shape[0]), np.diff(self.Xl.indptr))

    def _probs(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        ea = self.Xa @ theta[:self.na] + self.off_a
        el = self.Xl @ theta[self.na:] + self.off_l
        m = np.maximum(0.0, np.maximum(ea, el))
        lse = m + np.log(np.exp(-m) + np.exp(ea - m) + np.exp(el - m))
        ll = float(np.sum(self.r * (self.ya * ea + self.yl * el - lse)))
        return np.exp(ea - lse), np.exp(el - lse), ll

    def objective(self, theta: np.ndarray, prec: np.ndarray) -> float:
        return self._probs(theta)[2] - 0.5 * float(np.sum(prec * theta**2))

    def _scaled(self, X: sp.csr_matrix, rows: np.ndarray, w: np.ndarray) -> sp.csr_matrix:
        out = X.copy()
        out.data = out.data * w[rows]
        return out

    def derivatives(self, theta: np.ndarray, prec: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """Gradient and negative Hessian of the penalised log-likelihood, and its value."""
        pa, pl, ll = self._probs(theta)
        r = self.r
        grad = np.concatenate([self.XaT @ (r * (self.ya - pa)), self.XlT @ (r * (self.yl - pl))]) - prec * theta
        haa = (self.XaT @ self._scaled(self.Xa, self._rows_a, r * pa * (1 - pa))).toarray()
        hll = (self.XlT @ self._scaled(self.Xl, self._rows_l, r * pl * (1 - pl))).toarray()
        hal = -(self.XaT @ self._scaled(self.Xl, self._rows_l, r * pa * pl)).toarray()
        H = np.block([[haa, hal], [hal.T, hll]]) + np.diag(prec)
        return grad, H, ll - 0.5 * float(np.sum(prec * theta**2))

    def newton_step(self, theta: np.ndarray, prec: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """One Newton–Raphson step (halved until the penalised likelihood does not drop);
        returns the new point, the penalised Hessian at the old one and the step's size."""
        grad, H, obj = self.derivatives(theta, prec)
        step = np.linalg.solve(H, grad)
        t = 1.0
        while t > 1e-4:
            new = theta + t * step
            if self.objective(new, prec) >= obj - 1e-9:
                break
            t /= 2
        else:
            warnings.warn(
                "the progression fit's Newton step found no step that improves the penalised likelihood "
                "(line search halved to 1e-4): it continues from a worse point, so the hazards and their "
                "uncertainty may not be the fit's optimum", ConvergenceWarning, stacklevel=3)
        return new, H, float(np.max(np.abs(t * step)))


def _knots(rows: pd.DataFrame) -> dict[int, np.ndarray]:
    """Per stage: knots (log months) at quantiles of the durations at which spells ended
    by advancing; fewer (down to none: log d and d only) when a stage has few such exits."""
    out = {}
    k = rows["stage_idx"].to_numpy()
    d = rows["duration"].to_numpy()
    wt = rows["advance"].to_numpy() * rows["weight"].to_numpy()
    for s in range(N_STAGES):
        sel = (k == s) & (wt > 0)
        x = np.log(np.clip(d[sel], 1, MAX_DURATION).astype(float))
        if wt[sel].sum() < 40:
            out[s] = np.array([])
            continue
        order = np.argsort(x)
        cum = np.cumsum(wt[sel][order]) / wt[sel].sum()
        t = np.unique(np.round(x[order][np.searchsorted(cum, KNOT_QUANTILES)], 6))
        out[s] = t if t.size >= 3 else np.array([])
    return out


#: The fit's window reaches back at least this many months from the as-of month, even before
#: the first snapshot (there from the milestone dates alone).
SHORT_WINDOW_MONTHS = 24


def fit_progression(history: History, *, n_rounds: int = 2, max_eb_iter: int = 100) -> ProgressionResults:
    """Fit the competing-risks hazards on the person-months of an as-of history.

    ``n_rounds`` is kept for compatibility (the fit is joint and runs to convergence);
    ``max_eb_iter`` bounds the empirical-Bayes updates of the block spreads.

    Examples
    --------
    >>> from forecasting import load_history
    >>> res = fit_progression(load_history("data").upto("2023Q4"))
    >>> float(res.sd_year) >= 0
    True
    """
    _ = n_rounds
    P = history.projects
    sp_table = spells(P, history.as_of_date)
    # the negotiation entry is interval-censored between snapshots: spread over its window
    rows = interval_person_months(sp_table, negotiation_windows(history))
    # before the first snapshot the ledger cannot date negotiation or tell which early
    # stage a project was lost from: fit the two early stages only from then on
    # (left truncation is harmless in person-month form: duration is a covariate)
    first_m = int(month_index(pd.Series([quarter_start(history.quarters[0])]))[0])
    # the later stages are dated (signed_date, approved_date, groundbreaking_date): in a short
    # history (a folder that starts with one snapshot) they are fitted from
    # SHORT_WINDOW_MONTHS before the as-of month, on the milestone dates alone
    dated_m = min(first_m, int(month_index(pd.Series([history.as_of_date]))[0]) - SHORT_WINDOW_MONTHS + 1)
    early = rows["stage_idx"].to_numpy() < 2
    rows = rows[rows["month"].to_numpy() >= np.where(early, first_m, dated_m)].reset_index(drop=True)
    cov = covariates(P)
    rows = rows.join(cov, on="project_id")
    district = history.district
    years = sorted(int(y) for y in np.unique(rows["year"]))
    design = Design(list(district.sectors), district.unit_ids, list(UNIT_TYPES), years,
                    knots=_knots(rows))
    unseen = {
        "sector": [s for s in design.sectors if not (rows["sector"] == s).any()],
        "unit": [u for u in design.units if not (rows["unit"] == u).any()],
    }
    Xa, Xl = build_matrices(rows, design)
    ya, yl = rows["advance"].to_numpy(), rows["lost"].to_numpy()
    names_a, names_l = design.advance_names(), design.lost_names()
    # intercepts are deviations from each stage's crude monthly rate, so the priors are
    # centred there and a stage with almost no events (loss after groundbreaking) stays sane
    k = rows["stage_idx"].to_numpy()
    wt = rows["weight"].to_numpy()
    crude_a = _crude_logit(ya * wt, k, wt)
    crude_l = _crude_logit(yl * wt, k, wt)
    model = _Multinomial(Xa, Xl, ya, yl, crude_a[k], crude_l[k], wt)
    keys = names_a + [f"lost:{n}" for n in names_l]
    block_of = np.array([_block(n) or "" for n in keys])
    blocks = [b for b in dict.fromkeys(EB_BLOCKS.values()) if (block_of == b).sum() >= 2]
    sd_blocks = {b: PRIOR_SD[b.split("_")[0]] for b in blocks}
    theta, H, sd_blocks = _fit_eb(model, names_a, names_l, block_of, blocks, sd_blocks, max_eb_iter)
    cov_all = np.linalg.inv(H)
    na = len(names_a)
    params_a = pd.Series(theta[:na], index=names_a)
    params_l = pd.Series(theta[na:], index=names_l)
    for s in range(N_STAGES):
        params_a[f"{s}:const"] += crude_a[s]
        params_l[f"{s}:const"] += crude_l[s]
    return ProgressionResults(
        params_advance=params_a,
        params_lost=params_l,
        cov_advance=pd.DataFrame(cov_all[:na, :na], index=names_a, columns=names_a),
        cov_lost=pd.DataFrame(cov_all[na:, na:], index=names_l, columns=names_l),
        sd_year=float(sd_blocks.get("year", PRIOR_SD["year"])),
        design=design,
        as_of_month=int(history.as_of_date.year * 12 + history.as_of_date.month - 1),
        n_rows=len(rows),
        unseen={k: v for k, v in unseen.items() if v},
        sd_blocks=dict(sd_blocks),
        cov_joint=cov_all,
        year_evidence=_unshrunk_years(theta, cov_all, keys, sd_blocks, years),
    )


@dataclass(frozen=True)
class YearEvidence:
    """What the data alone say about each past year's common conditions, for one component.

    ``estimate[j]`` is year ``years[j]``'s effect relative to the average year (centred:
    the levels absorb the average), ``cov`` their covariance (singular: the centred
    effects sum to zero).
    """

    years: tuple[int, ...]
    estimate: np.ndarray
    cov: np.ndarray


def helmert(k: int) -> np.ndarray:
    """``(k - 1) × k`` orthonormal contrasts (rows orthogonal to the constant)."""
    out = np.zeros((max(k - 1, 0), k))
    for i in range(1, k):
        out[i - 1, :i] = 1.0
        out[i - 1, i] = -i
        out[i - 1] /= np.sqrt(i * (i + 1))
    return out


def unshrink(mean: np.ndarray, cov: np.ndarray, prior_sd: float, years: list[int]) -> YearEvidence | None:
    """Year effects as the data alone estimate them, from a fit that shrank them.

    The fit's posterior for the effects (mean ``m``, covariance ``C``, the other estimates
    integrated out) combines the data with a ``N(0, prior_sd²)`` prior. Only contrasts
    between years are identified apart from the levels, so it works on orthonormal
    contrasts ``T``: ``S = (T C Tᵀ)⁻¹`` is their total information, ``I = S − I/prior_sd²``
    the data's share, and the data-only estimate is ``I⁻¹ S T m`` with covariance ``I⁻¹``,
    mapped back to centred year effects.
    """
    k = len(years)
    if k < 2:
        return None
    T = helmert(k)
    S = np.linalg.inv(T @ cov @ T.T)
    info = S - np.eye(k - 1) / prior_sd**2
    vals, vecs = np.linalg.eigh((info + info.T) / 2)
    if vals.min() <= 1e-9 * max(vals.max(), 1e-300):
        return None  # the data cannot tell some years apart: no evidence worth using
    V = (vecs / vals) @ vecs.T
    est_c = V @ (S @ (T @ mean))
    return YearEvidence(tuple(int(y) for y in years), T.T @ est_c, T.T @ V @ T)


def _unshrunk_years(theta: np.ndarray, cov: np.ndarray, keys: list[str], sd_blocks: dict[str, float],
                    years: list[int]) -> dict[str, YearEvidence]:
    """The advance and loss hazards' year effects as the data alone estimate them
    (:func:`unshrink`), for :mod:`~forecasting.models.yearshock`."""
    out = {}
    for component, prefix, block in (("advance", "year:", "year"), ("advance_pre", "year_pre:", "year_pre"),
                                     ("loss", "lost:year:", "year_lost")):
        present = [y for y in years if f"{prefix}{y}" in keys]
        idx = [keys.index(f"{prefix}{y}") for y in present]
        ev = unshrink(theta[idx], cov[np.ix_(idx, idx)], sd_blocks.get(block, PRIOR_SD["year"]), present) \
            if idx else None
        if ev is not None:
            out[component] = ev
    return out


def _precisions(names_a: list[str], names_l: list[str], sd_blocks: dict[str, float]) -> np.ndarray:
    return 1.0 / np.concatenate([Design.prior_sd(names_a, sd_blocks),
                                 Design.prior_sd(names_l, sd_blocks, lost=True)]) ** 2


def _fit_eb(model: _Multinomial, names_a: list[str], names_l: list[str], block_of: np.ndarray,
            blocks: list[str], sd_blocks: dict[str, float], max_iter: int,
            theta: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """Newton steps on the coefficients interleaved with empirical-Bayes updates of the block
    spreads (MacKay's fixed point for the Laplace-approximate marginal likelihood:
    ``sd^2 = sum(effect^2) / gamma``, ``gamma`` the effective number of effects the data
    determine). Returns the mode, the penalised Hessian there and the spreads."""
    theta = np.zeros(len(block_of)) if theta is None else theta
    for _ in range(max_iter):
        prec = _precisions(names_a, names_l, sd_blocks)
        theta, H, size = model.newton_step(theta, prec)
        if size > 0.05:
            continue
        var = np.diag(np.linalg.inv(H))
        new = {}
        for b in blocks:
            i = block_of == b
            gamma = max(float(np.sum(1.0 - prec[i] * var[i])), 1e-3)
            new[b] = float(np.clip(np.sqrt(np.sum(theta[i] ** 2) / gamma), MIN_SD, 2.0))
        change = max((abs(np.log(new[b] / sd_blocks[b])) for b in blocks), default=0.0)
        sd_blocks = new
        if change < 0.02 and size < 1e-4:
            break
    else:
        warnings.warn(
            f"the progression fit's empirical-Bayes spreads (year, unit, sector effects) did not settle in "
            f"{max_iter} iterations: the spread of good and bad years, and so the width of the forecast "
            "intervals, is that of the last iterate; raise max_eb_iter", ConvergenceWarning, stacklevel=3)
    prec = _precisions(names_a, names_l, sd_blocks)
    for _ in range(20):
        theta, H, size = model.newton_step(theta, prec)
        if size < 1e-6:
            break
    else:
        warnings.warn(
            "the progression fit's final Newton steps did not converge (last step above 1e-6): the hazards "
            "are those of the last iterate and may be off", ConvergenceWarning, stacklevel=3)
    _, H, _ = model.derivatives(theta, prec)
    return theta, H, sd_blocks


def quarter_start(quarter: str) -> pd.Timestamp:
    return parse_quarter(quarter).start_time


def _crude_logit(y: np.ndarray, stage: np.ndarray, weight: np.ndarray | None = None) -> np.ndarray:
    events = np.bincount(stage, weights=y, minlength=N_STAGES)
    n = np.bincount(stage, weights=weight, minlength=N_STAGES)
    rate = (events + 0.5) / (n + 1.0)
    return np.log(rate / (1 - rate))


def warn_unseen(results: ProgressionResults, projects: pd.DataFrame) -> None:
    """Warn when open projects belong to categories the history never showed."""
    for kind, values in results.unseen.items():
        hit = sorted(set(values) & set(projects[kind]))
        if hit:
            warnings.warn(
                f"no history yet for {kind} {', '.join(hit)}: their projects use the pooled "
                f"estimate of all {kind}s until the ledger shows how they progress",
                SparseDataWarning,
                stacklevel=3,
            )
