"""What changed between snapshots, the attribution container, their charts, and the labels in
both languages (``forecasting.evaluation.changes``, ``charts.plot_waterfall``/``plot_changes``, ``style``).

The small hand-written folder of ``conftest`` (2023Q3, 2023Q4, 2024Q1) has one event of every
kind, so the expected tables are written out by hand from its rows.
"""
from __future__ import annotations

import io
import re
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from forecasting.report import charts, style  # noqa: E402
from forecasting.evaluation.changes import KINDS, Attribution, check_chain, quarter_changes  # noqa: E402
from forecasting.data.validate import load_data  # noqa: E402
from forecasting.history.histories import History  # noqa: E402
from forecasting.output import write_xlsx  # noqa: E402


@pytest.fixture
def history(valid_folder) -> History:
    return History.from_folder(load_data(valid_folder))


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    style.use_style("en")
    plt.close("all")


# ----------------------------------------------------------------------------- changes
def test_changes_2023q3_to_2023q4_lists_every_kind(history):
    ch = quarter_changes(history, "2023Q3", "2023Q4")
    e = ch.events
    got = {(r.kind, r.project_id, r.before, r.after) for r in e.itertuples()}
    assert got == {
        ("new", "P008", "", "lead"),
        ("stage", "P002", "lead", "negotiating"),
        ("stage", "P004", "signed", "approved"),
        ("stage", "P006", "under_construction", "operating"),
        ("revision", "P002", "", ""),
        ("lost", "P007", "signed", "lost"),
        ("provincial", "P004", "none", "candidate"),
    }
    assert list(e["kind"].drop_duplicates()) == list(KINDS)  # in the documented order
    rev = ch.of("revision").iloc[0]
    assert (rev["investment_before"], rev["investment_after"]) == (0.8, 0.9)
    assert rev["change_pct"] == pytest.approx(12.5)
    p8 = e[e["project_id"] == "P008"].iloc[0]
    assert (p8["name"], p8["unit"], p8["unit_label"], p8["sector"]) == (
        "Haiyue smart kitchen line", "center_nanjing", "Nanjing Innovation Centre", "smart_appliances")
    s = ch.summary()
    assert s["n"].to_dict() == {"new": 1, "stage": 3, "revision": 1, "lost": 1, "provincial": 1}
    assert s.loc["revision", "investment_bn"] == pytest.approx(0.1)
    assert s.loc["stage", "investment_bn"] == pytest.approx(0.9 + 6.5 + 3.0)
    assert ch.transitions().loc["signed", "lost"] == 1


def test_changes_2023q4_to_2024q1(history):
    ch = quarter_changes(history, "2023Q4", "2024Q1")
    assert ch.summary()["n"].to_dict() == {"new": 1, "stage": 1, "revision": 1, "lost": 0, "provincial": 0}
    new = ch.of("new").iloc[0]
    assert (new["project_id"], new["after"], new["investment_bn"]) == ("P009", "negotiating", 8.0)
    assert ch.of("revision")["change_pct"].iloc[0] == pytest.approx(25.0)


def test_no_change_gives_empty_table_with_all_columns(history):
    snap = history.snapshots["2024Q1"]
    h = History(history.district, history.effort, {"2023Q4": snap, "2024Q1": snap})
    ch = quarter_changes(h, "2023Q4", "2024Q1")
    assert ch.events.empty and list(ch.events.columns)[:3] == ["kind", "project_id", "name"]
    assert ch.summary()["n"].sum() == 0 and list(ch.summary().index) == list(KINDS)


def test_changes_over_two_quarters_and_bad_arguments(history):
    ch = quarter_changes(history, "2023Q3", "2024Q1")
    assert set(ch.of("new")["project_id"]) == {"P008", "P009"}
    with pytest.raises(ValueError, match="2024Q1 is not before 2023Q3"):
        quarter_changes(history, "2024Q1", "2023Q3")
    with pytest.raises(ValueError, match="no snapshot for 2022Q4"):
        quarter_changes(history, "2022Q4", "2024Q1")
    with pytest.raises(ValueError, match="kind must be one of"):
        ch.of("moved")


def test_changes_on_the_bundled_ledger_are_consistent(bundled_history):
    h = bundled_history
    prev, curr = h.quarters[-2], h.quarters[-1]
    ch = quarter_changes(h, prev, curr)
    old, new = h.snapshots[prev], h.snapshots[curr]
    assert len(ch.of("new")) == len(set(new["project_id"]) - set(old["project_id"]))
    lost_now = set(new.loc[new["stage"] == "lost", "project_id"]) & set(old.loc[old["stage"] != "lost", "project_id"])
    assert set(ch.of("lost")["project_id"]) == lost_now
    assert not (ch.of("stage")["after"] == "lost").any()
    assert ch.events["name"].notna().all() and (ch.events["unit_label"] != "").all()


