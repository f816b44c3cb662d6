"""The meeting report: notebooks run with papermill into HTML, PNG and SVG charts, an index.

A tiny notebook is written in code (two charts, one table written into ``output_dir``) and
run on the small hand-written data folder, so a report takes a few seconds rather than the
curated notebooks' minutes. The browser test drives a real headless Chromium and is skipped
when none is installed.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from forecasting.report.pdf import find_chromium
from forecasting.report.meeting import ReportError, build_report

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "scripts" / "screenshot.py"

# the comment with quotes is there on purpose: papermill's own reader skips such a line
PARAMETERS = '''data_dir = "../data"
as_of = None        # a quarter such as "2024Q1"; None = the latest snapshot
language = "en"
seed = 0
output_dir = None'''
CELLS = [
    ("markdown", "# Smoke test: what changed this quarter"),
    ("code", PARAMETERS),
    ("code", '''import pandas as pd
from forecasting import load_history
from forecasting.report import overview, charts, style
from forecasting.evaluation.changes import quarter_changes
style.use_style(language)
history = load_history(data_dir).upto(as_of)
print(history.as_of, len(history.latest))'''),
    ("code", "ax = charts.plot_funnel(overview.funnel(history))"),
    ("code", "changes = quarter_changes(history, history.quarters[-2], history.as_of)\n"
             "ax = charts.plot_changes(changes)"),
    ("code", '''if output_dir:
    from pathlib import Path
    from forecasting.output import write_xlsx
    write_xlsx({"changes": changes.events, "summary": changes.summary()}, Path(output_dir) / "changes.xlsx")'''),
    # one findings file for the brief, as the curated notebooks write theirs (their last cell)
    ("code", '''from forecasting.report import brief
targets = pd.DataFrame({"target": ["groundbreakings", "all"], "goal": [20, None], "so_far": [4, None],
                        "p10": [8, None], "p90": [15, None], "p_meet": [0.31, 0.12]})
brief.record(output_dir, "targets", targets=targets, year=2024, as_of=history.as_of)'''),
]


def make_notebook(path: Path, *, fail: bool = False) -> Path:
    nb = nbformat.v4.new_notebook()
    for kind, source in CELLS:
        cell = nbformat.v4.new_markdown_cell(source) if kind == "markdown" else nbformat.v4.new_code_cell(source)
        nb.cells.append(cell)
    nb.cells[1].metadata["tags"] = ["parameters"]
    if fail:  # early, so the test does not wait for the cells before it
        nb.cells.insert(2, nbformat.v4.new_code_cell('raise ValueError("the ledger has no such unit")'))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    from conftest import make_valid_folder

    base = tmp_path_factory.mktemp("report")
    data = make_valid_folder(base / "data")
    nb = make_notebook(base / "notebooks" / "01_smoke.ipynb")
    out = Path("out")  # relative, as `scripts/main` passes it: the kernels run elsewhere
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MPLBACKEND", "Agg")  # as scripts/main sets it: the kernels must still show figures
        mp.chdir(base)
        written = build_report(data, "2024Q1", out, notebooks=[nb], progress=False)
        assert os.environ["MPLBACKEND"] == "Agg"  # and ours is as it was
    made = [out / n for n in ("brief.html", "brief.pdf", "slides.pptx") if n != "brief.pdf" or find_chromium()]
    assert written == [out / "01_smoke.ipynb", out / "01_smoke.html", *made, out / "index.html"]
    # nothing left beside the notebooks or the output (the staging folder is gone)
    assert not [p for p in (base / "notebooks").iterdir() if p.name.startswith(".")]
    assert not [p for p in base.iterdir() if p.name.startswith(".out.")]
    return base / out


def test_report_writes_html_charts_tables_and_index(report):
    names = sorted(p.relative_to(report).as_posix() for p in report.rglob("*") if p.is_file())
    pdf = ["brief.pdf"] if find_chromium() else []
    assert names == ["01_smoke.html", "01_smoke.ipynb", "brief.html", *pdf, "brief/targets.json",
                     "charts/01_smoke_01.png", "charts/01_smoke_01.svg", "charts/01_smoke_02.png",
                     "charts/01_smoke_02.svg", "index.html", "slides.pptx", "tables/changes.xlsx"]
    page = (report / "01_smoke.html").read_text(encoding="utf-8")
    assert "Smoke test" in page and "quarter_changes(" not in page  # no code in the page
    assert len(re.findall(r'<img[^>]*src="data:image/png;base64', page)) == 2  # the charts, as PNG ...
    assert "<svg" not in page  # ... not as SVG
    for n in (1, 2):
        assert (report / f"charts/01_smoke_0{n}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        svg = (report / f"charts/01_smoke_0{n}.svg").read_text(encoding="utf-8")
        assert "<svg" in svg and "<dc:date>" not in svg  # no creation date: reproducible files
    index = (report / "index.html").read_text(encoding="utf-8")
    for href in ["01_smoke.html", "01_smoke.ipynb", "charts/01_smoke_01.png", "charts/01_smoke_02.svg",
                 "tables/changes.xlsx"]:
        assert f"'{href}'" in index, href
    assert "Smoke test: what changed this quarter" in index


def test_report_notebook_got_its_parameters(report):
    nb = nbformat.read(report / "01_smoke.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    assert 'as_of = "2024Q1"' in injected[0].source and "output_dir" in injected[0].source
    stream = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o["output_type"] == "stream")
    assert "2024Q1 9" in stream


def test_report_table_round_trips(report):
    sheets = pd.read_excel(report / "tables" / "changes.xlsx", sheet_name=None)
    assert list(sheets) == ["changes", "summary"]
    assert set(sheets["changes"]["kind"]) == {"new", "stage", "revision"}
    assert sheets["summary"]["kind"].tolist() == ["new", "stage", "revision", "lost", "provincial"]


def test_stored_curated_notebooks_hold_png_only():
    """SVG is made during report runs only (report.py's docstring says why): nbval compares
    SVG text exactly, and a stored SVG would fail on another matplotlib or font."""
    from forecasting.report.meeting import curated_notebooks

    for path in curated_notebooks():
        nb = nbformat.read(path, as_version=4)
        kinds = {k for c in nb.cells if c.cell_type == "code" for o in c.outputs for k in o.get("data", {})}
        assert "image/svg+xml" not in kinds, path.name


def test_failing_notebook_leaves_nothing_behind(tmp_path, valid_folder):
    nb = make_notebook(tmp_path / "nb" / "01_broken.ipynb", fail=True)
    out = tmp_path / "out"
    with pytest.raises(ReportError, match=r"01_broken\.ipynb failed in cell \d+: ValueError: the ledger has no such unit"):
        build_report(valid_folder, "2024Q1", out, notebooks=[nb], progress=False)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "nb"]  # no staging folder left either
    from forecasting.report.style import FORMATS_ENV

    assert FORMATS_ENV not in os.environ


def test_the_kernels_log_stays_off_the_planners_terminal(tmp_path, valid_folder, capfd, caplog):
    nb = make_notebook(tmp_path / "nb" / "01_broken.ipynb", fail=True)
    with pytest.raises(ReportError):
        build_report(valid_folder, "2024Q1", tmp_path / "out", notebooks=[nb], progress=False)
    captured = capfd.readouterr()
    assert "IPKernelApp" not in captured.err + captured.out
    # nor papermill's notes on its own reader (the parameters line with a quoted comment)
    assert not [r.getMessage() for r in caplog.records if r.name.startswith("papermill")]


def test_report_command_reports_a_failing_notebook_as_a_sentence(tmp_path, valid_folder, monkeypatch, capsys):
    from forecasting.report import meeting as report_module
    from forecasting.cli.main import main

    nb = make_notebook(tmp_path / "nb" / "01_broken.ipynb", fail=True)
    monkeypatch.setattr(report_module, "curated_notebooks", lambda folder=None: [nb])
    rc = main(["report", str(valid_folder), "--as-of", "2024Q1", "--out", str(tmp_path / "out"), "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 3
    assert "01_broken.ipynb failed" in err and "nothing was written" in err.lower() and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def _chromium() -> str | None:
    sys.path.insert(0, str(SCREENSHOT.parent))
    try:
        from screenshot import find_chromium
    finally:
        sys.path.pop(0)
    return find_chromium()


def test_report_in_browser(report, tmp_path):
    pytest.importorskip("playwright", reason="playwright is not installed (pip install playwright)")
    if _chromium() is None:
        pytest.skip("no Chromium found: install Debian's chromium (apt-get install chromium) or set CHROMIUM")
    shot = tmp_path / "report.png"
    run = subprocess.run([sys.executable, str(SCREENSHOT), str(report), str(shot)], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "4 images loaded" in run.stdout  # 2 thumbnails on index.html, 2 charts on the notebook page


def test_screenshot_fails_on_a_broken_image(report, tmp_path):
    pytest.importorskip("playwright", reason="playwright is not installed (pip install playwright)")
    if _chromium() is None:
        pytest.skip("no Chromium found: install Debian's chromium (apt-get install chromium) or set CHROMIUM")
    broken = tmp_path / "broken"
    shutil.copytree(report, broken)
    (broken / "charts" / "01_smoke_02.png").unlink()
    run = subprocess.run([sys.executable, str(SCREENSHOT), str(broken), str(tmp_path / "x.png")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert "01_smoke_02.png" in run.stderr


def test_a_new_quarter_arrives_and_the_report_explains_the_change(tmp_path):
    """Issue 7: a district from the generator up to 2024Q1, then its 2024Q2 snapshot
    arrives; the report for 2024Q2 (the what-changed notebook, through the command line)
    holds the HTML page, the waterfall charts and the attribution, whose steps add up to
    each target's total change."""
    from forecasting.cli.main import main
    from forecasting.synthetic.generator import simulate_district

    sim = simulate_district(rng=11, end="2024Q2")
    data = sim.write(tmp_path / "data")
    new_snapshot = data / "ledger" / "2024Q2.csv"
    held_back = new_snapshot.read_bytes()
    new_snapshot.unlink()  # last quarter's folder ...
    assert main(["validate", str(data)]) == 0
    new_snapshot.write_bytes(held_back)  # ... and the new quarter's file dropped into it
    assert main(["validate", str(data)]) == 0

    out = tmp_path / "report"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MPLBACKEND", "Agg")
        rc = main(["report", str(data), "--as-of", "2024Q2", "--out", str(out), "--notebooks", "06",
                   "--draws", "2000", "--no-progress"])
    assert rc == 0
    page = (out / "06_quarter_changes.html").read_text(encoding="utf-8")
    assert "What changed since last quarter" in page and "2024Q1" in page and "2024Q2" in page
    charts = sorted(p.name for p in (out / "charts").glob("06_quarter_changes_*.png"))
    assert charts, "the waterfall chart is missing"
    assert "06_quarter_changes.html" in (out / "index.html").read_text(encoding="utf-8")

    sheets = pd.read_excel(out / "tables" / "changes_2024Q1_2024Q2.xlsx", sheet_name=None)
    att = sheets["attribution"]
    assert set(att["target"]) == {"groundbreakings", "tier_10bn", "tier_5bn", "provincial_major", "all"}
    for target, g in att.groupby("target", sort=False):
        assert g["delta"].sum() == pytest.approx(g["end"].iloc[-1] - g["start"].iloc[0], abs=1e-9), target
        assert (g["start"].to_numpy()[1:] == pytest.approx(g["end"].to_numpy()[:-1], abs=1e-12))
        assert g[["start", "end"]].stack().between(0, 1).all()
    # the event list matches the two snapshots
    old, new = sim.snapshot("2024Q1"), sim.snapshot("2024Q2")
    n_new = len(set(new["project_id"]) - set(old["project_id"]))
    summary = sheets["summary"].set_index("kind")
    assert summary.loc["new", "n"] == n_new
    before = old.set_index("project_id")["stage"]
    after = new.set_index("project_id")["stage"].reindex(before.index)
    assert summary.loc["lost", "n"] == int(((after == "lost") & (before != "lost")).sum())  # new and lost: "new"


# --------------------------------------------------------------------------- the brief and the slides (issue 15)

def test_report_front_page_is_the_brief(report):
    """index.html opens with the brief assembled from the findings the notebook wrote;
    the sections whose notebooks did not run say so instead of failing."""
    index = (report / "index.html").read_text(encoding="utf-8")
    front = index[:index.index("Smoke test: what changed this quarter")]
    assert "Where the district stands, as of 2024Q1" in front
    assert "<td>Groundbreakings</td><td>20</td><td>4</td><td>8–15</td><td>31 %</td>" in front
    assert "Chance of meeting every target: 12 %." in front
    for notebook in ("06_quarter_changes", "04_scenarios", "05_model_validation"):
        assert f"Not available: notebook {notebook} was not part of this run." in front, notebook
    assert "href='slides.pptx'" in front
    assert ("href='brief.pdf'" in front) == bool(find_chromium())
    page = (report / "brief.html").read_text(encoding="utf-8")
    assert "31 %" in page and "Smoke test" not in page  # the brief alone
    # the findings are beside the brief, not among the Excel tables
    assert "brief/" not in index[index.index("Tables (Excel)"):]


def test_report_slides_hold_the_brief_then_every_chart(report):
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    from forecasting.report.slides import BRIEF_SLIDES

    deck = Presentation(str(report / "slides.pptx"))
    charts = sorted((report / "charts").glob("*.png"))
    assert len(deck.slides) == BRIEF_SLIDES + len(charts) == 4
    assert (deck.slide_width, deck.slide_height) == (12_192_000, 6_858_000)  # 16:9: 13.333 × 7.5 in
    slides = list(deck.slides)
    first = " ".join(sh.text_frame.text for sh in slides[0].shapes if sh.has_text_frame)
    assert "Where the district stands, as of 2024Q1" in first and "12 %" in first
    table = next(sh for sh in slides[0].shapes if sh.has_table).table
    assert [c.text for c in table.rows[1].cells] == ["Groundbreakings", "20", "4", "8–15", "31 %"]
    for slide, png in zip(slides[BRIEF_SLIDES:], charts):
        pictures = [sh for sh in slide.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == 1
        assert pictures[0].image.blob == png.read_bytes()  # the report's own chart, in order
        texts = [sh.text_frame.text for sh in slide.shapes if sh.has_text_frame]
        assert texts[0].strip(), "a chart slide without a title"
    titles = [next(sh.text_frame.text for sh in s.shapes if sh.has_text_frame) for s in slides[BRIEF_SLIDES:]]
    # the charts' own titles, which state the finding (not the notebook's headings)
    assert re.fullmatch(r"\d+ open projects in the pipeline", titles[0]), titles
    assert titles[1].startswith("2023Q4 → 2024Q1:"), titles


def test_report_pdf_brief_renders(report, tmp_path):
    """The PDF brief, rasterised with pypdfium2 (no browser PDF viewer needed), is one page
    with ink on it and the brief's words in its text layer."""
    if find_chromium() is None:
        pytest.skip("no Chromium found: the report has no PDF brief (install Debian's chromium or set CHROMIUM)")
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 is not installed (pip install pypdfium2)")
    pdf = pdfium.PdfDocument(str(report / "brief.pdf"))
    assert len(pdf) == 1  # one page
    image = pdf[0].render(scale=1.5).to_pil().convert("L")
    image.save(tmp_path / "brief.png")
    assert (tmp_path / "brief.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    dark = sum(image.histogram()[:128]) / (image.width * image.height)
    assert 0.002 < dark < 0.5, dark  # text and table lines, not a blank or black page
    text = pdf[0].get_textpage().get_text_range()
    assert "Where the district stands" in text and "31" in text


def test_a_pdf_that_fails_to_print_leaves_nothing_behind(tmp_path, valid_folder, monkeypatch):
    """The brief, its PDF and the slides are staged with the rest: Chromium failing after
    every notebook ran is an error like a failing notebook, and nothing is written."""
    from forecasting.report import pdf as pdf_module

    def broken(page, pdf, **kw):
        raise pdf_module.PdfError("Chromium did not print the brief (exit 1): crashed")

    monkeypatch.setattr(pdf_module, "find_chromium", lambda: "/usr/bin/true")
    monkeypatch.setattr(pdf_module, "print_pdf", broken)
    nb = nbformat.v4.new_notebook()  # a notebook that does next to nothing: the failure comes after it
    nb.cells = [nbformat.v4.new_markdown_cell("# Nothing much"), nbformat.v4.new_code_cell(PARAMETERS)]
    nb.cells[1].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (tmp_path / "nb").mkdir()
    nbformat.write(nb, tmp_path / "nb" / "01_quick.ipynb")
    nb = tmp_path / "nb" / "01_quick.ipynb"
    out = tmp_path / "out"
    with pytest.raises(ReportError, match=r"the PDF brief: Chromium did not print the brief \(exit 1\): crashed"):
        build_report(valid_folder, "2024Q1", out, notebooks=[nb], progress=False)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "nb"]
