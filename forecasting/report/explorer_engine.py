"""The live what-if: every lever a scenario file has, answered while the meeting waits.

:class:`Explorer` fits the year once (a :class:`~forecasting.simulation.portfolio.PortfolioSimulator`)
and then answers any combination of levers — staff per unit, the approval speed, a
project's slip, loss or new size, new prospects, a sector's good or bad year — on the same
simulated years (common random numbers: the same uniforms for the same simulated year and
project), without building a new simulator:

* **staff** only changes how many new leads arrive: the simulator's own rerun;
* **a project's slip, loss or new size** re-propagates that project's row alone and
  changes each simulated year's count by the difference its row makes, with the row's own
  uniforms (the rest of the ledger is held);
* **a prospect** adds rows, drawn with the uniforms a new simulator would give them;
* **a sector's year** re-propagates that sector's ledger rows and that sector's arrival
  templates only (every other sector's share of the arrival cells is kept), and **the
  approval speed** touches every row and template: both are precomputed on their
  sliders' grids (:data:`APPROVAL_GRID`, :data:`SECTOR_GRID` for every sector) when the
  explorer is built — in a background thread for the widgets, so the controls are there
  at once — and any other value is computed when first asked for and then kept.

Every path gives the numbers a new simulator with the same adjustments and seed gives:
identical counts for staff, projects, prospects and the approval speed (the same
arithmetic on the same rows); for a sector's year the arrival cells are sums over the
templates taken in another order, equal to rounding (1e-15), so the counts are identical
unless a uniform falls within that rounding of a threshold (``tests/test_explorer.py``
checks them equal).

:func:`~forecasting.report.explorer.explorer` puts the widgets (ipywidgets) around it: the objective of
:func:`~forecasting.whatif.objectives.default_objective` and each target's count range and
p_meet, beside today's plans, updated whenever a control changes.
"""
from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass, field
from typing import Literal, Mapping

import numpy as np
import pandas as pd

from ..simulation.adjustments import Adjustments, ledger_rows, prospect_rows
from ..simulation.arrivals import (ArrivalCells, arrival_combine, arrival_sets, arrival_sums, arrival_summary,
                                   arrival_template_events, arrival_template_rows, cell_index, future_quarters)
from ..simulation.outcomes import Forecaster
from ..simulation.portfolio import PortfolioSimulation
from ..simulation.rows import RowEvents, row_events, zero_settled
from ..simulation.sampling import row_indicators, uniform_chunks
from ..whatif.objectives import Objective, default_objective, objective_label
from .style import target_label

#: Approval speeds the slider offers (odds multipliers), each precomputed at first display.
APPROVAL_GRID: tuple[float, ...] = (0.8, 1.0, 1.25, 1.5)
#: A sector's year effects the slider offers (log-odds on its monthly advance), precomputed per sector.
SECTOR_GRID: tuple[float, ...] = (-0.5, -0.25, 0.0, 0.25, 0.5)


@dataclass
class _Regime:
    """Everything that depends on the hazard shifts shared by many rows (the approval speed):
    the ledger's events and year-end counts, and each template set's per-sector cell sums."""

    ledger: RowEvents
    ledger_end: np.ndarray  # simulated year × target
    sums: list[dict[str, tuple]] | None  # per template set: sector -> cell sums
    cells: ArrivalCells | None


@dataclass
class _Templates:
    """One template set of the new leads: the draws it serves, its rows and their cells."""

    draws: np.ndarray
    frame: pd.DataFrame
    state: pd.DataFrame
    cell_of_row: np.ndarray
    total: np.ndarray
    by_sector: dict[str, np.ndarray] = field(default_factory=dict)


