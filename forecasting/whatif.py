"""What if effort went elsewhere? Response curves, the objective the allocator climbs,
which projects deserve attention, and which levers move each target most.

All of it rests on :class:`~forecasting.portfolio.PortfolioSimulator`: the ledger's part of
the year is simulated once and only what a lever changes is redrawn, always with the same
random numbers, so a difference between two allocations is the allocations' doing and not
simulation noise.

Staff act through new leads (:mod:`~forecasting.inflow`), and a lead takes months to sign
and a year or more to break ground: staff added now mostly move *next* year's targets.
So every function takes the target ``year``; ask for this year and next to see the
trade-off.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping

import numpy as np
import pandas as pd

from .errors import ExtrapolationWarning
from .portfolio import Adjustments, PortfolioSimulator, _uniform_chunks, _zero_settled, row_events, row_indicators

if TYPE_CHECKING:  # pragma: no cover
    from .outcomes import OutcomeResults


@dataclass
class StaffObjective:
    """The chance of meeting the year's targets as a function of staff per unit.

    ``objective(allocation)`` is P(all targets met) (or, with ``weights``, the weighted sum
    of each target's p_meet); evaluations are memoised and use common random numbers.

    Parameters
    ----------
    simulator : a :class:`PortfolioSimulator` for the target year.
    weights : target name -> weight; ``None`` for P(all targets met).
    """

    simulator: PortfolioSimulator
    weights: Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        self._cache: dict[tuple, pd.Series] = {}

    @property
    def current(self) -> dict[str, int]:
        """Staff per unit in the as-of quarter (carried forward by default)."""
        inflow = self.simulator.results.inflow
        eff = inflow.future_effort([self.simulator.results.history.as_of])
        base = {u: int(round(v)) for u, v in zip(eff["unit"], eff["staff"])}
        for u, change in self.simulator.adjustments.effort.items():
            if "staff" in change:
                base[u] = int(round(change["staff"]))
        return base

    def p_meet(self, allocation: Mapping[str, int]) -> pd.Series:
        """Each target's p_meet (and ``all``) under ``allocation``."""
        key = tuple(sorted((u, int(v)) for u, v in allocation.items()))
        if key not in self._cache:
            with warnings.catch_warnings():
                # the allocator reports extrapolation itself, per unit, once
                warnings.simplefilter("ignore", ExtrapolationWarning)
                sim = self.simulator.run({u: {"staff": float(v)} for u, v in allocation.items()}, monthly=False)
            self._cache[key] = sim.targets().set_index("target")["p_meet"]
        return self._cache[key]

    def gain(self, allocation: Mapping[str, int], reference: Mapping[str, int], target: str = "all"
             ) -> tuple[float, float]:
        """The change in ``target``'s p_meet from ``reference`` to ``allocation`` and its Monte
        Carlo standard error. Both run on the same simulated years (common random numbers),
        so the error is that of the paired difference, clustered by parameter draw."""
        from .forecast import mc_se

        runs = []
        for alloc in (allocation, reference):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ExtrapolationWarning)
                runs.append(self.simulator.run({u: {"staff": float(v)} for u, v in alloc.items()}, monthly=False))
        diff = runs[0].met()[target].to_numpy(float) - runs[1].met()[target].to_numpy(float)
        return float(diff.mean()), mc_se(diff, runs[0].clusters)

    def __call__(self, allocation: Mapping[str, int]) -> float:
        p = self.p_meet(allocation)
        if not self.weights:
            return float(p["all"])
        return float(sum(w * p[t] for t, w in self.weights.items()))


def response_curves(results: "OutcomeResults", years: list[int], *, units: list[str] | None = None,
                    change: tuple[int, ...] = (-4, -2, 0, 2, 4, 6), n_draws: int = 4000, rng=0) -> pd.DataFrame:
    """For each unit, each target's p_meet as that unit's staff change (others unchanged).

    Returns one row per (year, unit, staff, target) with ``p_meet``, ``expected_leads`` (the
    unit's expected new leads per quarter, from the inflow model, with its 90 % interval
    ``leads_lo``/``leads_hi``) and ``extrapolated`` (staff outside what the history shows).
    """
    inflow = results.inflow
    rows = []
    for year in years:
        obj = StaffObjective(PortfolioSimulator(results, year, n_draws=n_draws, rng=rng))
        now = obj.current
        for unit in units or list(now):
            staff = sorted({max(0, now[unit] + c) for c in change})
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ExtrapolationWarning)
                leads = inflow.response_curve(unit, staff, n_draws=200, rng=rng)
            for s, (_, lead) in zip(staff, leads.iterrows()):
                p = obj.p_meet({**now, unit: s})
                for target, value in p.items():
                    rows.append({"year": year, "unit": unit, "staff": s, "change": s - now[unit], "target": target,
                                 "p_meet": float(value), "expected_leads": float(lead["mean"]),
                                 "leads_lo": float(lead["lo"]), "leads_hi": float(lead["hi"]),
                                 "extrapolated": bool(lead["extrapolated"])})
    return pd.DataFrame(rows)


