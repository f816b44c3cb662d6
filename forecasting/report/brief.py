"""The one-page brief: where the district stands, what changed, and what to do.

The brief holds no logic of its own: the notebooks compute everything, and each writes what
the brief needs as a small *findings* file with :func:`~forecasting.report.findings.record`
(a one-line cell at the end of the notebook, doing nothing outside a report run; the
findings and their columns are listed in :mod:`forecasting.report.findings`)::

    brief.record(output_dir, "targets", targets=targets, year=year, as_of=history.as_of)

:func:`forecasting.report.meeting.build_report` then reads the findings
(:func:`~forecasting.report.findings.read_findings`), assembles the brief (:func:`assemble`)
and writes it (:mod:`forecasting.report.brief_page`) as the front of ``index.html``, as
``brief.html`` and, printed by Chromium (:mod:`forecasting.report.pdf`), as ``brief.pdf``. A findings file that is missing
(a notebook left out of the run) makes that section say it is unavailable.

``objective`` holds an objective's key (``"all"``, ``"shortfall"``, ``"p_meet:tier_5bn"``,
see :mod:`forecasting.whatif.objectives`) or a label; keys are shown in the report's language.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd

# the notebooks' face: ``brief.record(...)`` and the adapters, as before the findings had their module
from ..whatif.objectives import objective_label
from .findings import (FOLDER, SECTIONS, Findings, levers_from_tornado, projects_from_attention,  # noqa: F401
                       projects_from_leverage, read_findings, record)
from .notes import data_note

#: Which notebook writes each findings file (named when a section is unavailable).
SOURCES = {"targets": "03_target_outlook", "changes": "06_quarter_changes", "levers": "04_scenarios",
           "projects": "04_scenarios", "calibration": "05_model_validation"}
#: How many items the brief lists per section.
N_CHANGES, N_LEVERS, N_PROJECTS = 3, 3, 5


@dataclass
class Section:
    """One section of the brief: a heading, then a table (``header`` + ``rows``) and/or lines.

    ``available`` is False when its findings were missing (its one line says so)."""

    key: str
    heading: str
    lines: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    available: bool = True
    footnote: str = ""  # how to read the lines (shown under them)


@dataclass
class Brief:
    """The brief, in one language, ready to render (HTML, PDF, slides)."""

    language: str
    as_of: str
    title: str
    subtitle: str
    sections: list[Section]
    note: str = ""

    def text(self) -> str:
        """Every word of the brief (to pick the glyphs its fonts need)."""
        parts = [self.title, self.subtitle, self.note]
        for s in self.sections:
            parts += [s.heading, s.footnote, *s.lines, *s.header, *(c for row in s.rows for c in row)]
        return " ".join(parts)

    def section(self, key: str) -> Section:
        """The section ``key`` (one of :data:`SECTIONS`)."""
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(f"the brief has no section {key!r}")


def _tx(key: str, language: str, **values) -> str:
    from ..texts import text

    return text(f"brief.{key}", language=language, **values)


def pct(p: float | None, language: str = "en") -> str:
    """A probability as a percentage for a planner: ``"51 %"`` (``"51%"`` in Chinese),
    ``"<1 %"`` and ``">99 %"`` near the ends, ``"–"`` when unknown."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "–"
    sp = "" if language == "zh" else " "
    if 0 < p < 0.005:
        return f"<1{sp}%"
    if 0.995 < p < 1:
        return f">99{sp}%"
    return f"{100 * p:.0f}{sp}%"


def pp(x: float, language: str = "en") -> str:
    """A change in probability in percentage points, signed (one decimal below 1 point)."""
    v = 100 * x
    s = f"{v:+.1f}" if abs(v) < 0.95 else f"{v:+.0f}"
    return _tx("pp", language, x=s.replace("-", "−"))


def _gain(x: float, objective: str | None, language: str) -> str:
    """A gain in the objective's own terms: percentage points for a probability, else a number."""
    if objective in (None, "all") or str(objective).startswith(("p_meet:", "at_least:")):
        return pp(x, language)
    return f"{x:+.2f}".replace("-", "−")


