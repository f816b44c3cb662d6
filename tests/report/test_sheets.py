"""The Excel forecast planners send round: open projects with names and labels, every column explained.

The district is the small hand-written folder with distinctive labels for every unit and
sector (``conftest.label_district``: ``Zephyr …`` / ``泽…``), so a chart or table showing an
id cannot pass.
"""
from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest

from conftest import DISTRICT_IDS as IDS
from forecasting.output import write_xlsx
from forecasting.report import display, style
from forecasting.report.sheets import forecast_sheets


@pytest.fixture(scope="module")
def forecast(labelled_history):
    from forecasting import OutcomeModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = OutcomeModel().fit(labelled_history)
        projects = results.project_probabilities(2024, n_draws=2000)
        targets = results.simulate(2024, n_draws=2000).targets()
    return projects, targets


@pytest.mark.parametrize("language", ["en", "zh"])
def test_excel_forecast_lists_open_projects_with_names_and_labels(labelled_history, forecast, tmp_path, language):
    """The workbook planners send round: open projects only, with name, investor, unit and
    sector labels, stage, amount, whether each can count toward each target, probabilities
    with intervals under readable headers, sorted by what matters; a sheet explaining
    every column."""
    projects, targets = forecast
    style.use_style(language)
    sheets, percent = forecast_sheets(labelled_history, projects, targets, 2024)
    path = write_xlsx(sheets, tmp_path / "forecast.xlsx", percent=percent)
    back = pd.read_excel(path, sheet_name=None)
    names = list(back)
    assert len(names) == 4
    open_, settled, tgt, explained = (back[n] for n in names)
    h = lambda c: display.header(c, language)  # noqa: E731
    # no header in code form
    for frame in (open_, tgt, explained):
        assert not [c for c in frame.columns if re.search(r"_(lo|hi|bn)$|^p_|_", str(c))], list(frame.columns)
    assert list(open_.columns[:7]) == [h(c) for c in ["project_id", "name", "investor", "unit", "sector", "stage",
                                                     "investment_bn"]]
    P = labelled_history.latest.set_index("project_id")
    # open projects only: operating, lost and fully decided ones are on the other sheet
    assert set(open_[h("project_id")]) == {"P001", "P002", "P003", "P004", "P008", "P009"}
    assert {"P006", "P007"} <= set(settled[h("project_id")])
    for _, row in open_.iterrows():
        pid = row[h("project_id")]
        assert row[h("name")] == P.loc[pid, "name"]  # the full name
        assert row[h("investor")] == P.loc[pid, "investor"]
        assert row[h("unit")] == labelled_history.district.unit_label(P.loc[pid, "unit"], language)
        assert row[h("sector")] == labelled_history.district.sector_label(P.loc[pid, "sector"], language)
    assert not IDS.search(open_.to_string())
    # can it count? groundbreakings: not yet broken ground and >= 0.5 bn; 5 bn tier: unsigned, 5 <= bn < 10
    yes = style.t("yes")
    counts_g = dict(zip(open_[h("project_id")], open_[h("counts_groundbreakings")] == yes))
    assert counts_g == {"P001": True, "P002": True, "P003": True, "P004": True, "P008": False, "P009": True}
    counts_5 = dict(zip(open_[h("project_id")], open_[h("counts_tier_5bn")] == yes))
    assert [k for k, v in counts_5.items() if v] == ["P009"]  # 8 bn and negotiating; P004 (6.5) has signed
    # sorted: the counted ones first, most likely to break ground first
    flags = open_[h("counts_groundbreakings")] == yes
    assert flags.is_monotonic_decreasing
    p = open_.loc[flags, h("p_groundbreaking")]
    assert p.is_monotonic_decreasing
    # probabilities with their intervals, as probabilities
    for c in ["p_signed", "p_groundbreaking", "p_tier_5bn", "p_tier_10bn"]:
        lo, mid, hi = open_[h(f"{c}_lo")], open_[h(c)], open_[h(f"{c}_hi")]
        assert ((lo <= mid + 1e-9) & (mid <= hi + 1e-9)).all(), c
        assert mid.between(0, 1).all()
    from openpyxl import load_workbook

    ws = load_workbook(path)[names[0]]
    col = list(open_.columns).index(h("p_groundbreaking")) + 1
    assert ws.cell(row=2, column=col).number_format == "0.0%"
    # the targets: goals whole, P(goal met) and its simulation error as percentages (it read 0.001)
    ws = load_workbook(path)[names[2]]
    fmt = {ws.cell(row=1, column=j).value: ws.cell(row=2, column=j).number_format for j in range(1, ws.max_column + 1)}
    assert fmt[h("p_meet")] == fmt[h("p_meet_mc_se")] == "0.0%"
    assert fmt[h("goal")] in ("General", "#,##0") and fmt[h("mean")] == "#,##0.00"
    # every column explained, in the language
    assert set(explained.iloc[:, 1]) >= set(open_.columns) | set(tgt.columns)
    assert explained.iloc[:, 2].str.len().min() >= 4  # no column left unexplained
    assert set(tgt.iloc[:, 0]) == {style.target_label(n) for n in targets["target"]}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_changes_workbook_shows_the_attributions_probabilities_as_percentages(bundled_history, tmp_path,
                                                                                  language):
    # its attribution sheet read 0.111, 0.013, -0.098 where the notebook's chart says 11 %, 1 %, −9.8 points
    from openpyxl import load_workbook

    from conftest import brief_attribution
    from forecasting.evaluation.changes import quarter_changes
    from forecasting.report.sheets import changes_sheets

    changes = quarter_changes(bundled_history, "2023Q4", "2024Q1")
    sheets, percent = changes_sheets(changes, brief_attribution(), bundled_history.district, language=language)
    assert len(sheets) == 3 and len(percent) == 3
    path = write_xlsx(sheets, tmp_path / "changes.xlsx", percent=percent)
    ws = load_workbook(path).worksheets[2]
    fmt = {ws.cell(row=1, column=j).value: ws.cell(row=2, column=j).number_format for j in range(1, ws.max_column + 1)}
    assert [fmt[c] for c in percent] == ["0.0%"] * 3
