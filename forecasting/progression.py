"""Stage progression as competing risks in discrete (monthly) time.

In each month a project in stage ``s`` advances to the next stage, is lost, or stays:

.. math::

    P(\\text{advance}) = \\frac{e^{\\eta_a}}{1 + e^{\\eta_a} + e^{\\eta_l}}, \\qquad
    P(\\text{lost}) = \\frac{e^{\\eta_l}}{1 + e^{\\eta_a} + e^{\\eta_l}}

with, for the advance hazard,
``eta_a = const_s + a_s log d + b_s d + c_s log(size) + f_s [phase >= 2] + g_s pace``
``        + sector + unit type + unit (before signing) + month of year + year``
and for loss ``eta_l = const_s + a_s log d + c_s log(size) + g_s pace + sector``.
``d`` is the months already spent in the stage, so durations are not memoryless;
``pace`` is the project's mean log duration in its earlier stages, which carries what
the covariates miss (some investors are simply faster). Categorical effects (sector, unit,
unit type, month, year) have Gaussian (ridge) priors, so sparse categories borrow
strength from the pooled estimate; the year effects' spread is estimated by empirical
Bayes and is the common shock that moves every project of a year together.

The multinomial logit is fitted as two binomial GLMs (statsmodels, ridge-penalised), each
with the other's ``-log(1 + e^eta)`` as offset, alternating until they agree: the
conditional-likelihood form of the same model.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.base._penalized import PenalizedMixin
from statsmodels.base._penalties import L2
from statsmodels.genmod.generalized_linear_model import GLM

from .episodes import MAX_DURATION, OPEN_STAGES, month_index, person_months, spells
from .errors import SparseDataWarning
from .history import History
from .quarters import parse_quarter

N_STAGES = len(OPEN_STAGES)
_PRE = (0, 1)  # lead, negotiating: before signing
_GROUND = OPEN_STAGES.index("approved")  # the stage that ends with groundbreaking

#: Prior standard deviations of the ridge-penalised blocks (log-odds scale).
PRIOR_SD = {"sector": 0.3, "unit_type": 0.5, "unit": 0.25, "season": 0.5, "year": 0.2, "fixed": 3.0}


class GLMPenalized(PenalizedMixin, GLM):
    """A statsmodels GLM maximising a penalised likelihood (here: a ridge prior)."""


@dataclass
class Design:
    """The columns of the hazard models and where each block sits."""

    sectors: list[str]
    units: list[str]
    unit_types: list[str]
    years: list[int]

    def advance_names(self) -> list[str]:
        names = []
        for k in range(N_STAGES):
            names += [f"{k}:const", f"{k}:logd", f"{k}:d", f"{k}:logsize", f"{k}:phase2"]
            if k > 0:
                names.append(f"{k}:pace")
        names += [f"sector_pre:{s}" for s in self.sectors] + [f"sector_post:{s}" for s in self.sectors]
        names += [f"unit_type:{t}" for t in self.unit_types] + [f"unit:{u}" for u in self.units]
        names += [f"season:{m}" for m in range(12)] + [f"season_ground:{m}" for m in range(12)]
        names += [f"year:{y}" for y in self.years]
        return names

    def lost_names(self) -> list[str]:
        names = []
        for k in range(N_STAGES):
            names += [f"{k}:const", f"{k}:logd", f"{k}:logsize"]
            if k > 0:
                names.append(f"{k}:pace")
        names += [f"sector:{s}" for s in self.sectors]
        return names

    @staticmethod
    def weights(names: list[str], sd_year: float) -> np.ndarray:
        sd = np.array([
            PRIOR_SD["sector"] if n.startswith("sector")
            else PRIOR_SD["unit_type"] if n.startswith("unit_type")
            else PRIOR_SD["unit"] if n.startswith("unit:")
            else PRIOR_SD["season"] if n.startswith("season")
            else sd_year if n.startswith("year")
            else PRIOR_SD["fixed"]
            for n in names
        ])
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


def _duration_terms(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dd = np.minimum(d, MAX_DURATION).astype(float)
    return np.log(dd), dd / 12.0


def build_matrices(rows: pd.DataFrame, design: Design) -> tuple[np.ndarray, np.ndarray]:
    """Design matrices (advance, lost) for person-month ``rows`` joined with covariates."""
    n = len(rows)
    k = rows["stage_idx"].to_numpy()
    logd, dyr = _duration_terms(rows["duration"].to_numpy())
    logsize = np.where(np.isin(k, _PRE), rows["logsize_pre"].to_numpy(), rows["logsize_post"].to_numpy())
    stage_oh = _onehot(k, list(range(N_STAGES)))
    blocks_a, blocks_l = [], []
    for s in range(N_STAGES):
        on = stage_oh[:, s]
        cols_a = [on, on * logd, on * dyr, on * logsize, on * rows["phase2"].to_numpy()]
        cols_l = [on, on * logd, on * logsize]
        if s > 0:
            cols_a.append(on * rows["pace"].to_numpy())
            cols_l.append(on * rows["pace"].to_numpy())
        blocks_a.append(np.column_stack(cols_a))
        blocks_l.append(np.column_stack(cols_l))
    pre = np.isin(k, _PRE)[:, None].astype(float)
    sector = _onehot(rows["sector"].to_numpy(), design.sectors)
    month = _onehot(rows["cal_month"].to_numpy(), list(range(12)))
    ground = (k == _GROUND)[:, None].astype(float)
    Xa = np.hstack(blocks_a + [
        sector * pre, sector * (1 - pre),
        _onehot(rows["unit_type"].to_numpy(), design.unit_types) * pre,
        _onehot(rows["unit"].to_numpy(), design.units) * pre,
        month * (1 - ground), month * ground,
        _onehot(rows["year"].to_numpy(), design.years),
    ])
    Xl = np.hstack(blocks_l + [sector])
    assert Xa.shape == (n, len(design.advance_names()))
    return Xa, Xl


def _fit_glm(y, X, offset, weights, start=None):
    model = GLMPenalized(y, X, family=sm.families.Binomial(), offset=offset, penal=L2(weights=weights), pen_weight=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model.fit(method="newton", start_params=start, maxiter=50, disp=0)
    return res


@dataclass
class ProgressionResults:
    """A fitted progression model: estimates, their covariance, and what they were fitted on.

    Attributes
    ----------
    params_advance, params_lost : labelled estimates.
    cov_advance, cov_lost : their covariance (from the penalised Hessian).
    sd_year : estimated spread of the yearly common shock (log-odds).
    design : the categories seen in the history.
    as_of_month : month index of the as-of date.
    n_rows : person-months fitted.
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

    def sample(self, n_draws: int, *, rng: np.random.Generator | int | None = 0) -> tuple[np.ndarray, np.ndarray]:
        """Parameter draws from the estimates' normal approximation (first draw = the estimate)."""
        rng = np.random.default_rng(rng)
        a = _mvn(self.params_advance.to_numpy(), self.cov_advance.to_numpy(), n_draws, rng)
        l = _mvn(self.params_lost.to_numpy(), self.cov_lost.to_numpy(), n_draws, rng)
        return a, l


