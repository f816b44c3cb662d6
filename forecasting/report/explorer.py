"""The live what-if's widgets: every lever a scenario file has, as controls around an :class:`Explorer`.

:func:`explorer` builds an :class:`~forecasting.report.explorer_engine.Explorer` (the year
simulated once, re-answered for any levers on the same simulated years) and puts
ipywidgets around it (:class:`ExplorerView`): staff per unit, the approval speed, a
project's slip or loss, new prospects and a sector's year, with the objective of
:func:`~forecasting.whatif.objectives.default_objective` and each target's count range and
p_meet beside today's plans, updated whenever a control changes.
"""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Mapping

import pandas as pd

from ..errors import ExtrapolationWarning
from ..simulation.adjustments import Adjustments
from ..simulation.outcomes import Forecaster
from ..simulation.portfolio import PortfolioSimulator
from ..whatif.objectives import Objective, objective_label
from .explorer_engine import APPROVAL_GRID, SECTOR_GRID, Explorer

if TYPE_CHECKING:  # pragma: no cover
    from ..whatif.levers import StaffObjective


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
        P = results.history.projects.set_index("project_id").loc[explorer.project_ids]
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


def explorer(forecaster: Forecaster, year: int, *, n_draws: int = 2000, rng: int = 0,
             approval_grid: tuple[float, ...] = APPROVAL_GRID, sector_grid: tuple[float, ...] = SECTOR_GRID,
             precompute: Literal["now", "background", "none"] = "background", language: str | None = None,
             objective: Objective | None = None) -> ExplorerView:
    """The live what-if for ``year``: fits once, then answers every control on the same
    simulated years. Display ``.widget`` (needs a running kernel; in a saved copy the
    controls do nothing).

    Examples
    --------
    >>> view = explorer(forecaster, 2025, n_draws=2000)   # doctest: +SKIP
    >>> view.widget                                     # doctest: +SKIP
    """
    return ExplorerView(Explorer(forecaster, year, n_draws=n_draws, rng=rng, approval_grid=approval_grid,
                                 sector_grid=sector_grid, precompute=precompute, objective=objective),
                        language=language)


def staffing_explorer(objective: "StaffObjective", **kwargs):
    """The live what-if (:func:`explorer`) on a staffing objective's year and simulated years
    (:class:`~forecasting.whatif.levers.StaffObjective`): every lever a scenario file has, not only staff. Returns the widget to
    display; ``kwargs`` go to :func:`explorer`."""
    sim = objective.simulator
    return explorer(Forecaster(sim.results, sim.n_param_draws), sim.year, n_draws=sim.n_draws, rng=sim.seed, **kwargs).widget


__all__ = ["ExplorerView", "Levers", "explorer", "staffing_explorer"]
