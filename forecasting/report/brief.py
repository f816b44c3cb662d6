"""The one-page brief: where the district stands, what changed, and what to do.

The brief holds no logic of its own: the notebooks compute everything, and each writes what
the brief needs as a small *findings* file with :func:`record` (a one-line cell at the end
of the notebook, doing nothing outside a report run)::

    brief.record(output_dir, "targets", targets=targets, year=year, as_of=history.as_of)

:func:`forecasting.report.meeting.build_report` then reads the findings (:func:`read_findings`),
assembles the brief (:func:`assemble`) and writes it as the front of ``index.html``, as
``brief.html`` and, printed by Chromium, as ``brief.pdf``. A findings file that is missing
(a notebook left out of the run) makes that section say it is unavailable.

The findings, and the columns each frame carries
------------------------------------------------
``targets`` (notebook 03), frame ``targets``
    ``target, goal, so_far, p10, p90, p_meet`` (the ``"all"`` row: P(all targets met));
    values ``year``, ``as_of``.
``changes`` (notebook 06), frame ``attribution``
    ``target, step, start, end, delta`` (:func:`forecasting.evaluation.refresh.attribute_change`);
    frame ``summary`` (optional) ``kind, n, investment_bn``; values ``previous``, ``as_of``.
``levers`` (notebook 04), frame ``levers``
    ``lever, gain`` and optionally ``gain_se, low, high, objective``: how far each lever moves
    the objective (larger = matters more), sorted or not. :func:`levers_from_tornado` makes
    it from :func:`forecasting.whatif.levers.tornado`.
``projects`` (notebook 04), frame ``projects``
    ``project_id, gain`` and optionally ``name, stage, investment_bn, gain_se, objective``:
    the gain in the objective if the project moved a quarter sooner.
    :func:`projects_from_leverage` makes it from :func:`forecasting.whatif.levers.project_leverage`.
``calibration`` (notebook 05), frame ``p_meet``
    ``forecaster, n, mean_p_meet, share_met, brier, ece``
    (:meth:`forecasting.evaluation.backtest.Backtest.p_meet_calibration`); frame ``coverage``
    (optional) ``target, forecaster, coverage_p10_p90, pit_coverage_80``.

``objective`` holds an objective's key (``"all"``, ``"shortfall"``, ``"p_meet:tier_5bn"``,
see :mod:`forecasting.whatif.objectives`) or a label; keys are shown in the report's language.
"""
from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path

import numpy as np
import pandas as pd

#: The folder (inside a notebook's ``output_dir``) the findings are written to.
FOLDER = "brief"
#: The sections of the brief, in order, and the findings file each reads.
SECTIONS = ("targets", "changes", "levers", "projects", "calibration")


# --------------------------------------------------------------------------- recording

def record(output_dir: str | Path | None, name: str, **items) -> None:
    """Write the findings ``name`` for the brief: ``output_dir/brief/<name>.json``.

    Parameters
    ----------
    output_dir : the notebook's ``output_dir`` parameter; ``None`` (a notebook run by hand)
        writes nothing.
    name : the findings' name (one of :data:`SECTIONS`, see the module docstring).
    **items : DataFrames (stored as records, NaN as null) and plain values (str, int,
        float, bool; numpy scalars and quarters are turned into them).

    Returns nothing, so the notebook cell shows no output.
    """
    if output_dir is None:
        return None
    if not name or not name.replace("_", "").isalnum():
        raise ValueError(f"a findings name is a word such as 'targets', not {name!r}")
    frames, values = {}, {}
    for key, item in items.items():
        if isinstance(item, pd.DataFrame):
            frames[key] = json.loads(item.to_json(orient="records", double_precision=10))
        elif isinstance(item, pd.Series):
            frames[key] = json.loads(item.reset_index().to_json(orient="records", double_precision=10))
        else:
            values[key] = _plain(item)
    folder = Path(output_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"name": name, "values": values, "frames": frames}, ensure_ascii=False, indent=1),
                   encoding="utf-8")
    tmp.replace(path)
    return None


def _plain(value):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


@dataclass
class Findings:
    """One findings file read back: its plain values and its frames."""

    name: str
    values: dict = field(default_factory=dict)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)


