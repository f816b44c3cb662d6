"""The amount column: its unit of money, the conversion to billion CNY, the breaches of implausible amounts."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from forecasting.data.ledger import check_snapshot
from forecasting.data.money import UNIT_NAME, check_amounts, money_unit
from forecasting.errors import RowBreaches


@pytest.mark.parametrize("header,factor", [("计划总投资(亿元)", 10), ("计划总投资(万元)", 100_000),
                                           ("计划总投资（亿元）", 10), ("investment_bn", 1)])
def test_amount_headers_convert_to_billion(valid_district, header, factor):
    cells = pd.DataFrame({"项目编号": ["A"], "项目名称": ["n"], "行业": ["other"], "责任单位": ["branch_1"],
                          "投资方": ["i"], "期数": ["1"], header: [str(3.5 * factor)], "进度": ["lead"],
                          "入库日期": ["2023-01-01"], "省重大项目": ["none"]}, index=[2])
    snap = check_snapshot(cells, valid_district, label="x.csv")
    assert snap.breaches == [] and snap.table["investment_bn"].iloc[0] == pytest.approx(3.5, rel=1e-15)
    assert snap.headers["investment_bn"] == header


@pytest.mark.parametrize("header,expected", [("计划总投资(亿元)", (True, "亿元")), ("计划总投资（万元）", (True, "万元")),
                                             ("投资额", (True, None)), ("总投资额(元)", (True, "元")),
                                             ("investment_bn", (True, "bn")), ("项目名称", (False, None)),
                                             ("投资方", (False, None)), ("计划总投资(亿)", (True, "亿元")),
                                             ("计划总投资（万）", (True, "万元")), ("项目总投资(亿元)", (True, "亿元")),
                                             ("计划总投资/万元", (True, "万元")), ("计划总投资（单位：万元）", (True, "万元")),
                                             ("计划投资额(亿元)", (True, "亿元")), ("投资方名称", (False, None))])
def test_money_unit_reads_the_header(header, expected):
    assert money_unit(header) == expected


def _check(cells: list[str], unit):
    col = pd.Series(cells, dtype=object)
    present = (col != "").to_numpy()
    found = RowBreaches("f.csv", np.arange(2, 2 + len(cells)), {"investment_bn": "计划总投资"})
    used: Counter = Counter()
    out: list = []
    bn = check_amounts(col, present, unit, found.add, used, out, "f.csv", "计划总投资")
    return bn, [str(b) for b in out + found.out], used


def test_amounts_convert_by_the_column_unit_exactly():
    bn, breaches, used = _check(["21.4", "3", "0.5"], "亿元")
    assert breaches == [] and list(bn) == [2.14, 0.3, 0.05]  # rounded at 1e-12 bn: no float noise
    bn, breaches, _ = _check(["30000", "1,200,000"], "万元")
    assert breaches == [] and list(bn) == [0.3, 12.0]


def test_suffixes_convert_when_the_header_names_no_unit():
    bn, breaches, used = _check(["12.5亿", "3000万"], None)
    assert breaches == [] and list(bn) == [1.25, 0.03]
    assert used == Counter({"investment_bn: amounts with a 亿/万 suffix converted": 2})


def test_a_unitless_header_without_suffixes_is_one_column_breach():
    _, breaches, _ = _check(["12.5亿", "3"], None)
    assert breaches[0] == ("f.csv::计划总投资: the header names no unit of money and 1 amounts have no 亿/万 suffix "
                           "(expected a header naming the unit, such as 计划总投资(亿元), or a 单位：亿元 line above the table)")


def test_a_suffix_other_than_the_column_unit_says_what_to_write():
    bn, breaches, _ = _check(["3000万", "5"], "亿元")
    assert np.isnan(bn.iloc[0]) and bn.iloc[1] == 0.5
    assert breaches == ["f.csv:2:计划总投资: '3000万' is in 万元 but the column is in 亿元: write 0.3 (expected amounts "
                        "in 亿元, without a suffix, or a header naming the unit the cells use)"]


def test_a_wan_column_under_a_yi_header_is_named_by_its_median():
    _, breaches, _ = _check(["30000", "50000", "120000"], "亿元")
    assert len(breaches) == 1 and "the median amount is 50,000 亿元, typical of 万元" in breaches[0]


def test_amounts_not_above_zero_and_implausible_ones_are_row_breaches():
    _, breaches, _ = _check(["-1", "2", "3", "1500"], "bn")
    assert breaches[0].startswith("f.csv:2:计划总投资: '-1' is not an amount above 0")
    assert breaches[1].startswith("f.csv:5:计划总投资: 1500 bn is implausible for one project: the value looks like "
                                  "万元 or 元 entered as billion")
    assert UNIT_NAME["bn"] == "billion CNY"


def test_amounts_in_a_foreign_currency_are_refused_as_such():
    bn, breaches, _ = _check(["1亿美元", "USD 100m", "2", "5000万港元"], "亿元")
    assert bn.iloc[2] == 0.2 and bn.iloc[[0, 1, 3]].isna().all()
    assert breaches == ["f.csv:2:计划总投资: 3 rows are in a foreign currency: '1亿美元' ×1 (row 2), 'USD 100m' ×1 "
                        "(row 3), '5000万港元' ×1 (row 5) (expected amounts in CNY: convert the amount (at the rate of "
                        "its signing) and write it in the column's unit)"]


def test_a_yuan_sign_or_renminbi_around_an_amount_is_read():
    bn, breaches, _ = _check(["￥3亿", "¥5,000万", "3亿元人民币", "RMB 2亿"], None)
    assert breaches == [] and list(bn) == [0.3, 0.05, 0.3, 0.2]
    assert money_unit("计划总投资（亿元人民币）") == (True, "亿元")


def _cells(header: str, extra: dict | None = None) -> pd.DataFrame:
    return pd.DataFrame({"项目编号": ["A", "B"], "项目名称": ["n", "m"], "行业": ["other"] * 2, "责任单位": ["branch_1"] * 2,
                         "投资方": ["i"] * 2, "期数": ["1"] * 2, header: ["35", "20"], "进度": ["lead"] * 2,
                         "入库日期": ["2023-01-01"] * 2, "省重大项目": ["none"] * 2, **(extra or {})}, index=[2, 3])


@pytest.mark.parametrize("header,currency", [("计划总投资(亿美元)", "美元"), ("计划总投资（万美元）", "美元"),
                                             ("investment_usd_bn", "usd"), ("投资额(亿港元)", "港元")])
def test_an_amount_header_in_a_foreign_currency_is_named_not_missing(valid_district, header, currency):
    # on main: "investment_bn: required column is missing", beside a column the planner can see
    snap = check_snapshot(_cells(header), valid_district, label="x.csv")
    assert [str(b) for b in snap.breaches] == [
        f"x.csv::{header}: the amounts are in a foreign currency ({currency}) (expected amounts in CNY: convert "
        "them (at the rate of each project's signing) under a header such as 计划总投资(亿元))"]


def test_a_currency_column_that_is_not_yuan_refuses_its_rows(valid_district):
    # on main the 币种 column was ignored and 35 万美元 read as 35 亿元 of CNY, without a word
    snap = check_snapshot(_cells("计划总投资(亿元)", {"币种": ["美元", "人民币"]}), valid_district, label="x.csv")
    assert [str(b) for b in snap.breaches] == [
        "x.csv:2:计划总投资(亿元): the column '币种' says '美元': the amount is not in CNY (expected amounts in CNY: "
        "convert the amount (at the rate of its signing) and write 人民币 in '币种' or leave it empty)"]
    snap = check_snapshot(_cells("计划总投资(亿元)", {"币种": ["RMB", ""]}), valid_district, label="x.csv")
    assert snap.breaches == [] and list(snap.table["investment_bn"]) == [3.5, 2.0]


def test_an_approximate_amount_or_a_range_says_so():
    # on main: "'约5亿' is not an amount above 0"
    bn, breaches, _ = _check(["约5亿", "5-10亿", "5亿左右", "3", "-2"], "亿元")
    assert bn.iloc[3] == 0.3 and bn.iloc[:3].isna().all()
    assert breaches[0] == ("f.csv:2:计划总投资: 3 rows are approximate amounts or ranges: '约5亿' ×1 (row 2), '5-10亿' "
                           "×1 (row 3), '5亿左右' ×1 (row 4) (expected one amount, the figure in the investment "
                           "agreement or the latest estimate (write 5, not 约5 or 5-10))")
    assert breaches[1].startswith("f.csv:6:计划总投资: '-2' is not an amount above 0")


def test_a_foreign_currency_column_beside_the_yuan_amount_is_an_extra_column(valid_district):
    snap = check_snapshot(_cells("计划总投资(亿元)", {"其中外资金额(万美元)": ["500", ""]}), valid_district, label="x.csv")
    assert snap.breaches == [] and list(snap.table["investment_bn"]) == [3.5, 2.0]
