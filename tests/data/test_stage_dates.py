"""Stages against dates: each stage has the dates of the stages it reached, in order, none after as-of."""
from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.data.schema import DATE_COLUMNS
from forecasting.data.stage_dates import check_date_order, check_stage_dates
from forecasting.errors import RowBreaches

HEADERS = {c: c for c in DATE_COLUMNS}


def _rows(*rows: dict[str, str]) -> tuple[pd.Series, dict, RowBreaches]:
    """Stages and date cells of a few rows (spreadsheet rows 2, 3, …)."""
    stage = pd.Series([r["stage"] for r in rows], dtype=object)
    dates = {c: pd.to_datetime(pd.Series([r.get(c) for r in rows], dtype=object)).astype("datetime64[ns]")
             for c in DATE_COLUMNS}  # as the reader gives them
    return stage, dates, RowBreaches("f.csv", np.arange(2, 2 + len(rows)), HEADERS)


def _stage_breaches(*rows, headers=HEADERS) -> list[str]:
    stage, dates, found = _rows(*rows)
    present = {c: dates[c].notna().to_numpy() for c in DATE_COLUMNS}
    out: list = []
    check_stage_dates(stage, present, present, headers, found.add, out, "f.csv")
    return [str(b) for b in out + found.out]


def _order_breaches(*rows, as_of=None) -> list[str]:
    _, dates, found = _rows(*rows)
    check_date_order(dates, found.add, as_of)
    return [str(b) for b in found.out]


def test_a_consistent_row_has_no_breach():
    assert _stage_breaches({"stage": "approved", "first_seen": "2023-01-01", "signed_date": "2023-02-01",
                            "approved_date": "2023-03-01"},
                           {"stage": "lost", "first_seen": "2023-01-01", "signed_date": "2023-02-01",
                            "lost_date": "2023-05-01"}) == []


def test_a_stage_needs_the_dates_it_reached_and_none_beyond():
    got = _stage_breaches({"stage": "approved", "first_seen": "2023-01-01", "signed_date": "2023-02-01"},
                          {"stage": "signed", "first_seen": "2023-01-01", "signed_date": "2023-02-01",
                           "groundbreaking_date": "2023-06-01"})
    assert got == [
        "f.csv:2:approved_date: is empty but the stage is approved (expected the date the project reached approved)",
        "f.csv:3:groundbreaking_date: is filled but the stage is signed (expected empty until the project reaches "
        "under_construction)",
    ]


def test_lost_needs_its_date_and_no_operating_date():
    got = _stage_breaches({"stage": "lost", "first_seen": "2023-01-01"},
                          {"stage": "lost", "first_seen": "2023-01-01", "signed_date": "2023-02-01",
                           "approved_date": "2023-03-01", "groundbreaking_date": "2023-04-01",
                           "operating_date": "2023-09-01", "lost_date": "2023-10-01"},
                          {"stage": "lead", "first_seen": "2023-01-01", "lost_date": "2023-02-01"})
    assert "f.csv:2:lost_date: is empty but the stage is lost (expected the date it was lost)" in got
    assert ("f.csv:3:operating_date: is filled but the stage is lost (expected lost only before operating)"
            in got)
    assert ("f.csv:4:lost_date: is filled but the stage is lead (expected empty unless the stage is lost)" in got)


def test_a_missing_date_column_is_one_line_naming_its_chinese_header():
    headers = {c: c for c in DATE_COLUMNS if c != "signed_date"}
    got = _stage_breaches({"stage": "signed", "first_seen": "2023-01-01"},
                          {"stage": "approved", "first_seen": "2023-01-01", "approved_date": "2023-03-01"},
                          headers=headers)
    assert got[0] == "f.csv::signed_date: column is missing but 2 rows are at or past signed (expected a column " \
                     "signed_date or 签约日期)"


def test_milestones_never_decrease_and_the_loss_comes_last():
    got = _order_breaches({"stage": "approved", "first_seen": "2023-05-01", "signed_date": "2023-04-01",
                           "approved_date": "2023-06-01"},
                          {"stage": "lost", "first_seen": "2023-01-01", "signed_date": "2023-03-01",
                           "lost_date": "2023-02-01"})
    assert got[0].startswith("f.csv:2:signed_date: 2023-04-01 is before first_seen 2023-05-01")
    assert got[1].startswith("f.csv:3:lost_date: 2023-02-01 is before signed_date 2023-03-01")
    assert len(got) == 2


def test_no_date_after_as_of():
    got = _order_breaches({"stage": "signed", "first_seen": "2023-01-01", "signed_date": "2024-04-02"},
                          as_of=pd.Timestamp("2024-03-31"))
    assert got == ["f.csv:2:signed_date: 2024-04-02 is after the snapshot's as-of date 2024-03-31 (expected no date "
                   "after the last day of the snapshot's quarter)"]
    assert _order_breaches({"stage": "signed", "first_seen": "2023-01-01", "signed_date": "2024-04-02"}) == []