# ------------------------------------------------------------------------- attribution
def test_attribution_chains_and_adds_up():
    a = Attribution.from_steps([("a quarter passed", 0.62, 0.55), ("new projects", 0.55, 0.60),
                                ("progress", 0.60, 0.71), ("losses", 0.71, 0.68)], label="groundbreakings")
    assert list(a.to_frame().columns) == ["step", "start", "end", "delta"]
    assert a.table["delta"].sum() == pytest.approx(a.total, abs=1e-12)
    assert (a.before, a.after) == (0.62, 0.68)


def test_attribution_rejects_steps_that_do_not_chain():
    with pytest.raises(ValueError, match="'progress' starts at 0.61 but 'new projects' ended at 0.6"):
        Attribution.from_steps([("new projects", 0.5, 0.6), ("progress", 0.61, 0.7)])
    with pytest.raises(ValueError, match="at least one step"):
        Attribution(pd.DataFrame({"step": [], "start": [], "end": []}))
    with pytest.raises(ValueError, match="missing or infinite"):
        Attribution.from_steps([("losses", 0.5, np.nan)])
    with pytest.raises(ValueError, match="end missing"):
        Attribution(pd.DataFrame({"step": ["x"], "start": [0.1]}))


def test_attribution_split_by_target_matches_refresh_table():
    """The lead engineer's ``refresh.attribute_change`` rows: target, step, start, end, delta."""
    rows = []
    for target, values in {"groundbreakings": [0.3, 0.25, 0.4], "all": [0.1, 0.08, 0.12]}.items():
        for i, step in enumerate(["a quarter passed", "progress"]):
            rows.append({"target": target, "step": step, "start": values[i], "end": values[i + 1],
                         "delta": values[i + 1] - values[i]})
    frame = pd.DataFrame(rows)
    check_chain(frame, by="target")
    parts = Attribution.split(frame, before_label="2023Q4", after_label="2024Q1")
    assert list(parts) == ["groundbreakings", "all"]
    assert parts["all"].total == pytest.approx(0.02)
    broken = frame.assign(start=frame["start"].where(frame.index != 3, 0.5))
    with pytest.raises(ValueError, match="for target all"):
        check_chain(broken, by="target")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=2, max_size=8))
def test_any_chain_of_probabilities_adds_up(levels):
    a = Attribution.from_steps([(f"s{i}", levels[i], levels[i + 1]) for i in range(len(levels) - 1)])
    assert abs(a.table["delta"].sum() - (levels[-1] - levels[0])) <= 1e-12


# ---------------------------------------------------------------------------- charts
def _render(ax) -> list[str]:
    """Draw a figure to PNG and SVG, return the text it shows (and fail on any warning)."""
    fig = ax.figure
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" is a UserWarning
        for fmt in ("png", "svg"):
            fig.savefig(io.BytesIO(), format=fmt)
    texts = [t.get_text() for a in fig.axes for t in [*a.texts, *a.get_xticklabels(), *a.get_yticklabels()]]
    texts += [a.get_title(loc=loc) for a in fig.axes for loc in ("left", "center", "right")]
    return texts + [a.get_xlabel() for a in fig.axes] + [a.get_ylabel() for a in fig.axes]


def test_waterfall_draws_every_step(history):
    a = Attribution.from_steps([("a quarter passed", 0.62, 0.55), ("new projects", 0.55, 0.60)],
                               label="tier_10bn", before_label="2023Q4", after_label="2024Q1")
    style.use_style("en")
    ax = charts.plot_waterfall(a)
    texts = _render(ax)
    assert ax.get_title(loc="left") == "10 bn signings: 62% → 60%"
    assert {"2023Q4", "a quarter passed", "new projects", "2024Q1", "-7", "+5"} <= set(texts)
    assert len(ax.patches) == 4
    # a table with the same columns works too
    ax2 = charts.plot_waterfall(a.to_frame(), title="custom")
    assert ax2.get_title(loc="left") == "custom"


def test_changes_chart_counts(history):
    style.use_style("en")
    ax = charts.plot_changes(quarter_changes(history, "2023Q3", "2023Q4"))
    texts = _render(ax)
    assert ax.get_title(loc="left") == "2023Q3 → 2023Q4: 1 new, 3 moved on, 1 lost"
    assert "Investment revisions" in texts


CJK = re.compile(r"[\u4e00-\u9fff]")


def test_chinese_charts_render_with_the_cjk_font(history):
    from matplotlib import font_manager

    from forecasting.report import overview

    style.use_style("zh")
    name = style.cjk_font()
    assert name and plt.rcParams["font.sans-serif"][0] == name
    found = font_manager.findfont(font_manager.FontProperties(family=plt.rcParams["font.sans-serif"]),
                                  fallback_to_default=False)
    assert "CJK" in found  # the font really is there, not a silent fallback to DejaVu
    a = Attribution.from_steps([("a quarter passed", 0.5, 0.4), ("model refit", 0.4, 0.45)], label="groundbreakings")
    axes = [charts.plot_funnel(overview.funnel(history)),
            charts.plot_mix(overview.mix(history, "sector")),
            charts.plot_progress(overview.progress(history, 2024), year=2024),
            charts.plot_waterfall(a),
            charts.plot_changes(quarter_changes(history, "2023Q3", "2023Q4"))]
    titles = [ax.get_title(loc="left") for ax in axes]
    assert all(CJK.search(t) for t in titles), titles
    for ax in axes:
        _render(ax)  # no "Glyph missing" warning
    assert titles[3] == "开工项目：50% → 45%"
    assert "100亿级签约项目" in [t.get_text() for t in axes[2].get_yticklabels()]


