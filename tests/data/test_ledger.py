"""Reading and writing one snapshot: every format of DATA.md gives back the same canonical table."""
from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import BUNDLED
from forecasting.data.district import read_district
from forecasting.data.ledger import check_snapshot, read_cells, read_effort, read_snapshot, write_snapshot
from forecasting.data.schema import LEDGER_COLUMNS

FORMATS = [(".csv", False, "亿元"), (".xlsx", False, "亿元"), (".csv", True, "亿元"), (".csv", True, "万元"),
           (".xlsx", True, "亿元"), (".xlsx", True, "万元")]
FORMAT_IDS = ["csv", "xlsx", "csv-yi", "csv-wan", "xlsx-yi", "xlsx-wan"]


@pytest.fixture
def district(valid_folder):
    return read_district(valid_folder / "district.toml")


@pytest.fixture
def table(valid_folder, district):
    snap = read_snapshot(valid_folder / "ledger/2024Q1.csv", district, as_of=pd.Timestamp("2024-03-31"))
    assert snap.breaches == []
    return snap.table


def assert_same(back: pd.DataFrame, table: pd.DataFrame) -> None:
    """Exactly equal: amounts converted to 亿元 or 万元 and back come back to the same float."""
    pd.testing.assert_frame_equal(back, table, check_exact=True)


@pytest.mark.parametrize("suffix,chinese,money", FORMATS, ids=FORMAT_IDS)
def test_round_trip(tmp_path, district, table, suffix, chinese, money):
    out = tmp_path / "out"
    out.mkdir()
    path = write_snapshot(table, out / f"2024Q1{suffix}", chinese=chinese, money=money)
    snap = read_snapshot(path, district, as_of=pd.Timestamp("2024-03-31"))
    assert snap.breaches == []
    assert_same(snap.table, table)
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