def _count(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"


def _unavailable(key: str, heading: str, language: str) -> Section:
    return Section(key, heading, [_tx("unavailable", language, notebook=SOURCES[key])], available=False)


def assemble(findings: dict[str, Findings], *, as_of: str, language: str = "en") -> Brief:
    """The brief from the notebooks' findings (:func:`read_findings`), in ``language``.

    Per target: goal, so far, the 80 % forecast range and the chance of meeting it; the
    :data:`N_CHANGES` largest changes in those chances since last quarter, each with its
    largest cause; the :data:`N_LEVERS` levers that move the objective most; the
    :data:`N_PROJECTS` projects most worth chasing; how right past forecasts were.
    A section whose findings are missing says so.
    """
    from .style import t, target_label

    lang = language
    year = next((f.values.get("year") for k, f in findings.items() if k == "targets"), None)
    label, word = partial(target_label, language=lang), partial(t, language=lang)
    sections = [_targets(findings.get("targets"), lang, label), _changes(findings.get("changes"), lang, label),
                _levers(findings.get("levers"), lang), _projects(findings.get("projects"), lang, word),
                _calibration(findings.get("calibration"), lang)]
    year = year if year is not None else (as_of[:4] if as_of else "")
    # whose data: notebook 03 records the district's name (a simulated one says so)
    district = findings["targets"].values.get("district") if "targets" in findings else None
    note = data_note(district, lang, area="brief") if district else ""
    return Brief(lang, as_of, _tx("title", lang, as_of=as_of), _tx("subtitle", lang, year=year), sections,
                 note=note)


def _targets(f: Findings | None, lang: str, target_label) -> Section:
    year = f.values.get("year", "") if f else ""
    heading = _tx("targets_heading", lang, year=year) if f else _tx("targets_heading", lang, year="").strip()
    if f is None or "targets" not in f.frames:
        return _unavailable("targets", heading, lang)
    table = f.frames["targets"]
    header = [_tx(k, lang) for k in ("col_target", "col_goal", "col_so_far", "col_range", "col_chance")]
    rows, lines = [], []
    for r in table.to_dict("records"):
        if r["target"] == "all":
            lines.append(_tx("p_all", lang, p=pct(r.get("p_meet"), lang)))
            continue
        rows.append([target_label(r["target"]), _count(r.get("goal")), _count(r.get("so_far")),
                     f"{_count(r.get('p10'))}–{_count(r.get('p90'))}", pct(r.get("p_meet"), lang)])
    return Section("targets", heading, lines, header, rows)


def _step_label(step: str, lang: str) -> str:
    from ..texts import entries

    key = "step_" + step.replace(" ", "_")
    return _tx(key, lang) if key in entries("brief") else step


def _changes(f: Findings | None, lang: str, target_label) -> Section:
    previous = f.values.get("previous", "") if f else ""
    heading = _tx("changes_heading", lang, previous=previous or "…")
    if f is not None and "attribution" not in f.frames and f.values.get("nothing_to_compare"):
        # notebook 06 ran, with no snapshot of the previous quarter to compare with
        return Section("changes", heading, [_tx("changes_none", lang, previous=previous or "…")], available=False)
    if f is None or "attribution" not in f.frames:
        return _unavailable("changes", heading, lang)
    att = f.frames["attribution"]
    lines = []
    if not att.empty:
        g = att.groupby("target", sort=False)
        total = pd.DataFrame({"before": g["start"].first(), "after": g["end"].last(), "change": g["delta"].sum()})
        total = total.drop(index="all", errors="ignore")
        total = total[total["change"].abs() >= 0.0005]  # "0 % → 0 % (+0.0 pp)" is no change to list
        order = total["change"].abs().sort_values(ascending=False, kind="stable").index[:N_CHANGES]
        for target in order:
            row = total.loc[target]
            steps = att[att["target"] == target]
            # the cause: the step that moved it most in the direction it went
            same = steps[np.sign(steps["delta"]) == np.sign(row["change"])] if row["change"] != 0 else steps
            cause = (same if not same.empty else steps).loc[lambda s: s["delta"].abs().idxmax()]
            lines.append(_tx("change_line", lang, target=target_label(target), before=pct(row["before"], lang),
                             after=pct(row["after"], lang), change=pp(row["change"], lang),
                             cause=_step_label(str(cause["step"]), lang), delta=pp(float(cause["delta"]), lang)))
    summary = f.frames.get("summary")
    if summary is not None and not summary.empty and {"kind", "n"} <= set(summary.columns):
        n = summary.set_index("kind")["n"]
        lines.append(_tx("change_events", lang, new=int(n.get("new", 0)), stage=int(n.get("stage", 0)),
                         lost=int(n.get("lost", 0))))
    return Section("changes", heading, lines)


def _levers(f: Findings | None, lang: str) -> Section:
    table = f.frames.get("levers") if f else None
    objective = None
    if table is not None and "objective" in table.columns and len(table):
        objective = str(table["objective"].iloc[0])
    year = f.values.get("year") if f else None
    heading = (_tx("levers_heading_year", lang, year=year, objective=objective_label(objective, lang)) if year else
               _tx("levers_heading", lang, objective=objective_label(objective, lang)))
    if table is None:
        return _unavailable("levers", heading, lang)
    top = table.sort_values("gain", ascending=False, kind="stable")
    top = top[top["gain"] > 0].head(N_LEVERS)
    lines = [_tx("lever_line", lang, lever=str(r["lever"]), gain=_gain(float(r["gain"]), objective, lang))
             for r in top.to_dict("records")]
    return Section("levers", heading, lines or [_tx("none_measurable", lang)])


def _projects(f: Findings | None, lang: str, t) -> Section:
    table = f.frames.get("projects") if f else None
    year = f.values.get("year", "") if f else ""
    heading = _tx("projects_heading_none", lang, year=year)
    if table is None:
        return _unavailable("projects", heading, lang)
    objective = str(table["objective"].iloc[0]) if "objective" in table.columns and len(table) else None
    top = table.sort_values("gain", ascending=False, kind="stable")
    top = top[top["gain"] > 0].head(N_PROJECTS)  # fewer when fewer move the objective at all
    if len(top):
        heading = (_tx("projects_heading", lang, year=year, n=len(top)) if len(top) > 1 else
                   _tx("projects_heading_one", lang, year=year))
    lines = []
    for r in top.to_dict("records"):
        size, stage = r.get("investment_bn"), r.get("stage")
        name, gain = str(r.get("name") or r["project_id"]), _gain(float(r["gain"]), objective, lang)
        if size is None or (isinstance(size, float) and math.isnan(size)) or not stage:
            lines.append(_tx("project_line_short", lang, name=name, gain=gain))
            continue
        size = f"{10 * size:.0f}" if lang == "zh" else f"{size:.1f}"
        lines.append(_tx("project_line", lang, name=name, stage=t(str(stage)), size=size, gain=gain))
    if not lines:
        return Section("projects", heading, [_tx("none_measurable", lang)])
    return Section("projects", heading, lines,
                   footnote=_tx("projects_objective", lang, objective=objective_label(objective, lang)))


def _calibration(f: Findings | None, lang: str) -> Section:
    heading = _tx("calibration_heading", lang)
    table = f.frames.get("p_meet") if f else None
    if f is not None and table is None and f.values.get("nothing_to_score"):
        # notebook 05 ran, but the backtest had no origin to score
        return Section("calibration", heading, [_tx("calibration_none", lang)], available=False)
    if table is None or table.empty:
        return _unavailable("calibration", heading, lang)
    by = table.set_index("forecaster")
    lines = []
    if "outcome_model" in by.index:
        m = by.loc["outcome_model"]
        lines.append(_tx("calibration_line", lang, n=int(m["n"]), mean=pct(m["mean_p_meet"], lang),
                         share=pct(m["share_met"], lang)))
        sheet = f"{by.loc['stage_weighted', 'brier']:.3f}" if "stage_weighted" in by.index else "–"
        lines.append(_tx("calibration_score", lang, brier=f"{m['brier']:.3f}", brier_sheet=sheet, ece=f"{m['ece']:.3f}"))
    cov = f.frames.get("coverage")
    if cov is not None and not cov.empty and "coverage_p10_p90" in cov.columns:
        own = cov[cov["forecaster"] == "outcome_model"]["coverage_p10_p90"]
        if len(own):
            lines.append(_tx("coverage_line", lang, coverage=pct(float(own.mean()), lang)))
    return Section("calibration", heading, lines or [_tx("unavailable", lang, notebook=SOURCES["calibration"])],
                   available=bool(lines))


__all__ = ["FOLDER", "Brief", "Findings", "SECTIONS", "Section", "assemble", "levers_from_tornado", "objective_label", "pct", "pp",
           "projects_from_attention", "projects_from_leverage", "read_findings", "record"]
