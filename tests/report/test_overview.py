"""The pipeline overview's tables (notebook 01) on the small hand-written folder, against the ledger itself."""
from __future__ import annotations

import numpy as np
import pytest

from forecasting.data.schema import ALL_STAGES
from forecasting.history.histories import load_history
from forecasting.report import overview


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    from conftest import make_valid_folder

    return load_history(make_valid_folder(tmp_path_factory.mktemp("overview") / "data"))


def test_funnel_counts_every_project_once_in_stage_order(history):
    f = overview.funnel(history)
    assert list(f.index) == list(ALL_STAGES) and f.sum() == len(history.latest)
    assert f["operating"] == 1 and f["lost"] == 1  # P006 operating, P007 lost
    assert f.to_dict() == {s: int((history.latest["stage"] == s).sum()) for s in ALL_STAGES}


def test_mix_leaves_out_closed_projects_and_names_units_by_label(history):
    table = overview.mix(history, "unit", labels=False)
    assert table.to_numpy().sum() == len(history.latest) - 2
    assert not {"operating", "lost"} & set(table.columns)
    labelled = overview.mix(history, "unit", language="en")
    assert list(labelled.index) == [history.district.unit_label(u, "en") for u in table.index]
    assert overview.mix(history, "sector", open_only=False, labels=False).to_numpy().sum() == len(history.latest)


def test_stalled_flags_by_days_in_stage_longest_first(history):
    s = overview.stalled(history)
    assert set(s["stage"]) <= {"lead", "negotiating", "signed", "approved"}
    days = s["days_in_stage"].to_numpy()
    assert np.all(days[:-1] >= days[1:])
    expected = np.where(days >= overview.RED_DAYS, "red", np.where(days >= overview.YELLOW_DAYS, "yellow", "green"))
    assert list(s["flag"]) == list(expected)


def test_progress_is_each_goal_beside_its_count_so_far(history):
    p = overview.progress(history, 2024)
    goals = history.district.targets_for(2024).goals
    assert p["goal"].to_dict() == goals and (p["so_far"] >= 0).all()


def test_data_quality_and_short_history_notes_in_both_languages(history):
    assert len(history.quarters) == 3  # 2023Q3..2024Q1: a short history
    en = overview.data_quality(history, language="en")
    zh = overview.data_quality(history, language="zh")
    assert len(en) == len(zh) == 6 + len(overview.short_history_notes(history, "en")) > 6
    assert "3" in en["finding"].iloc[0] and "2024Q1" in en["finding"].iloc[0]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in "".join(zh["finding"]))



def test_one_snapshot_is_one_quarter(tmp_path):
    # a folder of one snapshot read "1 quarters, 2024Q1 to 2024Q1"
    from conftest import make_valid_folder

    folder = make_valid_folder(tmp_path / "data")
    for f in (folder / "ledger").iterdir():
        if not f.stem.startswith("2024Q1"):
            f.unlink()
    single = load_history(folder)
    assert single.quarters == ["2024Q1"]
    assert overview.data_quality(single, language="en")["finding"].iloc[0] == "one quarter, 2024Q1"
    assert overview.data_quality(single, language="zh")["finding"].iloc[0] == "1个季度（2024Q1）"