def read_findings(folder: str | Path) -> dict[str, Findings]:
    """Every findings file in ``folder`` (``<report>/brief``), by name; none there: ``{}``.

    A file that cannot be read as findings is an error naming it (the notebooks wrote it
    in the same run, so a broken one is a bug, not the planner's input).
    """
    folder = Path(folder)
    out = {}
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.json")):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            frames = {k: pd.DataFrame.from_records(v) if v else pd.DataFrame() for k, v in raw["frames"].items()}
            out[path.stem] = Findings(raw.get("name", path.stem), dict(raw.get("values", {})), frames)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"the findings file {path.name} is not readable: {exc}") from None
    return out


# --------------------------------------------------------------------------- adapters

def levers_from_tornado(levers: pd.DataFrame, target: str = "all") -> pd.DataFrame:
    """The ``levers`` findings from :func:`forecasting.whatif.levers.tornado`'s table: for one
    target, each lever's swing ``gain = |high - low|`` in p_meet, with ``low``, ``high``
    and the objective ``p_meet`` of ``target`` (key ``"all"`` or ``"p_meet:<target>"``),
    largest first."""
    if "target" not in levers.columns and {"lever", "objective", "low", "high"} <= set(levers.columns):
        # the objective-aware tornado (one row per lever, in the objective's own units)
        se = levers[[c for c in ("low_gain_se", "high_gain_se") if c in levers.columns]].max(axis=1) \
            if {"low_gain_se", "high_gain_se"} & set(levers.columns) else np.nan
        out = pd.DataFrame({"lever": levers["lever"].astype(str), "gain": (levers["high"] - levers["low"]).abs(),
                            "gain_se": se, "low": levers["low"], "high": levers["high"],
                            "objective": levers["objective"].astype(str)})
        return out.sort_values("gain", ascending=False, kind="stable").reset_index(drop=True)
    need = {"lever", "target", "low", "high"}
    if not need <= set(levers.columns):
        raise ValueError(f"a tornado table has columns {sorted(need)}; this one has {list(levers.columns)}")
    rows = levers[levers["target"] == target]
    if rows.empty:
        raise ValueError(f"the tornado table has no rows for target {target!r}; it has {sorted(set(levers['target']))}")
    out = pd.DataFrame({"lever": rows["lever"].astype(str), "gain": (rows["high"] - rows["low"]).abs(),
                        "low": rows["low"], "high": rows["high"],
                        "objective": "all" if target == "all" else f"p_meet:{target}"})
    return out.sort_values("gain", ascending=False, kind="stable").reset_index(drop=True)


def projects_from_leverage(leverage: pd.DataFrame, column: str = "gain_all") -> pd.DataFrame:
    """The ``projects`` findings from :func:`forecasting.whatif.levers.project_leverage`'s table:
    ``gain`` = the column ``column`` (``"gain_all"``: P(all targets met); ``"gain_<target>"``:
    that target's p_meet), largest first, with the project's name, stage and size."""
    if column not in leverage.columns or "project_id" not in leverage.columns:
        raise ValueError(f"the leverage table has no {column!r} or no project_id column; it has {list(leverage.columns)}")
    keep = [c for c in ("project_id", "name", "stage", "investment_bn") if c in leverage.columns]
    out = leverage[keep].copy()
    out["gain"] = leverage[column].astype(float)
    target = column.removeprefix("gain_")
    out["objective"] = "all" if target == "all" else f"p_meet:{target}"
    return out.sort_values("gain", ascending=False, kind="stable").reset_index(drop=True)


