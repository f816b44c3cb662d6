"""The slides: chart titles recorded in each figure output, charts described from an
executed notebook, the deck written and read back with python-pptx."""
from __future__ import annotations

import io

import matplotlib
import nbformat
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from forecasting.report.brief import Findings, assemble  # noqa: E402
from forecasting.report.slides import (BRIEF_SLIDES, CHART_MIME, Chart, build_slides, describe_charts,  # noqa: E402
                                figure_title, register_chart_titles)


def test_figure_title_prefers_the_suptitle_then_the_axes_titles():
    fig, (a, b) = plt.subplots(1, 2)
    a.set_title("Open projects by sector")
    b.set_title("Open projects by unit", loc="left")
    assert figure_title(fig) == "Open projects by sector · Open projects by unit"
    fig.suptitle("Most open projects:\n new energy")
    assert figure_title(fig) == "Most open projects: new energy"
    plt.close(fig)
    empty = plt.figure()
    assert figure_title(empty) == ""
    plt.close(empty)


def test_every_displayed_figure_carries_its_title():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    register_chart_titles(shell)
    register_chart_titles(shell)  # twice is harmless
    fig, ax = plt.subplots()
    ax.set_title("12 open projects in the pipeline")
    data, _ = shell.display_formatter.format(fig)
    assert data[CHART_MIME] == {"title": "12 open projects in the pipeline"}
    data, _ = shell.display_formatter.format("not a figure")
    assert CHART_MIME not in data
    plt.close(fig)


def _png(width=800, height=450, colour=(0, 114, 178)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buf, format="PNG")
    return buf.getvalue()


def _figure_output(title: str | None):
    import base64

    data = {"image/png": base64.b64encode(_png()).decode(), "text/plain": "<Figure>"}
    if title is not None:
        data[CHART_MIME] = {"title": title}
    return nbformat.v4.new_output("display_data", data=data)


def test_describe_charts_reads_titles_and_takeaways_in_order():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 03 · Will the district meet its targets?\n\nThe intro."),
        nbformat.v4.new_markdown_cell("## The dashboard\n\nFor each target: the goal, what is already achieved. "
                                      "And more detail.\n\nThe chart shows the goal line. Then more."),
        nbformat.v4.new_code_cell("fig", outputs=[_figure_output("P(all met) is 12 %")]),
        nbformat.v4.new_code_cell("show('x')", outputs=[nbformat.v4.new_output(
            "display_data", data={"text/markdown": "## 月度进展\n\n按月看已完成数。后面还有。", "text/plain": "<md>"})]),
        nbformat.v4.new_code_cell("fig", outputs=[_figure_output(""), _figure_output(None)]),
        nbformat.v4.new_code_cell("table", outputs=[nbformat.v4.new_output("execute_result",
                                                                           data={"text/plain": "a table"})]),
    ]
    found = describe_charts(nb)
    assert found == [
        {"title": "P(all met) is 12 %", "takeaway": "The chart shows the goal line."},  # the latest paragraph
        {"title": "月度进展", "takeaway": "按月看已完成数。"},  # no title of its own: the heading
        {"title": "月度进展", "takeaway": ""},  # not the same takeaway twice
    ]


def _brief(language="en"):
    import pandas as pd

    targets = pd.DataFrame({"target": ["groundbreakings", "all"], "goal": [20, None], "so_far": [4, None],
                            "p10": [8, None], "p90": [15, None], "p_meet": [0.31, 0.12]})
    return assemble({"targets": Findings("targets", {"year": 2024}, {"targets": targets})}, as_of="2024Q1",
                    language=language)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_build_slides_reads_back(tmp_path, language):
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE
    from pptx.oxml.ns import qn

    images = []
    for k, size in enumerate([(2000, 1125), (900, 1200)]):  # a wide and a tall chart: both fit the slide
        path = tmp_path / f"c{k}.png"
        path.write_bytes(_png(*size))
        images.append(path)
    charts = [Chart(images[0], "12 open projects in the pipeline", "Where the projects stand.", "01 · Pipeline"),
              Chart(images[1], "P(all) fell 6 points", "", "06 · Changes")]
    deck_path = build_slides(_brief(language), charts, tmp_path / "slides.pptx")
    deck = Presentation(str(deck_path))
    assert len(deck.slides) == BRIEF_SLIDES + 2
    assert (deck.slide_width, deck.slide_height) == (12_192_000, 6_858_000)  # 16:9, 13.333 × 7.5 in
    for slide, chart in zip(list(deck.slides)[BRIEF_SLIDES:], charts):
        pics = [sh for sh in slide.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pics) == 1 and pics[0].image.blob == chart.image.read_bytes()
        p = pics[0]
        assert 0 <= p.left and p.left + p.width <= deck.slide_width
        assert 0 <= p.top and p.top + p.height <= deck.slide_height
        texts = [sh.text_frame.text for sh in slide.shapes if sh.has_text_frame]
        assert texts[0] == chart.title
        assert (chart.takeaway in texts) == bool(chart.takeaway)
    brief_text = " ".join(sh.text_frame.text for s in list(deck.slides)[:BRIEF_SLIDES] for sh in s.shapes
                          if sh.has_text_frame)
    if language == "zh":
        assert "全区招商目标进展（截至2024Q1）" in brief_text and "暂无" in brief_text
        eas = deck.slides[0].shapes[0].element.find(".//" + qn("a:r")).find(qn("a:rPr")).findall(qn("a:ea"))
        assert eas and eas[0].get("typeface")  # a Chinese typeface asked for
        assert "第1张图（共1张）" in " ".join(sh.text_frame.text for sh in deck.slides[BRIEF_SLIDES].shapes
                                          if sh.has_text_frame)
    else:
        assert "Where the district stands, as of 2024Q1" in brief_text and "Not available" in brief_text


def test_build_slides_names_a_missing_chart(tmp_path):
    with pytest.raises(FileNotFoundError, match="c9.png"):
        build_slides(_brief(), [Chart(tmp_path / "c9.png", "t", "", "nb")], tmp_path / "s.pptx")


def test_a_data_note_is_no_chart_takeaway():
    # the line under each notebook's title ("*Data: Another district.*") is not what a chart shows
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("## The dashboard\n\nFor each target: the goal."),
        nbformat.v4.new_code_cell("show_data_note(d)", outputs=[nbformat.v4.new_output(
            "display_data", data={"text/markdown": "*Data: Another district.*", "text/plain": "<md>"})]),
        nbformat.v4.new_code_cell("fig", outputs=[_figure_output("P(all met) is 12 %")]),
    ]
    assert describe_charts(nb) == [{"title": "P(all met) is 12 %", "takeaway": "For each target: the goal."}]
