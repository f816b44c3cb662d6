"""What if effort went elsewhere? Response curves, the objective the allocator climbs,
which levers move the year most, each judged by one :class:`~forecasting.whatif.objectives.Objective`.

All of it rests on :class:`~forecasting.simulation.portfolio.PortfolioSimulator`: the ledger's part of
the year is simulated once and only what a lever changes is redrawn, always with the same
random numbers, so a difference between two allocations is the allocations' doing and not
simulation noise; what noise is left is reported beside every gain as its paired Monte
Carlo error (:meth:`~forecasting.whatif.objectives.Objective.gain`).

P(all targets met) is flat when a target is out of reach, so by default every function
here judges by it only when it is at least 5 % and by the expected shortfall against the
goals otherwise (:func:`choose_objective`); every table carries the objective's name and
the reason it was chosen.

Staff act through new leads (:mod:`~forecasting.models.inflow`), and a lead takes months to sign
and a year or more to break ground: staff added now mostly move *next* year's targets.
So every function takes the target ``year``; ask for this year and next to see the
trade-off. Which open projects deserve attention is :mod:`~forecasting.whatif.attention`.
"""
from __future__ import annotations

import warnings
from dataclasses import replace
from typing import TYPE_CHECKING, Mapping

import numpy as np
import pandas as pd

from ..errors import ExtrapolationWarning
from ..simulation.adjustments import Adjustments
from ..simulation.outcomes import Forecaster
from ..simulation.portfolio import PortfolioSimulator
from ..simulation.rows import row_events, zero_settled
from ..simulation.sampling import row_indicators, uniform_chunks
from ..texts import text
from .objectives import DEFAULT_P_ALL_FLOOR, Objective, objective_label, parse_objective

if TYPE_CHECKING:  # pragma: no cover
    from .allocate import AllocationResult
    from ..simulation.portfolio import PortfolioSimulation

#: A gain counts only when it exceeds this many paired Monte Carlo errors.
NOISE_Z = 2.0


def format_value(objective: Objective, value: float, *, signed: bool = False) -> str:
    """A value in the objective's units: a probability in percent (one decimal), a count
    or a shortfall to two decimals; one decimal more below a tenth (a gain or an error)."""
    sign = "+" if signed else ""
    small = abs(value) < 0.1 and value != 0
    if objective.is_probability:
        return f"{value:{sign}.{2 if abs(value) < 0.01 and value != 0 else 1}%}"
    return f"{value:{sign}.{3 if small else 2}f}"


def choose_objective(sim: "PortfolioSimulation", objective: Objective | str | None = None, *,
                     language: str | None = None) -> tuple[Objective, str]:
    """The objective to judge ``sim``'s what-ifs by, and why, in the current language.

    ``objective`` given (an :class:`Objective` or its CLI spelling) is used as it is; ``None``
    picks :func:`~forecasting.whatif.objectives.default_objective`'s: P(all targets met) when it is
    at least 5 % in ``sim``, otherwise the expected shortfall against the goals.
    """
    if isinstance(objective, str):
        objective = parse_objective(objective)
    if objective is not None:
        objective.per_year(sim)  # an unknown target fails here, with the year's targets named
        return objective, text("whatif.reason_chosen", language=language,
                               objective=objective_label(objective, language=language))
    p_all, _ = Objective("p_meet", "all").value(sim)
    if p_all >= DEFAULT_P_ALL_FLOOR:
        return Objective("p_meet", "all"), text("whatif.reason_default_all", language=language,
                                                p=f"{p_all:.0%}", floor=f"{DEFAULT_P_ALL_FLOOR:.0%}")
    return Objective("expected_shortfall"), text("whatif.reason_default_shortfall", language=language,
                                                 p=f"{p_all:.2%}" if 0 < p_all < 0.01 else f"{p_all:.1%}",
                                                 floor=f"{DEFAULT_P_ALL_FLOOR:.0%}")


