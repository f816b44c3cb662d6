"""The report as slides: ``slides.pptx`` (python-pptx), 16:9, the brief first, then one
slide per chart in notebook order.

Each chart slide has a title that states the finding — the chart's own title, which the
toolkit's charts already write as a finding ("12 open projects in the pipeline") — and a
one-line takeaway: the first sentence of the prose the notebook shows above the chart.

How a chart's title reaches the report
--------------------------------------
During a report run :func:`forecasting.report.style.use_style` calls :func:`register_chart_titles`
in each kernel: every figure output then carries, beside its PNG and SVG, a small JSON
record (:data:`CHART_MIME`) with the figure's title (its ``suptitle``, else its axes'
titles). The record sits in the same output as the picture, so titles and pictures cannot
drift apart; nbconvert's HTML export ignores the unknown type. A chart without a title
takes the notebook's nearest heading.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

#: The mime type of the chart record each figure output carries during a report run.
CHART_MIME = "application/vnd.forecasting.chart+json"
#: 16:9 slides, in inches (the charts' own size, :data:`forecasting.report.style.SLIDE`) ...
WIDTH_IN, HEIGHT_IN = 13.333, 7.5
#: ... and exactly, in EMU: PowerPoint's own widescreen size (12 192 000 × 6 858 000).
WIDTH_EMU, HEIGHT_EMU = 12_192_000, 6_858_000
_IMAGE_MIMES = ("image/png", "image/svg+xml")


def figure_title(fig) -> str:
    """A matplotlib figure's title: its ``suptitle``, else its axes' titles (left, centre,
    right, in axes order, without repeats) joined with " · "; ``""`` when there is none."""
    sup = getattr(fig, "_suptitle", None)
    if sup is not None and sup.get_text().strip():
        return " ".join(sup.get_text().split())
    titles = []
    for ax in fig.axes:
        for loc in ("left", "center", "right"):
            s = " ".join(ax.get_title(loc=loc).split())
            if s and s not in titles:
                titles.append(s)
    return " · ".join(titles)


def register_chart_titles(shell) -> None:
    """Make every matplotlib figure displayed in the IPython ``shell`` carry a
    :data:`CHART_MIME` record ``{"title": ...}`` (see the module docstring). Idempotent."""
    from IPython.core.formatters import JSONFormatter
    from matplotlib.figure import Figure

    formatters = shell.display_formatter.formatters
    if CHART_MIME in formatters:
        return

    class ChartFormatter(JSONFormatter):
        format_type = CHART_MIME

    fmt = ChartFormatter(parent=shell.display_formatter)
    fmt.for_type(Figure, lambda fig: {"title": figure_title(fig)})
    formatters[CHART_MIME] = fmt
    active = list(shell.display_formatter.active_types)
    if CHART_MIME not in active:
        shell.display_formatter.active_types = active + [CHART_MIME]


@dataclass
class Chart:
    """One chart of the report, as a slide shows it."""

    image: Path       # the PNG
    title: str        # the finding
    takeaway: str     # one line
    notebook: str     # the notebook's title


def _first_sentence(text: str, limit: int = 160) -> str:
    text = re.sub(r"[*_`]+", "", " ".join(text.split()))
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    m = re.search(r"^(.+?(?:[.!?](?=\s|$)|[。！？]))", text)
    s = m.group(1) if m else text
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


#: A block that is one italic line (a notebook's note on whose data it is) is no takeaway.
_NOTE = re.compile(r"\*[^*\n].*\*")


def _blocks(markdown: str):
    """(heading, paragraph) pieces of a Markdown text, in order."""
    for block in re.split(r"\n\s*\n", markdown):
        block = block.strip()
        if not block:
            continue
        lines = block.splitlines()
        if lines[0].lstrip().startswith("#"):
            yield "heading", re.sub(r"^#+\s*", "", lines[0].strip())
            rest = "\n".join(lines[1:]).strip()
            if rest:
                yield "prose", rest
        elif not block.startswith(("|", "<")) and not _NOTE.fullmatch(block):
            yield "prose", block


def describe_charts(nb) -> list[dict]:
    """Per figure output of an executed notebook, in order (the order the report saves the
    charts in): its ``title`` (the chart record's, else the nearest heading) and
    ``takeaway`` (the first sentence of the latest prose paragraph shown since that heading
    and not already an earlier chart's, else ``""``)."""
    heading, prose, used, found = "", "", "", []

    def read(markdown: str) -> None:
        nonlocal heading, prose
        for kind, value in _blocks(markdown):
            if kind == "heading":
                heading, prose = value, ""
            else:
                prose = _first_sentence(value)

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            read(cell.source)
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/markdown" in data and not any(m in data for m in _IMAGE_MIMES):
                md = data["text/markdown"]
                read("".join(md) if isinstance(md, list) else md)
            if not any(m in data for m in _IMAGE_MIMES):
                continue
            record = data.get(CHART_MIME) or {}
            title = str(record.get("title") or "").strip() or heading
            found.append({"title": title, "takeaway": prose if prose not in (title, used) else ""})
            used = prose
    return found


# --------------------------------------------------------------------------- the deck

def _set_text(shape, lines, *, size: int, bold: bool = False, color=None, language: str = "en") -> None:
    from pptx.util import Pt

    frame = shape.text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = para.add_run()
        run.text = line
        run.font.size = Pt(size)
        run.font.bold = bold
        if color is not None:
            run.font.color.rgb = color
    _east_asian(shape, language)


def _east_asian(shape, language: str) -> None:
    """Ask PowerPoint for a Chinese typeface for the CJK characters of every run in the shape."""
    if language != "zh":
        return
    from pptx.oxml.ns import qn

    for r in shape.element.iter(qn("a:r")):
        rpr = r.get_or_add_rPr()
        ea = rpr.find(qn("a:ea"))
        if ea is None:
            ea = rpr.makeelement(qn("a:ea"), {})
            rpr.append(ea)
        ea.set("typeface", "Microsoft YaHei")


def _text_box(slide, left, top, width, height, lines, **kw):
    from pptx.util import Inches

    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    _set_text(box, lines, **kw)
    return box


def _brief_slides(prs, brief) -> int:
    """The brief as two slides: the targets and the track record; the changes, levers and
    projects. Returns the number of slides added."""
    from pptx.dml.color import RGBColor
    from pptx.util import Inches, Pt

    from ..texts import text

    lang = brief.language
    grey = RGBColor(0x55, 0x55, 0x55)
    blank = prs.slide_layouts[6]

    s1 = prs.slides.add_slide(blank)
    _text_box(s1, 0.5, 0.3, 12.3, 0.8, [text("brief.slide_brief_title", language=lang, as_of=brief.as_of)],
              size=30, bold=True, language=lang)
    _text_box(s1, 0.5, 1.05, 12.3, 0.5, [brief.subtitle], size=16, color=grey, language=lang)
    targets = brief.section("targets")
    top = 1.7
    _text_box(s1, 0.5, top, 12.3, 0.5, [targets.heading], size=20, bold=True, language=lang)
    top += 0.55
    if targets.rows:
        n_rows, n_cols = len(targets.rows) + 1, len(targets.header)
        shape = s1.shapes.add_table(n_rows, n_cols, Inches(0.5), Inches(top), Inches(12.3), Inches(0.45 * n_rows))
        table = shape.table
        for j, h in enumerate(targets.header):
            table.cell(0, j).text = h
        for i, row in enumerate(targets.rows, start=1):
            for j, value in enumerate(row):
                table.cell(i, j).text = value
        for i in range(n_rows):
            for j in range(n_cols):
                for para in table.cell(i, j).text_frame.paragraphs:
                    for run in para.runs:
                        run.font.size = Pt(16)
        _east_asian(shape, lang)
        top += 0.45 * n_rows + 0.15
    _text_box(s1, 0.5, top, 12.3, 0.5, targets.lines, size=18, bold=True, language=lang)
    top += 0.6
    cal = brief.section("calibration")
    _text_box(s1, 0.5, top, 12.3, 0.45, [cal.heading], size=18, bold=True, language=lang)
    _text_box(s1, 0.5, top + 0.45, 12.3, 7.2 - top - 0.45, cal.lines, size=14, language=lang)

    s2 = prs.slides.add_slide(blank)
    _text_box(s2, 0.5, 0.3, 12.3, 0.8, [text("brief.slide_actions_title", language=lang)], size=30, bold=True,
              language=lang)
    top = 1.2
    for key, height in (("changes", 1.9), ("levers", 1.5), ("projects", 2.3)):
        sec = brief.section(key)
        _text_box(s2, 0.5, top, 12.3, 0.45, [sec.heading], size=18, bold=True, language=lang)
        lines = (["• " + x for x in sec.lines] if sec.available else sec.lines) + ([sec.footnote] if sec.footnote else [])
        _text_box(s2, 0.5, top + 0.42, 12.3, height - 0.42, lines, size=13, language=lang)
        top += height
    return 2


#: How many slides the brief takes (the deck's first ones).
BRIEF_SLIDES = 2


def build_slides(brief, charts: list[Chart], path: str | Path) -> Path:
    """Write ``path`` (a ``.pptx``): the brief's :data:`BRIEF_SLIDES` slides, then one slide
    per chart: its finding as the title, the picture as large as fits, the takeaway under
    it and a footer naming the notebook.

    Raises
    ------
    FileNotFoundError
        A chart's PNG is missing.
    """
    from PIL import Image
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Emu, Inches

    from ..texts import text

    lang = brief.language
    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(WIDTH_EMU), Emu(HEIGHT_EMU)
    _brief_slides(prs, brief)
    grey = RGBColor(0x55, 0x55, 0x55)
    per_notebook: dict[str, int] = {}
    for c in charts:
        per_notebook[c.notebook] = per_notebook.get(c.notebook, 0) + 1
    seen: dict[str, int] = {}
    for chart in charts:
        if not Path(chart.image).is_file():
            raise FileNotFoundError(f"the chart {chart.image} is missing")
        seen[chart.notebook] = seen.get(chart.notebook, 0) + 1
        slide = prs.slides.add_slide(prs.slide_layouts[6])
        _text_box(slide, 0.4, 0.2, 12.5, 0.8, [chart.title], size=26, bold=True, language=lang)
        box_top, box_h, box_w = 1.05, 5.35, 12.5
        with Image.open(chart.image) as im:
            w, h = im.size
        scale = min(box_w / w, box_h / h)
        pw, ph = w * scale, h * scale
        slide.shapes.add_picture(str(chart.image), Inches(0.4 + (box_w - pw) / 2), Inches(box_top + (box_h - ph) / 2),
                                 Inches(pw), Inches(ph))
        if chart.takeaway:
            _text_box(slide, 0.4, 6.45, 12.5, 0.55, [chart.takeaway], size=15, language=lang)
        _text_box(slide, 0.4, 7.0, 12.5, 0.4, [text("brief.slide_footer", language=lang, notebook=chart.notebook,
                                                     k=seen[chart.notebook], n=per_notebook[chart.notebook])],
                  size=11, color=grey, language=lang)
    path = Path(path)
    prs.save(str(path))
    return path


__all__ = ["BRIEF_SLIDES", "CHART_MIME", "Chart", "build_slides", "describe_charts", "figure_title",
           "register_chart_titles"]
