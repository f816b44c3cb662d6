"""Names planners use (issue 15, build 3): labels from district.toml in charts, tables and
the Excel forecast; twelve distinct series colours; names shortened at word boundaries.

The district here is the small hand-written folder with distinctive labels for every unit
and sector (``Zephyr …`` / ``泽…``), so a chart or sheet showing an id cannot pass.
"""
from __future__ import annotations

import re
import warnings

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.colors import to_rgb

from forecasting import load_history
from forecasting.report import charts, display, overview, style
from forecasting.output import write_xlsx
from forecasting.report.sheets import forecast_sheets

matplotlib.use("Agg")


def _labelled(folder):
    from conftest import SECTORS, UNITS

    toml = (folder / "district.toml").read_text(encoding="utf-8")
    for i, (uid, (_, label)) in enumerate(UNITS.items()):
        toml = toml.replace(f'id = "{uid}"\ntype', f'id = "{uid}"\nlabel_zh = "泽{i}号招商局"\ntype')
        toml = toml.replace(f'label = "{label}"', f'label = "Zephyr unit {i} {label}"')
    toml += "".join(f'\n[sector_labels.{s}]\nlabel = "Zephyr sector {s.replace("_", " ")}"\nlabel_zh = "泽产业{i}"\n'
                    for i, s in enumerate(SECTORS))
    (folder / "district.toml").write_text(toml, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    from conftest import make_valid_folder

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_history(_labelled(make_valid_folder(tmp_path_factory.mktemp("labels") / "data")))


@pytest.fixture(scope="module")
def forecast(history):
    from forecasting import OutcomeModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = OutcomeModel().fit(history)
        projects = results.project_probabilities(2024, n_draws=2000)
        targets = results.simulate(2024, n_draws=2000).targets()
    return projects, targets


IDS = re.compile(r"\b(branch_\d|center_\w+|campaign_top10|new_energy|auto_parts|smart_appliances|smart_grid)\b")


def _text_of(ax) -> str:
    return " ".join([ax.get_title(loc="left"), *(t.get_text() for t in ax.get_yticklabels()),
                     *(t.get_text() for t in ax.get_legend().get_texts())] if ax.get_legend() else
                    [ax.get_title(loc="left"), *(t.get_text() for t in ax.get_yticklabels())])


@pytest.mark.parametrize("language", ["en", "zh"])
def test_charts_show_the_districts_labels(history, language):
    style.use_style(language)
    ax = charts.plot_mix(overview.mix(history, "unit"))
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks and not IDS.search(_text_of(ax)), ticks
    if language == "en":
        assert all(t.startswith("Zephyr unit") for t in ticks), ticks
        assert all(len(t) <= charts.NAME_WIDTH for t in ticks)  # long labels shortened ...
        full = {history.district.unit_label(u) for u in history.district.unit_ids}
        assert all(t in full or (t.endswith("…") and any(f.startswith(t[:-1].rstrip()) for f in full))
                   for t in ticks)  # ... at a word boundary, never mid-word
    else:
        assert all(re.fullmatch(r"泽\d号招商局", t) for t in ticks), ticks
    ax = charts.plot_mix(overview.mix(history, "sector"))
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert all(t.startswith("Zephyr sector" if language == "en" else "泽产业") for t in ticks), ticks
    plt.close("all")


def test_tables_show_the_districts_labels(history):
    style.use_style("zh")
    table = display.readable(overview.stalled(history), history.district)
    assert "招商单位" in table.columns and "unit" not in table.columns
    assert all(re.fullmatch(r"泽\d号招商局", u) for u in table["招商单位"]), table["招商单位"].tolist()
    assert set(table["阶段"]) <= {"线索", "洽谈", "签约", "供地"}
    style.use_style("en")
    table = display.readable(overview.stalled(history), history.district)
    assert table["Unit"].str.startswith("Zephyr unit").all()
    assert not IDS.search(table.to_string())


@pytest.mark.parametrize("language", ["en", "zh"])
def test_excel_forecast_lists_open_projects_with_names_and_labels(history, forecast, tmp_path, language):
    """The workbook planners send round: open projects only, with name, investor, unit and
    sector labels, stage, amount, whether each can count toward each target, probabilities
    with intervals under readable headers, sorted by what matters; a sheet explaining
    every column."""
    projects, targets = forecast
    style.use_style(language)
    sheets, percent = forecast_sheets(history, projects, targets, 2024)
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
    P = history.latest.set_index("project_id")
    # open projects only: operating, lost and fully decided ones are on the other sheet
    assert set(open_[h("project_id")]) == {"P001", "P002", "P003", "P004", "P008", "P009"}
    assert {"P006", "P007"} <= set(settled[h("project_id")])
    for _, row in open_.iterrows():
        pid = row[h("project_id")]
        assert row[h("name")] == P.loc[pid, "name"]  # the full name
        assert row[h("investor")] == P.loc[pid, "investor"]
        assert row[h("unit")] == history.district.unit_label(P.loc[pid, "unit"], language)
        assert row[h("sector")] == history.district.sector_label(P.loc[pid, "sector"], language)
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
    # every column explained, in the language
    assert set(explained.iloc[:, 1]) >= set(open_.columns) | set(tgt.columns)
    assert explained.iloc[:, 2].str.len().min() >= 4  # no column left unexplained
    assert set(tgt.iloc[:, 0]) == {style.target_label(n) for n in targets["target"]}


def test_names_are_shortened_at_word_boundaries():
    name = "Hongbang Industrial Co., Ltd. Industrial project (phase 2)"
    short = style.shorten(name, 38)
    assert short == "Hongbang Industrial Co., Ltd. …"
    assert "Industri" not in short.replace("Industrial", "")  # never a word cut mid-way
    assert style.shorten("Lingxin battery cell plant", 38) == "Lingxin battery cell plant"
    assert style.shorten("海陵区新能源电池储能产业园二期项目", 8) == "海陵区新能源电…"
    assert style.shorten("Supercalifragilisticexpialidocious", 10) == "Supercali…"
    table = pd.DataFrame({"name": [name, "Lingxin battery cell plant"], "investment_bn": [3.0, 2.5],
                          "p_signed": [0.4, 0.7]})
    style.use_style("en")
    ax = charts.plot_watchlist(table, "p_signed")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Lingxin battery cell plant · 2.5 bn", "Hongbang Industrial Co., Ltd. Industrial … · 3.0 bn"]
    style.use_style("zh")
    ax = charts.plot_watchlist(table, "p_signed")
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "Lingxin battery cell plant · 25亿元"
    plt.close("all")


def test_twelve_series_keep_distinct_colours():
    colours = [to_rgb(style.series_color(i)) for i in range(12)]
    assert len(set(colours)) == 12
    # no two closer than a visible step (Euclidean in RGB)
    closest = min(sum((a - b) ** 2 for a, b in zip(c1, c2)) ** 0.5
                  for i, c1 in enumerate(colours) for c2 in colours[i + 1:])
    assert closest > 0.15
    assert style.series_color(0) == style.series_color(12)


def test_labels_come_from_the_catalogue():
    from forecasting.texts import entries

    assert style.LABELS == {k: (v["en"], v["zh"]) for k, v in entries("labels").items()}
    style.use_style("zh")
    assert style.t("signed") == "签约" and style.t("Zephyr unit 3") == "Zephyr unit 3"
    frame = display.readable(pd.DataFrame({"stage": ["signed"], "investment_bn": [2.5], "complete": [True]}))
    assert frame.to_dict("records") == [{"阶段": "签约", "投资额（亿元）": 25.0, "全年数据": "是"}]
    style.use_style("en")
