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
