"""The year as a whole: joint draws of every project's outcome and of the leads still to come.

The per-project probabilities of :mod:`~forecasting.simulation.outcomes` answer "how likely is this
project to break ground this year"; a target is about a *count*, and counts need the joint
distribution. Projects are not independent: a good or bad year (the progression model's
yearly common shock, whose spread is estimated from the history's year-to-year variation)
and the uncertainty of the estimates themselves move many projects at once. So the year is
simulated as a two-level mixture:

1. ``D`` parameter draws, each with its own draw of the estimates (progression, size,
   provincial and inflow models) and of every unseen year's common shock. Under each draw
   every project's month-by-month path is propagated exactly (:mod:`~forecasting.models.propagate`):
   the cumulative probability of being signed, and of breaking ground, by the end of each
   month of the target year; the probability that its amount at signing clears each tier
   threshold; the probability of designation.
2. Within a draw projects are conditionally independent: each simulated year draws, per
   project, one uniform ``U`` that decides both *whether* and *when* it signs and breaks
   ground (the month is the first whose cumulative probability exceeds ``U``, so a project
   that breaks ground also signed first), one ``V`` for its amount at signing (it clears
   threshold ``t`` iff ``V < P(amount ≥ t)``, so overlapping and banded tiers are consistent)
   and one ``W`` for designation.

Leads that are not in the ledger yet arrive per unit and quarter from the inflow model
(:mod:`~forecasting.models.inflow`: a negative binomial count with effort as covariates and its own
yearly shock); each arrival is a lead drawn from its unit's mix of sectors and sizes and is
propagated like any other project from its arrival month. Arrival counts and their events
are drawn by inverse CDFs of fixed uniforms, so the same seed gives common random numbers
across scenarios: more staff can only add arrivals in the same simulated year, never
reshuffle the rest.

Everything a scenario can change (:mod:`~forecasting.whatif.scenario`) enters here: effort, the
speed of the approval steps, a project's slip, loss or new size, new prospects and a
sector's good or bad year (:class:`~forecasting.simulation.adjustments.Adjustments`).

This module holds the simulator that puts the pieces together (:class:`PortfolioSimulator`)
and its simulated years (:class:`PortfolioSimulation`); the pieces live beside it, in the
order they build on each other: the parameter draws (:mod:`.draws`), a scenario's changes
(:mod:`.adjustments`), the rows' event probabilities (:mod:`.rows`), the new leads' arrival
cells (:mod:`.arrivals`) and the drawing of simulated years from them (:mod:`.sampling`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..forecast.contract import so_far, targets_from_draws
from ..history.histories import History, year_events
from ..models.progression import warn_unseen
from .adjustments import Adjustments, ledger_rows, prospect_rows
from .arrivals import arrival_cells, template_set
from .draws import N_PARAM_DRAWS, draw_parameters
from .fitted import OutcomeResults
from .rows import row_events, thresholds, zero_settled
from .sampling import DESIGNATION_MONTH, simulate_arrivals, simulate_rows, tier_bands


# --------------------------------------------------------------------------- the simulation
@dataclass
class PortfolioSimulation:
    """Simulated years: whole-year counts and monthly paths of every target.

    Attributes
    ----------
    history, year : the as-of history and the target year.
    counts : one row per simulated year, one column per target (so far included).
    monthly : ``year × month × target`` cumulative counts by the end of each month.
    actual_monthly : achieved cumulative counts by month up to the as-of date (NaN after).
    sources : mean contribution of each source (``so_far``, ``ledger``, ``new_leads``) per target.
    """

    history: History
    year: int
    counts: pd.DataFrame
    monthly: np.ndarray
    actual_monthly: pd.DataFrame
    sources: pd.DataFrame
    n_param_draws: int
    seed: Any = None
    clusters: np.ndarray | None = field(default=None, repr=False)
    template_sets: np.ndarray | None = field(default=None, repr=False)

    @property
    def names(self) -> list[str]:
        return list(self.counts.columns)

    def targets(self) -> pd.DataFrame:
        """``targets.csv`` (CLI.md): goal, so far, mean, p10/p50/p90 and p_meet, plus ``all``."""
        return targets_from_draws(self.history, self.year, self.counts, self.clusters, self.template_sets)

    def p_meet(self, target: str = "all") -> float:
        t = self.targets().set_index("target")
        return float(t.loc[target, "p_meet"])

    def met(self) -> pd.DataFrame:
        """Per simulated year, whether each target (and ``all``) is met."""
        goals = self.history.district.targets_for(self.year).goals
        met = pd.DataFrame({n: self.counts[n].to_numpy() >= goals[n] for n in self.names})
        met["all"] = met.all(axis=1)
        return met

    def trajectory(self, *, levels=(0.1, 0.5, 0.9)) -> pd.DataFrame:
        """Month-by-month path of each count: mean, quantiles, goal and the actual so far."""
        goals = self.history.district.targets_for(self.year).goals
        rows = []
        for j, name in enumerate(self.names):
            m = self.monthly[:, :, j]
            q = np.quantile(m, levels, axis=0, method="inverted_cdf")
            for month in range(12):
                row = {"target": name, "month": month + 1, "mean": float(m[:, month].mean()),
                       "goal": goals[name], "actual": self.actual_monthly.loc[month + 1, name]}
                row.update({f"p{int(round(lv * 100))}": float(q[i, month]) for i, lv in enumerate(levels)})
                rows.append(row)
        return pd.DataFrame(rows)


def simulate_portfolio(results: OutcomeResults, year: int, *, n_draws: int = 20_000, rng=0,
                       adjustments: Adjustments | None = None, n_param_draws: int = N_PARAM_DRAWS
                       ) -> PortfolioSimulation:
    """Simulate ``n_draws`` years: every open project, the new leads, the common shocks.

    Parameters
    ----------
    results : a fitted :class:`~forecasting.simulation.outcomes.OutcomeResults`.
    year : the target year.
    n_draws : simulated years.
    rng : seed (an int gives common random numbers across scenarios run with the same seed).
    adjustments : a scenario's changes (:class:`Adjustments`); ``None`` for today's plans.
    n_param_draws : parameter draws (a forecaster passes its own:
        :meth:`Forecaster.simulate <forecasting.simulation.outcomes.Forecaster.simulate>`).
    """
    return PortfolioSimulator(results, year, n_draws=n_draws, rng=rng, adjustments=adjustments,
                              n_param_draws=n_param_draws).run()


class PortfolioSimulator:
    """A simulation set up once and rerun under different effort (for response curves and
    the allocator): the ledger's part is drawn once, only the new leads are redrawn, with
    the same random numbers each time (common random numbers).

    Parameters are those of :func:`simulate_portfolio`.

    Attributes
    ----------
    draws : the parameter draws (:class:`~forecasting.simulation.draws.ParameterDraws`).
    ledger_events : the ledger's rows' event probabilities (:class:`~forecasting.simulation.rows.RowEvents`).
    which : per simulated year, the parameter draw it uses (year ``s`` uses draw ``s mod D``).
    row_seeds : per parameter draw, the seed of its ledger rows' uniforms (a recomputation of
        some rows draws them again from here, so it sees the same uniforms).
    ledger_counts : ``year × month × target`` counts of the ledger's rows (and the scenario's
        prospects), drawn once; :meth:`run` adds the new leads.
    cells : the new leads' arrival cells (:class:`~forecasting.simulation.arrivals.ArrivalCells`), or None.
    """

    def __init__(self, results: OutcomeResults, year: int, *, n_draws: int = 20_000, rng=0,
                 adjustments: Adjustments | None = None, n_param_draws: int = N_PARAM_DRAWS,
                 new_leads: bool = True):
        adj = adjustments or Adjustments()
        h = results.history
        if not isinstance(rng, (int, np.integer)):  # a generator (or None): the seed it gives, kept,
            rng = int(np.random.default_rng(rng).integers(2**32))  # so a rerun with self.seed is the same
        self.results, self.year, self.adjustments, self.seed = results, year, adj, rng
        self.targets = h.district.targets_for(year)
        names = self.targets.names
        seed = np.random.SeedSequence(rng)
        s_params, s_templates, s_rows, s_prospects, s_arrivals = seed.spawn(5)
        D = self.n_param_draws = int(n_param_draws)
        self.draws = draw_parameters(results, year, D, np.random.default_rng(s_params))

        state, frame, start, mult = ledger_rows(results, year, adj)
        warn_unseen(results.progression, state)
        # the provincial list's pool is the plan's: a lever changes a project's own chance of
        # nomination, not the pool the others compete in (so a partial recomputation, as the
        # explorer's, gives the same numbers)
        base_pool = None
        if adj.slip_months or adj.resize or adj.approval_speed != 1.0 or adj.sector_effect:
            bs, bf, bstart, bmult = ledger_rows(results, year, Adjustments())
            base_pool = row_events(results, bs, bf, year, self.draws, start=bstart, log_multiplier=bmult).pool
        ev = row_events(results, state, frame, year, self.draws, start=start, log_multiplier=mult, pool=base_pool)
        zero_settled(ev, h, year, adj)
        pev = None
        if adj.prospects is not None and len(adj.prospects):
            ps, pf, pstart, pmult = prospect_rows(results, adj.prospects, adj)
            pev = row_events(results, ps, pf, year, self.draws, start=pstart, log_multiplier=pmult,
                             pool=ev.pool, in_pool=False)
        key = (int(rng), D) if isinstance(rng, (int, np.integer)) else None
        # each part draws from its own stream, so leaving the new leads out (for the per-project
        # probabilities alone) changes nothing else
        self.cells = arrival_cells(results, year, self.draws, adj, rng=np.random.default_rng(s_templates),
                                   cache_key=key) if new_leads else None
        self.prospect_events = pev

        th = self.thresholds = thresholds(self.targets)
        self.ledger_events, self.row_seeds = ev, None
        S = self.n_draws = int(n_draws)
        self.which = np.arange(S) % D  # simulated year s uses parameter draw s mod D
        self.ledger_counts = np.zeros((S, 12, len(names)), dtype=np.int32)
        row_seeds, pro_seeds = s_rows.spawn(D), s_prospects.spawn(D)
        self.row_seeds = row_seeds
        if self.cells is not None:  # the new leads' uniforms, fixed for every rerun
            a_rng = np.random.default_rng(s_arrivals)
            self._arrival_u = a_rng.random((S, len(self.cells.cells), 2 + len(th)))
            self._month_seed = a_rng.integers(2**63)
        for d in range(D):
            sims = np.flatnonzero(self.which == d)
            if not sims.size:
                continue
            part = simulate_rows(ev, d, sims.size, th, self.targets, np.random.default_rng(row_seeds[d]))
            if pev is not None:
                part = part + simulate_rows(pev, d, sims.size, th, self.targets, np.random.default_rng(pro_seeds[d]))
            self.ledger_counts[sims] = part
        self.actual = _actual_monthly(h, year, names)

    def project_probabilities(self, *, alpha: float = 0.1) -> pd.DataFrame:
        """``projects.csv`` rows under this simulation's scenario, scenario prospects appended
        as ``prospect:N`` rows.

        Each probability is the mean over the simulated years of the probability the
        simulation draws that project's events from (exact, the same numbers: the ledger's
        expected contribution to every count is the sum of this table's column), and
        ``_lo``/``_hi`` the ``alpha / 2`` and ``1 - alpha / 2`` quantiles over the draws of
        the estimates and the year's conditions.
        """
        from ..forecast.contract import finish_projects

        weight = np.bincount(self.which, minlength=self.n_param_draws) / self.n_draws  # draw -> share of years
        frames = []
        for ev in (self.ledger_events, self.prospect_events):
            if ev is None:
                continue
            events = {"p_signed": ev.cum_signed[:, :, -1], "p_groundbreaking": ev.cum_ground[:, :, -1]}
            for t in self.targets.tiers:
                inside = _clears(ev.clears, self.thresholds, t.min_bn) - (
                    _clears(ev.clears, self.thresholds, t.max_bn) if t.max_bn is not None else 0.0)
                events[f"p_tier_{t.name}"] = ev.cum_signed[:, :, -1] * np.clip(inside, 0, 1)
            events["p_provincial"] = ev.provincial
            f = pd.DataFrame({"project_id": ev.ids})
            for col, arr in events.items():
                f[col] = weight @ arr
            for col, arr in events.items():
                lo, hi = _weighted_quantiles(arr, weight, (alpha / 2, 1 - alpha / 2))
                f[f"{col}_lo"], f[f"{col}_hi"] = lo, hi
            frames.append(f)
        out = finish_projects(self.results.history, self.year, frames[0])
        lost = out["project_id"].isin(self.adjustments.lost)
        out.loc[lost, [c for c in out.columns if c.startswith("p_")]] = 0.0
        if len(frames) > 1:
            pros = self.adjustments.prospects.reset_index(drop=True)
            extra = frames[1].assign(stage=pros["stage"].to_numpy(), investment_bn=pros["investment_bn"].to_numpy(float))
            out = pd.concat([out, extra[out.columns]], ignore_index=True)
        return out

    def arrival_mean(self, effort: Mapping[str, Mapping[str, float]] | None = None) -> np.ndarray | None:
        """Expected arrivals per draw and cell under ``effort`` (unit -> changes; merged over
        the scenario's own effort)."""
        if self.cells is None:
            return None
        inflow = self.results.inflow
        merged = {u: dict(v) for u, v in self.adjustments.effort.items()}
        for u, v in (effort or {}).items():
            merged.setdefault(u, {}).update(v)
        quarters = list(pd.unique(self.cells.cells["quarter"]))
        eff = inflow.future_effort(quarters, overrides=merged or None).reset_index(drop=True)
        mean = inflow.predict_mean(eff, params=self.draws.inflow)
        cal_year = eff["quarter"].str[:4].astype(int).to_numpy()
        return mean * np.exp(self.draws.inflow_shock[:, cal_year - self.draws.first_year])

    def run(self, effort: Mapping[str, Mapping[str, float]] | None = None, *, monthly: bool = True
            ) -> PortfolioSimulation:
        """The simulated years, with the new leads' effort changed as given.

        ``monthly=False`` skips spreading the new leads' events over the months: the
        year-end counts are the same, the monthly paths are not filled for them (faster,
        for the allocator).
        """
        h, year, names = self.results.history, self.year, self.targets.names
        monthly_counts = self.ledger_counts.copy()
        new_total = np.zeros(len(names))
        if self.cells is not None:
            mean = self.cells.mean if effort is None else self.arrival_mean(effort)
            new = simulate_arrivals(self.cells, mean, self.which, self._arrival_u, tier_bands(self.targets),
                                     np.random.default_rng(self._month_seed) if monthly else None)
            new_total = new[:, -1, :].sum(axis=0).astype(float)
            monthly_counts += new
        ledger_total = self.ledger_counts[:, -1, :].sum(axis=0)
        actual = self.actual
        as_of_m = h.as_of_date.month if h.as_of_date.year == year else (12 if h.as_of_date.year > year else 0)
        offset = actual.loc[as_of_m].to_numpy() if as_of_m else np.zeros(len(names))
        if as_of_m:
            monthly_counts[:, :as_of_m, :] = 0
        known = np.where(np.arange(1, 13)[:, None] <= as_of_m, actual.fillna(0).to_numpy(), offset)
        monthly_counts = monthly_counts + known.astype(np.int32)[None]
        counts = pd.DataFrame(monthly_counts[:, -1, :], columns=names)
        S = self.n_draws
        sources = pd.DataFrame({"so_far": so_far(h, year).reindex(names).to_numpy(float),
                                "ledger": ledger_total / S, "new_leads": new_total / S}, index=names)
        return PortfolioSimulation(h, year, counts, monthly_counts, actual, sources, self.n_param_draws,
                                   seed=self.seed, clusters=self.which // 2,
                                   template_sets=None if self.cells is None else template_set(self.which, self.n_param_draws))


def _clears(clears: np.ndarray, th: np.ndarray, value: float | None) -> np.ndarray:
    return clears[..., int(np.searchsorted(th, value))]


def _weighted_quantiles(arr: np.ndarray, weight: np.ndarray, levels: tuple[float, ...]) -> list[np.ndarray]:
    """Per column of ``arr`` (draw × row), the quantiles of its values weighted by ``weight``
    (the lowest value whose cumulative weight reaches the level)."""
    order = np.argsort(arr, axis=0, kind="stable")
    cum = np.cumsum(weight[order], axis=0)
    sorted_ = np.take_along_axis(arr, order, axis=0)
    out = []
    for lv in levels:
        k = np.minimum((cum < lv * cum[-1] - 1e-12).sum(axis=0), arr.shape[0] - 1)
        out.append(sorted_[k, np.arange(arr.shape[1])])
    return out


def _actual_monthly(history: History, year: int, names: list[str]) -> pd.DataFrame:
    """Cumulative achieved counts by month of ``year`` up to the as-of month (NaN after)."""
    targets = history.district.targets_for(year)
    P = history.projects
    ev = year_events(P, year, targets)
    out = pd.DataFrame(0.0, index=pd.RangeIndex(1, 13, name="month"), columns=names)
    gmonth = P["groundbreaking_date"].dt.month.to_numpy()
    smonth = P["signed_date"].dt.month.to_numpy()
    for name, mask, month in (
        ("groundbreakings", ev["groundbreaking_counted"].to_numpy(), gmonth),
        *[(f"tier_{t.name}", ev[f"tier_{t.name}"].to_numpy(), smonth) for t in targets.tiers],
        ("provincial_major", ev["provincial"].to_numpy(), np.full(len(P), DESIGNATION_MONTH + 1)),
    ):
        hits = np.bincount(month[mask].astype(int), minlength=13)[1:13] if mask.any() else np.zeros(12)
        out[name] = np.cumsum(hits)
    as_of = history.as_of_date
    if as_of.year == year:
        out.loc[as_of.month + 1:, :] = np.nan
    elif as_of.year < year:
        out.loc[:, :] = np.nan
    return out


def compare(baseline: PortfolioSimulation, scenario: PortfolioSimulation) -> pd.DataFrame:
    """Each target's mean, 80 % interval and p_meet, baseline beside scenario (``comparison.csv``)."""
    b, s = baseline.targets().set_index("target"), scenario.targets().set_index("target")
    out = pd.DataFrame({
        "goal": b["goal"],
        "baseline_mean": b["mean"], "scenario_mean": s["mean"],
        "baseline_p10": b["p10"], "scenario_p10": s["p10"],
        "baseline_p90": b["p90"], "scenario_p90": s["p90"],
        "baseline_p_meet": b["p_meet"], "scenario_p_meet": s["p_meet"],
    })
    out["change_p_meet"] = out["scenario_p_meet"] - out["baseline_p_meet"]
    return out.reset_index()


__all__ = ["PortfolioSimulation", "PortfolioSimulator", "compare", "simulate_portfolio"]
