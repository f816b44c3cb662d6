"""Reading and checking one ledger snapshot: the canonical table, and every breach of a file at once."""
from __future__ import annotations

import pandas as pd
import pytest

from forecasting.data.cells import read_cells
from forecasting.data.ledger import check_snapshot, read_snapshot


def test_check_snapshot_collects_every_breach(valid_district):
    cells = pd.DataFrame({"project_id": ["A", "A", ""], "name": ["n", "n", "n"], "sector": ["x", "other", "other"],
                          "unit": ["branch_1", "nope", "branch_1"], "investor": ["i", "i", "i"],
                          "phase": ["1", "1", "0"], "investment_bn": ["1", "-1", "1"],
                          "stage": ["lead", "lead", "signed"], "first_seen": ["2023-01-01"] * 3,
                          "provincial": ["none", "none", "designated"]}, index=[2, 3, 4])
    snap = check_snapshot(cells, valid_district, label="f.csv", as_of=pd.Timestamp("2023-12-31"))
    where = sorted((b.row or 0, b.column) for b in snap.breaches)
    assert where == [(0, "signed_date"), (2, "sector"), (3, "investment_bn"), (3, "project_id"),
                     (3, "unit"), (4, "phase"), (4, "project_id"), (4, "provincial_year")]


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


def test_rows_of_sums_and_notes_are_not_projects(tmp_path, valid_district):
    from conftest import HEADER, SNAPSHOTS

    rows = SNAPSHOTS["2023Q3"]
    sub = ["", "新能源小计", "", "", "", "", "14.5"] + [""] * 9
    grand = ["合 计", "", "", "", "", "", "27.5"] + [""] * 9
    lines = [",".join(HEADER), *(",".join(r) for r in rows[:5]), ",".join(sub), *(",".join(r) for r in rows[5:]),
             ",".join(grand), "注：截至9月30日" + "," * 15, "制表人：王,审核人：李" + "," * 14]
    path = tmp_path / "2023Q3.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    snap = read_snapshot(path, valid_district, label="2023Q3.csv", as_of=pd.Timestamp("2023-09-30"))
    assert snap.breaches == []
    assert list(snap.table["project_id"]) == [r[0] for r in rows]
    assert list(snap.rows) == [2, 3, 4, 5, 6, 8, 9]  # spreadsheet rows kept; the subtotal was row 7
    assert snap.table["investment_bn"].sum() == pytest.approx(26.5)  # not doubled by the sums
    assert any("left out as sums or notes, not projects: 7, 10, 11, 12" in line for line in snap.explain)
    # a row without an id between projects is a project missing its id, still reported
    lines.insert(3, ",".join(["", *rows[0][1:]]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    snap = read_snapshot(path, valid_district, label="2023Q3.csv", as_of=pd.Timestamp("2023-09-30"))
    assert [(b.row, b.column, b.message) for b in snap.breaches] == [(4, "project_id", "is empty")]


@pytest.mark.parametrize("body", ["", "合计,,,,,,12.5,,,,,,,,,\n"])
def test_a_snapshot_with_a_header_and_no_project_is_an_error(tmp_path, valid_district, body):
    from conftest import HEADER

    path = tmp_path / "2024Q1.csv"
    path.write_text(",".join(HEADER) + "\n" + body, encoding="utf-8")
    snap = read_snapshot(path, valid_district, label="data/ledger/2024Q1.csv")
    assert [str(b) for b in snap.breaches] == [
        "data/ledger/2024Q1.csv::: has a header but no project rows (expected one row per project known at the "
        "quarter's end (was the export filtered?))"]


def test_dashes_and_wu_in_date_cells_mean_not_yet(tmp_path, valid_district):
    from conftest import HEADER, SNAPSHOTS

    rows = [list(r) for r in SNAPSHOTS["2023Q3"]]
    at = {c: HEADER.index(c) for c in HEADER}
    rows[2][at["approved_date"]] = "/"  # P003, signed: not approved yet
    rows[2][at["groundbreaking_date"]] = "—"
    rows[3][at["operating_date"]] = "－"  # full-width hyphen
    rows[0][at["provincial_year"]] = "无"
    rows[0][at["lost_date"]] = "暂无"
    path = tmp_path / "2023Q3.csv"
    path.write_text("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n", encoding="utf-8")
    snap = read_snapshot(path, valid_district, label="2023Q3.csv", as_of=pd.Timestamp("2023-09-30"))
    assert snap.breaches == []
    assert snap.table.loc[2, ["approved_date", "groundbreaking_date"]].isna().all()
    assert snap.table["signed_date"].iloc[2] == pd.Timestamp("2023-07-20")
    assert any("approved_date: / read as empty ×1" in line for line in snap.explain)
    rows[2][at["signed_date"]] = "/"  # a signed project still needs its signing date
    path.write_text("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n", encoding="utf-8")
    snap = read_snapshot(path, valid_district, label="2023Q3.csv", as_of=pd.Timestamp("2023-09-30"))
    assert [(b.row, b.column, b.message) for b in snap.breaches] == [
        (4, "signed_date", "is empty but the stage is signed")]


def test_formulas_without_saved_values_are_named_as_the_cause(tmp_path, valid_district):
    # a workbook written by a program (openpyxl saves formulas without their values): the
    # amounts read as empty, and the message says why and what to do
    import openpyxl
    from conftest import HEADER, SNAPSHOTS

    rows = SNAPSHOTS["2023Q3"]
    at = HEADER.index("investment_bn")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for k, r in enumerate(rows, start=2):
        ws.append([f"={r[at]}*1" if j == at else v for j, v in enumerate(r)])
    ws.cell(row=1, column=len(HEADER) + 1, value="序号")
    path = tmp_path / "2023Q3.xlsx"
    wb.save(path)
    snap = read_snapshot(path, valid_district, label="2023Q3.xlsx", as_of=pd.Timestamp("2023-09-30"))
    first = str(snap.breaches[0])
    assert first.startswith(f"2023Q3.xlsx::: has {len(rows)} formula cells with no saved value")
    assert any(b.column == "investment_bn" for b in snap.breaches[1:])  # the empties themselves still listed
    # the same workbook with values saved reads cleanly, and nothing is said about formulas
    for k, r in enumerate(rows, start=2):
        ws.cell(row=k, column=at + 1, value=float(r[at]))
    wb.save(path)
    snap = read_snapshot(path, valid_district, label="2023Q3.xlsx", as_of=pd.Timestamp("2023-09-30"))
    assert snap.breaches == []


def test_the_header_repeated_on_every_printed_page_is_not_a_project(tmp_path, valid_district):
    # on main each repeat was a project whose dates were 'first_seen', 'signed_date' …: one line per column
    from conftest import HEADER, SNAPSHOTS

    rows = SNAPSHOTS["2023Q3"]
    lines = ["项目台账", ",".join(HEADER), *(",".join(r) for r in rows[:3]), ",".join(HEADER),
             *(",".join(r) for r in rows[3:]), ",".join(HEADER)]
    path = tmp_path / "2023Q3.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    snap = read_snapshot(path, valid_district, label="2023Q3.csv", as_of=pd.Timestamp("2023-09-30"))
    assert snap.breaches == []
    assert list(snap.table["project_id"]) == [r[0] for r in rows] and list(snap.rows) == [3, 4, 5, 7, 8, 9, 10]
    assert any("rows left out as the header repeated: 6, 11" in line for line in snap.explain)


def test_a_hidden_sheet_holding_an_old_copy_is_left_out(tmp_path, valid_district):
    # on main the hidden sheet was read with the visible one: every project "is also on an earlier sheet"
    import openpyxl
    from conftest import HEADER, SNAPSHOTS

    wb = openpyxl.Workbook()
    wb.active.title = "2023Q3"
    old = wb.create_sheet("旧版")
    for ws, rows in ((wb.active, SNAPSHOTS["2023Q3"]), (old, SNAPSHOTS["2023Q3"][:4])):
        for r in (HEADER, *rows):
            ws.append(r)
    old.sheet_state = "hidden"
    wb.save(tmp_path / "2023Q3.xlsx")
    snap = read_snapshot(tmp_path / "2023Q3.xlsx", valid_district, label="2023Q3.xlsx", as_of=pd.Timestamp("2023-09-30"))
    assert snap.breaches == [] and list(snap.table["project_id"]) == [r[0] for r in SNAPSHOTS["2023Q3"]]
    assert "  hidden sheets left out (Excel does not show them): '旧版'" in snap.explain
    wb["2023Q3"].sheet_state, old.sheet_state = "hidden", "visible"  # then the visible one is the ledger
    wb.active = 1
    wb.save(tmp_path / "2023Q3.xlsx")
    snap = read_snapshot(tmp_path / "2023Q3.xlsx", valid_district, label="2023Q3.xlsx", as_of=pd.Timestamp("2023-09-30"))
    assert list(snap.table["project_id"]) == [r[0] for r in SNAPSHOTS["2023Q3"][:4]]


def test_project_ids_full_width_or_written_as_decimals_are_the_same_ids(valid_district):
    # on main ＨＬ1 and 1700002.0 were other projects than HL1 and 1700002: "projects … are missing"
    def ids(values):
        n = len(values)
        cells = pd.DataFrame({"project_id": values, "name": ["n"] * n, "sector": ["other"] * n,
                              "unit": ["branch_1"] * n, "investor": ["i"] * n, "phase": ["1"] * n,
                              "investment_bn": ["1"] * n, "stage": ["lead"] * n, "first_seen": ["2023-01-01"] * n,
                              "provincial": ["none"] * n}, index=range(2, 2 + n))
        return check_snapshot(cells, valid_district, label="f.csv")

    snap = ids(["ＨＬ１", "HL2"])
    assert snap.breaches == [] and list(snap.table["project_id"]) == ["HL1", "HL2"]
    assert "  project_id: full-width letters and digits folded ×1" in snap.explain
    assert list(ids(["1700002.0", "1700003.0"]).table["project_id"]) == ["1700002", "1700003"]
    assert list(ids(["1.5", "1700003.0"]).table["project_id"]) == ["1.5", "1700003.0"]  # not all decimals: as written
    assert [str(b) for b in ids(["2.30191E+06", "HL2"]).breaches] == [
        "f.csv:2:project_id: '2.30191E+06' is a number in scientific notation: the id's digits are lost (expected "
        "the ids as text: format the column as Text in Excel (or write each id with a leading ') and copy the ids "
        "in again)"]


def test_a_hidden_column_with_an_old_copy_of_the_amount_gives_way_to_the_visible_one(tmp_path, valid_district):
    # on main: "a second investment_bn column", of a column the planner cannot see
    import openpyxl
    from conftest import HEADER, SNAPSHOTS

    rows = SNAPSHOTS["2023Q3"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["investment_bn", *HEADER])
    for r in rows:
        ws.append(["999", *r])
    ws.column_dimensions["A"].hidden = True
    wb.save(tmp_path / "2023Q3.xlsx")
    snap = read_snapshot(tmp_path / "2023Q3.xlsx", valid_district, label="2023Q3.xlsx", as_of=pd.Timestamp("2023-09-30"))
    assert snap.breaches == [] and list(snap.table["investment_bn"]) == [float(r[6]) for r in rows]
    assert "  hidden columns left out, a visible column has the same name: 'investment_bn'" in snap.explain
    ws.column_dimensions["A"].hidden = False  # both visible: still two amount columns
    wb.save(tmp_path / "2023Q3.xlsx")
    snap = read_snapshot(tmp_path / "2023Q3.xlsx", valid_district, label="2023Q3.xlsx", as_of=pd.Timestamp("2023-09-30"))
    assert [b.message for b in snap.breaches] == ["a second investment_bn column (the first is 'investment_bn')"]


@pytest.mark.parametrize("header", ["计划总投资(万元)", "计划总投资"])
def test_a_unit_line_in_a_foreign_currency_is_refused(tmp_path, valid_district, header):
    # on main a 单位：万美元 line above a 计划总投资(万元) header was not read: the amounts went in as yuan
    from conftest import HEADER, SNAPSHOTS

    rows = SNAPSHOTS["2023Q3"]
    head = [header if h == "investment_bn" else h for h in HEADER]
    lines = ["海陵区外资项目台账", "单位：万美元", ",".join(head),
             *(",".join(r[:6] + [str(float(r[6]) * 1e5)] + r[7:]) for r in rows)]
    (tmp_path / "2023Q3.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    snap = read_snapshot(tmp_path / "2023Q3.csv", valid_district, label="2023Q3.csv", as_of=pd.Timestamp("2023-09-30"))
    assert str(snap.breaches[0]) == ("2023Q3.csv:2:: '单位：万美元': the amounts are in a foreign currency (美元) "
                                     "(expected amounts in CNY: convert them (at the rate of each project's signing) "
                                     "and write 单位：亿元 (or 万元))")


def test_a_program_export_nan_cells_starred_headers_and_stage_words_in_progress(tmp_path, valid_district):
    # on main: 'nan'/'NaT'/'None' were "not dates", '*项目编号' was "required column is missing", 洽谈中 an unknown stage
    from conftest import HEADER, SNAPSHOTS

    rows = [list(r) for r in SNAPSHOTS["2023Q3"]]
    at = {c: HEADER.index(c) for c in HEADER}
    for r, mark in zip(rows, ["nan", "NaT", "None", "null", "nan", "NaT", "nan"]):
        r[at["lost_date"]] = r[at["lost_date"]] or mark
        r[at["provincial_year"]] = r[at["provincial_year"]] or mark
    plain = read_snapshot(_write(tmp_path, [HEADER, *SNAPSHOTS["2023Q3"]]), valid_district, label="a.csv").table
    words = {"negotiating": "洽谈中", "under_construction": "建设中"}
    for r in rows:
        r[at["stage"]] = words.get(r[at["stage"]], r[at["stage"]])
    head = [f"*{h}" if h in ("project_id", "stage") else h for h in HEADER]
    snap = read_snapshot(_write(tmp_path, [head, *rows]), valid_district, label="a.csv",
                         as_of=pd.Timestamp("2023-09-30"))
    assert snap.breaches == [] and set(words.values()) & set(r[at["stage"]] for r in rows)
    pd.testing.assert_frame_equal(snap.table, plain)


def _write(tmp_path, rows) -> object:
    path = tmp_path / "2023Q3.csv"
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    return path
