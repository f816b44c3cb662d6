"""Writing a canonical ledger table as a snapshot file: every format of DATA.md reads back the same table."""
from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import BUNDLED
from forecasting.data.cells import read_cells
from forecasting.data.district import read_district
from forecasting.data.ledger import read_snapshot
from forecasting.data.schema import LEDGER_COLUMNS
from forecasting.data.writing import write_snapshot

FORMATS = [(".csv", False, "亿元"), (".xlsx", False, "亿元"), (".csv", True, "亿元"), (".csv", True, "万元"),
           (".xlsx", True, "亿元"), (".xlsx", True, "万元")]
FORMAT_IDS = ["csv", "xlsx", "csv-yi", "csv-wan", "xlsx-yi", "xlsx-wan"]


def assert_same(back: pd.DataFrame, table: pd.DataFrame) -> None:
    """Exactly equal: amounts converted to 亿元 or 万元 and back come back to the same float."""
    pd.testing.assert_frame_equal(back, table, check_exact=True)


@pytest.mark.parametrize("suffix,chinese,money", FORMATS, ids=FORMAT_IDS)
def test_round_trip(tmp_path, valid_district, valid_table, suffix, chinese, money):
    out = tmp_path / "out"
    out.mkdir()
    path = write_snapshot(valid_table, out / f"2024Q1{suffix}", chinese=chinese, money=money)
    snap = read_snapshot(path, valid_district, as_of=pd.Timestamp("2024-03-31"))
    assert snap.breaches == []
    assert_same(snap.table, valid_table)
    assert [p.name for p in out.iterdir()] == [path.name]  # no partial file left behind


@pytest.mark.skipif(not (BUNDLED / "ledger/2023Q4.csv").is_file(), reason="no bundled data")
@pytest.mark.parametrize("suffix,chinese,money", FORMATS[:4], ids=FORMAT_IDS[:4])
def test_round_trip_bundled(tmp_path, suffix, chinese, money):
    district = read_district(BUNDLED / "district.toml")
    table = read_snapshot(BUNDLED / "ledger/2023Q4.csv", district).table
    path = write_snapshot(table, tmp_path / f"2023Q4{suffix}", chinese=chinese, money=money)
    snap = read_snapshot(path, district, as_of=pd.Timestamp("2023-12-31"))
    assert snap.breaches == []
    assert_same(snap.table, table)


def test_csv_holds_iso_dates_and_empty_cells(tmp_path, valid_table):
    path = write_snapshot(valid_table, tmp_path / "2024Q1.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(LEDGER_COLUMNS)
    assert lines[1] == ("P001,Lingxin battery cell plant,new_energy,branch_1,Lingxin Energy,1,2.5,lead,"
                        "2023-08-10,,,,,,none,")
    assert lines[5].endswith("2021-09-01,2022-03-01,2022-09-15,2023-02-20,,,designated,2023")


def test_xlsx_holds_date_cells_and_empty_cells(tmp_path, valid_table):
    path = write_snapshot(valid_table, tmp_path / "2024Q1.xlsx")
    ws = openpyxl.load_workbook(path).worksheets[0]
    header = [c.value for c in ws[1]]
    assert header == list(LEDGER_COLUMNS)
    row = {h: c for h, c in zip(header, ws[6])}  # P005
    assert row["groundbreaking_date"].is_date
    assert row["groundbreaking_date"].value == dt.datetime(2023, 2, 20)
    assert row["operating_date"].value is None and row["lost_date"].value is None
    assert row["investment_bn"].value == 12.0 and row["provincial_year"].value == 2023


def test_chinese_headers_and_amounts_written(tmp_path, valid_table):
    yi = read_cells(write_snapshot(valid_table, tmp_path / "yi.csv", chinese=True))
    assert list(yi.columns) == ["项目编号", "项目名称", "行业", "责任单位", "投资方", "期数", "计划总投资(亿元)", "进度",
                                "入库日期", "签约日期", "供地日期", "开工日期", "投产日期", "终止日期", "省重大项目",
                                "省重大项目年度"]
    assert list(yi["计划总投资(亿元)"]) == ["25", "9", "15", "65", "120", "30", "5", "3", "80"]
    wan = read_cells(write_snapshot(valid_table, tmp_path / "wan.csv", chinese=True, money="万元"))
    assert wan["计划总投资(万元)"].iloc[4] == "1200000"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.1, 999.0).map(lambda x: round(x, 6)), min_size=1, max_size=30),
       st.sampled_from(["亿元", "万元"]))
def test_amounts_survive_any_unit(tmp_path_factory, amounts, money):
    table = pd.DataFrame({
        "project_id": [f"P{i}" for i in range(len(amounts))], "name": "n", "sector": "other", "unit": "branch_1",
        "investor": "i", "phase": np.int64(1), "investment_bn": amounts, "stage": "lead",
        **{c: pd.Series(pd.NaT, index=range(len(amounts)), dtype="datetime64[ns]")
           for c in ("first_seen", "signed_date", "approved_date", "groundbreaking_date", "operating_date",
                     "lost_date")},
        "provincial": "none", "provincial_year": pd.array([pd.NA] * len(amounts), dtype="Int64")})
    path = write_snapshot(table, tmp_path_factory.mktemp("amounts") / "2024Q1.csv", chinese=True, money=money)
    back = read_snapshot(path, None).table["investment_bn"].to_numpy()
    np.testing.assert_array_equal(back, amounts)


def test_write_snapshot_refuses_other_suffixes(tmp_path, valid_table):
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ValueError, match=".csv or .xlsx"):
        write_snapshot(valid_table, out / "x.txt")
    assert list(out.iterdir()) == []
