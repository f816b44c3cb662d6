"""The one-page brief: findings written by the notebooks, read back, assembled in both
languages; a missing findings file makes its section say so; the adapters from the
what-if tables check their input."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from forecasting.report import brief
from forecasting.report.brief import Findings, assemble, read_findings, record

TARGETS = pd.DataFrame({
    "target": ["groundbreakings", "tier_10bn", "tier_5bn", "provincial_major", "all"],
    "goal": [20.0, 1.0, 2.0, 3.0, np.nan], "so_far": [4.0, 0.0, 0.0, 5.0, np.nan],
    "mean": [11.4, 0.6, 1.7, 5.0, np.nan], "p10": [8.0, 0.0, 0.0, 5.0, np.nan],
    "p90": [15.0, 1.0, 3.0, 5.0, np.nan], "p_meet": [0.003, 0.506, 0.561, 1.0, 0.001]})


def attribution() -> pd.DataFrame:
    steps = ["a quarter passed", "new projects", "progress", "losses", "model refit"]
    deltas = {"groundbreakings": [-0.175, 0.007, 0.038, -0.039, -0.009],
              "tier_10bn": [-0.075, 0.023, 0.005, -0.079, -0.012],
              "tier_5bn": [-0.158, 0.349, -0.009, -0.099, -0.009],
              "provincial_major": [-0.956, 0.0, 1.0, 0.0, 0.0],
              "all": [-0.059, 0.0, 0.025, -0.019, -0.005]}
    start = {"groundbreakings": 0.181, "tier_10bn": 0.647, "tier_5bn": 0.487, "provincial_major": 0.956, "all": 0.059}
    rows = []
    for target, ds in deltas.items():
        s = start[target]
        for step, d in zip(steps, ds):
            rows.append({"target": target, "step": step, "start": s, "end": s + d, "delta": d})
            s += d
    return pd.DataFrame(rows)


def tornado() -> pd.DataFrame:
    rows = []
    for lever, lo, hi in [("approval speed ×0.8 / ×1.25", 0.02, 0.09), ("unit_a staff ±2", 0.04, 0.06),
                          ("HL1 (9.0 bn) lost / 3 months sooner", 0.01, 0.03), ("unit_b staff ±2", 0.05, 0.05)]:
        rows += [{"lever": lever, "target": "all", "base": 0.05, "low": lo, "high": hi},
                 {"lever": lever, "target": "tier_5bn", "base": 0.5, "low": 0.4, "high": 0.6}]
    return pd.DataFrame(rows)


def leverage() -> pd.DataFrame:
    return pd.DataFrame({"project_id": [f"HL{i}" for i in range(7)], "name": [f"Project {i}" for i in range(7)],
                         "stage": ["negotiating", "signed", "lead", "signed", "lead", "signed", "lead"],
                         "investment_bn": [0.5, 6.3, 0.7, 7.0, 1.0, 0.8, 1.1],
                         "gain_groundbreakings": [0.01] * 7,
                         "gain_all": [0.002, 0.004, 0.001, 0.003, 0.0, 0.005, 0.0006]})


CALIBRATION = pd.DataFrame({"forecaster": ["outcome_model", "stage_quarter_rate", "stage_weighted"], "n": [55, 55, 55],
                            "mean_p_meet": [0.311, 0.341, 0.299], "share_met": [0.345] * 3,
                            "brier": [0.064, 0.039, 0.073], "ece": [0.035, 0.058, 0.112]})
COVERAGE = pd.DataFrame({"target": ["groundbreakings", "tier_5bn"] * 2,
                         "forecaster": ["outcome_model"] * 2 + ["stage_weighted"] * 2,
                         "coverage_p10_p90": [1.0, 0.75, 0.6, 0.8]})


@pytest.fixture
def findings(tmp_path) -> dict[str, Findings]:
    out = tmp_path / "tables"
    record(out, "targets", targets=TARGETS, year=np.int64(2024), as_of="2024Q1")
    record(out, "changes", attribution=attribution(),
           summary=pd.DataFrame({"kind": ["new", "stage", "revision", "lost"], "n": [83, 77, 20, 68]}),
           previous="2023Q4", as_of="2024Q1")
    record(out, "levers", levers=brief.levers_from_tornado(tornado()), year=2025)
    record(out, "projects", projects=brief.projects_from_leverage(leverage()), year=2024)
    record(out, "calibration", p_meet=CALIBRATION, coverage=COVERAGE)
    return read_findings(out / "brief")


def test_record_writes_json_and_reads_back(tmp_path):
    assert record(None, "targets", targets=TARGETS) is None  # a notebook run by hand: nothing written
    assert not list(tmp_path.iterdir())
    record(tmp_path, "targets", targets=TARGETS, year=np.int64(2024), p=np.float64(0.5), ok=np.bool_(True))
    raw = json.loads((tmp_path / "brief" / "targets.json").read_text(encoding="utf-8"))
    assert raw["values"] == {"year": 2024, "p": 0.5, "ok": True}
    assert raw["frames"]["targets"][-1]["goal"] is None  # NaN as null, valid JSON
    back = read_findings(tmp_path / "brief")["targets"]
    pd.testing.assert_frame_equal(back.frames["targets"], TARGETS, check_dtype=False)
    assert not list((tmp_path / "brief").glob("*.tmp"))


def test_record_refuses_a_bad_name_and_reading_a_broken_file_names_it(tmp_path):
    with pytest.raises(ValueError, match="findings name"):
        record(tmp_path, "../x", targets=TARGETS)
    (tmp_path / "brief").mkdir()
    (tmp_path / "brief" / "targets.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match=r"targets\.json is not readable"):
        read_findings(tmp_path / "brief")
    assert read_findings(tmp_path / "nowhere") == {}


def test_assemble_every_section_in_english(findings):
    b = assemble(findings, as_of="2024Q1", language="en")
    assert b.title == "Where the district stands, as of 2024Q1"
    targets = b.section("targets")
    assert targets.heading == "The 2024 targets"
    assert targets.rows[0] == ["Groundbreakings", "20", "4", "8–15", "<1 %"]
    assert targets.rows[1] == ["10 bn signings", "1", "0", "0–1", "51 %"]
    assert targets.rows[3][-1] == "100 %" and len(targets.rows) == 4  # "all" is the line below
    assert targets.lines == ["Chance of meeting every target: <1 %."]
    changes = b.section("changes")
    assert changes.heading == "The largest changes since 2023Q4"
    # the three largest |change|: groundbreakings −18, tier_10bn −14, tier_5bn +7; each with
    # the step that moved it most in the direction it went
    assert changes.lines[0] == "Groundbreakings: 18 % → <1 % (−18 pp), mainly a quarter passing (−18 pp)."
    assert changes.lines[1] == "10 bn signings: 65 % → 51 % (−14 pp), mainly projects lost (−8 pp)."
    assert changes.lines[2] == "5 bn signings: 49 % → 56 % (+7 pp), mainly new projects (+35 pp)."
    assert changes.lines[3] == "In the ledger: 83 new projects, 77 moved a stage, 68 lost."
    levers = b.section("levers")
    assert levers.heading == "The levers that move 2025's P(all targets met) most"
    assert levers.lines == ["approval speed ×0.8 / ×1.25: moves it by +7 pp", "unit_a staff ±2: moves it by +2 pp",
                            "HL1 (9.0 bn) lost / 3 months sooner: moves it by +2 pp"]
    projects = b.section("projects")
    assert projects.heading == "The 5 projects most worth chasing in 2024"
    assert projects.lines[:5] == ["Project 5 (Signed, 0.8 bn): +0.5 pp", "Project 1 (Signed, 6.3 bn): +0.4 pp",
                                  "Project 3 (Signed, 7.0 bn): +0.3 pp", "Project 0 (Negotiating, 0.5 bn): +0.2 pp",
                                  "Project 2 (Lead, 0.7 bn): +0.1 pp"]
    cal = b.section("calibration").lines
    assert cal[0] == "Over 55 past target-years the model gave an average chance of 31 %, and 34 % were met."
    assert "0.064, against 0.073 for the stage-weighted spreadsheet; calibration error 0.035" in cal[1]
    assert cal[2].startswith("Year-end counts fell inside the forecast's 80 % range 88 % of the time")
    assert all(s.available for s in b.sections)


def test_assemble_in_chinese(findings):
    b = assemble(findings, as_of="2024Q1", language="zh")
    assert b.title == "全区招商目标简报（截至2024Q1）"
    assert b.section("targets").header == ["目标项", "目标值", "已完成", "预测区间（80%）", "完成概率"]
    assert b.section("targets").rows[0] == ["开工项目", "20", "4", "8–15", "<1%"]
    assert b.section("changes").lines[1].startswith("100亿级签约项目：65% → 51%（−14个百分点），主要原因是项目终止")
    assert b.section("projects").lines[1] == "Project 1（签约，63亿元）：+0.4个百分点"
    assert b.section("projects").heading == "2024年最值得跟进的5个项目"
    text = " ".join(x for s in b.sections for x in [s.heading, *s.lines])
    assert not any(w in text for w in ("mainly", "Chance", "moves it", "Over "))  # no English left
    # and the labels' language is put back as it was
    from forecasting.report import style
    assert style.language() == "en"


def test_a_missing_findings_file_makes_its_section_unavailable(findings):
    partial = {k: v for k, v in findings.items() if k not in ("changes", "calibration")}
    b = assemble(partial, as_of="2024Q1", language="en")
    assert b.section("changes").lines == ["Not available: notebook 06_quarter_changes was not part of this run."]
    assert not b.section("changes").available and not b.section("calibration").available
    assert b.section("targets").available and b.section("levers").available
    empty = assemble({}, as_of="2024Q1", language="zh")
    assert all(not s.available for s in empty.sections)
    assert empty.section("targets").lines == ["暂无：本次未运行笔记本03_target_outlook。"]


def test_levers_and_projects_take_plain_frames_with_other_objectives():
    """The documented columns (lever, gain[, gain_se, objective]) from any objective: the
    expected shortfall is shown as a number, not in percentage points."""
    levers = pd.DataFrame({"lever": ["more staff", "faster approvals", "nothing"], "gain": [0.8, 1.6, 0.0],
                           "gain_se": [0.1, 0.1, 0.1], "objective": "shortfall"})
    projects = pd.DataFrame({"project_id": ["HL9"], "gain": [0.25], "objective": "p_meet:tier_5bn"})
    b = assemble({"levers": Findings("levers", {}, {"levers": levers}),
                  "projects": Findings("projects", {"year": 2025}, {"projects": projects})}, as_of="2024Q4")
    assert b.section("levers").heading == "The levers that move expected shortfall against the goals most"
    assert b.section("levers").lines == ["faster approvals: moves it by +1.60", "more staff: moves it by +0.80"]
    assert b.section("projects").lines[0] == "HL9: +25 pp"  # no stage or size given: none shown
    assert b.section("projects").heading == "The project most worth chasing in 2025"
    assert "P(5 bn signings goal met)" in b.section("projects").footnote
    nothing = pd.DataFrame({"lever": ["x"], "gain": [0.0]})
    assert assemble({"levers": Findings("levers", {}, {"levers": nothing})},
                    as_of="2024Q4").section("levers").lines == ["None moves it measurably in this simulation."]


def test_adapters_check_their_tables():
    with pytest.raises(ValueError, match="tornado table has columns"):
        brief.levers_from_tornado(pd.DataFrame({"lever": ["x"]}))
    with pytest.raises(ValueError, match="no rows for target 'tier_9bn'"):
        brief.levers_from_tornado(tornado(), target="tier_9bn")
    with pytest.raises(ValueError, match="no 'gain_x'"):
        brief.projects_from_leverage(leverage(), "gain_x")
    five = brief.levers_from_tornado(tornado(), target="tier_5bn")
    assert set(five["objective"]) == {"p_meet:tier_5bn"} and five["gain"].tolist() == pytest.approx([0.2] * 4)


def test_percentages_for_planners():
    assert [brief.pct(p) for p in (0, 0.003, 0.006, 0.5, 0.996, 1.0, None)] == \
        ["0 %", "<1 %", "1 %", "50 %", ">99 %", "100 %", "–"]
    assert brief.pct(0.5, "zh") == "50%"
    assert [brief.pp(x) for x in (-0.178, 0.004, 0.0)] == ["−18 pp", "+0.4 pp", "+0.0 pp"]


def test_html_page_and_fragment(findings):
    b = assemble(findings, as_of="2024Q1", language="zh")
    page = brief.html_page(b, note="附注 <b>")
    assert page.startswith("<!doctype html><html lang='zh-CN'>")
    assert "<td>开工项目</td><td>20</td><td>4</td><td>8–15</td><td>&lt;1%</td>" in page
    assert "附注 &lt;b&gt;" in page  # escaped
    # Chinese without a system font: the charts' font, cut to the brief's characters, embedded
    import base64
    import io
    import re

    from fontTools.ttLib import TTFont

    embedded = re.search(r"url\(data:font/otf;base64,([A-Za-z0-9+/=]+)\)", page)
    assert embedded, "no embedded CJK font"
    data = base64.b64decode(embedded.group(1))
    assert len(data) < 200_000  # a subset, not the 16 MB font
    cmap = TTFont(io.BytesIO(data)).getBestCmap()
    assert all(ord(ch) in cmap for ch in "开工项目全区简报附注")
    assert "@font-face" not in brief.html_page(assemble(findings, as_of="2024Q1", language="en"))
    frag = brief.html_fragment(b, links=[("slides.pptx", "幻灯片")])
    assert frag.startswith("<section class='brief'>") and "<a href='slides.pptx'>幻灯片</a>" in frag


def test_print_pdf_without_a_browser_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("CHROMIUM", str(tmp_path / "no-such-browser"))
    assert brief.find_chromium() is None
    page = tmp_path / "b.html"
    page.write_text("<p>x</p>")
    with pytest.raises(brief.PdfError, match="no Chromium browser was found"):
        brief.print_pdf(page, tmp_path / "b.pdf")
    fake = tmp_path / "fake-chromium"
    fake.write_text("#!/bin/sh\necho broken >&2\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(brief.PdfError, match=r"exit 3\): broken"):
        brief.print_pdf(page, tmp_path / "b.pdf", chromium=str(fake))


def test_chinese_pdf_draws_every_chinese_character_in_the_cjk_font(findings, tmp_path):
    """Printed by headless Chromium, each Chinese character of the brief is drawn in the
    embedded Noto Sans CJK (a character drawn in another font shows as an empty box: no
    CJK font is installed system-wide here)."""
    if brief.find_chromium() is None:
        pytest.skip("no Chromium found (install Debian's chromium or set CHROMIUM)")
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 is not installed (pip install pypdfium2)")
    import ctypes

    import pypdfium2.raw as raw

    page = tmp_path / "brief.html"
    page.write_text(brief.html_page(assemble(findings, as_of="2024Q1", language="zh")), encoding="utf-8")
    pdf = pdfium.PdfDocument(str(brief.print_pdf(page, tmp_path / "brief.pdf")))
    assert len(pdf) == 1
    textpage = pdf[0].get_textpage()
    text = textpage.get_text_range()
    assert "招商目标简报" in text and "开工项目" in text
    fonts, buf, flags = {}, ctypes.create_string_buffer(256), ctypes.c_int()
    for i in range(textpage.count_chars()):
        ch = chr(raw.FPDFText_GetUnicode(textpage, i))
        if ord(ch) >= 0x2E80:
            raw.FPDFText_GetFontInfo(textpage, i, buf, 256, ctypes.byref(flags))
            fonts.setdefault(buf.value.decode(), []).append(ch)
    # Chromium embeds the data-URI font without a /BaseFont (pdfium names it ""); what must
    # not happen is a named system font such as DejaVuSans drawing Chinese (as empty boxes)
    assert fonts and all(name == "" or "CJK" in name for name in fonts), {k: "".join(v[:20]) for k, v in fonts.items()}
    pdf.close()


def test_every_brief_text_has_real_chinese_and_the_same_placeholders():
    import re

    from forecasting.texts import entries

    texts = entries("brief")
    assert len(texts) > 30
    for name, entry in texts.items():
        assert set(re.findall(r"{(\w+)}", entry["en"])) == set(re.findall(r"{(\w+)}", entry["zh"])), name
        assert re.search(r"[\u4e00-\u9fff]", entry["zh"]) or name in {"project_line_short"}, name
        assert entry["en"] != entry["zh"] or name in {"project_line_short"}, name


def test_adapters_read_the_objective_aware_tornado_and_the_attention_list():
    import pandas as pd

    from forecasting.report.brief import levers_from_tornado, objective_label, projects_from_attention

    levers = pd.DataFrame({"lever": ["a", "b"], "objective": "shortfall", "low": [9.8, 9.6], "high": [9.5, 9.7],
                           "low_gain": [-0.1, 0.1], "low_gain_se": [0.01, 0.02], "high_gain": [0.2, -0.0],
                           "high_gain_se": [0.03, 0.01]})
    out = levers_from_tornado(levers)
    assert out["lever"].tolist() == ["a", "b"] and out["gain"].tolist() == pytest.approx([0.3, 0.1])
    assert out["gain_se"].tolist() == pytest.approx([0.03, 0.02]) and set(out["objective"]) == {"shortfall"}
    att = pd.DataFrame({"project_id": ["p1", "p2"], "name": ["x", "y"], "gain_counted": [0.01, 0.07],
                        "gain_counted_se": [0.001, 0.002]})
    proj = projects_from_attention(att)
    assert proj["project_id"].tolist() == ["p2", "p1"] and set(proj["objective"]) == {"counted"}
    assert "count" in objective_label("counted", "en") and "计入" in objective_label("counted", "zh")
    with pytest.raises(ValueError, match="gain_counted"):
        projects_from_attention(att.drop(columns="gain_counted"))
