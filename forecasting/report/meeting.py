"""The meeting report: the curated notebooks run on a data folder and quarter.

Each notebook in ``notebooks/`` named ``NN_*.ipynb`` is executed with papermill (its
``parameters`` cell receives the data folder, as-of quarter, language, seed and
``output_dir``), then exported to HTML without code (nbconvert), and every chart is saved
as PNG and SVG. Everything is staged and moved into the output folder only when all of it
succeeded: a failing notebook leaves nothing behind.

The report folder::

    index.html                 the brief, then links to every notebook's page, chart thumbnails, tables
    brief.html, brief.pdf      the one-page brief alone (the PDF printed by headless Chromium)
    brief/*.json               the notebooks' findings the brief is assembled from
    slides.pptx                16:9 slides: the brief, then one slide per chart
    NN_name.html               the notebook without code (charts embedded as PNG)
    NN_name.ipynb              the executed notebook
    charts/NN_name_KK.png      every chart, in the order the notebook shows them ...
    charts/NN_name_KK.svg      ... and as SVG, for slides
    tables/*.xlsx              what the notebooks wrote into their ``output_dir``

The brief (:mod:`forecasting.report.brief`) is not computed here: the notebooks write their
findings (``brief.record(output_dir, ...)``, their last cell) and the brief is assembled from
them after the last notebook ran; a notebook left out makes its section say so. Without a
Chromium the report has no ``brief.pdf`` and the brief says why; a Chromium that fails to
print is an error like a failing notebook (nothing written).

SVG only during report runs
---------------------------
The stored notebooks keep PNG outputs only: nbval compares SVG text exactly, and SVG text
carries glyph positions and ids that move with the matplotlib version and the fonts found.
A report run sets ``FORECASTING_FIGURE_FORMATS=png,svg`` (and the inline matplotlib backend,
whatever ``MPLBACKEND`` says) for the kernels it starts, and
:func:`forecasting.report.style.use_style` (every notebook's first code cell) then makes each
figure display as both. The HTML pages embed the PNG (rendered with the toolkit's own
fonts, so Chinese labels look the same on every machine); the SVG files are beside them.
"""
from __future__ import annotations

import ast
import base64
import html
import logging
import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .style import FORMATS_ENV

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
#: The formats every chart is kept in.
FIGURE_FORMATS = ("png", "svg")
_MIME = {"png": "image/png", "svg": "image/svg+xml"}
#: The kernels' matplotlib backend. A kernel inherits ``MPLBACKEND`` from us, and with
#: ``MPLBACKEND=Agg`` (as ``scripts/main`` sets for the command itself) it would display no
#: figure at all: the report would have no charts.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
#: What the HTML pages embed, best first: PNG before SVG (see the module docstring).
_HTML_PRIORITY = ["application/vnd.jupyter.widget-view+json", "application/javascript", "text/html",
                  "text/markdown", "image/png", "image/jpeg", "image/svg+xml", "text/vnd.mermaid",
                  "text/latex", "text/plain"]


class ReportError(RuntimeError):
    """A notebook failed while the report was being built (nothing was written)."""


@dataclass
class NotebookPage:
    """One notebook of the report: its title, files and charts (relative to the report folder)."""

    notebook: str
    html: str
    title: str
    seconds: float
    charts: list[str] = field(default_factory=list)  # stems: charts/STEM.png and charts/STEM.svg
    described: list[dict] = field(default_factory=list)  # per chart: title (the finding), takeaway


def curated_notebooks(folder: Path = NOTEBOOKS) -> list[Path]:
    """The curated notebooks, in their numbered order."""
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))


