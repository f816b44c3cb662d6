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

:func:`explorer` puts the widgets (ipywidgets) around it: the objective of
:func:`~forecasting.whatif.objectives.default_objective` and each target's count range and
p_meet, beside today's plans, updated whenever a control changes.
"""
from __future__ import annotations

import copy
import threading
import time
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Mapping

import numpy as np
import pandas as pd

from ..errors import ExtrapolationWarning
from ..whatif.objectives import Objective, default_objective, objective_label
from ..simulation.portfolio import (Adjustments, ArrivalCells, PortfolioSimulation, PortfolioSimulator, RowEvents,
                        _arrival_combine, _arrival_sets, _arrival_sums, _arrival_summary,
                        _arrival_template_events, _arrival_template_rows, _cell_index, _future_quarters,
                        _ledger_rows, _prospect_rows, _uniform_chunks, _zero_settled, row_events,
                        row_indicators)
from .style import target_label

if TYPE_CHECKING:  # pragma: no cover
    from ..simulation.outcomes import OutcomeResults
    from ..whatif.levers import StaffObjective

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
    results : a fitted :class:`~forecasting.simulation.outcomes.OutcomeResults`.
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
    >>> results = OutcomeModel(n_param_draws=20).fit(load_history("data"))
    >>> ex = Explorer(results, 2025, n_draws=2000, precompute="none")
    >>> sim = ex.simulate(Adjustments(effort={"branch_4": {"staff": 12}}))
    >>> ex.objective.value(sim)[0] >= 0
    True
    """

    def __init__(self, results: "OutcomeResults", year: int, *, n_draws: int = 2000, rng: int = 0,
                 approval_grid: tuple[float, ...] = APPROVAL_GRID, sector_grid: tuple[float, ...] = SECTOR_GRID,
                 precompute: Literal["now", "background", "none"] = "now", objective: Objective | None = None):
        if not isinstance(rng, (int, np.integer)):
            raise ValueError(f"the explorer needs an integer seed (rng), not {type(rng).__name__}")
        if precompute not in ("now", "background", "none"):
            raise ValueError(f'precompute must be "now", "background" or "none", not {precompute!r}')
        self.results, self.year, self.n_draws, self.seed = results, int(year), int(n_draws), int(rng)
        self.simulator = sim = PortfolioSimulator(results, year, n_draws=n_draws, rng=rng)
        self.baseline = sim.run(monthly=False)
        self.reason = ""
        if objective is None:
            objective, self.reason = default_objective(self.baseline)
        self.objective = objective
        # the simulator's streams (PortfolioSimulator.__init__ spawns them in this order)
        _, s_templates, _, s_prospects, _ = np.random.SeedSequence(int(rng)).spawn(5)
        self._prospect_seeds = s_prospects.spawn(sim.n_param_draws)
        self._templates_rng_seed = s_templates
        self._sims = [np.flatnonzero(sim._which == d) for d in range(sim.n_param_draws)]
        self._ids = sim.ledger_events.ids
        self._sectors = results.state["sector"].to_numpy()
        self._templates = self._template_sets() if sim.cells is not None else []
        self._lock = threading.RLock()
        self._regimes: dict[float, _Regime] = {1.0: self._regime(1.0, base=True)}
        self._sector_parts: dict[tuple[float, str, float], tuple[RowEvents, list[tuple]]] = {}
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
                self._sums(self._regimes[1.0])
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
        quarters = _future_quarters(h.as_of, self.year)
        group, rngs = _arrival_sets(sim.draws, np.random.default_rng(self._templates_rng_seed))
        effort = sim.cells.cells
        out = []
        for g, r in enumerate(rngs):
            frame, state = _arrival_template_rows(self.results, effort, quarters, r)
            cell = _cell_index(effort, frame)
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
        ev = _arrival_template_events(self.results, self.year, draws, adj, frame.reset_index(drop=True),
                                      state.reset_index(drop=True))
        sums, _ = _arrival_sums(self.simulator.cells.cells, frame, ev,
                                cell_of_row=t.cell_of_row if rows is None else t.cell_of_row[rows])
        return sums

    def _cells(self, parts: list[tuple]) -> ArrivalCells:
        base = self.simulator.cells
        return ArrivalCells(base.cells, base.mean, *_arrival_combine(self.simulator.draws.n, self._group, parts))

    def _regime(self, speed: float, *, base: bool = False) -> _Regime:
        sim = self.simulator
        adj = Adjustments(approval_speed=float(speed))
        if base:
            ledger, end = sim.ledger_events, sim._ledger[:, -1, :].copy()
        else:
            state, frame, start, mult = _ledger_rows(self.results, self.year, adj)
            ledger = row_events(self.results, state, frame, self.year, sim.draws, start=start, log_multiplier=mult,
                                pool=sim.ledger_events.pool)
            _zero_settled(ledger, self.results.history, self.year, adj)
            end = self._rows_end(ledger, np.arange(len(self._ids)))
        sums, cells = [], None
        if base:  # today's cells are the simulator's; the per-sector sums come when first needed
            return _Regime(ledger, end, None, sim.cells)
        if self._templates:
            parts = []
            for t in self._templates:
                draws = sim.draws.take(t.draws)
                ev = _arrival_template_events(self.results, self.year, draws, adj, t.frame, t.state)
                whole, _ = _arrival_sums(sim.cells.cells, t.frame, ev, cell_of_row=t.cell_of_row)
                parts.append(_arrival_summary(self.results, whole, t.total))
                sums.append({s: _arrival_sums(sim.cells.cells, t.frame.iloc[rows], ev.take(rows),
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
                        ev = _arrival_template_events(self.results, self.year, self.simulator.draws.take(t.draws),
                                                      adj, t.frame, t.state)
                        sums.append({sec: _arrival_sums(self.simulator.cells.cells, t.frame.iloc[rows], ev.take(rows),
                                                        cell_of_row=t.cell_of_row[rows])[0]
                                     for sec, rows in t.by_sector.items()})
                    regime.sums = sums
        return regime.sums

    def regime(self, speed: float) -> _Regime:
        """The events under approval speed ``speed`` (computed once, then kept)."""
        key = _key(speed)
        if key not in self._regimes:
            with self._lock:
                if key not in self._regimes:
                    self._regimes[key] = self._regime(key)
        return self._regimes[key]

    def _sector_part(self, speed: float, sector: str, value: float) -> tuple[RowEvents, list[tuple]]:
        """One sector's year ``value`` under approval speed ``speed``: its ledger rows' events
        and, per template set, its templates' cell sums (computed once, then kept)."""
        key = (_key(speed), sector, _key(value))
        if key not in self._sector_parts:
            with self._lock:
                if key not in self._sector_parts:
                    adj = Adjustments(approval_speed=key[0], sector_effect={sector: key[2]})
                    rows = np.flatnonzero(self._sectors == sector)
                    state, frame, start, mult = _ledger_rows(self.results, self.year, adj)
                    ev = row_events(self.results, state.iloc[rows].reset_index(drop=True),
                                    frame.iloc[rows].reset_index(drop=True), self.year, self.simulator.draws,
                                    start=start[rows], log_multiplier=mult[rows],
                                    pool=self.simulator.ledger_events.pool)
                    _zero_settled(ev, self.results.history, self.year, Adjustments())
                    sums = [self._template_sums(t, adj, t.by_sector[sector]) if sector in t.by_sector else None
                            for t in self._templates]
                    self._sector_parts[key] = (ev, sums)
        return self._sector_parts[key]

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
            for lo, m, U, V, W in _uniform_chunks(R, sims.size, np.random.default_rng(sim._row_seeds[d])):
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
        ps, pf, pstart, pmult = _prospect_rows(self.results, adj.prospects, adj)
        pev = row_events(self.results, ps, pf, self.year, sim.draws, start=pstart, log_multiplier=pmult,
                         pool=sim.ledger_events.pool, in_pool=False)
        for d, sims in enumerate(self._sims):
            if not sims.size:
                continue
            rng = np.random.default_rng(self._prospect_seeds[d])
            for lo, m, U, V, W in _uniform_chunks(len(pev.ids), sims.size, rng):
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
            parts.append(_arrival_summary(self.results, total, t.total))
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
                state, frame, start, mult = _ledger_rows(self.results, self.year, adj)
                r = rows[own]
                sub = row_events(self.results, state.iloc[r].reset_index(drop=True),
                                 frame.iloc[r].reset_index(drop=True), self.year, self.simulator.draws,
                                 start=start[r], log_multiplier=mult[r], pool=self.simulator.ledger_events.pool)
                _put(new, own, sub, np.arange(len(own)))
            _zero_settled(new, self.results.history, self.year, adj)
            end += self._rows_end(new, rows, old=regime.ledger.take(rows))
        if adj.prospects is not None and len(adj.prospects):
            end += self._prospects_end(adj)
        run = copy.copy(self.simulator)
        run.adjustments = Adjustments()
        run.cells = self._sector_cells(regime, speed, effects)
        ledger = np.zeros_like(self.simulator._ledger)
        ledger[:, -1, :] = end
        run._ledger = ledger
        return run.run(dict(adj.effort) or None, monthly=False)

    def summary(self, sim: PortfolioSimulation, language: str | None = None) -> pd.DataFrame:
        """The objective and each target's p10–p90 count range and p_meet, today's plans beside
        ``sim``: one row per target (the objective first)."""
        from ..texts import text

        base_t, alt_t = self.baseline.targets().set_index("target"), sim.targets().set_index("target")
        (b, b_se), (a, a_se) = self.objective.value(self.baseline), self.objective.value(sim)
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


# ---------------------------------------------------------------------- widgets
@dataclass
class Levers:
    """The explorer's controls as scenario terms (what :class:`Adjustments` needs)."""

    staff: dict[str, int] = field(default_factory=dict)
    approval_speed: float = 1.0
    slip_months: dict[str, int] = field(default_factory=dict)
    lost: set[str] = field(default_factory=set)
    prospects: list[dict[str, Any]] = field(default_factory=list)
    sector_effect: dict[str, float] = field(default_factory=dict)

    def adjustments(self, today: Mapping[str, int]) -> Adjustments:
        """The levers as :class:`Adjustments` (a unit's staff only where it differs from ``today``)."""
        effort = {u: {"staff": float(s)} for u, s in self.staff.items() if int(s) != int(today.get(u, s))}
        return Adjustments(effort=effort, approval_speed=float(self.approval_speed),
                           slip_months={p: int(m) for p, m in self.slip_months.items() if m},
                           lost=frozenset(self.lost),
                           prospects=pd.DataFrame(self.prospects) if self.prospects else None,
                           sector_effect={s: float(v) for s, v in self.sector_effect.items() if v})


class ExplorerView:
    """The widgets of :func:`explorer` and the numbers they last showed.

    ``levers`` are the current controls; ``shown`` the last :meth:`Explorer.summary` table,
    ``shown_value`` the objective's value (estimate, MC error) it showed; ``refresh()``
    recomputes (every control calls it on change). Display ``widget``.
    """

    def __init__(self, explorer: Explorer, *, language: str | None = None, max_staff: int | None = None):
        import ipywidgets as w

        from .style import language as current
        from ..texts import text

        self.explorer, self.language = explorer, language or current()
        lang = self.language
        T = lambda key, **kw: text(f"explorer.{key}", language=lang, **kw)  # noqa: E731
        results = explorer.results
        district = results.history.district
        self.today = _staff_today(explorer.simulator)
        self.levers = Levers(staff=dict(self.today))
        style = {"description_width": "initial"}
        slider_style = {"description_width": "260px"}  # the sliders line up whatever the unit's name
        layout = w.Layout(width="480px")
        self.staff = {u: w.IntSlider(value=s, min=0, max=max_staff or 2 * s + 4, continuous_update=False,
                                     description=district.unit_label(u, lang), style=slider_style, layout=layout)
                      for u, s in self.today.items()}
        for u, s in self.staff.items():
            s.observe(lambda ch, u=u: self._set("staff", u, ch["new"]), names="value")
        self.speed = w.SelectionSlider(options=[(f"×{g:g}", g) for g in explorer.approval_grid], value=1.0, continuous_update=False,
                                       description=T("approval_speed"), style=style, layout=layout)
        self.speed.observe(lambda ch: self._set("approval_speed", None, ch["new"]), names="value")
        P = results.history.projects.set_index("project_id").loc[explorer._ids]
        P = P.sort_values("investment_bn", ascending=False)
        self.project = w.Dropdown(options=[(f"{pid} · {r['name']} ({r['stage']}, {r['investment_bn']:.1f} bn)", pid)
                                           for pid, r in P.iterrows()],
                                  description=T("project"), style=style, layout=w.Layout(width="560px"))
        self.slip = w.IntSlider(value=0, min=-6, max=12, continuous_update=False, description=T("slip_months"),
                                style=style, layout=layout)
        self.lost = w.Checkbox(value=False, description=T("lost"), style=style)
        self.project.observe(self._show_project, names="value")
        self.slip.observe(lambda ch: self._set("slip", self.project.value, ch["new"]), names="value")
        self.lost.observe(lambda ch: self._set("lost", self.project.value, ch["new"]), names="value")
        units = [(district.unit_label(u.id, lang), u.id) for u in district.units]
        sectors = [(district.sector_label(s, lang), s) for s in district.sectors]
        self.p_unit = w.Dropdown(options=units, description=T("prospect_unit"), style=style)
        self.p_sector = w.Dropdown(options=sectors, description=T("prospect_sector"), style=style)
        self.p_stage = w.Dropdown(options=[(T(f"stage_{s}"), s) for s in ("lead", "negotiating", "signed", "approved")],
                                  value="negotiating", description=T("prospect_stage"), style=style)
        self.p_amount = w.BoundedFloatText(value=5.0, min=0.01, max=1000.0, step=0.5, description=T("prospect_amount"),
                                           style=style)
        self.p_add = w.Button(description=T("prospect_add"), button_style="primary")
        self.p_clear = w.Button(description=T("prospect_clear"))
        self.p_add.on_click(lambda _: self._add_prospect())
        self.p_clear.on_click(lambda _: self._set("prospects", None, []))
        self.p_list = w.HTML()
        self.sector = w.Dropdown(options=sectors, description=T("sector"), style=style)
        self.sector_effect = w.SelectionSlider(options=[(f"{g:+g}" if g else "0", g) for g in explorer.sector_grid],
                                               value=0.0, continuous_update=False, description=T("sector_effect"),
                                               style=style, layout=layout)
        self.sector.observe(self._show_sector, names="value")
        self.sector_effect.observe(lambda ch: self._set("sector", self.sector.value, ch["new"]), names="value")
        self.status = w.HTML()
        self.out = w.HTML()
        heading = lambda key: w.HTML(f"<b>{T(key)}</b>")  # noqa: E731
        controls = w.VBox([heading("staff_heading"), *self.staff.values(),
                           heading("approval_heading"), self.speed,
                           heading("project_heading"), self.project, w.HBox([self.slip, self.lost]),
                           heading("prospect_heading"), w.HBox([self.p_unit, self.p_sector]),
                           w.HBox([self.p_stage, self.p_amount]), w.HBox([self.p_add, self.p_clear]), self.p_list,
                           heading("sector_heading"), w.HBox([self.sector, self.sector_effect])])
        reason = w.HTML(f"<i>{T('objective_note', objective=objective_label(explorer.objective, lang))}</i>")
        self.widget = w.HBox([controls, w.VBox([reason, self.out, self.status])])
        self.widget.add_class("forecasting-explorer")
        self._busy = False
        self.refresh()

    def _show_project(self, change) -> None:
        pid = change["new"]
        self._busy = True  # showing a project's values is not a change
        try:
            self.slip.value = int(self.levers.slip_months.get(pid, 0))
            self.lost.value = pid in self.levers.lost
        finally:
            self._busy = False

    def _show_sector(self, change) -> None:
        self._busy = True  # showing a sector's year is not a change
        try:
            self.sector_effect.value = float(self.levers.sector_effect.get(change["new"], 0.0))
        finally:
            self._busy = False

    def _add_prospect(self) -> None:
        n = len(self.levers.prospects) + 1
        row = {"name": f"prospect {n}", "unit": self.p_unit.value, "sector": self.p_sector.value,
               "stage": self.p_stage.value, "investment_bn": float(self.p_amount.value)}
        self._set("prospects", None, [*self.levers.prospects, row])

    def _set(self, what: str, key, value) -> None:
        if self._busy:
            return
        lv = self.levers
        if what == "staff":
            lv.staff[key] = int(value)
        elif what == "approval_speed":
            lv.approval_speed = float(value)
        elif what == "slip":
            lv.slip_months[key] = int(value)
        elif what == "lost":
            (lv.lost.add if value else lv.lost.discard)(key)
        elif what == "prospects":
            lv.prospects = list(value)
        elif what == "sector":
            lv.sector_effect[key] = float(value)
        self.refresh()

    def refresh(self) -> None:
        """Simulate the current levers and show the table."""
        from ..texts import text

        t0 = time.perf_counter()
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ExtrapolationWarning)
                sim = self.explorer.simulate(self.levers.adjustments(self.today))
        except (ValueError, KeyError) as e:  # a planner sees a sentence, not a traceback
            self.status.value = f"<span style='color:#b00'>{text('explorer.error', language=self.language, message=e)}</span>"
            return
        self.sim = sim
        self.shown = self.explorer.summary(sim, self.language)
        self.shown_value = self.explorer.objective.value(sim)
        self.out.value = self.shown.to_html(classes="forecasting-explorer-table", index_names=False)
        district = self.explorer.results.history.district
        self.p_list.value = "<br>".join(
            f"{p['name']}: {district.unit_label(p['unit'], self.language)}, "
            f"{district.sector_label(p['sector'], self.language)}, "
            f"{text('explorer.stage_' + p['stage'], language=self.language)}, {p['investment_bn']:g} bn"
            for p in self.levers.prospects)
        status = text("explorer.status", language=self.language, seconds=f"{time.perf_counter() - t0:.2f}",
                      n=self.explorer.n_draws)
        units = sorted({str(c.message).split(" with ")[0] for c in caught
                        if issubclass(c.category, ExtrapolationWarning)})
        if units:
            district = self.explorer.results.history.district
            names = ", ".join(district.unit_label(u, self.language) if u in district.unit_ids else u for u in units)
            status += "<br><i>" + text("explorer.extrapolated", language=self.language, units=names) + "</i>"
        self.status.value = status


def _staff_today(simulator: PortfolioSimulator) -> dict[str, int]:
    """Staff per unit in the as-of quarter (carried forward)."""
    results = simulator.results
    if results.inflow is None:
        return {}
    eff = results.inflow.future_effort([results.history.as_of])
    return {u: int(round(v)) for u, v in zip(eff["unit"], eff["staff"])}


def explorer(results: "OutcomeResults", year: int, *, n_draws: int = 2000, rng: int = 0,
             approval_grid: tuple[float, ...] = APPROVAL_GRID, sector_grid: tuple[float, ...] = SECTOR_GRID,
             precompute: Literal["now", "background", "none"] = "background", language: str | None = None,
             objective: Objective | None = None) -> ExplorerView:
    """The live what-if for ``year``: fits once, then answers every control on the same
    simulated years. Display ``.widget`` (needs a running kernel; in a saved copy the
    controls do nothing).

    Examples
    --------
    >>> view = explorer(results, 2025, n_draws=2000)   # doctest: +SKIP
    >>> view.widget                                     # doctest: +SKIP
    """
    return ExplorerView(Explorer(results, year, n_draws=n_draws, rng=rng, approval_grid=approval_grid,
                                 sector_grid=sector_grid, precompute=precompute, objective=objective),
                        language=language)


def staffing_explorer(objective: "StaffObjective", **kwargs):
    """The live what-if (:func:`explorer`) on a staffing objective's year and simulated years
    (:class:`~forecasting.whatif.levers.StaffObjective`): every lever a scenario file has, not only staff. Returns the widget to
    display; ``kwargs`` go to :func:`explorer`."""
    sim = objective.simulator
    return explorer(sim.results, sim.year, n_draws=sim.n_draws, rng=sim.seed, **kwargs).widget


__all__ = ["APPROVAL_GRID", "SECTOR_GRID", "Explorer", "ExplorerView", "Levers", "explorer", "objective_label",
           "staffing_explorer"]