def project_leverage(results: "OutcomeResults", year: int, *, months: int = 3, n_draws: int = 8000,
                     rng=0) -> pd.DataFrame:
    """Which open projects deserve attention: how much each target's p_meet would rise if
    that one project were ``months`` further along its path (a quarter sooner, say).

    Exact bookkeeping on shared random numbers: in every simulated year the project's own
    events are redrawn on its faster path with the same uniforms, everything else is held,
    and the year's counts change by the difference. One row per open project, sorted by
    the gain in P(all targets met).
    """
    sim = PortfolioSimulator(results, year, n_draws=n_draws, rng=rng)
    base = sim.run()
    goals = sim.targets.goals
    names = sim.targets.names
    counts = base.counts[names].to_numpy()
    ev = sim.ledger_events
    state = results.state.copy()
    frame = results.history.projects.set_index("project_id").loc[state["project_id"]].reset_index()
    start = np.full(len(state), results.progression.as_of_month - months)
    state["entry_month"] = state["entry_month"] - months
    fast = row_events(results, state, frame, year, sim.draws, start=start)
    _zero_settled(fast, results.history, year, Adjustments())
    R = len(ev.ids)
    gain = np.zeros((R, len(names)))
    gain_all = np.zeros(R)
    goal = np.array([goals[n] for n in names])
    met_base = counts >= goal[None, :]
    all_base = met_base.all(axis=1)
    for d in range(sim.n_param_draws):
        sims = np.flatnonzero(sim._which == d)
        if not sims.size:
            continue
        for lo, m, U, V, W in _uniform_chunks(R, sims.size, np.random.default_rng(sim._row_seeds[d])):
            idx = sims[lo:lo + m]
            delta = (row_indicators(fast, d, U, V, W, sim.thresholds, sim.targets).astype(np.int8)
                     - row_indicators(ev, d, U, V, W, sim.thresholds, sim.targets).astype(np.int8))
            met_fast = (counts[idx][:, None, :] + delta) >= goal[None, None, :]  # year × row × target
            gain += (met_fast.astype(np.int8) - met_base[idx][:, None, :]).sum(axis=0)
            gain_all += (met_fast.all(axis=2).astype(np.int8) - all_base[idx][:, None]).sum(axis=0)
    P = frame
    out = pd.DataFrame({"project_id": ev.ids, "name": P["name"].to_numpy(), "stage": P["stage"].to_numpy(),
                        "investment_bn": P["investment_bn"].to_numpy(float)})
    for j, n in enumerate(names):
        out[f"gain_{n}"] = gain[:, j] / n_draws
    out["gain_all"] = gain_all / n_draws
    return out.sort_values(["gain_all", f"gain_{names[0]}"], ascending=False).reset_index(drop=True)


def tornado(results: "OutcomeResults", year: int, *, staff_step: int = 2, speed: tuple[float, float] = (0.8, 1.25),
            n_projects: int = 3, n_draws: int = 4000, rng=0, n_param_draws: int | None = None) -> pd.DataFrame:
    """Sensitivity: how far each lever moves each target's p_meet, low and high.

    Levers: each unit's staff ∓ ``staff_step``; the approval process slower/faster
    (``speed``); each of the ``n_projects`` largest open projects lost / a quarter sooner.
    Returns one row per (lever, target) with ``low``, ``high`` (p_meet) and ``base``.
    ``n_param_draws`` (default: the model's) trades the parameter uncertainty's resolution
    for speed: every lever is run on the same draws, so the ranking is what matters.
    """
    sim = PortfolioSimulator(results, year, n_draws=n_draws, rng=rng, n_param_draws=n_param_draws)
    base = sim.run().targets().set_index("target")["p_meet"]
    obj = StaffObjective(sim)
    now = obj.current
    rows = []

    def add(lever: str, low: pd.Series, high: pd.Series) -> None:
        for t in base.index:
            rows.append({"lever": lever, "target": t, "base": float(base[t]), "low": float(low[t]), "high": float(high[t])})

    for unit, s in now.items():
        add(f"{unit} staff ±{staff_step}", obj.p_meet({**now, unit: max(0, s - staff_step)}),
            obj.p_meet({**now, unit: s + staff_step}))

    def scenario(adj: Adjustments) -> pd.Series:
        return PortfolioSimulator(results, year, n_draws=n_draws, rng=rng, adjustments=adj,
                                  n_param_draws=n_param_draws).run().targets() \
            .set_index("target")["p_meet"]

    add(f"approval speed ×{speed[0]:g} / ×{speed[1]:g}", scenario(Adjustments(approval_speed=speed[0])),
        scenario(Adjustments(approval_speed=speed[1])))
    st = results.state
    P = results.history.projects.set_index("project_id").loc[st["project_id"]]
    for pid in P["investment_bn"].nlargest(n_projects).index:
        add(f"{pid} ({P.loc[pid, 'investment_bn']:.1f} bn) lost / 3 months sooner",
            scenario(Adjustments(lost=frozenset([pid]))), scenario(Adjustments(slip_months={pid: -3})))
    out = pd.DataFrame(rows)
    out["swing"] = (out["high"] - out["low"]).abs()
    return out


def staffing_explorer(objective: StaffObjective, **kwargs):
    """The live what-if (:func:`forecasting.explorer.explorer`) on the objective's year and
    simulated years: every lever a scenario file has, not only staff. Returns the widget to
    display; ``kwargs`` go to :func:`~forecasting.explorer.explorer`."""
    from .explorer import explorer

    sim = objective.simulator
    return explorer(sim.results, sim.year, n_draws=sim.n_draws, rng=sim.seed, **kwargs).widget


__all__ = ["StaffObjective", "response_curves", "project_leverage", "tornado", "staffing_explorer"]