def test_ledger_names_are_shown_as_written(history):
    style.use_style("zh")
    table = pd.DataFrame({"label": ["P001 · Lingxin battery cell plant", "P010 · 海陵储能电站"],
                          "p_signed": [0.4, 0.7]})
    ax = charts.plot_watchlist(table, "p_signed")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["P010 · 海陵储能电站", "P001 · Lingxin battery cell plant"]
    ax = charts.plot_mix(pd.DataFrame({"lead": [2, 1]}, index=["center_nanjing", "海陵招商一局"]))
    _render(ax)
    assert {t.get_text() for t in ax.get_yticklabels()} == {"center_nanjing", "海陵招商一局"}
    assert style.t("Nanjing Innovation Centre") == "Nanjing Innovation Centre"


def test_every_label_has_both_languages_and_placeholders_match():
    for key, (en, zh) in style.LABELS.items():
        assert en and zh, key
        assert set(re.findall(r"{(\w+)}", en)) == set(re.findall(r"{(\w+)}", zh)), key


def test_target_labels_in_both_languages():
    names = ["groundbreakings", "tier_10bn", "tier_5bn", "provincial_major", "all"]
    style.use_style("en")
    assert [style.target_label(n) for n in names] == [
        "Groundbreakings", "10 bn signings", "5 bn signings", "Provincial major projects", "All targets"]
    style.use_style("zh")
    assert [style.target_label(n) for n in names] == ["开工项目", "100亿级签约项目", "50亿级签约项目", "省重大项目", "全部目标"]
    assert style.target_label("tier_big") == "big签约项目"
    with pytest.raises(ValueError, match='"en" or "zh"'):
        style.use_style("fr")


def test_charts_module_has_no_hard_coded_english_labels():
    """Axis labels, titles and legends in charts.py go through t() (or come from the data)."""
    import inspect

    src = inspect.getsource(charts)
    calls = re.findall(r"set_(?:title|xlabel|ylabel)\((?:title or )?\"[A-Za-z][^\"]*\"", src)
    labels = re.findall(r"label=\"[A-Za-z][^\"]*\"", src)
    assert calls == [] and labels == []


# ----------------------------------------------------------------------------- xlsx
def test_write_xlsx_round_trips_and_formats(tmp_path, history):
    import openpyxl

    ch = quarter_changes(history, "2023Q3", "2023Q4")
    projects = history.projects[["project_id", "name", "investment_bn", "first_seen"]].assign(
        p_signed=np.linspace(0, 1, len(history.projects)))
    path = write_xlsx({"projects": projects, "changes": ch.events, "summary": ch.summary()}, tmp_path / "t.xlsx")
    back = pd.read_excel(path, sheet_name=None)
    assert list(back) == ["projects", "changes", "summary"]
    pd.testing.assert_frame_equal(back["projects"], projects.reset_index(drop=True), check_dtype=False)
    pd.testing.assert_frame_equal(back["summary"], ch.summary().reset_index(), check_dtype=False)
    assert back["changes"]["project_id"].tolist() == ch.events["project_id"].tolist()
    ws = openpyxl.load_workbook(path)["projects"]
    assert ws.freeze_panes == "A2" and ws["A1"].font.b
    assert ws["E2"].number_format == "0.0%" and ws["D2"].number_format == "yyyy-mm-dd"
    assert ws.column_dimensions["B"].width > len("Lingxin battery cell plant")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "t.xlsx"]  # no temporary file left


def test_write_xlsx_rejects_bad_sheet_names_and_leaves_nothing(tmp_path):
    df = pd.DataFrame({"a": [1]})
    for name, msg in [("a" * 32, "Excel allows 31"), ("q1/q2", "does not allow"), ("", "non-empty")]:
        with pytest.raises(ValueError, match=msg):
            write_xlsx({name: df}, tmp_path / "x.xlsx")
    with pytest.raises(ValueError, match="differ only in case"):
        write_xlsx({"Targets": df, "targets": df}, tmp_path / "x.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_reliability_diagonal_drawn_once_per_axes():
    style.use_style("en")
    table = pd.DataFrame({"mean_p": [0.2, 0.6], "observed": [0.25, 0.5], "obs_lo": [0.1, 0.4], "obs_hi": [0.4, 0.6]})
    ax = charts.plot_reliability(table, label="stage weighted")
    charts.plot_reliability(table, ax=ax, label="outcome model")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend.count("perfectly calibrated") == 1 and len(legend) == 3