# --------------------------------------------------------------------------- staff -> objective
class StaffObjective:
    """An :class:`~forecasting.whatif.objectives.Objective` as a function of staff per unit.

    ``staff_objective(allocation)`` is the objective's score (larger is better: the
    shortfall enters negated), which is what :func:`~forecasting.whatif.allocate.allocate`
    maximises; :meth:`value` gives it in its own units with its Monte Carlo error and
    :meth:`gain` the paired gain of one allocation over another with its error.
    Simulations are memoised per allocation and use common random numbers.

    Parameters
    ----------
    simulator : a :class:`PortfolioSimulator` for the target year.
    objective : an :class:`Objective` or its CLI spelling (``"all"``, ``"shortfall"``,
        ``"count:groundbreakings"`` …); ``None`` for :func:`choose_objective`'s default,
        judged on today's staffing.
    language : for :attr:`label` and :attr:`reason` (default: the current style's).

    Attributes
    ----------
    objective, label, reason : the objective, its name and why it was chosen.
    """

    def __init__(self, simulator: PortfolioSimulator, objective: Objective | str | None = None, *,
                 language: str | None = None):
        self.simulator = simulator
        self._cache: dict[tuple, "PortfolioSimulation"] = {}
        self._p_meet: dict[tuple, pd.Series] = {}
        self.objective, self.reason = choose_objective(self.run(self.current), objective, language=language)
        self.label = objective_label(self.objective, language=language)

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

    @staticmethod
    def _key(allocation: Mapping[str, int]) -> tuple:
        return tuple(sorted((u, int(v)) for u, v in allocation.items()))

    def run(self, allocation: Mapping[str, int]) -> "PortfolioSimulation":
        """The simulated years under ``allocation`` (memoised; monthly paths left out)."""
        key = self._key(allocation)
        if key not in self._cache:
            with warnings.catch_warnings():
                # the allocator reports extrapolation itself, per unit, once
                warnings.simplefilter("ignore", ExtrapolationWarning)
                sim = self.simulator.run({u: {"staff": float(v)} for u, v in allocation.items()}, monthly=False)
            self._cache[key] = replace(sim, monthly=np.zeros((0, 12, len(sim.names)), np.int32))
        return self._cache[key]

    def p_meet(self, allocation: Mapping[str, int]) -> pd.Series:
        """Each target's p_meet (and ``all``) under ``allocation``."""
        key = self._key(allocation)
        if key not in self._p_meet:
            self._p_meet[key] = self.run(allocation).targets().set_index("target")["p_meet"]
        return self._p_meet[key]

    def value(self, allocation: Mapping[str, int]) -> tuple[float, float]:
        """The objective under ``allocation``, in its own units, and its Monte Carlo error."""
        return self.objective.value(self.run(allocation))

    def gain(self, allocation: Mapping[str, int], reference: Mapping[str, int]) -> tuple[float, float]:
        """How much better ``allocation`` is than ``reference`` (the objective's units, positive
        = better) and the Monte Carlo error of that paired difference: both run on the same
        simulated years, so the error is that of the difference, clustered by parameter draw."""
        return self.objective.gain(self.run(allocation), self.run(reference))

    def format(self, value: float, *, signed: bool = False) -> str:
        """A value in the objective's units, as the notes print it."""
        return format_value(self.objective, value, signed=signed)

    def __call__(self, allocation: Mapping[str, int]) -> float:
        return self.objective.score(self.run(allocation))


def allocation_note(result: "AllocationResult", objective: StaffObjective, *, language: str | None = None,
                    names: Mapping[str, str] | None = None) -> str:
    """The allocator's verdict in a sentence: the objective now and after the best move
    found, the gain with its Monte Carlo error, and whether it is recommended (a gain
    within twice its error is not). When the total differs from today's staff, what stands
    (and what the moves start from) is today's staffing rescaled to it, and the note says so.
    ``names`` (unit id -> label) names the units as the report's tables do (default: ids)."""
    name = (lambda u: names.get(u, u)) if names else (lambda u: u)  # noqa: E731
    moves = text("whatif.list_separator", language=language).join(
        f"{name(u)} {c:+d}" for u, c in result.move_change.items() if c) or text("whatif.no_change", language=language)
    now, _ = objective.value(result.current)
    today = objective.current
    rescaled = {"today": sum(today.values()), "total": sum(result.current.values()),
                "alloc": text("whatif.list_separator", language=language).join(
                    f"{name(u)} {c}" for u, c in result.current.items())} if result.current != today else None
    values = {"start": text("whatif.allocation_start_rescaled" if rescaled else "whatif.allocation_start_today",
                            language=language, **(rescaled or {})),
              "moves": moves, "objective": objective.label, "now": objective.format(now)}
    if result.move == result.current:
        return text("whatif.allocation_no_move", language=language, **values)
    best, _ = objective.value(result.move)
    values.update(best=objective.format(best), gain=objective.format(result.move_gain, signed=True),
                  se=objective.format(result.move_gain_se))
    if result.within_noise:
        return text("whatif.allocation_within_noise", language=language, **values)
    return text("whatif.allocation_recommended", language=language, **values) + (
        text("whatif.allocation_against_rescaled", language=language, **rescaled) if rescaled else "")


