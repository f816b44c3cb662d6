"""Sentences about this district: whose data, the public ranges, the staffing answer, warnings."""
from __future__ import annotations

import warnings
from types import SimpleNamespace

import pandas as pd

from forecasting.data.public_figures import PUBLIC_FIGURES
from forecasting.errors import ShortHistoryWarning
from forecasting.report import notes


def test_the_data_note_names_a_real_district_and_flags_simulated_data():
    # every notebook said "Illustrative data (simulated), not Hailing's real ledger" whatever
    # the folder held; a real district's report must not call its ledger simulated
    real = SimpleNamespace(name="Another district")
    assert notes.data_note(real, "en") == "*Data: Another district.*"
    assert notes.data_note(real, "zh") == "*数据：Another district。*"
    assert notes.data_note(real, "en", area="brief") == "Data: Another district."
    sim = SimpleNamespace(name="Hailing District, Taizhou (illustrative data)")
    assert notes.data_note(sim, "en") == "*Illustrative data (simulated), not a real district's ledger.*"
    assert "示例数据" in notes.data_note(sim, "zh")
    assert not notes.illustrative("海陵区") and notes.illustrative("某区（示例数据）")


def _yearly(complete, new_leads, signed):
    return pd.DataFrame({"complete": complete, "new_leads": new_leads, "signed": signed},
                        index=pd.Index(range(2022, 2022 + len(complete)), name="year"))


def test_range_note_names_the_counts_outside_and_compares_no_partial_year():
    figures = {k: PUBLIC_FIGURES[k] for k in ("new_leads", "signed")}
    y = _yearly([True, True, False], [336, 310, 83], [134, 120, 22])
    assert notes.range_note(y, figures, language="en") == (
        "Outside the public ranges in a complete year: New leads (2022: 336, 2023: 310; range 571–1,715).")
    assert notes.range_note(y, figures, language="zh").startswith("完整年份中超出公开数据范围的：新增线索（2022: 336、2023: 310")
    inside = _yearly([True, False], [800, 10], [120, 3])
    assert notes.range_note(inside, figures, language="en") == (
        "Every count of every complete year (2022) lies inside its public range.")
    # one snapshot in March: no year is complete; the old table said "yes" to every range
    partial = _yearly([False], [83], [22])
    assert notes.range_note(partial, figures, language="en").startswith("No calendar year is complete")


def test_needed_line_speaks_the_language_and_names_units():
    need = SimpleNamespace(added={"zs_a": 10, "zs_b": 2}, value=0.0366, reached=False, level=0.073, n_added=12)
    names = {"zs_a": "Team A", "zs_b": "Team B"}
    assert notes.needed_line(need, names, language="en") == (
        "Not reachable with 12 more people: the best found (10 in Team A, 2 in Team B) lifts next year's "
        "P(all targets met) to 3.7%, short of the 7.3% asked for.")
    zh = notes.needed_line(need, {"zs_a": "甲组", "zs_b": "乙组"}, language="zh")
    assert zh.startswith("增加12人也无法达到：找到的最佳安排（甲组10人、乙组2人）") and "reach" not in zh
    done = SimpleNamespace(added={"zs_a": 1}, value=0.12, reached=True, level=0.1, n_added=1)
    assert notes.needed_line(done, language="en").startswith("1 more person (1 in zs_a) lift")


def test_toolkit_warnings_read_as_one_line_without_file_and_source():
    assert notes.warning_line("only one snapshot", ShortHistoryWarning, "en") == "Note: only one snapshot"
    assert notes.warning_line("x", ShortHistoryWarning, "zh") == "注意：x"
    assert notes.warning_line("x", UserWarning, "en") is None  # not ours: Python's form


def test_readable_warnings_prints_a_note_and_leaves_other_warnings_alone(capsys):
    saved = warnings.showwarning
    try:
        notes.readable_warnings()
        notes.readable_warnings()  # twice (every notebook's first cell): still one line per warning
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.warn("the folder holds one snapshot", ShortHistoryWarning)
        out = capsys.readouterr()
        assert out.out == "Note: the folder holds one snapshot\n"
        assert "ShortHistoryWarning" not in out.err and ".py:" not in out.out
    finally:
        warnings.showwarning = saved


def test_a_latin_label_keeps_apart_from_the_number_in_chinese():
    need = SimpleNamespace(added={"zs_a": 10, "hub": 2}, value=0.05, reached=False, level=0.07, n_added=12)
    zh = notes.needed_line(need, {"zs_a": "Team A", "hub": "上海招商中心"}, language="zh")
    assert "（Team A 10人、上海招商中心2人）" in zh  # not "Team A10人"


def test_a_warning_is_said_once_and_names_units_by_their_labels(capsys, bundled_history):
    # a generator-B report said "Note: no staffed quarter yet for center_beijing: …" four times
    from forecasting.errors import SparseDataWarning

    saved = warnings.showwarning
    try:
        notes.readable_warnings()
        notes.show_data_note(bundled_history.district, "en")
        capsys.readouterr()
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            for _ in range(4):  # each refit warns again
                warnings.warn("no staffed quarter yet for center_beijing: their new leads use the average "
                              "level of their unit type", SparseDataWarning)
            warnings.warn("[effort.center_beijing] staff: keep the file's key as written", SparseDataWarning)
        assert capsys.readouterr().out.splitlines() == [
            "Note: no staffed quarter yet for Beijing Innovation Centre: their new leads use the average "
            "level of their unit type",
            "Note: [effort.center_beijing] staff: keep the file's key as written"]
    finally:
        warnings.showwarning = saved
    zh = notes.warning_line("center_beijing with 4 staff", SparseDataWarning, "zh", district=bundled_history.district)
    assert zh == "注意：北京创新中心 with 4 staff"