def test_csv_holds_iso_dates_and_empty_cells(tmp_path, table):
    path = write_snapshot(table, tmp_path / "2024Q1.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(LEDGER_COLUMNS)
    assert lines[1] == ("P001,Lingxin battery cell plant,new_energy,branch_1,Lingxin Energy,1,2.5,lead,"
                        "2023-08-10,,,,,,none,")
    assert lines[5].endswith("2021-09-01,2022-03-01,2022-09-15,2023-02-20,,,designated,2023")


def test_xlsx_holds_date_cells_and_empty_cells(tmp_path, table):
    path = write_snapshot(table, tmp_path / "2024Q1.xlsx")
    ws = openpyxl.load_workbook(path).worksheets[0]
    header = [c.value for c in ws[1]]
    assert header == list(LEDGER_COLUMNS)
    row = {h: c for h, c in zip(header, ws[6])}  # P005
    assert row["groundbreaking_date"].is_date
    assert row["groundbreaking_date"].value == dt.datetime(2023, 2, 20)
    assert row["operating_date"].value is None and row["lost_date"].value is None
    assert row["investment_bn"].value == 12.0 and row["provincial_year"].value == 2023


def test_chinese_headers_and_amounts_written(tmp_path, table):
    yi = read_cells(write_snapshot(table, tmp_path / "yi.csv", chinese=True))
    assert list(yi.columns) == ["项目编号", "项目名称", "行业", "责任单位", "投资方", "期数", "计划总投资(亿元)", "进度",
                                "入库日期", "签约日期", "供地日期", "开工日期", "投产日期", "终止日期", "省重大项目",
                                "省重大项目年度"]
    assert list(yi["计划总投资(亿元)"]) == ["25", "9", "15", "65", "120", "30", "5", "3", "80"]
    wan = read_cells(write_snapshot(table, tmp_path / "wan.csv", chinese=True, money="万元"))
    assert wan["计划总投资(万元)"].iloc[4] == "1200000"


@pytest.mark.parametrize("header,factor", [("计划总投资(亿元)", 10), ("计划总投资(万元)", 100_000),
                                           ("计划总投资（亿元）", 10), ("investment_bn", 1)])
def test_amount_headers_convert_to_billion(district, header, factor):
    cells = pd.DataFrame({"项目编号": ["A"], "项目名称": ["n"], "行业": ["other"], "责任单位": ["branch_1"],
                          "投资方": ["i"], "期数": ["1"], header: [str(3.5 * factor)], "进度": ["lead"],
                          "入库日期": ["2023-01-01"], "省重大项目": ["none"]}, index=[2])
    snap = check_snapshot(cells, district, label="x.csv")
    assert snap.breaches == [] and snap.table["investment_bn"].iloc[0] == pytest.approx(3.5, rel=1e-15)
    assert snap.headers["investment_bn"] == header


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


def test_read_cells_bom_crlf_and_blank_lines(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xef\xbb\xbfa,b\r\n1, 2 \r\n\r\n,\r\n3,4\r\n")
    cells = read_cells(path)
    assert list(cells.columns) == ["a", "b"]
    assert list(cells.index) == [2, 5]  # rows as a spreadsheet numbers them; empty lines left out
    assert cells.loc[2, "b"] == "2"


def test_read_cells_excel_dates_and_numbers(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["d", "t", "n", "f", "s", "e"])
    ws.append([dt.date(2023, 5, 1), dt.datetime(2023, 5, 2, 14, 30), 3, 2.5, "P01", None])
    ws.append([None, None, None, None, None, "x"])
    wb.save(tmp_path / "x.xlsx")
    cells = read_cells(tmp_path / "x.xlsx")
    assert cells.loc[2].tolist() == ["2023-05-01", "2023-05-02", "3", "2.5", "P01", ""]
    assert list(cells.index) == [2, 3]


def test_check_snapshot_collects_every_breach(district):
    cells = pd.DataFrame({"project_id": ["A", "A", ""], "name": ["n", "n", "n"], "sector": ["x", "other", "other"],
                          "unit": ["branch_1", "nope", "branch_1"], "investor": ["i", "i", "i"],
                          "phase": ["1", "1", "0"], "investment_bn": ["1", "-1", "1"],
                          "stage": ["lead", "lead", "signed"], "first_seen": ["2023-01-01"] * 3,
                          "provincial": ["none", "none", "designated"]}, index=[2, 3, 4])
    snap = check_snapshot(cells, district, label="f.csv", as_of=pd.Timestamp("2023-12-31"))
    where = sorted((b.row or 0, b.column) for b in snap.breaches)
    assert where == [(0, "signed_date"), (2, "sector"), (3, "investment_bn"), (3, "project_id"),
                     (3, "unit"), (4, "phase"), (4, "project_id"), (4, "provincial_year")]


def test_read_effort(valid_folder, district):
    effort, breaches = read_effort(valid_folder / "effort.csv", district, quarters=["2023Q3", "2024Q1"])
    assert breaches == []
    assert list(effort.columns) == ["quarter", "unit", "staff", "visits", "budget_m"]
    assert effort["staff"].dtype == "float64" and effort["visits"].dtype == "int64"
    assert effort["quarter"].is_monotonic_increasing and len(effort) == 27


def test_unreadable_files_are_sentences(tmp_path):
    path = tmp_path / "2022Q4.csv"
    path.write_bytes(b"\x80\xff\x80 a,b\n")  # neither UTF-8 nor GB18030
    with pytest.raises(ValueError, match="neither UTF-8 nor GBK"):
        read_cells(path)
    snap = read_snapshot(path, None, label="data/ledger/2022Q4.csv")
    assert snap.table is None and [str(b) for b in snap.breaches] == [
        'data/ledger/2022Q4.csv::: is neither UTF-8 nor GBK/GB18030 text; save it as "CSV UTF-8" or as .xlsx']
    with pytest.raises(ValueError, match="neither a .csv"):
        read_cells(tmp_path / "x.txt")


def test_write_snapshot_refuses_other_suffixes(tmp_path, table):
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ValueError, match=".csv or .xlsx"):
        write_snapshot(table, out / "x.txt")
    assert list(out.iterdir()) == []


def test_district_labels_aliases_and_confirmed_revisions(tmp_path, valid_folder):
    text = (valid_folder / "district.toml").read_text(encoding="utf-8")
    text = text.replace('label = "New Energy Attraction Branch"\n',
                        'label = "New Energy Attraction Branch"\nlabel_zh = "新能源招商分局"\n')
    text += ('\n[sector_labels.photovoltaics]\nlabel = "Efficient PV cells and modules"\nlabel_zh = "高效光伏电池及组件"\n'
             '[aliases.units]\n"光伏招商分局" = "branch_4"\n[aliases.stages]\n"正在对接" = "negotiating"\n'
             '[confirmed_revisions]\n"HL2301905" = "2024q1"\n')
    (tmp_path / "district.toml").write_text(text, encoding="utf-8")
    d = read_district(tmp_path / "district.toml")
    assert d.unit_label("branch_1", "zh") == "新能源招商分局" and d.unit_label("branch_1") == "New Energy Attraction Branch"
    assert d.unit_label("branch_2", "zh") == "Automotive Components Attraction Branch"  # falls back to English
    assert d.sector_label("photovoltaics", "zh") == "高效光伏电池及组件" and d.sector_label("other") == "other"
    assert d.names("units")["光伏招商分局"] == "branch_4" and d.names("units")["新能源招商分局"] == "branch_1"
    assert d.aliases["stages"] == {"正在对接": "negotiating"} and d.confirmed_revisions == {"HL2301905": "2024Q1"}


def test_district_alias_to_an_unknown_id_is_a_breach(tmp_path, valid_folder):
    from forecasting.errors import DataError

    text = (valid_folder / "district.toml").read_text(encoding="utf-8") + '\n[aliases.units]\n"x" = "branch_9"\n'
    (tmp_path / "district.toml").write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=r"aliases.units: 'x' maps to 'branch_9', which is not a known id"):
        read_district(tmp_path / "district.toml")


def test_bundled_district_has_chinese_labels():
    d = read_district(BUNDLED / "district.toml")
    assert all(u.label_zh for u in d.units) and set(d.sector_labels) == set(d.sectors)
    assert d.unit_label("branch_1", "zh") == "新能源招商分局"


@pytest.mark.parametrize("text,date", [("2024-3-15", "2024-03-15"), ("2024/3/15", "2024-03-15"),
                                       ("2024.03.15", "2024-03-15"), ("2024年3月15日", "2024-03-15"),
                                       ("２０２４－０３－１５", "2024-03-15"), ("2024-03-15 14:30:00", "2024-03-15"),
                                       ("45366", "2024-03-15")])
def test_year_first_dates_and_serials(text, date):
    from forecasting.data.vocabulary import parse_date

    assert parse_date(text)[0] == pd.Timestamp(date)


@pytest.mark.parametrize("text,value,unit", [("12.5亿", 12.5, "亿元"), ("3000万", 3000.0, "万元"),
                                            ("1,200", 1200.0, None), ("１２．５", 12.5, None), ("12.5 亿元", 12.5, "亿元")])
def test_amount_text(text, value, unit):
    from forecasting.data.vocabulary import parse_amount

    assert parse_amount(text) == (value, unit)