class Explorer:
    """A year simulated once, re-answered for any levers on the same simulated years.

    Parameters
    ----------
    forecaster : a fitted :class:`~forecasting.simulation.outcomes.Forecaster` (``OutcomeModel().fit(history)``).
    year : the target year.
    n_draws : simulated years.
    rng : an integer seed (the explorer reproduces the simulator's streams from it).
    approval_grid : approval speeds to precompute (1.0 is always there).
    sector_grid : a sector's year effects to precompute for every sector (0 is always there).
    precompute : ``"now"`` computes both grids before returning; ``"background"`` in a
        thread, so the controls are there at once (a value not ready yet is computed when
        asked for); ``"none"`` computes each value when first asked for. Each value is kept.
    objective : what a change is judged by (default: :func:`default_objective` of today's plans).

    Examples
    --------
    >>> from forecasting import load_history, OutcomeModel
    >>> forecaster = OutcomeModel(n_param_draws=20).fit(load_history("data"))
    >>> ex = Explorer(forecaster, 2025, n_draws=2000, precompute="none")
    >>> sim = ex.simulate(Adjustments(effort={"branch_4": {"staff": 12}}))
    >>> ex.objective.value(sim)[0] >= 0
    True
    """

    def __init__(self, forecaster: Forecaster, year: int, *, n_draws: int = 2000, rng: int = 0,
                 approval_grid: tuple[float, ...] = APPROVAL_GRID, sector_grid: tuple[float, ...] = SECTOR_GRID,
                 precompute: Literal["now", "background", "none"] = "now", objective: Objective | None = None):
        if not isinstance(rng, (int, np.integer)):
            raise ValueError(f"the explorer needs an integer seed (rng), not {type(rng).__name__}")
        if precompute not in ("now", "background", "none"):
            raise ValueError(f'precompute must be "now", "background" or "none", not {precompute!r}')
        results = forecaster.results
        self.results, self.year, self.n_draws, self.seed = results, int(year), int(n_draws), int(rng)
        self.simulator = sim = forecaster.simulator(year, n_draws=n_draws, rng=rng)
        self.baseline = sim.run(monthly=False)
        self.reason = ""
        if objective is None:
            objective, self.reason = default_objective(self.baseline)
        self.objective = objective
        # the simulator's streams (PortfolioSimulator.__init__ spawns them in this order)
        _, s_templates, _, s_prospects, _ = np.random.SeedSequence(int(rng)).spawn(5)
        self._prospect_seeds = s_prospects.spawn(sim.n_param_draws)
        self._templates_rng_seed = s_templates
        self._sims = [np.flatnonzero(sim.which == d) for d in range(sim.n_param_draws)]
        self._ids = sim.ledger_events.ids
        #: the open projects of the ledger, in the simulator's row order (the ones a lever can move)
        self.project_ids = self._ids
        self._sectors = results.state["sector"].to_numpy()
        self._templates = self._template_sets() if sim.cells is not None else []
        self._lock = threading.RLock()
        #: what is kept: the simulated years at each approval speed asked for or precomputed,
        #: and each (speed, sector, effect) a sector lever has moved
        self.regimes: dict[float, _Regime] = {1.0: self._regime(1.0, base=True)}
        self.sector_parts: dict[tuple[float, str, float], tuple[RowEvents, list[tuple]]] = {}
        #: the approval speeds and sector effects the controls offer (precomputed)
        self.approval_grid = tuple(sorted({1.0, *(_key(v) for v in approval_grid)}))
        self.sector_grid = tuple(sorted({0.0, *(_key(v) for v in sector_grid)}))
        self.precompute_seconds: float | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        if precompute == "now":
            self._precompute()
        elif precompute == "background":
            self._thread = threading.Thread(target=self._precompute, name="explorer-precompute", daemon=True)
            self._thread.start()

    # ------------------------------------------------------------------ set-up
    def _precompute(self) -> None:
        t0 = time.perf_counter()
        try:
            if self._templates:
                self._sums(self.regimes[1.0])
            for speed in self.approval_grid:
                self.regime(speed)
            for sector in self.results.history.district.sectors:
                for value in self.sector_grid:
                    if value:
                        self._sector_part(1.0, sector, value)
        except BaseException as e:  # noqa: BLE001 - kept to be raised by wait(), not lost in a thread
            self._error = e
        self.precompute_seconds = time.perf_counter() - t0

    def wait(self) -> float:
        """Wait for the background precomputation; its duration in seconds."""
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        return float(self.precompute_seconds or 0.0)

    def _template_sets(self) -> list[_Templates]:
        sim = self.simulator
        h = self.results.history
        quarters = future_quarters(h.as_of, self.year)
        group, rngs = arrival_sets(sim.draws, np.random.default_rng(self._templates_rng_seed))
        effort = sim.cells.cells
        out = []
        for g, r in enumerate(rngs):
            frame, state = arrival_template_rows(self.results, effort, quarters, r)
            cell = cell_index(effort, frame)
            total = np.bincount(cell, weights=frame["weight"].to_numpy(float), minlength=len(effort))
            sectors = state["sector"].to_numpy()
            out.append(_Templates(np.flatnonzero(group == g), frame, state, cell, total,
                                  {s: np.flatnonzero(sectors == s) for s in pd.unique(sectors)}))
        self._group = group
        return out

    def _template_sums(self, t: _Templates, adj: Adjustments, rows: np.ndarray | None = None) -> tuple:
        """Cell sums of the set's templates (``rows`` only) under ``adj``'s hazard shifts."""
        draws = self.simulator.draws.take(t.draws)
        frame, state = (t.frame, t.state) if rows is None else (t.frame.iloc[rows], t.state.iloc[rows])
        ev = arrival_template_events(self.results, self.year, draws, adj, frame.reset_index(drop=True),
                                      state.reset_index(drop=True))
        sums, _ = arrival_sums(self.simulator.cells.cells, frame, ev,
                                cell_of_row=t.cell_of_row if rows is None else t.cell_of_row[rows])
        return sums

    def _cells(self, parts: list[tuple]) -> ArrivalCells:
        base = self.simulator.cells
        return ArrivalCells(base.cells, base.mean, *arrival_combine(self.simulator.draws.n, self._group, parts))

    def _regime(self, speed: float, *, base: bool = False) -> _Regime:
        sim = self.simulator
        adj = Adjustments(approval_speed=float(speed))
        if base:
            ledger, end = sim.ledger_events, sim.ledger_counts[:, -1, :].copy()
        else:
            state, frame, start, mult = ledger_rows(self.results, self.year, adj)
            ledger = row_events(self.results, state, frame, self.year, sim.draws, start=start, log_multiplier=mult,
                                pool=sim.ledger_events.pool)
            zero_settled(ledger, self.results.history, self.year, adj)
            end = self._rows_end(ledger, np.arange(len(self._ids)))
        sums, cells = [], None
        if base:  # today's cells are the simulator's; the per-sector sums come when first needed
            return _Regime(ledger, end, None, sim.cells)
        if self._templates:
            parts = []
            for t in self._templates:
                draws = sim.draws.take(t.draws)
                ev = arrival_template_events(self.results, self.year, draws, adj, t.frame, t.state)
                whole, _ = arrival_sums(sim.cells.cells, t.frame, ev, cell_of_row=t.cell_of_row)
                parts.append(arrival_summary(self.results, whole, t.total))
                sums.append({s: arrival_sums(sim.cells.cells, t.frame.iloc[rows], ev.take(rows),
                                              cell_of_row=t.cell_of_row[rows])[0]
                             for s, rows in t.by_sector.items()})
            cells = self._cells(parts)
        return _Regime(ledger, end, sums, cells)

    def _sums(self, regime: _Regime) -> list[dict[str, tuple]]:
        """Per template set, each sector's cell sums under ``regime`` (today's computed once, when first needed)."""
        if regime.sums is None:
            with self._lock:
                if regime.sums is None:
                    adj = Adjustments(approval_speed=1.0)
                    sums = []
                    for t in self._templates:
                        ev = arrival_template_events(self.results, self.year, self.simulator.draws.take(t.draws),
                                                      adj, t.frame, t.state)
                        sums.append({sec: arrival_sums(self.simulator.cells.cells, t.frame.iloc[rows], ev.take(rows),
                                                        cell_of_row=t.cell_of_row[rows])[0]
                                     for sec, rows in t.by_sector.items()})
                    regime.sums = sums
        return regime.sums

    def regime(self, speed: float) -> _Regime:
        """The events under approval speed ``speed`` (computed once, then kept)."""
        key = _key(speed)
        if key not in self.regimes:
            with self._lock:
                if key not in self.regimes:
                    self.regimes[key] = self._regime(key)
        return self.regimes[key]

    def _sector_part(self, speed: float, sector: str, value: float) -> tuple[RowEvents, list[tuple]]:
        """One sector's year ``value`` under approval speed ``speed``: its ledger rows' events
        and, per template set, its templates' cell sums (computed once, then kept)."""
        key = (_key(speed), sector, _key(value))
        if key not in self.sector_parts:
            with self._lock:
                if key not in self.sector_parts:
                    adj = Adjustments(approval_speed=key[0], sector_effect={sector: key[2]})
                    rows = np.flatnonzero(self._sectors == sector)
                    state, frame, start, mult = ledger_rows(self.results, self.year, adj)
                    ev = row_events(self.results, state.iloc[rows].reset_index(drop=True),
                                    frame.iloc[rows].reset_index(drop=True), self.year, self.simulator.draws,
                                    start=start[rows], log_multiplier=mult[rows],
                                    pool=self.simulator.ledger_events.pool)
                    zero_settled(ev, self.results.history, self.year, Adjustments())
                    sums = [self._template_sums(t, adj, t.by_sector[sector]) if sector in t.by_sector else None
                            for t in self._templates]
                    self.sector_parts[key] = (ev, sums)
        return self.sector_parts[key]

    # ------------------------------------------------------------------ counting
    def _rows_end(self, ev: RowEvents, rows: np.ndarray, old: RowEvents | None = None) -> np.ndarray:
        """Year-end counts of the ledger rows ``rows`` (``ev`` holds just those rows), with
        the ledger's own uniforms; with ``old``, the change from ``old``'s events."""
        sim = self.simulator
        R, T = len(self._ids), len(sim.targets.names)
        out = np.zeros((sim.n_draws, T), dtype=np.int32)
        if not len(rows):
            return out
        full = len(rows) == R
        for d, sims in enumerate(self._sims):
            if not sims.size:
                continue
            for lo, m, U, V, W in uniform_chunks(R, sims.size, np.random.default_rng(sim.row_seeds[d])):
                if not full:
                    U, V, W = U[:, rows], V[:, rows], W[:, rows]
                hit = row_indicators(ev, d, U, V, W, sim.thresholds, sim.targets).sum(axis=1, dtype=np.int32)
                if old is not None:
                    hit -= row_indicators(old, d, U, V, W, sim.thresholds, sim.targets).sum(axis=1, dtype=np.int32)
                out[sims[lo:lo + m]] = hit
        return out

    def _prospects_end(self, adj: Adjustments) -> np.ndarray:
        sim = self.simulator
        out = np.zeros((sim.n_draws, len(sim.targets.names)), dtype=np.int32)
        ps, pf, pstart, pmult = prospect_rows(self.results, adj.prospects, adj)
        pev = row_events(self.results, ps, pf, self.year, sim.draws, start=pstart, log_multiplier=pmult,
                         pool=sim.ledger_events.pool, in_pool=False)
        for d, sims in enumerate(self._sims):
            if not sims.size:
                continue
            rng = np.random.default_rng(self._prospect_seeds[d])
            for lo, m, U, V, W in uniform_chunks(len(pev.ids), sims.size, rng):
                out[sims[lo:lo + m]] = row_indicators(pev, d, U, V, W, sim.thresholds, sim.targets).sum(axis=1)
        return out

    def _sector_cells(self, regime: _Regime, speed: float, effects: Mapping[str, float]) -> ArrivalCells | None:
        if regime.cells is None or not effects:
            return regime.cells
        parts_by_sector = {s: self._sector_part(speed, s, v)[1] for s, v in effects.items()}
        parts = []
        for g, (t, sums) in enumerate(zip(self._templates, self._sums(regime))):
            total = None
            for s, part in sums.items():
                if s in parts_by_sector:
                    part = parts_by_sector[s][g]
                total = part if total is None else tuple(a + b for a, b in zip(total, part))
            parts.append(arrival_summary(self.results, total, t.total))
        return self._cells(parts)

    def simulate(self, adjustments: Adjustments | None = None) -> PortfolioSimulation:
        """The simulated years under ``adjustments`` (year-end counts; the monthly paths are
        not filled), on the same simulated years as today's plans."""
        adj = adjustments or Adjustments()
        unknown = sorted((set(adj.slip_months) | set(adj.lost) | set(adj.resize)) - set(self._ids))
        if unknown:
            raise ValueError(f"not an open project of the ledger: {', '.join(unknown)}")
        bad = sorted(set(adj.sector_effect) - set(self.results.history.district.sectors))
        if bad:
            raise ValueError(f"not a sector of the district: {', '.join(bad)}")
        speed = _key(adj.approval_speed)
        regime = self.regime(speed)
        effects = {s: _key(v) for s, v in adj.sector_effect.items() if v}
        in_sector = np.isin(self._sectors, list(effects))
        projects = np.isin(self._ids, list(adj.slip_months) + list(adj.resize) + list(adj.lost))
        rows = np.flatnonzero(in_sector | projects)
        end = regime.ledger_end.copy()
        if rows.size:
            new = regime.ledger.take(rows)
            for s, v in effects.items():
                part = self._sector_part(speed, s, v)[0]
                pos = np.flatnonzero(self._sectors[rows] == s)
                _put(new, pos, part, np.arange(len(pos)))
            own = np.flatnonzero(projects[rows])
            if own.size:
                state, frame, start, mult = ledger_rows(self.results, self.year, adj)
                r = rows[own]
                sub = row_events(self.results, state.iloc[r].reset_index(drop=True),
                                 frame.iloc[r].reset_index(drop=True), self.year, self.simulator.draws,
                                 start=start[r], log_multiplier=mult[r], pool=self.simulator.ledger_events.pool)
                _put(new, own, sub, np.arange(len(own)))
            zero_settled(new, self.results.history, self.year, adj)
            end += self._rows_end(new, rows, old=regime.ledger.take(rows))
        if adj.prospects is not None and len(adj.prospects):
            end += self._prospects_end(adj)
        run = copy.copy(self.simulator)
        run.adjustments = Adjustments()
        run.cells = self._sector_cells(regime, speed, effects)
        ledger = np.zeros_like(self.simulator.ledger_counts)
        ledger[:, -1, :] = end
        run.ledger_counts = ledger
        return run.run(dict(adj.effort) or None, monthly=False)

    def summary(self, sim: PortfolioSimulation, language: str | None = None) -> pd.DataFrame:
        """The objective and each target's p10–p90 count range and p_meet, today's plans beside
        ``sim``: one row per target (the objective first)."""
        from ..texts import text

        base_t, alt_t = self.baseline.targets().set_index("target"), sim.targets().set_index("target")
        (b, _), (a, _) = self.objective.value(self.baseline), self.objective.value(sim)
        fmt = (lambda v: f"{v:.1%}") if self.objective.is_probability else (lambda v: f"{v:.2f}")
        label = objective_label(self.objective, language)
        rows = [{"": label, text("explorer.col_today", language=language): fmt(b),
                 text("explorer.col_chosen", language=language): fmt(a),
                 text("explorer.col_change", language=language): _signed(a - b, self.objective.is_probability)}]
        for name in self.simulator.targets.names:
            bt, at = base_t.loc[name], alt_t.loc[name]
            rows.append({"": f"{target_label(name, language=language)} (≥ {int(bt['goal'])})",
                         text("explorer.col_today", language=language): _range(bt),
                         text("explorer.col_chosen", language=language): _range(at),
                         text("explorer.col_change", language=language): _signed(at["p_meet"] - bt["p_meet"], True)})
        return pd.DataFrame(rows).set_index("")


def _key(value: float) -> float:
    return round(float(value), 9)


def _put(into: RowEvents, at: np.ndarray, source: RowEvents, rows: np.ndarray) -> None:
    """Overwrite rows ``at`` of ``into`` with rows ``rows`` of ``source``."""
    into.cum_signed[:, at] = source.cum_signed[:, rows]
    into.cum_ground[:, at] = source.cum_ground[:, rows]
    into.clears[:, at] = source.clears[:, rows]
    into.provincial[:, at] = source.provincial[:, rows]
    into.counted[at] = source.counted[rows]


def _range(t: pd.Series) -> str:
    return f"{int(t['p10'])}–{int(t['p90'])} · {t['p_meet']:.0%}"


def _signed(v: float, probability: bool) -> str:
    return f"{v * 100:+.1f} pp" if probability else f"{v:+.2f}"


__all__ = ["APPROVAL_GRID", "SECTOR_GRID", "Explorer"]