def objective_line(objective: StaffObjective, *, language: str | None = None) -> str:
    """"Judged by …: why." — the sentence every what-if table and chart carries."""
    return text("whatif.objective_line", language=language, objective=objective.label, reason=objective.reason)


# --------------------------------------------------------------------------- response curves
def response_curves(forecaster: Forecaster, years: list[int], *, units: list[str] | None = None,
                    change: tuple[int, ...] = (-4, -2, 0, 2, 4, 6), n_draws: int = 4000, rng=0,
                    objective: Objective | str | None = None) -> pd.DataFrame:
    """For each unit, the objective as that unit's staff change (others unchanged).

    Returns one row per (year, unit, staff): ``objective`` (its key), ``objective_label``,
    ``objective_reason``; ``value`` and ``value_se`` (the objective in its units and its
    Monte Carlo error); ``gain`` and ``gain_se`` against today's staffing (positive =
    better, paired error); ``p_meet_TARGET`` per target and ``all``; ``expected_leads`` (the
    unit's expected new leads per quarter, from the inflow model, with its 90 % interval
    ``leads_lo``/``leads_hi``) and ``extrapolated`` (staff outside what the history shows).
    With ``objective=None`` each year is judged by its own default (:func:`choose_objective`).
    """
    inflow = forecaster.results.inflow
    rows = []
    for year in years:
        obj = StaffObjective(forecaster.simulator(year, n_draws=n_draws, rng=rng), objective)
        now = obj.current
        for unit in units or list(now):
            staff = sorted({max(0, now[unit] + c) for c in change})
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ExtrapolationWarning)
                leads = inflow.response_curve(unit, staff, n_draws=200, rng=rng)
            for s, (_, lead) in zip(staff, leads.iterrows()):
                alloc = {**now, unit: s}
                value, value_se = obj.value(alloc)
                gain, gain_se = obj.gain(alloc, now)
                row = {"year": year, "unit": unit, "staff": s, "change": s - now[unit],
                       "objective": obj.objective.key, "objective_label": obj.label, "objective_reason": obj.reason,
                       "value": value, "value_se": value_se, "gain": gain, "gain_se": gain_se}
                row.update({f"p_meet_{t}": float(v) for t, v in obj.p_meet(alloc).items()})
                row.update({"expected_leads": float(lead["mean"]), "leads_lo": float(lead["lo"]),
                            "leads_hi": float(lead["hi"]), "extrapolated": bool(lead["extrapolated"])})
                rows.append(row)
    return pd.DataFrame(rows)


def project_leverage(forecaster: Forecaster, year: int, *, months: int = 3, n_draws: int = 8000,
                     rng=0) -> pd.DataFrame:
    """How much each target's p_meet would rise if each open project were ``months``
    further along its path (a quarter sooner, say). The planners' list of projects worth
    chasing is :func:`forecasting.whatif.attention.attention_list`, which counts events rather than
    probabilities and carries each gain's Monte Carlo error; this is its p_meet companion.

    Exact bookkeeping on shared random numbers: in every simulated year the project's own
    events are redrawn on its faster path with the same uniforms, everything else is held,
    and the year's counts change by the difference. One row per open project, sorted by
    the gain in P(all targets met).
    """
    results = forecaster.results
    sim = forecaster.simulator(year, n_draws=n_draws, rng=rng)
    base = sim.run()
    goals = sim.targets.goals
    names = sim.targets.names
    counts = base.counts[names].to_numpy()
    ev = sim.ledger_events
    state = results.state.copy()
    frame = results.history.projects.set_index("project_id").loc[state["project_id"]].reset_index()
    start = np.full(len(state), results.as_of_month - months)
    state["entry_month"] = state["entry_month"] - months
    fast = row_events(results, state, frame, year, sim.draws, start=start, pool=ev.pool)
    zero_settled(fast, results.history, year, Adjustments())
    R = len(ev.ids)
    gain = np.zeros((R, len(names)))
    gain_all = np.zeros(R)
    goal = np.array([goals[n] for n in names])
    met_base = counts >= goal[None, :]
    all_base = met_base.all(axis=1)
    for d in range(sim.n_param_draws):
        sims = np.flatnonzero(sim.which == d)
        if not sims.size:
            continue
        for lo, m, U, V, W in uniform_chunks(R, sims.size, np.random.default_rng(sim.row_seeds[d])):
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