def build_report(data: Path, as_of: str, out: Path, *, language: str = "en", seed: int = 0,
                 progress: bool = True, notebooks: list[Path] | None = None,
                 parameters: dict | None = None) -> list[Path]:
    """Run the notebooks and write the report folder ``out/``.

    Parameters
    ----------
    data : the data folder (DATA.md); validate it first, the notebooks assume it is valid.
    as_of : the quarter to report on.
    out : the report folder; files of an earlier report with the same names are replaced.
    language : ``"en"`` or ``"zh"``, passed to the notebooks for their chart labels.
    seed : passed to the notebooks that take one.
    progress : show a progress bar (tqdm) over the notebooks.
    notebooks : the notebooks to run (default: :func:`curated_notebooks`).
    parameters : further notebook parameters (e.g. ``{"draws": 5000, "previous": "2023Q3"}``),
        each passed to the notebooks whose ``parameters`` cell declares it.

    Returns
    -------
    list of Path
        The executed notebooks and their HTML pages in ``out``, then ``brief.html``,
        ``brief.pdf`` (when a Chromium was found), ``slides.pptx`` and ``index.html``.

    Raises
    ------
    ReportError
        When a notebook fails; the message names the notebook, the cell and the error, and
        ``out`` is left as it was.
    """
    from ..output import staged

    notebooks = list(notebooks) if notebooks is not None else curated_notebooks()
    if not notebooks:
        raise ValueError("there are no notebooks to run")
    params = {**(parameters or {}), "data_dir": str(Path(data).resolve()), "as_of": as_of, "language": language,
              "seed": seed}
    pages: list[NotebookPage] = []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(notebooks), desc="report", unit="notebook")
    try:
        with staged(out) as tmp, _env({FORMATS_ENV: ",".join(FIGURE_FORMATS), "MPLBACKEND": INLINE_BACKEND}):
            (tmp / "charts").mkdir()
            tables = tmp / "tables"
            tables.mkdir()
            for nb_path in notebooks:
                if bar is not None:
                    bar.set_postfix_str(nb_path.stem)
                pages.append(_run_one(Path(nb_path), tmp, {**params, "output_dir": str(tables)}))
                if bar is not None:
                    bar.update()
            made, front = _write_brief(tmp, pages, as_of=as_of, language=language)
            table_files = sorted(p.name for p in tables.iterdir())
            if not table_files:
                tables.rmdir()
            _write_index(tmp / "index.html", pages, table_files, as_of=as_of, language=language,
                         front=front)
    finally:
        if bar is not None:
            bar.close()
    out = Path(out)
    return ([out / p for page in pages for p in (page.notebook, page.html)] + [out / name for name in made]
            + [out / "index.html"])


def _write_brief(tmp: Path, pages: list[NotebookPage], *, as_of: str, language: str) -> tuple[list[str], str]:
    """The brief (``brief.html``, ``brief.pdf`` when a Chromium is found) and ``slides.pptx``
    in the staging folder ``tmp``, from the findings the notebooks wrote into
    ``tables/brief/`` (moved to ``brief/``). Returns the names written and the brief's HTML
    for the front of the index."""
    import shutil

    from . import brief_page, findings as findings_module, pdf
    from .brief import assemble
    from .slides import Chart, build_slides
    from ..texts import text

    findings_dir = tmp / findings_module.FOLDER
    written = tmp / "tables" / findings_module.FOLDER
    if written.is_dir():
        shutil.move(str(written), str(findings_dir))
    try:
        findings = findings_module.read_findings(findings_dir)
    except ValueError as exc:
        raise ReportError(str(exc)) from None
    brief = assemble(findings, as_of=as_of, language=language)
    chromium = pdf.find_chromium()
    note = "" if chromium else text("brief.pdf_missing", language=language)
    links = ([("brief.pdf", text("brief.pdf_link", language=language))] if chromium else []) + \
        [("slides.pptx", text("brief.slides_link", language=language))]
    page = tmp / "brief.html"
    page.write_text(brief_page.html_page(brief, note=note), encoding="utf-8")
    made = ["brief.html"]
    if chromium:
        try:
            pdf.print_pdf(page, tmp / "brief.pdf", chromium=chromium)
        except pdf.PdfError as exc:
            raise ReportError(f"the PDF brief: {exc}") from None
        made.append("brief.pdf")
    charts = [Chart(tmp / "charts" / f"{stem}.png", d["title"] or page_.title, d["takeaway"], page_.title)
              for page_ in pages for stem, d in zip(page_.charts, page_.described)
              if (tmp / "charts" / f"{stem}.png").exists()]
    build_slides(brief, charts, tmp / "slides.pptx")
    made.append("slides.pptx")
    front = brief_page.html_fragment(brief, links=links, note=note)
    return made, f"<style>{brief_page.css(brief.text() + note)}</style>{front}"


