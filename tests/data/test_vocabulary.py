"""The values a planner writes: stage words, amounts with a 亿/万 suffix, year-first dates and serials."""
from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest

from forecasting.data.vocabulary import (
    BN_PER,
    DIVISOR,
    Mapping,
    dates,
    fold,
    fold_header,
    numbers,
    parse_amount,
    parse_date,
    phase_text,
    provincial_mapping,
    stage_mapping,
)


@pytest.mark.parametrize("text,date", [("2024-3-15", "2024-03-15"), ("2024/3/15", "2024-03-15"),
                                       ("2024.03.15", "2024-03-15"), ("2024年3月15日", "2024-03-15"),
                                       ("２０２４－０３－１５", "2024-03-15"), ("2024-03-15 14:30:00", "2024-03-15"),
                                       ("45366", "2024-03-15"), ("20240315", "2024-03-15"),
                                       ("２０２４０３１５", "2024-03-15")])
def test_year_first_dates_and_serials(text, date):
    assert parse_date(text)[0] == pd.Timestamp(date)


@pytest.mark.parametrize("text,value,unit", [("12.5亿", 12.5, "亿元"), ("3000万", 3000.0, "万元"),
                                            ("1,200", 1200.0, None), ("１２．５", 12.5, None), ("12.5 亿元", 12.5, "亿元")])
def test_amount_text(text, value, unit):
    assert parse_amount(text) == (value, unit)


@pytest.mark.parametrize("text,problem,advice", [
    ("2024-02-30", "no such day", "a real day, YYYY-MM-DD"),
    ("2024-03", "a month without a day", "the exact day, such as 2024-03-15"),
    ("2024年3月", "a month without a day", "the exact day, such as 2024-03-15"),
    ("15/03/2024", "an ambiguous day-first date", "year first, YYYY-MM-DD, such as 2024-03-15"),
    ("03/04/24", "an ambiguous day-first date", "year first, YYYY-MM-DD, such as 2024-04-03 or 2024-03-04"),
    ("99999", "not a date", "YYYY-MM-DD or an Excel date cell"),
    ("20240230", "no such day", "a real day, YYYY-MM-DD"),
    ("20241315", "not a date", "YYYY-MM-DD or an Excel date cell"),  # no month 13: not the compact form
    ("soon", "not a date", "YYYY-MM-DD or an Excel date cell"),
    # two-digit years, year first as Chinese dates are: on main '17-8-3' was only "not a date" and
    # '22-10-10' "an ambiguous day-first date, such as 2010-10-22"
    ("17-8-3", "a two-digit year", "the year in full, such as 2017-08-03"),
    ("24-3-15", "a two-digit year", "the year in full: 2024-03-15 if the year comes first, 2015-03-24 if the day does"),
    ("22.10.10", "a two-digit year", "the year in full: 2022-10-10 if the year comes first, 2010-10-22 if the day does"),
    ("24-2-30", "an ambiguous day-first date", "year first, YYYY-MM-DD, such as 2030-02-24"),
])
def test_a_cell_that_is_not_a_date_says_why_and_what_to_write(text, problem, advice):
    assert parse_date(text) == (None, problem, advice)


def test_dates_of_a_column_with_problems_and_advice():
    col = pd.Series(["2024-01-05", "", "2024/1/6", "2024-13-01", "2024-01"], dtype=object)
    got, problem, advice = dates(col)
    assert list(got.iloc[[0, 2]]) == [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-01-06")]
    assert got.iloc[[1, 3, 4]].isna().all() and got.dtype == "datetime64[ns]"
    assert list(problem) == ["", "", "", "no such day", "a month without a day"]
    assert advice == {"no such day": "a real day, YYYY-MM-DD", "a month without a day": "the exact day, such as 2024-01-15"}


def test_stage_words_map_to_codes_and_say_what_they_mapped():
    col = pd.Series(["在谈", "signed", "已签约", "", "Negotiating", "进行中"], dtype=object)
    codes, used = stage_mapping().apply(col)
    assert list(codes) == ["negotiating", "signed", "signed", "", "negotiating", "进行中"]  # unknown stays as written
    assert used == Counter({"在谈 → negotiating": 1, "已签约 → signed": 1, "Negotiating → negotiating": 1})
    codes, _ = stage_mapping({"进行中": "negotiating"}).apply(col)
    assert codes.iloc[-1] == "negotiating"
    assert list(provincial_mapping().apply(pd.Series(["是", "候选", "否"], dtype=object))[0]) == \
        ["designated", "candidate", "none"]


def test_a_district_name_cannot_map_to_an_unknown_code():
    m = Mapping.of(["a", "b"], {"Alpha": "a", "Gamma": "c"})
    assert m.names == {"a": "a", "b": "b", "alpha": "a"}


def test_phases_numbers_and_folding():
    phases, used = phase_text(pd.Series(["二期", "１", "3", ""], dtype=object))
    assert list(phases) == ["2", "1", "3", ""] and used == Counter({"二期 → 2": 1, "１ → 1": 1})
    assert list(numbers(pd.Series(["1,200", "３.5", "5亿", "x"], dtype=object)).fillna(-1)) == [1200.0, 3.5, -1, -1]
    assert fold("  ＡＢｃ ") == "abc" and fold_header(" 计划\n总投资 ") == "计划总投资"
    assert BN_PER["亿元"] * DIVISOR["亿元"] == pytest.approx(1.0) and BN_PER["万元"] * DIVISOR["万元"] == pytest.approx(1.0)


def test_iso_days_is_the_regular_expression_on_every_cell():
    import random
    import re

    import numpy as np

    from forecasting.data.vocabulary import iso_days

    rng = random.Random(1)
    alphabet = list("0123456789--") + ["٣", "２", "a", " ", "/", "é"]
    cells = ["".join(rng.choice(alphabet) for _ in range(rng.choice([0, 9, 10, 10, 10, 11])))
             for _ in range(20_000)]
    cells += ["2024-01-05", "２０２４-０１-０５", "٢٠٢٤-٠١-٠٥", "2024-1-05", "2024/01/05", "2024-01-055", ""]
    got = iso_days(np.array(cells))
    assert got.tolist() == [re.fullmatch(r"\d{4}-\d{2}-\d{2}", c) is not None for c in cells]
    assert got[-7:].tolist() == [True, True, True, False, False, False, False] and got.sum() > 7
    assert iso_days(np.array([], dtype=str)).shape == (0,)
