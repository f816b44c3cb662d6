"""Quarters written YYYYQn: parsing, end dates, arithmetic."""
from __future__ import annotations

import pandas as pd
import pytest

from forecasting.data.quarters import is_quarter, parse_quarter, quarter_end, quarter_of, quarter_range, shift


@pytest.mark.parametrize("text,ok", [("2024Q1", True), ("1999Q4", True), ("2024Q0", False), ("2024Q5", False),
                                     ("2024q1", False), ("24Q1", False), ("2024Q1 ", False), ("", False)])
def test_is_quarter(text, ok):
    assert is_quarter(text) is ok


def test_parse_quarter_refuses_anything_else_with_a_sentence():
    assert parse_quarter("2024Q3") == pd.Period("2024Q3", freq="Q-DEC")
    with pytest.raises(ValueError, match=r"'2024-03' is not a quarter written YYYYQn, such as 2024Q1"):
        parse_quarter("2024-03")


@pytest.mark.parametrize("quarter,end", [("2024Q1", "2024-03-31"), ("2024Q2", "2024-06-30"),
                                         ("2023Q4", "2023-12-31"), ("2024Q3", "2024-09-30")])
def test_quarter_end_is_the_last_day_at_midnight(quarter, end):
    assert quarter_end(quarter) == pd.Timestamp(end)
    assert quarter_end(parse_quarter(quarter)) == pd.Timestamp(end)


@pytest.mark.parametrize("date,quarter", [("2024-01-01", "2024Q1"), ("2024-03-31 23:59", "2024Q1"),
                                          ("2024-04-01", "2024Q2"), ("2023-12-31", "2023Q4")])
def test_quarter_of(date, quarter):
    assert quarter_of(pd.Timestamp(date)) == quarter


def test_shift_crosses_years_both_ways():
    assert shift("2023Q4", 1) == "2024Q1"
    assert shift("2024Q1", -1) == "2023Q4"
    assert shift("2024Q2", -8) == "2022Q2"
    assert shift("2024Q2", 0) == "2024Q2"


def test_quarter_range_is_inclusive_and_empty_when_reversed():
    assert quarter_range("2023Q3", "2024Q2") == ["2023Q3", "2023Q4", "2024Q1", "2024Q2"]
    assert quarter_range("2024Q1", "2024Q1") == ["2024Q1"]
    assert quarter_range("2024Q2", "2024Q1") == []
    with pytest.raises(ValueError, match="not a quarter"):
        quarter_range("2024", "2024Q1")