# --------------------------------------------------------------------------- the tornado
def tornado(forecaster: Forecaster, year: int, *, staff_step: int = 2, speed: tuple[float, float] = (0.8, 1.25),
            n_projects: int = 3, n_draws: int = 4000, rng=0, n_param_draws: int | None = None,
            objective: Objective | str | None = None, language: str | None = None) -> pd.DataFrame:
    """Sensitivity: how far each lever moves the objective, down and up.

    Levers: each unit's staff ∓ ``staff_step``; the approval process slower/faster
    (``speed``); each of the ``n_projects`` largest open projects lost / a quarter sooner.
    Returns one row per lever: ``lever``, ``year``, ``objective`` (key), ``objective_label``,
    ``objective_reason``; ``base``, ``low``, ``high`` (the objective in its units);
    ``low_gain``/``high_gain`` (positive = better) with their paired Monte Carlo errors
    ``low_gain_se``/``high_gain_se``; ``swing`` = |high − low|; ``within_noise`` (neither
    end moves the objective by more than twice its error). ``n_param_draws`` (default: the
    forecaster's) trades the parameter uncertainty's resolution for speed: every lever is run on
    the same draws and the same random numbers.
    """
    results = forecaster.results
    sim = forecaster.simulator(year, n_draws=n_draws, rng=rng, n_param_draws=n_param_draws)
    obj = StaffObjective(sim, objective, language=language)
    now = obj.current
    base_run = obj.run(now)
    base, _ = obj.value(now)
    district = results.history.district
    lang = language
    rows = []

    def add(lever: str, low: "PortfolioSimulation", high: "PortfolioSimulation") -> None:
        lo_v, hi_v = obj.objective.value(low)[0], obj.objective.value(high)[0]
        lo_g, lo_se = obj.objective.gain(low, base_run)
        hi_g, hi_se = obj.objective.gain(high, base_run)
        rows.append({"lever": lever, "year": year, "objective": obj.objective.key, "objective_label": obj.label,
                     "objective_reason": obj.reason, "base": base, "low": lo_v, "high": hi_v,
                     "low_gain": lo_g, "low_gain_se": lo_se, "high_gain": hi_g, "high_gain_se": hi_se})

    for unit, s in now.items():
        add(text("whatif.lever_staff", language=lang, unit=district.unit_label(unit, lang or _lang()), step=staff_step),
            obj.run({**now, unit: max(0, s - staff_step)}), obj.run({**now, unit: s + staff_step}))

    def scenario(adj: Adjustments) -> "PortfolioSimulation":
        return forecaster.simulator(year, n_draws=n_draws, rng=rng, adjustments=adj,
                                    n_param_draws=n_param_draws).run(monthly=False)

    add(text("whatif.lever_speed", language=lang, slow=f"{speed[0]:g}", fast=f"{speed[1]:g}"),
        scenario(Adjustments(approval_speed=speed[0])), scenario(Adjustments(approval_speed=speed[1])))
    st = results.state
    P = results.history.projects.set_index("project_id").loc[st["project_id"]]
    for pid in P["investment_bn"].nlargest(n_projects).index:
        bn = float(P.loc[pid, "investment_bn"])
        add(text("whatif.lever_project", language=lang, project=pid, bn=bn, yi=10 * bn),
            scenario(Adjustments(lost=frozenset([pid]))), scenario(Adjustments(slip_months={pid: -3})))
    out = pd.DataFrame(rows)
    out["swing"] = (out["high"] - out["low"]).abs()
    out["within_noise"] = ((out["low_gain"].abs() <= NOISE_Z * out["low_gain_se"])
                           & (out["high_gain"].abs() <= NOISE_Z * out["high_gain_se"]))
    return out


def _lang() -> str:
    from ..texts import language

    return language()


__all__ = ["NOISE_Z", "StaffObjective", "allocation_note", "choose_objective", "format_value", "objective_label",
           "objective_line", "project_leverage", "response_curves", "tornado"]
