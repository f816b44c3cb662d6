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
* Negotiation months count from the first snapshot that shows the project negotiating
  (:func:`~forecasting.history.episodes.seen_negotiation_months`): the ledger never shows a
  negotiation lost before a snapshot, so the months before it are immortal for loss.
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
from typing import ClassVar

import numpy as np
import pandas as pd

from ..data.quarters import parse_quarter
from ..data.schema import UNIT_TYPES
from ..errors import SparseDataWarning
from ..history.episodes import (MAX_DURATION, interval_person_months, month_index, negotiation_windows,
                                seen_negotiation_months, spells)
from ..history.histories import History
from .design import (EB_BLOCKS, KNOT_QUANTILES, N_STAGES, PRE, PRIOR_SD, Design, build_matrices,
                     covariates, duration_effect, eb_block)
from .evidence import YearEvidence, unshrink
from .glm import mvn
from .newton import Multinomial, fit_eb
from .propagate import Propagation, propagate
from .results import ModelResults

__all__ = ["N_STAGES", "PRE", "ProgressionResults", "covariates", "duration_effect",
           "fit_progression", "warn_unseen"]


@dataclass(frozen=True, eq=False)
class ProgressionResults(ModelResults):
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

    :attr:`params` and :meth:`cov_params` give both hazards as one vector (the loss hazard's
    names prefixed ``lost:``); the results are frozen.
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

    title: ClassVar[str] = "Stage progression: monthly competing-risks hazards (advance, lost)"

    @property
    def params(self) -> pd.Series:
        """Both hazards' estimates in one vector: the advance hazard's, then the loss hazard's
        (named ``lost:…``), the order of :attr:`cov_joint`."""
        return pd.concat([self.params_advance, self.params_lost.rename(lambda n: f"lost:{n}")])

    def cov_params(self) -> pd.DataFrame:
        """Covariance of :attr:`params` (the joint one, or the two hazards' blocks without it)."""
        names = self.params.index
        if self.cov_joint is not None:
            return pd.DataFrame(self.cov_joint, index=names, columns=names)
        na, nl = len(self.params_advance), len(self.params_lost)
        cov = np.zeros((na + nl, na + nl))
        cov[:na, :na], cov[na:, na:] = self.cov_advance.to_numpy(), self.cov_lost.to_numpy()
        return pd.DataFrame(cov, index=names, columns=names)

    def summary_notes(self) -> tuple[str, ...]:
        return (f"{self.n_rows} person-month rows; spread of the yearly common shock {self.sd_year:.3f} (log-odds)",)

    def duration_curve(self, k: int, d: np.ndarray) -> np.ndarray:
        """Stage ``k``'s fitted advance duration curve (log-odds) at ``d`` months."""
        return duration_effect(self.params_advance, list(self.params_advance.index), self.design, k, d)

    def sample(self, n_draws: int, rng: np.random.Generator | int | None = 0) -> tuple[np.ndarray, np.ndarray]:
        """``n_draws`` parameter draws from the estimates' normal approximation (antithetic pairs,
        no mode draw): the advance hazard's (``n_draws × len(params_advance)``) and the loss
        hazard's, drawn jointly (:meth:`cov_params`)."""
        rng = np.random.default_rng(rng)
        na = len(self.params_advance)
        if self.cov_joint is not None:
            mean = np.concatenate([self.params_advance.to_numpy(), self.params_lost.to_numpy()])
            both = mvn(mean, self.cov_joint, n_draws, rng)
            return both[:, :na], both[:, na:]
        a = mvn(self.params_advance.to_numpy(), self.cov_advance.to_numpy(), n_draws, rng)
        l = mvn(self.params_lost.to_numpy(), self.cov_lost.to_numpy(), n_draws, rng)
        return a, l

    def predict_flows(self, state: pd.DataFrame, *, last_month: int, start: int | None = None,
                      params: tuple[np.ndarray, np.ndarray] | None = None, years: np.ndarray | None = None,
                      years_lost: np.ndarray | None = None, occupancy_months: tuple[int, ...] = (),
                      hazard_multiplier: np.ndarray | None = None) -> Propagation:
        """Each project's monthly flows between stages, propagated exactly from ``start``
        (default: the as-of month) to ``last_month`` (month indices)
        (:func:`~forecasting.models.propagate.propagate`).

        ``state`` is the projects' covariates and as-of state
        (:func:`~forecasting.models.propagate.project_state`); ``params`` draws of both
        hazards' estimates as :meth:`sample` gives them (default: the estimates, one draw);
        ``years`` (``draw × calendar year`` from ``start``'s year, or ``draw × year × stage``)
        and ``years_lost`` the years' shifts of the advance and loss log-odds (default: none);
        ``hazard_multiplier`` (``stage``) scales each stage's advance odds.

        Examples
        --------
        >>> from forecasting import load_history
        >>> from forecasting.models.propagate import project_state
        >>> h = load_history("data").upto("2023Q4")
        >>> res = fit_progression(h)
        >>> flows = res.predict_flows(project_state(h.projects, h.as_of_date), last_month=res.as_of_month + 12)
        >>> p = flows.p_enter(5, res.as_of_month + 1, res.as_of_month + 12)  # draw × project: operating within a year
        >>> bool(((p >= 0) & (p <= 1)).all())
        True
        """
        if params is None:
            params = (self.params_advance.to_numpy()[None], self.params_lost.to_numpy()[None])
        start = self.as_of_month if start is None else int(start)
        if years is None:
            years = np.zeros((params[0].shape[0], max(last_month, start) // 12 - start // 12 + 1))
        return propagate(self, state, start=start, last_month=last_month, params_advance=params[0],
                         params_lost=params[1], years=years, years_lost=years_lost,
                         occupancy_months=occupancy_months, hazard_multiplier=hazard_multiplier)


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


def fit_progression(history: History, *, max_eb_iter: int = 100) -> ProgressionResults:
    """Fit the competing-risks hazards on the person-months of an as-of history.

    The fit is joint and runs to convergence; ``max_eb_iter`` bounds the empirical-Bayes
    updates of the block spreads.

    Examples
    --------
    >>> from forecasting import load_history
    >>> res = fit_progression(load_history("data").upto("2023Q4"))
    >>> float(res.sd_year) >= 0
    True
    """
    P = history.projects
    sp_table = spells(P, history.as_of_date)
    # the negotiation entry is interval-censored between snapshots: spread over its window
    rows = interval_person_months(sp_table, negotiation_windows(history))
    # a negotiation lost before any snapshot showed it is in the ledger as a lost lead: its
    # months before that snapshot are immortal for loss, so they are left out (truncation)
    rows = seen_negotiation_months(rows, history)
    # before the first snapshot the ledger cannot date negotiation or tell which early
    # stage a project was lost from: fit the two early stages only from then on
    # (left truncation is harmless in person-month form: duration is a covariate)
    first_m = int(month_index(pd.Series([quarter_start(history.quarters[0])]))[0])
    # the later stages are dated (signed_date, approved_date, groundbreaking_date): they are
    # fitted on the milestone dates alone from before the first snapshot, back to the
    # ledger's second calendar year (its first holds only leads that came and signed within
    # it, a faster group) or, in a short history (a folder that starts with one snapshot),
    # SHORT_WINDOW_MONTHS before the as-of month. More years there are more evidence on how
    # much the years differ (:mod:`~forecasting.models.yearshock`).
    ledger_m = (int(P["first_seen"].min().year) + 1) * 12 if P["first_seen"].notna().any() else first_m
    dated_m = min(first_m, ledger_m, int(month_index(pd.Series([history.as_of_date]))[0]) - SHORT_WINDOW_MONTHS + 1)
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
    model = Multinomial(Xa, Xl, ya, yl, crude_a[k], crude_l[k], wt)
    keys = names_a + [f"lost:{n}" for n in names_l]
    block_of = np.array([eb_block(n) or "" for n in keys])
    blocks = [b for b in dict.fromkeys(EB_BLOCKS.values()) if (block_of == b).sum() >= 2]
    sd_blocks = {b: PRIOR_SD[b.split("_")[0]] for b in blocks}
    theta, H, sd_blocks = fit_eb(model, names_a, names_l, block_of, blocks, sd_blocks, max_eb_iter)
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
