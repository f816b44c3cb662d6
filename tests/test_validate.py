"""Every rule of DATA.md, broken one at a time: exit 1 and a FILE:ROW:COLUMN message."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from forecasting.cli import main


def run(capsys, *args):
    rc = main(list(args))
    cap = capsys.readouterr()
    assert "Traceback" not in cap.err + cap.out
    return rc, cap.out, cap.err


def edit_csv(path: Path, fn) -> None:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    fn(df)
    df.to_csv(path, index=False, lineterminator="\n")


def first_row(df, mask) -> int:
    i = int(mask.to_numpy().nonzero()[0][0])
    return i


LEDGER = "ledger/2023Q3.csv"


def _set(col, value, where=None):
    def fn(df):
        mask = df["stage"].eq(where) if where else pd.Series(True, index=df.index)
        i = first_row(df, mask)
        df.loc[i, col] = value
        fn.row = i + 2
    return fn


CASES = [
    # (file, edit, column, message part)
    ("sector", lambda df: df.__setitem__("sector", df["sector"].where(df.index != 0, "aerospace")), "sector", "unknown sector 'aerospace'"),
    ("unit", lambda df: df.__setitem__("unit", df["unit"].where(df.index != 0, "branch_9")), "unit", "unknown unit 'branch_9'"),
    ("phase", lambda df: df.__setitem__("phase", df["phase"].where(df.index != 0, "0")), "phase", "is not a whole number ≥ 1"),
    ("phase_text", lambda df: df.__setitem__("phase", df["phase"].where(df.index != 0, "II")), "phase", "is not a whole number ≥ 1"),
    ("amount_zero", lambda df: df.__setitem__("investment_bn", df["investment_bn"].where(df.index != 0, "0")), "investment_bn", "is not an amount above 0"),
    ("amount_huge", lambda df: df.__setitem__("investment_bn", df["investment_bn"].where(df.index != 0, "35000")), "investment_bn", "looks like 万元 or 元 entered as billion"),
    ("stage", lambda df: df.__setitem__("stage", df["stage"].where(df.index != 0, "dreaming")), "stage", "unknown stage 'dreaming'"),
    ("date_text", lambda df: df.__setitem__("first_seen", df["first_seen"].where(df.index != 0, "31/12/2020")), "first_seen", "is not a date"),
    ("future_date", lambda df: df.__setitem__("first_seen", df["first_seen"].where(df.index != 0, "2030-01-01")), "first_seen", "is after the snapshot's as-of date"),
    ("provincial", lambda df: df.__setitem__("provincial", df["provincial"].where(df.index != 0, "maybe")), "provincial", "unknown status 'maybe'"),
    ("empty_required", lambda df: df.__setitem__("investor", df["investor"].where(df.index != 0, "")), "investor", "is empty"),
]


@pytest.mark.parametrize("name,edit,column,message", CASES, ids=[c[0] for c in CASES])
def test_row_rule_breach_is_reported(valid_folder, capsys, name, edit, column, message):
    edit_csv(valid_folder / LEDGER, edit)
    rc, out, err = run(capsys, "validate", str(valid_folder))
    assert rc == 1
    assert f"data/{LEDGER}:2:{column}: " in err
    assert message in err


@pytest.mark.parametrize("stage,column", [("signed", "signed_date"), ("approved", "approved_date"),
                                          ("under_construction", "groundbreaking_date"),
                                          ("operating", "operating_date"), ("lost", "lost_date")])
def test_required_date_by_stage(valid_folder, capsys, stage, column):
    holder = {}

    def fn(df):
        i = first_row(df, df["stage"].eq(stage))
        df.loc[i, column] = ""
        holder["row"] = i + 2
    edit_csv(valid_folder / LEDGER, fn)
    rc, _, err = run(capsys, "validate", str(valid_folder))
    assert rc == 1
    assert f"data/{LEDGER}:{holder['row']}:{column}: is empty" in err


def test_date_for_stage_not_reached(valid_folder, capsys):
    holder = {}

    def fn(df):
        i = first_row(df, df["stage"].eq("lead"))
        df.loc[i, "signed_date"] = df.loc[i, "first_seen"]
        holder["row"] = i + 2
    edit_csv(valid_folder / LEDGER, fn)
    rc, _, err = run(capsys, "validate", str(valid_folder))
    assert rc == 1 and f"data/{LEDGER}:{holder['row']}:signed_date: is filled but the stage is lead" in err


def test_dates_never_decrease(valid_folder, capsys):
    holder = {}

    def fn(df):
        i = first_row(df, df["stage"].eq("approved"))
        df.loc[i, "approved_date"] = "2017-01-01"
        holder["row"] = i + 2
    edit_csv(valid_folder / LEDGER, fn)
    rc, _, err = run(capsys, "validate", str(valid_folder))
    assert rc == 1 and f"data/{LEDGER}:{holder['row']}:approved_date: 2017-01-01 is before" in err


def test_designated_needs_year(valid_folder, capsys):
    holder = {}

    def fn(df):
        i = 0
        df.loc[i, "provincial"] = "designated"
        df.loc[i, "provincial_year"] = ""
        holder["row"] = i + 2
    edit_csv(valid_folder / LEDGER, fn)
    rc, _, err = run(capsys, "validate", str(valid_folder))
    assert rc == 1 and f"data/{LEDGER}:2:provincial_year: is missing or not a year" in err


def test_duplicate_id_and_missing_column(valid_folder, capsys):
    def fn(df):
        df.loc[1, "project_id"] = df.loc[0, "project_id"]
        del df["investor"]
    edit_csv(valid_folder / LEDGER, fn)
    rc, _, err = run(capsys, "validate", str(valid_folder))
    assert rc == 1
    assert f"data/{LEDGER}:3:project_id: project_id" in err and "appears more than once" in err
    assert f"data/{LEDGER}:1:investor: required column is missing" in err


def test_stage_moves_back_and_project_disappears(valid_folder, capsys):
    later = valid_folder / "ledger/2024Q1.csv"  # Chinese headers
    df = pd.read_csv(later, dtype=str, keep_default_na=False)
    i = first_row(df, df["进度"].eq("approved") & (df["供地日期"] < "2023-10"))
    df.loc[i, "进度"] = "negotiating"
    for c in ("签约日期", "供地日期"):
        df.loc[i, c] = ""
    pid_gone = df.loc[i + 1, "项目编号"]
    df = df.drop(index=i + 1)
    df.to_csv(later, index=False, lineterminator="\n")
    rc, _, err = run(capsys, "validate", str(valid_folder))
    assert rc == 1
    assert f"data/ledger/2024Q1.csv:{i + 2}:进度: project" in err and "moved back from approved" in err
    assert f"data/ledger/2024Q1.csv::项目编号: project {pid_gone} of 2023Q4 is missing" in err


def test_chinese_amount_unit_mixup(valid_folder, capsys):
    path = valid_folder / "ledger/2024Q1.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df["计划总投资(亿元)"] = (df["计划总投资(亿元)"].astype(float) * 10_000).map(str)  # 万元 values
    df.to_csv(path, index=False, lineterminator="\n")
    rc, _, err = run(capsys, "validate", str(valid_folder))
    assert rc == 1 and "looks like 万元 entered as 亿元" in err


def test_effort_rules(valid_folder, capsys):
    path = valid_folder / "effort.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[0, "staff"] = "-1"
    df.loc[1, "visits"] = "2.5"
    df.loc[2, "quarter"] = "2024-Q1"
    df = df[~((df["quarter"] == "2024Q1") & (df["unit"] == "branch_3"))]
    df.to_csv(path, index=False, lineterminator="\n")
    rc, _, err = run(capsys, "validate", str(valid_folder))
    assert rc == 1
    assert "data/effort.csv:2:staff: '-1' is not a number ≥ 0" in err
    assert "data/effort.csv:3:visits:" in err
    assert "data/effort.csv:4:quarter: '2024-Q1' is not a quarter" in err
    assert "no row for branch_3 in 2024Q1" in err


def test_badly_named_snapshot_and_district(valid_folder, capsys):
    (valid_folder / "ledger/latest.csv").write_text("x\n")
    toml = valid_folder / "district.toml"
    toml.write_text(toml.read_text().replace('type = "center"', 'type = "centre"', 1))
    rc, _, err = run(capsys, "validate", str(valid_folder))
    assert rc == 1
    assert "data/ledger/latest.csv::: is not named as a quarter snapshot" in err
    assert "unknown unit type 'centre'" in err


def test_all_breaches_in_one_pass(valid_folder, capsys):
    edit_csv(valid_folder / LEDGER, CASES[0][1])
    edit_csv(valid_folder / "ledger/2023Q3.csv", CASES[6][1])
    rc, _, err = run(capsys, "validate", str(valid_folder))
    assert rc == 1 and "unknown sector" in err and "unknown stage" in err


def hashes(folder: Path) -> dict:
    return {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_valid_folder_passes_and_nothing_changes(valid_folder, capsys):
    before = hashes(valid_folder)
    rc, out, _ = run(capsys, "validate", str(valid_folder))
    assert rc == 0
    assert out.strip().count("\n") == 0 and "valid. 3 quarters (2023Q3–2024Q1)" in out
    assert hashes(valid_folder) == before


def test_bom_crlf_csv_is_accepted(valid_folder, capsys):
    path = valid_folder / LEDGER
    text = path.read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    rc, _, _ = run(capsys, "validate", str(valid_folder))
    assert rc == 0


def test_breach_leaves_no_output(valid_folder, capsys, tmp_path):
    edit_csv(valid_folder / LEDGER, CASES[0][1])
    out = tmp_path / "out"
    rc, _, err = run(capsys, "forecast", str(valid_folder), "--as-of", "2024Q1", "--out", str(out))
    assert rc == 1 and not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_usage_errors(capsys, tmp_path):
    rc, _, err = run(capsys, "validate", str(tmp_path / "nope"))
    assert rc == 2 and "is not a folder" in err
    rc, _, err = run(capsys, "forecast", str(tmp_path), "--as-of", "2024-Q1", "--out", str(tmp_path / "o"))
    assert rc == 2 and "is not a quarter" in err
