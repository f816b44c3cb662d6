"""The amount column: its unit of money, the conversion to billion CNY, the breaches of implausible amounts."""
from __future__ import annotations

import pandas as pd
import pytest

from forecasting.data.ledger import check_snapshot


@pytest.mark.parametrize("header,factor", [("计划总投资(亿元)", 10), ("计划总投资(万元)", 100_000),
                                           ("计划总投资（亿元）", 10), ("investment_bn", 1)])
def test_amount_headers_convert_to_billion(valid_district, header, factor):
    cells = pd.DataFrame({"项目编号": ["A"], "项目名称": ["n"], "行业": ["other"], "责任单位": ["branch_1"],
                          "投资方": ["i"], "期数": ["1"], header: [str(3.5 * factor)], "进度": ["lead"],
                          "入库日期": ["2023-01-01"], "省重大项目": ["none"]}, index=[2])
    snap = check_snapshot(cells, valid_district, label="x.csv")
    assert snap.breaches == [] and snap.table["investment_bn"].iloc[0] == pytest.approx(3.5, rel=1e-15)
    assert snap.headers["investment_bn"] == header
