"""Every rule of DATA.md broken one at a time: ``validate`` exits 1 with FILE:ROW:COLUMN lines.

The folder comes from ``conftest.make_valid_folder``; its rows are known, so each test names
the exact line it expects. Row 2 is the first project row; in ledger/2024Q1.csv the rows
are P001 (2, lead), P002 (3, negotiating), P003 (4, signed), P004 (5, approved),
P005 (6, under_construction, designated 2023), P006 (7, operating), P007 (8, lost after
signing), P008 (9, negotiating), P009 (10, negotiating, phase 2).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from conftest import BUNDLED
from forecasting.cli.main import main
from forecasting.data.validate import load_data

Q3, Q4, Q1 = "ledger/2023Q3.csv", "ledger/2023Q4.csv", "ledger/2024Q1.csv"
EFFORT = "effort.csv"
#: The Chinese headers of DATA.md, written out here so the tests check the spec, not schema.py.
ZH = {"project_id": "项目编号", "name": "项目名称", "sector": "行业", "unit": "责任单位", "investor": "投资方",
      "phase": "期数", "stage": "进度", "first_seen": "入库日期", "signed_date": "签约日期",
      "approved_date": "供地日期", "groundbreaking_date": "开工日期", "operating_date": "投产日期",
      "lost_date": "终止日期", "provincial": "省重大项目", "provincial_year": "省重大项目年度"}
DATES = ("first_seen", "signed_date", "approved_date", "groundbreaking_date", "operating_date", "lost_date")


# ------------------------------------------------------------------------------------ helpers
def validate(capsys, folder: Path | str) -> tuple[int, str, list[str]]:
    """Run ``forecasting validate``; return the status, stdout and the breach lines of stderr."""
    rc = main(["validate", str(folder)])
    cap = capsys.readouterr()
    assert "Traceback" not in cap.out + cap.err
    return rc, cap.out, [line for line in cap.err.splitlines() if not line.startswith("forecasting:")]


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def write(folder: Path, name: str, df: pd.DataFrame) -> None:
    df.to_csv(folder / name, index=False, lineterminator="\n")


def set_cells(folder: Path, file: str, row: int, /, **values: str) -> None:
    """Set cells of spreadsheet row ``row`` (2 = first data row)."""
    df = read(folder, file)
    for column, value in values.items():
        df.loc[row - 2, column] = value
    write(folder, file, df)


def drop_rows(folder: Path, name: str, *rows: int) -> None:
    df = read(folder, name)
    write(folder, name, df.drop(index=[r - 2 for r in rows]))


def to_chinese(folder: Path, name: str, money: str = "亿元") -> None:
    """Rewrite a snapshot with the Chinese headers and the amount in 亿元 or 万元."""
    df = read(folder, name)
    factor = {"亿元": 10, "万元": 100_000}[money]
    df["investment_bn"] = [f"{float(x) * factor:.10g}" for x in df["investment_bn"]]
    write(folder, name, df.rename(columns={**ZH, "investment_bn": f"计划总投资({money})"}))


def to_xlsx(folder: Path, name: str) -> Path:
    """Replace a CSV snapshot by an .xlsx with real date cells, numbers and empty cells."""
    df = read(folder, name)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(df.columns))
    for _, r in df.iterrows():
        cells = []
        for c, v in r.items():
            if v == "":
                cells.append(None)
            elif c in DATES:
                cells.append(dt.date.fromisoformat(v))
            elif c in ("phase", "investment_bn", "provincial_year"):
                cells.append(float(v) if "." in v else int(v))
            else:
                cells.append(v)
        ws.append(cells)
    out = (folder / name).with_suffix(".xlsx")
    wb.save(out)
    (folder / name).unlink()
    return out


def fingerprint(folder: Path) -> dict[Path, tuple[str, int]]:
    return {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def expect(lines: list[str], *prefixes: str) -> None:
    for prefix in prefixes:
        assert any(line.startswith(prefix) for line in lines), f"{prefix!r} not in {lines}"


# ------------------------------------------------------------------------- the valid folder
def test_valid_folder_exits_0_with_one_summary_line(valid_folder, capsys):
    rc, out, lines = validate(capsys, valid_folder)
    assert rc == 0 and lines == []
    assert len(out.strip().splitlines()) == 1
    assert "valid. 3 quarters (2023Q3–2024Q1), 9 projects in 2024Q1, 9 units, 6 sectors." in out


def test_valid_folder_loads_canonical_tables(valid_folder):
    folder = load_data(valid_folder)
    t = folder.snapshots["2024Q1"]
    assert list(t["stage"]) == ["lead", "negotiating", "signed", "approved", "under_construction", "operating",
                                "lost", "negotiating", "negotiating"]
    assert t["phase"].dtype == "int64" and t["investment_bn"].dtype == "float64"
    assert all(str(t[c].dtype) == "datetime64[ns]" for c in DATES)
    assert str(t["provincial_year"].dtype) == "Int64" and t["provincial_year"].iloc[4] == 2023
    assert t["signed_date"].iloc[6] == pd.Timestamp("2022-08-01")  # lost keeps the dates it reached
    assert folder.files == {"2023Q3": "2023Q3.csv", "2023Q4": "2023Q4.csv", "2024Q1": "2024Q1.csv"}
    assert len(folder.effort) == 27 and folder.effort["visits"].dtype == "int64"


def test_validate_changes_no_file(valid_folder, capsys):
    before = fingerprint(valid_folder.parent)
    assert validate(capsys, valid_folder)[0] == 0
    set_cells(valid_folder, Q1, 2, sector="aerospace")
    before = fingerprint(valid_folder.parent)
    assert validate(capsys, valid_folder)[0] == 1
    assert fingerprint(valid_folder.parent) == before


def test_nonexistent_folder_is_a_usage_sentence(tmp_path, capsys):
    rc = main(["validate", str(tmp_path / "nope")])
    err = capsys.readouterr().err
    assert rc == 2 and "is not a folder" in err and "Traceback" not in err


# ------------------------------------------------------------------ one cell, one breach
LEDGER_CELL_CASES = [
    # id, file, row, {column: value}, the expected line (prefix)
    ("project_id_empty", Q1, 10, {"project_id": ""}, "10:project_id: is empty (expected a value)"),
    ("name_empty", Q1, 2, {"name": ""}, "2:name: is empty"),
    ("investor_empty", Q1, 2, {"investor": ""}, "2:investor: is empty"),
    ("sector_unknown", Q1, 2, {"sector": "aerospace"}, "2:sector: unknown sector 'aerospace' (expected one of "
                                                       "new_energy, auto_parts"),
    ("unit_unknown", Q1, 2, {"unit": "branch_9"}, "2:unit: unknown unit 'branch_9'"),
    ("phase_zero", Q1, 10, {"phase": "0"}, "10:phase: '0' is not a whole number ≥ 1"),
    ("phase_fraction", Q1, 10, {"phase": "1.5"}, "10:phase: '1.5' is not a whole number ≥ 1"),
    ("phase_text", Q1, 10, {"phase": "II"}, "10:phase: 'II' is not a whole number ≥ 1"),
    ("amount_zero", Q1, 4, {"investment_bn": "0"}, "4:investment_bn: '0' is not an amount above 0"),
    ("amount_negative", Q1, 4, {"investment_bn": "-2"}, "4:investment_bn: '-2' is not an amount above 0"),
    ("amount_text", Q1, 4, {"investment_bn": "2.5bn"}, "4:investment_bn: '2.5bn' is not an amount above 0"),
    ("amount_implausible", Q1, 4, {"investment_bn": "35000"},
     "4:investment_bn: 35000 bn is implausible for one project: the value looks like 万元 or 元 entered as billion"),
    ("stage_unknown", Q1, 2, {"stage": "dreaming"}, "2:stage: unknown stage 'dreaming'"),
    ("date_not_iso", Q1, 2, {"first_seen": "10/08/2023"}, "2:first_seen: '10/08/2023' is not a date: an ambiguous day-first date (expected year first, YYYY-MM-DD, such as 2023-08-10 or 2023-10-08)"),
    ("date_impossible", Q1, 2, {"first_seen": "2023-02-30"}, "2:first_seen: '2023-02-30' is not a date: no such day"),
    ("date_after_as_of", Q1, 10, {"first_seen": "2024-04-02"},
     "10:first_seen: 2024-04-02 is after the snapshot's as-of date 2024-03-31"),
    ("signed_needs_signed_date", Q1, 4, {"signed_date": ""}, "4:signed_date: is empty but the stage is signed"),
    ("approved_needs_approved_date", Q1, 5, {"approved_date": ""},
     "5:approved_date: is empty but the stage is approved"),
    ("under_construction_needs_groundbreaking", Q1, 6, {"groundbreaking_date": ""},
     "6:groundbreaking_date: is empty but the stage is under_construction"),
    ("operating_needs_operating_date", Q1, 7, {"operating_date": ""},
     "7:operating_date: is empty but the stage is operating"),
    ("operating_needs_earlier_dates", Q1, 7, {"approved_date": ""},
     "7:approved_date: is empty but the stage is operating"),
    ("lost_needs_lost_date", Q1, 8, {"lost_date": ""}, "8:lost_date: is empty but the stage is lost"),
    ("date_of_stage_not_reached", Q1, 2, {"signed_date": "2023-09-01"},
     "2:signed_date: is filled but the stage is lead"),
    ("groundbreaking_on_approved", Q1, 5, {"groundbreaking_date": "2024-01-10"},
     "5:groundbreaking_date: is filled but the stage is approved"),
    ("lost_date_on_signed", Q1, 4, {"lost_date": "2024-01-10"}, "4:lost_date: is filled but the stage is signed"),
    ("operating_date_on_lost", Q1, 8, {"operating_date": "2023-09-01"},
     "8:operating_date: is filled but the stage is lost"),
    ("lost_with_a_gap_in_its_dates", Q1, 8, {"groundbreaking_date": "2023-09-01"},
     "8:approved_date: is empty but the lost project has a date of a later stage"),
    ("dates_decrease", Q1, 5, {"approved_date": "2022-12-01"},
     "5:approved_date: 2022-12-01 is before signed_date 2023-01-10"),
    ("first_seen_after_signing", Q1, 4, {"first_seen": "2023-08-01"},
     "4:signed_date: 2023-07-20 is before first_seen 2023-08-01"),
    ("lost_before_signing", Q1, 8, {"lost_date": "2022-05-01"},
     "8:lost_date: 2022-05-01 is before signed_date 2022-08-01"),
    ("provincial_unknown", Q1, 2, {"provincial": "maybe"}, "2:provincial: unknown status 'maybe'"),
    ("provincial_empty", Q1, 2, {"provincial": ""}, "2:provincial: is empty"),
    ("designated_needs_year", Q1, 6, {"provincial_year": ""},
     "6:provincial_year: is empty but the project is designated"),
    ("provincial_year_not_integer", Q1, 6, {"provincial_year": "2023.5"}, "6:provincial_year: '2023.5' is not a year"),
    ("designated_without_year", Q1, 2, {"provincial": "designated"},
     "2:provincial_year: is empty but the project is designated"),
]


@pytest.mark.parametrize("file,row,values,line", [c[1:] for c in LEDGER_CELL_CASES],
                         ids=[c[0] for c in LEDGER_CELL_CASES])
def test_ledger_cell_breach(valid_folder, capsys, file, row, values, line):
    set_cells(valid_folder, file, row, **values)
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and len(lines) == 1
    expect(lines, f"data/{file}:{line}")


EFFORT_CELL_CASES = [
    ("staff_negative", 2, {"staff": "-1"}, "2:staff: '-1' is not a number ≥ 0"),
    ("staff_empty", 3, {"staff": ""}, "3:staff: '' is not a number ≥ 0"),
    ("visits_fraction", 4, {"visits": "2.5"}, "4:visits: '2.5' is not a whole number ≥ 0"),
    ("visits_negative", 4, {"visits": "-3"}, "4:visits: '-3' is not a whole number ≥ 0"),
    ("budget_negative", 5, {"budget_m": "-0.5"}, "5:budget_m: '-0.5' is not a number ≥ 0"),
    ("budget_text", 5, {"budget_m": "lots"}, "5:budget_m: 'lots' is not a number ≥ 0"),
]


@pytest.mark.parametrize("row,values,line", [c[1:] for c in EFFORT_CELL_CASES], ids=[c[0] for c in EFFORT_CELL_CASES])
def test_effort_cell_breach(valid_folder, capsys, row, values, line):
    set_cells(valid_folder, EFFORT, row, **values)
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and len(lines) == 1
    expect(lines, f"data/effort.csv:{line}")


def test_effort_quarter_and_unit_must_be_known(valid_folder, capsys):
    set_cells(valid_folder, EFFORT, 2, quarter="2023-3")
    set_cells(valid_folder, EFFORT, 3, unit="branch_9")
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1
    expect(lines, "data/effort.csv:2:quarter: '2023-3' is not a quarter (expected YYYYQn",
           "data/effort.csv:3:unit: unknown unit 'branch_9'")
    assert len(lines) == 2  # not also "no row for 2023Q3 …": that row is there, its quarter unreadable
    set_cells(valid_folder, EFFORT, 2, quarter="2023Q3")
    rc, _, lines = validate(capsys, valid_folder)
    expect(lines, "data/effort.csv:3:unit: unknown unit 'branch_9'", "data/effort.csv::: no row for 2023Q3 for unit")


def test_effort_duplicate_row(valid_folder, capsys):
    df = read(valid_folder, EFFORT)
    write(valid_folder, EFFORT, pd.concat([df, df.iloc[[0]]]))
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and lines == ["data/effort.csv:29:unit: a second row for branch_1 in 2023Q3 "
                                 "(expected one row per unit and quarter)"]


def test_effort_row_missing_for_a_snapshot_quarter(valid_folder, capsys):
    drop_rows(valid_folder, EFFORT, 2 + 18 + 2)  # 2024Q1, branch_3
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and lines == ["data/effort.csv::: no row for 2024Q1 for unit branch_3 "
                                 "(expected a row for every unit in every quarter with a snapshot)"]


def test_effort_for_quarters_without_snapshot_is_fine(valid_folder, capsys):
    df = read(valid_folder, EFFORT)
    earlier = df[df["quarter"] == "2023Q3"].assign(quarter="2023Q2")
    write(valid_folder, EFFORT, pd.concat([earlier, df]))
    assert validate(capsys, valid_folder)[0] == 0


def test_effort_missing_column_and_file(valid_folder, capsys):
    write(valid_folder, EFFORT, read(valid_folder, EFFORT).drop(columns="visits"))
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and lines == ["data/effort.csv::visits: required column is missing (expected a column visits)"]
    (valid_folder / EFFORT).unlink()
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and len(lines) == 1 and lines[0].startswith("data/effort.csv::: file is missing")


# ------------------------------------------------------------------ columns and whole files
def test_missing_required_column(valid_folder, capsys):
    write(valid_folder, Q1, read(valid_folder, Q1).drop(columns="investor"))
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and lines == ["data/ledger/2024Q1.csv::investor: required column is missing "
                                 "(expected a column investor or 投资方)"]


def test_missing_date_column_needed_by_a_stage(valid_folder, capsys):
    write(valid_folder, Q1, read(valid_folder, Q1).drop(columns="operating_date"))
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and len(lines) == 1
    expect(lines, "data/ledger/2024Q1.csv::operating_date: column is missing but 1 row is at or past operating")


def test_unknown_columns_are_fine(valid_folder, capsys):
    write(valid_folder, Q1, read(valid_folder, Q1).assign(remarks="x", 备注=""))
    assert validate(capsys, valid_folder)[0] == 0


def test_column_twice(valid_folder, capsys):
    path = valid_folder / Q1
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0] + ",进度"] + [x + ",lead" for x in lines[1:]]) + "\n", encoding="utf-8")
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and lines == ["data/ledger/2024Q1.csv::进度: a second stage column (the first is 'stage') "
                                 "(expected each column once)"]


def test_duplicate_project_id(valid_folder, capsys):
    set_cells(valid_folder, Q1, 3, project_id="P001")
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1
    expect(lines, "data/ledger/2024Q1.csv:3:project_id: project_id 'P001' appears more than once in this file "
                  "(first in row 2)")


def test_small_project_is_allowed(valid_folder, capsys):
    set_cells(valid_folder, Q1, 10, investment_bn="0.05")
    assert validate(capsys, valid_folder)[0] == 0


@pytest.mark.parametrize("content,message", [(b"\x80\xff\x80 a,b\n", "is neither UTF-8 nor GBK/GB18030 text"),
                                             (b"", "is empty")], ids=["not_utf8", "empty"])
def test_unreadable_csv(valid_folder, capsys, content, message):
    (valid_folder / Q3).write_bytes(content)
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and len(lines) == 1
    expect(lines, f"data/ledger/2023Q3.csv::: {message}")


def test_ragged_csv_row(valid_folder, capsys):
    path = valid_folder / Q3
    path.write_text(path.read_text(encoding="utf-8") + "P010,x,other,branch_1,i,1,1,lead,2023-01-01,,,,,,none,,9\n",
                    encoding="utf-8")
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and lines == ["data/ledger/2023Q3.csv::: cannot be read as CSV: row 9 has 17 cells but the "
                                 "header has 16 (quote text that contains commas)"]


def test_unreadable_xlsx(valid_folder, capsys):
    (valid_folder / Q3).unlink()
    (valid_folder / "ledger/2023Q3.xlsx").write_bytes(b"not a workbook")
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and len(lines) == 1
    expect(lines, "data/ledger/2023Q3.xlsx::: cannot be read as an Excel workbook")


# ---------------------------------------------------------------------- the ledger folder
@pytest.mark.parametrize("name", ["latest.csv", "2024Q5.csv", "2024-02.csv", "2024Q1.txt"])
def test_file_not_named_as_a_quarter(valid_folder, capsys, name):
    shutil.copy(valid_folder / Q1, valid_folder / "ledger" / name)
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and lines == [f"data/ledger/{name}::: is not named as a quarter's snapshot (expected only "
                                 "files named YYYYQn.csv, YYYYQn.xlsx or YYYYQn.xls in ledger/, such as 2024Q1.csv)"]


def test_hidden_and_excel_lock_files_are_ignored(valid_folder, capsys):
    (valid_folder / "ledger/.DS_Store").write_bytes(b"\0")
    (valid_folder / "ledger/~$2024Q1.xlsx").write_bytes(b"\0")
    (valid_folder / "ledger/Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")  # on main: "is not named as a quarter's snapshot"
    (valid_folder / "ledger/desktop.ini").write_text("[.ShellClassInfo]\r\n")
    assert validate(capsys, valid_folder)[0] == 0


def test_snapshots_named_as_an_office_names_quarters_are_read(valid_folder, capsys):
    # on main each of these was "not named as a quarter's snapshot"
    before = load_data(valid_folder)
    names = {"2023Q3.csv": "2023年第3季度.csv", "2023Q4.csv": "2023年四季度.csv", "2024Q1.csv": "2024-Q1.csv"}
    for old, new in names.items():
        (valid_folder / "ledger" / old).rename(valid_folder / "ledger" / new)
    after = load_data(valid_folder)
    assert after.quarters == before.quarters and after.files["2023Q4"] == "2023年四季度.csv"
    for q in before.quarters:
        pd.testing.assert_frame_equal(after.snapshots[q], before.snapshots[q])
    to_xlsx(valid_folder, "ledger/2024-Q1.csv").rename(valid_folder / "ledger/2024-Q1.xlsm")  # a macro workbook
    pd.testing.assert_frame_equal(load_data(valid_folder).snapshots["2024Q1"], before.snapshots["2024Q1"])


def test_a_copy_and_a_folder_in_the_ledger_say_what_they_are(valid_folder, capsys):
    shutil.copy(valid_folder / Q1, valid_folder / "ledger/2024Q1 (1).csv")
    (valid_folder / "ledger/归档").mkdir()
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and lines == [
        "data/ledger/2024Q1 (1).csv::: looks like a copy of the 2024Q1 snapshot (expected one file per quarter: "
        "delete the copy, or if it is the newer version, replace 2024Q1's file with it)",
        "data/ledger/归档::: is a folder inside ledger/; snapshots are read from ledger/ itself (expected move the "
        "folder out of ledger/ (an archive of old files belongs beside the data folder))"]


def test_two_files_for_one_quarter(valid_folder, capsys):
    shutil.copy(valid_folder / Q1, valid_folder / "ledger/2024Q1.xlsx")
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and lines == ["data/ledger/2024Q1.xlsx::: is a second snapshot for 2024Q1, beside 2024Q1.csv "
                                 "(expected one file per quarter)"]


def test_no_snapshot(valid_folder, capsys):
    for q in (Q3, Q4, Q1):
        (valid_folder / q).unlink()
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and len(lines) == 1 and lines[0].startswith("data/ledger::: holds no snapshot")
    (valid_folder / "ledger").rmdir()
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and len(lines) == 1 and lines[0].startswith("data/ledger::: folder is missing")


def test_district_breach_with_ledger_breach(valid_folder, capsys):
    toml = valid_folder / "district.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('type = "center"', 'type = "centre"', 1),
                    encoding="utf-8")
    set_cells(valid_folder, Q1, 2, stage="dreaming")
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1
    expect(lines, "data/district.toml::units[6].type: unknown unit type 'centre'",
           "data/ledger/2024Q1.csv:2:stage: unknown stage 'dreaming'")


def test_file_names_start_from_the_folder_name(valid_folder, capsys, monkeypatch):
    set_cells(valid_folder, Q1, 2, sector="aerospace")
    monkeypatch.chdir(valid_folder)
    expect(validate(capsys, ".")[2], "data/ledger/2024Q1.csv:2:sector:")
    other = valid_folder.rename(valid_folder.parent / "mydata")
    monkeypatch.chdir(other.parent)
    expect(validate(capsys, "mydata")[2], "mydata/ledger/2024Q1.csv:2:sector:")


# ---------------------------------------------------------------------- across snapshots
def test_stage_moves_back(valid_folder, capsys):
    set_cells(valid_folder, Q1, 5, stage="signed", approved_date="")
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and lines == ["data/ledger/2024Q1.csv:5:stage: project P004 moved back from approved (2023Q4) "
                                 "to signed (expected a stage that never moves back; lost follows a stage before "
                                 "operating and stays lost)"]


def test_lost_stays_lost(valid_folder, capsys):
    set_cells(valid_folder, Q1, 8, stage="signed", lost_date="")
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and len(lines) == 1
    expect(lines, "data/ledger/2024Q1.csv:8:stage: project P007 moved back from lost (2023Q4) to signed")


def test_operating_cannot_be_lost(valid_folder, capsys):
    set_cells(valid_folder, Q1, 7, stage="lost", operating_date="", lost_date="2024-02-01")
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and len(lines) == 1
    expect(lines, "data/ledger/2024Q1.csv:7:stage: project P006 moved back from operating (2023Q4) to lost")


def test_lost_may_follow_any_stage_before_operating(valid_folder, capsys):
    set_cells(valid_folder, Q1, 2, stage="lost", lost_date="2024-02-01")  # a lead
    set_cells(valid_folder, Q1, 6, stage="lost", lost_date="2024-02-01")  # under construction
    assert validate(capsys, valid_folder)[0] == 0


@pytest.mark.parametrize("row,pid", [(3, "P002"), (8, "P007")], ids=["open", "lost"])
def test_project_disappears(valid_folder, capsys, row, pid):
    drop_rows(valid_folder, Q1, row)
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and lines == [f"data/ledger/2024Q1.csv::project_id: project {pid} of 2023Q4 is missing "
                                 "(expected every project of the earlier snapshot, a lost one as lost)"]


def test_moving_back_is_seen_across_a_gap(valid_folder, capsys):
    drop_rows(valid_folder, Q4, 4)  # P003 skips 2023Q4 ...
    set_cells(valid_folder, Q1, 4, stage="lead", signed_date="")  # ... and comes back as a lead
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and len(lines) == 2
    expect(lines, "data/ledger/2023Q4.csv::project_id: project P003 of 2023Q3 is missing",
           "data/ledger/2024Q1.csv:4:stage: project P003 moved back from signed (2023Q3) to lead")


def test_revisions_of_amounts_and_dates_are_allowed(valid_folder, capsys):
    set_cells(valid_folder, Q1, 6, investment_bn="14.2", groundbreaking_date="2023-03-01")
    set_cells(valid_folder, Q1, 5, approved_date="2023-11-20", investment_bn="4.0")
    assert validate(capsys, valid_folder)[0] == 0


# ------------------------------------------------------------------ formats planners use
def test_bom_and_crlf_csv_is_accepted(valid_folder, capsys):
    before = load_data(valid_folder).snapshots["2024Q1"]
    path = valid_folder / Q1
    path.write_bytes(b"\xef\xbb\xbf" + path.read_text(encoding="utf-8").replace("\n", "\r\n").encode("utf-8"))
    assert validate(capsys, valid_folder)[0] == 0
    pd.testing.assert_frame_equal(load_data(valid_folder).snapshots["2024Q1"], before)


def test_xlsx_snapshot_is_accepted(valid_folder, capsys):
    before = load_data(valid_folder).snapshots
    to_xlsx(valid_folder, Q4)
    assert validate(capsys, valid_folder)[0] == 0
    after = load_data(valid_folder)
    assert after.files["2023Q4"] == "2023Q4.xlsx"
    pd.testing.assert_frame_equal(after.snapshots["2023Q4"], before["2023Q4"])


def test_xlsx_breach_is_located(valid_folder, capsys):
    set_cells(valid_folder, Q4, 3, sector="aerospace")
    to_xlsx(valid_folder, Q4)
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and len(lines) == 1
    expect(lines, "data/ledger/2023Q4.xlsx:3:sector: unknown sector 'aerospace'")


def test_chinese_headers_and_amounts_are_converted(valid_folder, capsys):
    before = load_data(valid_folder).snapshots
    to_chinese(valid_folder, Q1, "亿元")
    to_chinese(valid_folder, Q4, "万元")
    assert read(valid_folder, Q1)["计划总投资(亿元)"].iloc[4] == "120"  # 12 bn
    assert read(valid_folder, Q4)["计划总投资(万元)"].iloc[4] == "1200000"
    assert validate(capsys, valid_folder)[0] == 0
    after = load_data(valid_folder).snapshots
    for q in ("2023Q4", "2024Q1"):
        pd.testing.assert_frame_equal(after[q], before[q], check_exact=True)


def test_chinese_breaches_name_the_chinese_column(valid_folder, capsys):
    to_chinese(valid_folder, Q1)
    set_cells(valid_folder, Q1, 2, 行业="aerospace")
    set_cells(valid_folder, Q1, 5, 进度="signed", 供地日期="")
    write(valid_folder, Q1, read(valid_folder, Q1).drop(columns="投资方"))
    rc, _, lines = validate(capsys, valid_folder)
    # the file fails its own checks, so it is left out of the checks across snapshots
    assert rc == 1 and lines == [
        "data/ledger/2024Q1.csv::investor: required column is missing (expected a column investor or 投资方)",
        "data/ledger/2024Q1.csv:2:行业: unknown sector 'aerospace' (expected one of new_energy, auto_parts, "
        "smart_appliances, photovoltaics, smart_grid, other, a sector label, or a name mapped in district.toml "
        "[aliases.sectors] (or add the sector to sectors))"]
    write(valid_folder, Q1, read(valid_folder, Q1).assign(投资方="i").drop(columns=[]))
    set_cells(valid_folder, Q1, 2, 行业="other")
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and lines == ["data/ledger/2024Q1.csv:5:进度: project P004 moved back from approved (2023Q4) to "
                                 "signed (expected a stage that never moves back; lost follows a stage before "
                                 "operating and stays lost)"]


# ------------------------------------------------------------------ unit-of-money mix-ups
def scale(folder: Path, column: str, factor: float) -> None:
    df = read(folder, Q1)
    df[column] = [f"{float(x) * factor:.10g}" for x in df[column]]
    write(folder, Q1, df)


def test_yi_column_holding_wan(valid_folder, capsys):
    to_chinese(valid_folder, Q1, "亿元")
    scale(valid_folder, "计划总投资(亿元)", 10_000)
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and len(lines) == 1
    expect(lines, "data/ledger/2024Q1.csv::计划总投资(亿元): the median amount is 250,000 亿元, typical of 万元: "
                  "the column looks like 万元 entered under a 亿元 header")


def test_yi_value_holding_wan(valid_folder, capsys):
    to_chinese(valid_folder, Q1, "亿元")
    set_cells(valid_folder, Q1, 6, **{"计划总投资(亿元)": "120000"})
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and lines == ["data/ledger/2024Q1.csv:6:计划总投资(亿元): 120000 亿元 (12,000 bn) is implausible "
                                 "for one project: the value looks like 万元 entered as 亿元 "
                                 "(expected at most 1,000 bn per project)"]


def test_wan_column_holding_yi(valid_folder, capsys):
    to_chinese(valid_folder, Q1, "万元")
    scale(valid_folder, "计划总投资(万元)", 1 / 10_000)
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and len(lines) == 1
    expect(lines, "data/ledger/2024Q1.csv::计划总投资(万元): the median amount is 25 万元, typical of 亿元: "
                  "the column looks like 亿元 entered under a 万元 header")


def test_wan_value_holding_yuan(valid_folder, capsys):
    to_chinese(valid_folder, Q1, "万元")
    set_cells(valid_folder, Q1, 6, **{"计划总投资(万元)": "12000000000"})
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and len(lines) == 1
    expect(lines, "data/ledger/2024Q1.csv:6:计划总投资(万元): 12000000000 万元 (120,000 bn) is implausible for one "
                  "project: the value looks like 元 entered as 万元")


def test_billion_column_holding_wan(valid_folder, capsys):
    scale(valid_folder, "investment_bn", 100_000)
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and len(lines) == 1
    expect(lines, "data/ledger/2024Q1.csv::investment_bn: the median amount is 250,000 bn: the column looks like "
                  "万元 or 元 entered as billion")


# ------------------------------------------------------------------------ all in one pass
def test_every_breach_in_one_run(valid_folder, capsys):
    set_cells(valid_folder, Q3, 2, sector="aerospace")
    set_cells(valid_folder, Q4, 4, stage="dreaming")
    set_cells(valid_folder, Q1, 10, first_seen="2024-04-02", phase="0")
    set_cells(valid_folder, EFFORT, 5, staff="-1")
    (valid_folder / "ledger/notes.csv").write_text("x\n", encoding="utf-8")
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and len(lines) == 6
    expect(lines, "data/ledger/2023Q3.csv:2:sector:", "data/ledger/2023Q4.csv:4:stage:",
           "data/ledger/2024Q1.csv:10:first_seen:", "data/ledger/2024Q1.csv:10:phase:", "data/effort.csv:5:staff:",
           "data/ledger/notes.csv:::")


@pytest.mark.skipif(not (BUNDLED / "ledger").is_dir(), reason="no bundled data")
def test_bundled_folder_validates_quickly():
    # ~21 snapshots of ~2,500 rows: vectorised checks take a few seconds; per-project loops
    # would take minutes. The bound is loose so a busy machine does not fail it.
    start = time.perf_counter()
    folder = load_data(BUNDLED)
    assert time.perf_counter() - start < 20
    assert len(folder.quarters) >= 20


def test_missing_projects_are_one_line(valid_folder, capsys):
    drop_rows(valid_folder, Q1, 2, 3, 4)
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and lines == ["data/ledger/2024Q1.csv::project_id: 3 projects of 2023Q4 are missing: P001, P002, "
                                 "P003 (expected every project of the earlier snapshot, a lost one as lost)"]


def test_a_file_failing_its_own_checks_is_left_out_of_the_checks_across(valid_folder, capsys):
    drop_rows(valid_folder, Q1, 2)  # P001 vanishes ...
    set_cells(valid_folder, Q1, 3, stage="dreaming")  # ... but the file has a problem of its own
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and len(lines) == 1 and lines[0].startswith("data/ledger/2024Q1.csv:3:stage: unknown stage")


def test_amount_ten_times_the_previous_snapshot(valid_folder, capsys):
    set_cells(valid_folder, Q1, 6, investment_bn="120")  # P005: 12 bn in 2023Q4
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and lines == [
        "data/ledger/2024Q1.csv:6:investment_bn: project P005: 120 bn is 10× its 12 bn of 2023Q4: likely 亿元 "
        "entered as billion CNY, or 亿元 figures under an investment_bn header (1 bn = 10 亿元) (expected the "
        "amount in the column's unit; if the revision is genuine, list it in district.toml [confirmed_revisions] "
        'as "P005" = "2024Q1")']


def test_xls_snapshot_name_is_accepted(valid_folder, capsys):
    (valid_folder / Q1).unlink()
    (valid_folder / "ledger/2024Q1.xls").write_bytes(b"\xd0\xcf\x11\xe0 broken")
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and len(lines) == 1 and "is not named" not in lines[0]
    expect(lines, "data/ledger/2024Q1.xls::: cannot be read as an .xls workbook")


def test_a_new_project_thousands_of_times_the_typical_one_is_a_unit_mix_up(valid_folder, capsys):
    # P009 is new in 2024Q1: 5000 meant 万元 (0.5 bn), under 计划总投资(亿元) it reads 500 bn, below
    # the 1,000 bn ceiling and with no earlier amount to compare: it would count as a huge project
    to_chinese(valid_folder, Q1, "亿元")
    df = read(valid_folder, Q1)
    df["计划总投资(亿元)"] = "2"
    df.loc[df["项目编号"] == "P009", "计划总投资(亿元)"] = "5000"
    write(valid_folder, Q1, df)
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and lines == [
        "data/ledger/2024Q1.csv:10:计划总投资(亿元): project P009: 500 bn, new in 2024Q1, is 2,500× the median project "
        "(0.2 bn): likely 万元 entered as 亿元 (1 亿元 = 10,000 万元) (expected the amount in the column's unit; if it is "
        'genuine, list it in district.toml [confirmed_revisions] as "P009" = "2024Q1")']
    with (valid_folder / "district.toml").open("a", encoding="utf-8") as f:
        f.write('\n[confirmed_revisions]\n"P009" = "2024Q1"\n')
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 0 and lines == []
    assert load_data(valid_folder).snapshots["2024Q1"].set_index("project_id").loc["P009", "investment_bn"] == 500


def test_a_huge_new_project_in_a_billion_cny_column_is_read_as_written(valid_folder, capsys):
    # a system's own export in billion CNY: an announced lead of 600 bn is rare but not a
    # mix-up of 亿元 and 万元 (the second generator writes such leads); the 1,000 bn ceiling stays
    df = read(valid_folder, Q1)
    df["investment_bn"] = "0.2"
    df.loc[df["project_id"] == "P009", "investment_bn"] = "600"
    write(valid_folder, Q1, df)
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 0 and lines == []
    assert load_data(valid_folder).snapshots["2024Q1"].set_index("project_id").loc["P009", "investment_bn"] == 600


@pytest.mark.parametrize("name,content,message", [
    ("2023Q3.xlsx", None, "is a text file (CSV) named .xlsx; rename it to .csv"),
    ("2023Q3.xls", "<html><body><table><tr><td>项目编号</td></tr></table></body></html>".encode("gbk"),
     "is a web page (HTML) named .xls, as some systems export to Excel; open it in Excel and save it as .xlsx"),
])
def test_a_file_named_as_a_workbook_that_is_not_one_says_what_it_is(valid_folder, capsys, name, content, message):
    csv_bytes = (valid_folder / Q3).read_bytes()
    (valid_folder / Q3).unlink()
    (valid_folder / "ledger" / name).write_bytes(csv_bytes if content is None else content)
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and lines == [f"data/ledger/{name}::: {message}"]


def test_ids_that_changed_case_are_named_with_the_missing_projects(valid_folder, capsys):
    # on main only "project P002 of 2023Q4 is missing", beside a new project p002 that is the same one
    set_cells(valid_folder, Q1, 3, project_id="p002")
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and lines == ["data/ledger/2024Q1.csv::project_id: project P002 of 2023Q4 is missing; it is in "
                                 "this file as 'p002' (row 3), an id that differs only in case: write it as before "
                                 "(expected every project of the earlier snapshot, a lost one as lost)"]
    set_cells(valid_folder, Q1, 4, project_id="p003")
    rc, _, lines = validate(capsys, valid_folder)
    assert lines == ["data/ledger/2024Q1.csv::project_id: 2 projects of 2023Q4 are missing: P002, P003; 2 of them are "
                     "in this file with ids that differ only in case, such as 'p002' (row 3) for 'P002': write each "
                     "id as in the earlier snapshots (expected every project of the earlier snapshot, a lost one as "
                     "lost)"]


def test_ids_that_lost_their_leading_zeros_are_named_with_the_missing_projects(valid_folder, capsys):
    for name in (Q3, Q4, Q1):
        df = read(valid_folder, name)
        df["project_id"] = df["project_id"].str.replace("P", "0", regex=False)
        write(valid_folder, name, df)
    set_cells(valid_folder, Q1, 3, project_id="2")  # 002 typed into a number cell
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and lines == ["data/ledger/2024Q1.csv::project_id: project 0002 of 2023Q4 is missing; it is in "
                                 "this file as '2' (row 3), an id that differs only in leading zeros (Excel drops "
                                 "them from a number: format the column as Text): write it as before (expected every "
                                 "project of the earlier snapshot, a lost one as lost)"]


@pytest.mark.parametrize("name,q", [("2024-03.csv", "2024Q1.csv"), ("2023年12月.xlsx", "2023Q4.xlsx")])
def test_a_snapshot_named_by_the_month_a_quarter_ends_names_the_quarter(valid_folder, capsys, name, q):
    # on main only "is not named as a quarter's snapshot"
    shutil.copy(valid_folder / Q1, valid_folder / "ledger" / name)
    rc, _, lines = validate(capsys, valid_folder)
    assert rc == 1 and lines == [f"data/ledger/{name}::: is named by a month, not a quarter (expected a name such as "
                                 f"{q} if it is the snapshot at the end of {q.split('.')[0]})"]