def _mvn(mean: np.ndarray, cov: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    if n <= 1:
        return mean[None, :]
    vals, vecs = np.linalg.eigh((cov + cov.T) / 2)
    root = vecs * np.sqrt(np.clip(vals, 0, None))
    z = rng.standard_normal((n - 1, len(mean)))
    return np.vstack([mean, mean + z @ root.T])


def fit_progression(history: History, *, n_rounds: int = 2) -> ProgressionResults:
    """Fit the competing-risks hazards on the person-months of an as-of history.

    Examples
    --------
    >>> from forecasting import load_history
    >>> res = fit_progression(load_history("data").upto("2023Q4"))
    >>> float(res.sd_year) >= 0
    True
    """
    P = history.projects
    sp = spells(P, history.as_of_date)
    rows = person_months(sp)
    # before the first snapshot the ledger cannot date negotiation or tell which early
    # stage a project was lost from: fit the two early stages only from then on
    # (left truncation is harmless in person-month form: duration is a covariate)
    first_m = int(month_index(pd.Series([quarter_start(history.quarters[0])]))[0])
    rows = rows[rows["month"] >= first_m].reset_index(drop=True)
    cov = covariates(P)
    rows = rows.join(cov, on="project_id")
    district = history.district
    years = sorted(int(y) for y in np.unique(rows["year"]))
    design = Design(list(district.sectors), district.unit_ids, ["branch", "center", "campaign"], years)
    unseen = {
        "sector": [s for s in design.sectors if not (rows["sector"] == s).any()],
        "unit": [u for u in design.units if not (rows["unit"] == u).any()],
    }
    Xa, Xl = build_matrices(rows, design)
    ya, yl = rows["advance"].to_numpy(), rows["lost"].to_numpy()
    names_a, names_l = design.advance_names(), design.lost_names()
    sd_year = PRIOR_SD["year"]
    # intercepts are deviations from each stage's crude monthly rate, so the priors are
    # centred there and a stage with almost no events (loss after groundbreaking) stays sane
    k = rows["stage_idx"].to_numpy()
    crude_a = _crude_logit(ya, k)
    crude_l = _crude_logit(yl, k)
    res_a = res_l = None
    off_a = np.zeros(len(rows))
    for _ in range(n_rounds):
        res_l = _fit_glm(yl, Xl, off_a + crude_l[k], Design.weights(names_l, sd_year),
                         None if res_l is None else res_l.params)
        off_l = -np.log1p(np.exp(Xl @ res_l.params + crude_l[k]))
        res_a = _fit_glm(ya, Xa, off_l + crude_a[k], Design.weights(names_a, sd_year),
                         None if res_a is None else res_a.params)
        off_a = -np.log1p(np.exp(Xa @ res_a.params + crude_a[k]))
        # empirical Bayes: the year effects' variance, counting their own uncertainty
        yi = [i for i, n in enumerate(names_a) if n.startswith("year:")]
        if len(yi) >= 2:
            u = res_a.params[yi]
            v = np.diag(res_a.cov_params())[yi]
            sd_year = float(np.sqrt(max(np.mean(u**2 + v), 0.02**2)))
    params_a = pd.Series(res_a.params, index=names_a)
    params_l = pd.Series(res_l.params, index=names_l)
    for s in range(N_STAGES):
        params_a[f"{s}:const"] += crude_a[s]
        params_l[f"{s}:const"] += crude_l[s]
    return ProgressionResults(
        params_advance=params_a,
        params_lost=params_l,
        cov_advance=pd.DataFrame(res_a.cov_params(), index=names_a, columns=names_a),
        cov_lost=pd.DataFrame(res_l.cov_params(), index=names_l, columns=names_l),
        sd_year=sd_year,
        design=design,
        as_of_month=int(history.as_of_date.year * 12 + history.as_of_date.month - 1),
        n_rows=len(rows),
        unseen={k: v for k, v in unseen.items() if v},
    )


def quarter_start(quarter: str) -> pd.Timestamp:
    return parse_quarter(quarter).start_time


def _crude_logit(y: np.ndarray, stage: np.ndarray) -> np.ndarray:
    events = np.bincount(stage, weights=y, minlength=N_STAGES)
    n = np.bincount(stage, minlength=N_STAGES)
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