def projects_from_attention(attention: pd.DataFrame) -> pd.DataFrame:
    """The ``projects`` findings from :func:`forecasting.whatif.attention.attention_list`: ``gain`` =
    the expected target-counted events gained if the project moved a quarter sooner
    (``gain_counted``, with ``gain_se``), largest first; objective key ``"counted"``."""
    need = {"project_id", "gain_counted"}
    if not need <= set(attention.columns):
        raise ValueError(f"an attention list has columns {sorted(need)}; this one has {list(attention.columns)}")
    keep = [c for c in ("project_id", "name", "stage", "investment_bn") if c in attention.columns]
    out = attention[keep].copy()
    out["gain"] = attention["gain_counted"].astype(float)
    out["gain_se"] = attention["gain_counted_se"].astype(float) if "gain_counted_se" in attention else np.nan
    out["objective"] = "counted"
    return out.sort_values("gain", ascending=False, kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- assembly

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


def objective_label(key: str | None, language: str = "en") -> str:
    """An objective's key (``"all"``, ``"shortfall"``, ``"p_meet:<target>"``) in words; any
    other text is taken to be a label already."""
    from .style import target_label
    from ..texts import text

    key = key or "all"
    if key == "all":
        return text("common.objective_p_meet_all", language=language)
    if key == "shortfall":
        return text("common.objective_expected_shortfall", language=language)
    if key == "counted":
        return text("common.objective_counted", language=language)
    if key.startswith("p_meet:"):
        return _tx("objective_p_meet_target", language, target=target_label(key.split(":", 1)[1], language=language))
    return key


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
    return Brief(lang, as_of, _tx("title", lang, as_of=as_of), _tx("subtitle", lang, year=year), sections,
                 note=_tx("illustrative", lang))


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
    if f is None or "attribution" not in f.frames:
        return _unavailable("changes", heading, lang)
    att = f.frames["attribution"]
    lines = []
    if not att.empty:
        g = att.groupby("target", sort=False)
        total = pd.DataFrame({"before": g["start"].first(), "after": g["end"].last(), "change": g["delta"].sum()})
        total = total.drop(index="all", errors="ignore")
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


# --------------------------------------------------------------------------- HTML and PDF

def cjk_font_file() -> Path | None:
    """The Noto Sans CJK SC file shipped by ``mplfonts`` (the charts' Chinese font), if any."""
    try:
        import mplfonts
    except ImportError:  # pragma: no cover - installed with the toolkit
        return None
    found = sorted((Path(mplfonts.__file__).parent / "fonts").glob("NotoSansCJKsc-Regular.*"))
    return found[0] if found else None


def _cjk(text: str) -> str:
    return "".join(sorted({ch for ch in text if ord(ch) >= 0x2E80}))


def cjk_face(text: str) -> str:
    """An ``@font-face`` rule for the family ``'Brief CJK'``: Noto Sans CJK SC (the charts'
    Chinese font, from ``mplfonts``) cut down to the CJK characters of ``text`` and embedded
    as a data URI (a few kB), so the page shows Chinese without a system font, on any
    machine it is mailed to, and Chromium has the glyphs before it prints. ``""`` when
    ``text`` has no CJK character or there is no font."""
    chars = _cjk(text)
    if not chars:
        return ""
    data = _subset(chars)
    if data is None:
        return ""
    import base64

    return ("@font-face{font-family:'Brief CJK';font-display:block;"
            f"src:url(data:font/otf;base64,{base64.b64encode(data).decode()}) format('opentype');}}\n")


@lru_cache(maxsize=8)
def _subset(chars: str) -> bytes | None:
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    path = cjk_font_file()
    if path is None:  # pragma: no cover - mplfonts comes with the toolkit
        return None
    font = TTFont(str(path), lazy=True)
    cut = subset.Subsetter(subset.Options())
    cut.populate(text=chars)
    cut.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()


def css(text: str = "") -> str:
    """The brief's style sheet: one A4 page when printed; the CJK characters of ``text``
    in the charts' Chinese font (:func:`cjk_face`). That font comes first in the list: it
    holds only CJK glyphs, so Latin text falls through to the next; listed after the
    system fonts, headless Chromium drew some Chinese runs as empty boxes."""
    face = cjk_face(text)
    return face + """
.brief{font-family:'Brief CJK',system-ui,-apple-system,"Segoe UI","DejaVu Sans","Noto Sans CJK SC","Microsoft YaHei",sans-serif;
color:#222;line-height:1.35}
.brief h1{font-size:1.55rem;margin:0 0 .2rem}.brief .sub{color:#555;margin:0 0 .6rem}
.brief h2{font-size:1.05rem;margin:.8rem 0 .3rem;border-bottom:1px solid #ddd;padding-bottom:.15rem}
.brief table{border-collapse:collapse;font-size:.92rem}
.brief th,.brief td{padding:.18rem .7rem;border-bottom:1px solid #eee;text-align:right}
.brief th:first-child,.brief td:first-child{text-align:left}
.brief th{background:#f3f6fa;white-space:nowrap}.brief td{white-space:nowrap}
.brief p.foot{margin:.1rem 0 0;color:#666;font-size:.82rem}
.brief ul{margin:.2rem 0;padding-left:1.2rem}.brief li{margin:.12rem 0;font-size:.92rem}
.brief p.line{margin:.25rem 0;font-size:.92rem}
.brief .missing{color:#888;font-style:italic}
.brief .note{color:#777;font-size:.8rem;margin-top:.8rem}
.brief .links a{margin-right:1.2rem}
@page{size:A4;margin:14mm}
@media print{.brief .links{display:none}}
"""


def html_fragment(brief: Brief, *, links: list[tuple[str, str]] | None = None, note: str = "") -> str:
    """The brief as an HTML ``<section class="brief">`` (the front of ``index.html``).

    ``links`` are (href, text) pairs shown under the title (the PDF, the slides); ``note``
    an extra line (say, why there is no PDF)."""
    esc = html.escape
    parts = [f"<section class='brief'><h1>{esc(brief.title)}</h1><p class='sub'>{esc(brief.subtitle)}</p>"]
    if links:
        parts.append("<p class='links'>" + "".join(f"<a href='{esc(h)}'>{esc(t)}</a>" for h, t in links) + "</p>")
    for s in brief.sections:
        parts.append(f"<h2>{esc(s.heading)}</h2>")
        if s.rows:
            parts.append("<table><thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in s.header) + "</tr></thead><tbody>")
            parts += ["<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in s.rows]
            parts.append("</tbody></table>")
        if s.key == "targets" or not s.available:
            parts += [f"<p class='line{'' if s.available else ' missing'}'>{esc(x)}</p>" for x in s.lines]
        else:
            parts.append("<ul>" + "".join(f"<li>{esc(x)}</li>" for x in s.lines) + "</ul>")
        if s.footnote:
            parts.append(f"<p class='foot'>{esc(s.footnote)}</p>")
    if note:
        parts.append(f"<p class='note'>{esc(note)}</p>")
    parts.append(f"<p class='note'>{esc(brief.note)}</p></section>")
    return "".join(parts)


def html_page(brief: Brief, *, links: list[tuple[str, str]] | None = None, note: str = "") -> str:
    """The brief alone as a page (``brief.html``, printed to ``brief.pdf``)."""
    lang = "zh-CN" if brief.language == "zh" else "en"
    return (f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>{html.escape(brief.title)}</title>"
            f"<style>body{{margin:0 auto;max-width:60rem;padding:1rem}}{css(brief.text() + note)}</style></head><body>"
            f"{html_fragment(brief, links=links, note=note)}</body></html>\n")


#: Where a Chromium is looked for, after ``$CHROMIUM`` (as ``scripts/screenshot.py`` does).
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "chromium", "chromium-browser", "chromium-headless-shell",
                       "google-chrome")
#: Flags for a headless Chromium as root in a container, without network chatter.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--no-first-run", "--disable-component-update", "--disable-sync"]


def find_chromium() -> str | None:
    """A Chromium executable: ``$CHROMIUM`` if set, else the first of
    :data:`CHROMIUM_CANDIDATES` found; ``None`` when there is none."""
    import os
    import shutil

    env = os.environ.get("CHROMIUM")
    if env:
        found = env if Path(env).exists() else shutil.which(env)
        return found or None
    for name in CHROMIUM_CANDIDATES:
        path = name if Path(name).is_absolute() else shutil.which(name)
        if path and Path(path).exists():
            return str(path)
    return None


class PdfError(RuntimeError):
    """Chromium could not print the brief."""


def print_pdf(page: Path, pdf: Path, *, chromium: str | None = None, timeout: float = 120) -> Path:
    """Print the HTML file ``page`` to ``pdf`` with headless Chromium (``--print-to-pdf``).

    Raises
    ------
    PdfError
        No Chromium, or it failed or wrote no PDF (the message says which).
    """
    import subprocess
    import tempfile

    chromium = chromium or find_chromium()
    if chromium is None:
        raise PdfError("no Chromium browser was found (install Debian's chromium, or set CHROMIUM)")
    with tempfile.TemporaryDirectory(prefix="brief-chromium-") as profile:
        cmd = [chromium, *CHROMIUM_ARGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
               f"--print-to-pdf={Path(pdf).resolve()}", Path(page).resolve().as_uri()]
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfError(f"Chromium could not print the brief: {exc}") from None
    if run.returncode != 0 or not Path(pdf).is_file() or Path(pdf).read_bytes()[:5] != b"%PDF-":
        tail = " ".join((run.stderr or "").split()[-30:])
        raise PdfError(f"Chromium did not print the brief (exit {run.returncode}): {tail}")
    return Path(pdf)


__all__ = ["Brief", "Findings", "PdfError", "SECTIONS", "Section", "assemble", "find_chromium", "html_fragment",
           "html_page", "levers_from_tornado", "projects_from_attention", "objective_label", "pct", "pp", "print_pdf", "projects_from_leverage",
           "read_findings", "record"]
