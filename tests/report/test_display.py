"""Readable tables: the district's labels and the catalogue's headers in the report's language.

The district is the small hand-written folder with distinctive labels for every unit and
sector (``conftest.label_district``: ``Zephyr …`` / ``泽…``), so a chart or table showing an
id cannot pass.
"""
from __future__ import annotations

import re

import pandas as pd

from conftest import DISTRICT_IDS as IDS
from forecasting.report import display, overview, style


def test_tables_show_the_districts_labels(labelled_history):
    style.use_style("zh")
    table = display.readable(overview.stalled(labelled_history), labelled_history.district)
    assert "招商单位" in table.columns and "unit" not in table.columns
    assert all(re.fullmatch(r"泽\d号招商局", u) for u in table["招商单位"]), table["招商单位"].tolist()
    assert set(table["阶段"]) <= {"线索", "洽谈", "签约", "供地"}
    style.use_style("en")
    table = display.readable(overview.stalled(labelled_history), labelled_history.district)
    assert table["Unit"].str.startswith("Zephyr unit").all()
    assert not IDS.search(table.to_string())


def test_labels_come_from_the_catalogue():
    from forecasting.texts import entries

    assert style.LABELS == {k: (v["en"], v["zh"]) for k, v in entries("labels").items()}
    style.use_style("zh")
    assert style.t("signed") == "签约" and style.t("Zephyr unit 3") == "Zephyr unit 3"
    frame = display.readable(pd.DataFrame({"stage": ["signed"], "investment_bn": [2.5], "complete": [True]}))
    assert frame.to_dict("records") == [{"阶段": "签约", "投资额（亿元）": 25.0, "全年数据": "是"}]
    style.use_style("en")


def test_quarter_changes_say_what_changed_and_a_new_project_is_no_stage_move(bundled_history):
    # notebook 06 read "Negotiating → Negotiating": a new project's Stage and After columns
    # both gave its stage on arrival, with Before blank; the summary called stage moves "Stage"
    from forecasting.evaluation.changes import quarter_changes
    from forecasting.report.display import change_table

    ch = quarter_changes(bundled_history, "2023Q4", "2024Q1")
    en = change_table(ch.events, bundled_history.district, language="en")
    assert en.columns.tolist() == ["Change", "Project id", "Project", "Unit", "Sector", "What changed",
                                   "Investment, bn yuan"]
    what = en.groupby("Change")["What changed"].first()
    assert what["New project"] == "new: Lead"
    assert what["Stage move"] == "Under construction → Operating"
    assert what["Investment revision"] == "0.339 bn → 0.322 bn, −5 %"
    assert what["Lost"] == "Signed → Lost"
    assert set(en.loc[en["Change"] == "Provincial major", "What changed"]) == {
        "provincial list: Candidate → Designated", "provincial list: Candidate → not listed"}
    stage_moves = en[en["Change"] == "Stage move"]["What changed"].str.split(" → ")
    assert all(a != b for a, b in stage_moves)  # every stage move moves
    zh = change_table(ch.events, bundled_history.district, language="zh")
    assert zh["变化内容"].iloc[0] == "新增：线索"
    assert "3.39亿元 → 3.22亿元，−5%" in set(zh["变化内容"])
    summary = display.readable(ch.summary(), language="en")
    assert summary.index.tolist() == ["New project", "Stage move", "Investment revision", "Lost", "Provincial major"]


def test_tables_show_counts_whole_and_no_number_in_e_notation():
    # notebook 03's dashboard showed a goal of 20.000, notebook 05's calibration gaps 8.000e-04
    frame = pd.DataFrame({"goal": [20.0, 1.0], "gap": [8e-04, -0.1398], "p": [-1e-05, 0.358]})
    with pd.option_context("display.float_format", display.table_number):
        shown = frame.to_string()
    assert "20.000" not in shown and "e-0" not in shown and "-0 " not in shown + " "
    assert shown.split("\n")[1].split() == ["0", "20", "0.001", "0"]
    assert shown.split("\n")[2].split() == ["1", "1", "-0.14", "0.358"]


def test_the_unit_factor_of_an_explanation_names_the_unit_by_its_label(bundled_history):
    # notebook 02's "Why?" table for a lead read "campaign_top10 (campaign)"
    why = pd.DataFrame({"value": ["campaign_top10 (campaign)", "16 months", "0.82 bn"]},
                       index=["unit", "time in stage", "investment"])
    shown = display.readable(why, bundled_history.district, language="en")
    assert shown.iloc[:, 0].tolist() == ["Top-10 Leading Companies Campaign", "16 months", "0.82 bn"]
    zh = display.readable(why, bundled_history.district, language="zh")
    assert zh.iloc[:, 0].tolist() == ["十大龙头企业专项招商", "16个月", "8.2亿元"]