@contextmanager
def _env(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the kernels started inside the block (they inherit ours)."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _declared(nb) -> set[str] | None:
    """The names the notebook's ``parameters`` cell assigns (``None``: no such cell, or one
    that is not plain Python). Read with :mod:`ast`: papermill's own reader skips a line
    whose comment holds a semicolon, and would call that parameter unknown."""
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                return None
            names = set()
            for node in tree.body:
                targets = node.targets if isinstance(node, ast.Assign) else \
                    [node.target] if isinstance(node, ast.AnnAssign) else []
                names.update(t.id for t in targets if isinstance(t, ast.Name))
            return names
    return None


def _run_one(nb_path: Path, tmp: Path, params: dict) -> NotebookPage:
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    declared = _declared(nbformat.read(nb_path, as_version=4))
    if declared is not None:  # pass only what the notebook asks for: no "unknown parameter" noise
        params = {k: v for k, v in params.items() if k in declared}
    executed = tmp / nb_path.name
    start = time.perf_counter()
    log = logging.getLogger("papermill")  # its reader's "Unable to parse line 3" and "Passed unknown
    level = log.level  # parameter" are about its reader, not the planner's data (we read with ast)
    log.setLevel(logging.ERROR)
    try:
        pm.execute_notebook(str(nb_path), str(executed), parameters=params, cwd=str(nb_path.parent),
                            progress_bar=False, kernel_name="python3",
                            # the kernel's own log (its TCP transport warning at every start, a caught
                            # KeyboardInterrupt at shutdown) is not for the planner's terminal
                            extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
    except pm.PapermillExecutionError as exc:
        raise ReportError(f"notebook {nb_path.name} failed in cell {exc.exec_count or exc.cell_index}: "
                          f"{exc.ename}: {_plain(exc.evalue)}") from None
    finally:
        log.setLevel(level)
    seconds = time.perf_counter() - start
    nb = nbformat.read(executed, as_version=4)
    exporter = HTMLExporter(config=Config({"NbConvertBase": {"display_data_priority": _HTML_PRIORITY}}),
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    page = tmp / nb_path.with_suffix(".html").name
    page.write_text(body, encoding="utf-8")
    charts = _save_charts(nb, tmp / "charts", nb_path.stem)
    from .slides import describe_charts

    described = describe_charts(nb)
    if len(described) != len(charts):  # the same outputs, in order: a mismatch is a bug here
        raise ReportError(f"notebook {nb_path.name}: {len(charts)} charts saved but {len(described)} described")
    return NotebookPage(executed.name, page.name, _title(nb, nb_path.stem), seconds, charts, described)


def _plain(text: str) -> str:
    """An error value without terminal colour codes, on one line."""
    return " ".join(re.sub(r"\x1b\[[0-9;]*m", "", str(text)).split())


def _save_charts(nb, folder: Path, stem: str) -> list[str]:
    """Every figure output of ``nb`` as ``STEM_KK.png`` and ``.svg`` (when the output has it)."""
    names = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if _MIME["png"] not in data and _MIME["svg"] not in data:
                continue
            name = f"{stem}_{len(names) + 1:02d}"
            names.append(name)
            if _MIME["png"] in data:
                (folder / f"{name}.png").write_bytes(base64.b64decode(_text(data[_MIME["png"]])))
            if _MIME["svg"] in data:
                (folder / f"{name}.svg").write_text(_text(data[_MIME["svg"]]), encoding="utf-8")
    return names


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else value


def _title(nb, fallback: str) -> str:
    """The notebook's first markdown heading (a Markdown cell, or a heading a code cell shows
    with :func:`forecasting.texts.show`), else its file name in words."""
    for cell in nb.cells:
        sources = [cell.source] if cell.cell_type == "markdown" else \
            [_text(o.get("data", {}).get("text/markdown", "")) for o in cell.get("outputs", [])]
        for source in sources:
            m = re.search(r"^#+\s+(.+)$", source, flags=re.MULTILINE)
            if m:
                return m.group(1).strip()
    return fallback.replace("_", " ")


_INDEX_TEXT = {
    "en": {"title": "Investment pipeline report, as of {as_of}", "tables": "Tables (Excel)",
           "notebook": "executed notebook", "charts": "{n} charts", "svg": "SVG"},
    "zh": {"title": "招商项目库报告（截至{as_of}）", "tables": "数据表（Excel）",
           "notebook": "已运行的笔记本", "charts": "图表{n}张", "svg": "SVG"},
}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",sans-serif;
margin:2rem auto;max-width:1200px;padding:0 1rem;color:#222}
h1{font-size:1.8rem}h2{font-size:1.3rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}
.meta{color:#666;font-size:.9rem}
.thumbs{display:flex;flex-wrap:wrap;gap:12px;margin-top:.8rem}
.thumbs figure{margin:0;border:1px solid #ddd;padding:4px;background:#fff}
.thumbs img{width:280px;height:auto;display:block}
.thumbs figcaption{font-size:.8rem;color:#666;text-align:center}
"""


def _write_index(path: Path, pages: list[NotebookPage], tables: list[str], *, as_of: str, language: str,
                 front: str = "") -> None:
    """``index.html``: the brief (``front``), then each notebook's page with its chart
    thumbnails, and the tables."""
    from ..texts import text

    txt = _INDEX_TEXT.get(language, _INDEX_TEXT["en"])
    esc = html.escape
    parts = [f"<!doctype html><html lang='{'zh-CN' if language == 'zh' else 'en'}'><head><meta charset='utf-8'>",
             f"<title>{esc(txt['title'].format(as_of=as_of))}</title><style>{_CSS}</style></head><body>"]
    if front:
        parts += [front, f"<h1>{esc(text('brief.pages_heading', language=language))}</h1>"]
    else:
        parts.append(f"<h1>{esc(txt['title'].format(as_of=as_of))}</h1>")
    for page in pages:
        parts.append(f"<h2><a href='{esc(page.html)}'>{esc(page.title)}</a></h2>")
        parts.append(f"<p class='meta'>{esc(txt['charts'].format(n=len(page.charts)))} · "
                     f"<a href='{esc(page.notebook)}'>{esc(txt['notebook'])}</a></p>")
        if page.charts:
            parts.append("<div class='thumbs'>")
            for stem in page.charts:
                has = {ext: (path.parent / "charts" / f"{stem}.{ext}").exists() for ext in FIGURE_FORMATS}
                img = f"charts/{esc(stem)}.{'png' if has['png'] else 'svg'}"
                svg = f" · <a href='charts/{esc(stem)}.svg'>{txt['svg']}</a>" if has["svg"] else ""
                parts.append(f"<figure><a href='{img}'><img src='{img}' alt='{esc(stem)}' loading='eager'></a>"
                             f"<figcaption>{esc(stem)}{svg}</figcaption></figure>")
            parts.append("</div>")
    if tables:
        parts.append(f"<h2>{esc(txt['tables'])}</h2><ul>")
        parts += [f"<li><a href='tables/{esc(name)}'>{esc(name)}</a></li>" for name in tables]
        parts.append("</ul>")
    parts.append("</body></html>\n")
    path.write_text("".join(parts), encoding="utf-8")


__all__ = ["FIGURE_FORMATS", "ReportError", "build_report", "curated_notebooks"]
