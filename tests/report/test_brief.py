"""The one-page brief: assembled from the findings in both languages; a missing findings file makes its section say so."""
from __future__ import annotations

import pandas as pd

from forecasting.report import brief
from forecasting.report.brief import Findings, assemble


def test_assemble_every_section_in_english(brief_findings):
    b = assemble(brief_findings, as_of="2024Q1", language="en")
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
    assert changes.lines[3] == "In the ledger: new projects 83, stage moves 77, losses 68."
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


def test_assemble_in_chinese(brief_findings):
    b = assemble(brief_findings, as_of="2024Q1", language="zh")
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


def test_a_missing_findings_file_makes_its_section_unavailable(brief_findings):
    partial = {k: v for k, v in brief_findings.items() if k not in ("changes", "calibration")}
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
    assert "P(5 bn signings met)" in b.section("projects").footnote
    nothing = pd.DataFrame({"lever": ["x"], "gain": [0.0]})
    assert assemble({"levers": Findings("levers", {}, {"levers": nothing})},
                    as_of="2024Q4").section("levers").lines == ["None moves it measurably in this simulation."]


def test_percentages_for_planners():
    assert [brief.pct(p) for p in (0, 0.003, 0.006, 0.5, 0.996, 1.0, None)] == \
        ["0 %", "<1 %", "1 %", "50 %", ">99 %", "100 %", "–"]
    assert brief.pct(0.5, "zh") == "50%"
    assert [brief.pp(x) for x in (-0.178, 0.004, 0.0)] == ["−18 pp", "+0.4 pp", "+0.0 pp"]


def test_every_brief_text_has_real_chinese_and_the_same_placeholders():
    import re

    from forecasting.texts import entries

    texts = entries("brief")
    assert len(texts) > 30
    for name, entry in texts.items():
        assert set(re.findall(r"{(\w+)}", entry["en"])) == set(re.findall(r"{(\w+)}", entry["zh"])), name
        assert re.search(r"[\u4e00-\u9fff]", entry["zh"]) or name in {"project_line_short"}, name
        assert entry["en"] != entry["zh"] or name in {"project_line_short"}, name


def test_the_note_says_whose_data_from_the_districts_name(brief_findings):
    # the brief ended "Illustrative data (simulated), not Hailing's real ledger." for any folder
    assert assemble(brief_findings, as_of="2024Q1", language="en").note == ""  # no name recorded: nothing said
    named = dict(brief_findings)
    t = named["targets"]
    named["targets"] = Findings(t.name, {**t.values, "district": "Another district"}, t.frames)
    assert assemble(named, as_of="2024Q1", language="en").note == "Data: Another district."
    named["targets"] = Findings(t.name, {**t.values, "district": "Hailing District, Taizhou (illustrative data)"},
                                t.frames)
    assert assemble(named, as_of="2024Q1", language="en").note == (
        "Illustrative data (simulated), not a real district's ledger.")
    assert assemble(named, as_of="2024Q1", language="zh").note.startswith("示例数据")


def test_a_notebook_that_ran_with_nothing_to_show_says_why_not_that_it_did_not_run(brief_findings):
    # one snapshot: notebook 06 has nothing to compare and 05 nothing to score; both ran
    ran = dict(brief_findings)
    ran["changes"] = Findings("changes", {"nothing_to_compare": True, "previous": "2023Q4", "as_of": "2024Q1"}, {})
    ran["calibration"] = Findings("calibration", {"nothing_to_score": True}, {})
    b = assemble(ran, as_of="2024Q1", language="en")
    changes, cal = b.section("changes"), b.section("calibration")
    assert changes.lines[0].startswith("Nothing to compare with yet: the folder holds no snapshot of 2023Q4.")
    assert cal.lines[0].startswith("Not known yet:")
    assert "not part of this run" not in " ".join(changes.lines + cal.lines)
    assert not changes.available and not cal.available
    zh = assemble(ran, as_of="2024Q1", language="zh")
    assert zh.section("changes").lines[0].startswith("暂无可比较的数据") and zh.section("calibration").lines[0].startswith("暂不可知")


def test_a_change_that_rounds_to_nothing_is_not_listed(brief_findings):
    # an out-of-reach target listed "Groundbreakings: 0 % → 0 % (+0.0 pp), mainly a quarter passing (+0.0 pp)."
    f = brief_findings["changes"]
    att = f.frames["attribution"]
    att = att[att["target"].isin(["groundbreakings", "tier_10bn"])].copy()  # two targets: both would be listed
    gb = att["target"] == "groundbreakings"
    att.loc[gb, ["start", "end", "delta"]] = 0.0
    b = assemble({**brief_findings, "changes": Findings("changes", f.values, {**f.frames, "attribution": att})},
                 as_of="2024Q1", language="en")
    lines = b.section("changes").lines
    assert lines[0].startswith("10 bn signings") and not any(x.startswith("Groundbreakings") for x in lines)
