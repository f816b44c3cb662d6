"""The values a planner writes: stage words, amounts with a 亿/万 suffix, year-first dates and serials."""
from __future__ import annotations

import pandas as pd
import pytest

from forecasting.data.vocabulary import parse_amount, parse_date


@pytest.mark.parametrize("text,date", [("2024-3-15", "2024-03-15"), ("2024/3/15", "2024-03-15"),
                                       ("2024.03.15", "2024-03-15"), ("2024年3月15日", "2024-03-15"),
                                       ("２０２４－０３－１５", "2024-03-15"), ("2024-03-15 14:30:00", "2024-03-15"),
                                       ("45366", "2024-03-15")])
def test_year_first_dates_and_serials(text, date):
    assert parse_date(text)[0] == pd.Timestamp(date)


@pytest.mark.parametrize("text,value,unit", [("12.5亿", 12.5, "亿元"), ("3000万", 3000.0, "万元"),
                                            ("1,200", 1200.0, None), ("１２．５", 12.5, None), ("12.5 亿元", 12.5, "亿元")])
def test_amount_text(text, value, unit):
    assert parse_amount(text) == (value, unit)
