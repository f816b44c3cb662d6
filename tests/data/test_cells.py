"""Reading cells and sheets as planners' real exports hold them (DATA.md "Real exports").

Built in code from a simulated district: the latest snapshot of a clean simulated folder is
rewritten in a messy form; each case asserts the exact outcome: the same canonical table as
the clean folder (hence the same forecast), or located, grouped error lines.
"""
from __future__ import annotations

import datetime as dt
import shutil
import struct
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from forecasting.cli.main import main
from forecasting.synthetic.generator import SECTOR_LABELS, UNITS, simulate_district
from forecasting.data.cells import read_cells
from forecasting.data.writing import write_snapshot
from forecasting.data.validate import read_and_validate

Q = "2024Q1"
LATEST = f"ledger/{Q}.csv"
STAGE_ZH = {"lead": "线索", "negotiating": "在谈", "signed": "已签约", "approved": "已供地",
            "under_construction": "在建", "operating": "已投产", "lost": "终止"}
PROV_ZH = {"none": "否", "candidate": "候选", "designated": "是"}
PHASE_ZH = {"1": "一期", "2": "二期", "3": "三期"}
DATE_ZH = ("入库日期", "签约日期", "供地日期", "开工日期", "投产日期", "终止日期")
FULL_WIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")


# ------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """A clean simulated folder (3 snapshots, ~550 projects in 2024Q1) and its tables."""
    sim = simulate_district(rng=7, start="2023Q3", end=Q, ledger_start_year=2022)
    folder = sim.write(tmp_path_factory.mktemp("clean") / "data")
    return folder, read_and_validate(folder)


@pytest.fixture
def folder(clean, tmp_path) -> Path:
    """A copy of the clean folder, safe to rewrite."""
    return Path(shutil.copytree(clean[0], tmp_path / "data"))


def chinese(clean, money: str = "亿元") -> pd.DataFrame:
    """The latest snapshot as Chinese text cells (exact amounts, as write_snapshot writes them)."""
    out = clean[0].parent / f"zh_{money}.csv"
    if not out.exists():
        write_snapshot(clean[1].snapshots[Q], out, chinese=True, money=money)
    return pd.read_csv(out, dtype=str, keep_default_na=False)


def english(clean) -> pd.DataFrame:
    return pd.read_csv(clean[0] / LATEST, dtype=str, keep_default_na=False)


def grid_of(df: pd.DataFrame) -> list[list[str]]:
    return [list(df.columns)] + df.astype(str).values.tolist()


def save_xlsx(path: Path, sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, grid in sheets.items():
        ws = wb.create_sheet(name)
        for row in grid:
            ws.append([None if v == "" else v for v in row])
        for ref in (merges or {}).get(name, []):
            ws.merge_cells(ref)
    wb.save(path)
    return path


def replace_latest(folder: Path, suffix: str) -> Path:
    (folder / LATEST).unlink()
    return folder / "ledger" / f"{Q}{suffix}"


def same_table(clean, folder: Path, *, sort: bool = False) -> None:
    got = read_and_validate(folder).snapshots[Q]
    want = clean[1].snapshots[Q]
    if sort:
        got = got.sort_values("project_id", ignore_index=True)
        want = want.sort_values("project_id", ignore_index=True)
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def validate(capsys, folder: Path, *extra: str) -> tuple[int, list[str]]:
    rc = main(["validate", str(folder), *extra])
    cap = capsys.readouterr()
    assert "Traceback" not in cap.out + cap.err
    return rc, [x for x in cap.err.splitlines() if not x.startswith("forecasting:")]


# ------------------------------------------------------------------- where the table is
def test_title_rows_and_unit_line_above_a_unitless_header(clean, folder):
    df = chinese(clean).rename(columns={"计划总投资(亿元)": "计划总投资"})
    grid = [["海陵区2024年一季度招商引资项目台账"], [], ["单位：亿元", "", "制表日期：2024-04-05"]] + grid_of(df)
    save_xlsx(replace_latest(folder, ".xlsx"), {"台账": grid})
    same_table(clean, folder)


def test_csv_title_rows_and_spaced_line_broken_headers(clean, folder):
    df = chinese(clean)
    df.columns = [c.replace("省重大", "省重大\n") if c.startswith("省重大") else f" {c} " for c in df.columns]
    df.insert(0, "序号", [str(i) for i in range(1, len(df) + 1)])
    df["备注"] = "无"
    lines = [["海陵区项目台账"], [""]] + grid_of(df)
    import csv
    with (folder / LATEST).open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(lines)
    same_table(clean, folder)


def test_two_row_header_with_merged_group_cells(clean, folder):
    df = chinese(clean)
    n = len(df.columns)
    group = ["项目编号", "基本信息", "", "", "", "", "投资", "进展"] + [""] * (n - 8)
    header = [""] + list(df.columns[1:])  # 项目编号 is merged over both header rows
    grid = [group, header] + df.astype(str).values.tolist()
    save_xlsx(replace_latest(folder, ".xlsx"), {"Sheet1": grid}, {"Sheet1": ["A1:A2", "B1:F1", f"H1:{_col(n)}1"]})
    same_table(clean, folder)


def test_merged_unit_cells(clean, folder):
    df = chinese(clean)
    order = df.sort_values("责任单位", kind="stable")
    grid = grid_of(order)
    j = list(df.columns).index("责任单位")
    merges, start = [], 2
    units = order["责任单位"].tolist()
    for i in range(1, len(units) + 1):
        if i == len(units) or units[i] != units[start - 2]:
            end = i + 1
            if end > start:
                merges.append(f"{_col(j + 1)}{start}:{_col(j + 1)}{end}")
            for r in range(start + 1, end + 1):
                grid[r - 1][j] = ""  # only the merged range's first cell holds the value
            start = end + 1
    save_xlsx(replace_latest(folder, ".xlsx"), {"Sheet1": grid}, {"Sheet1": merges})
    same_table(clean, folder, sort=True)


def test_cover_sheet_before_the_table(clean, folder):
    save_xlsx(replace_latest(folder, ".xlsx"), {"封面": [["海陵区招商项目台账"], ["2024年第一季度"]],
                                                "汇总": grid_of(chinese(clean))})
    same_table(clean, folder)


def test_several_unit_sheets_read_together(clean, folder, capsys):
    df = chinese(clean)
    sheets = {unit: grid_of(part) for unit, part in df.groupby("责任单位", sort=True)}
    save_xlsx(replace_latest(folder, ".xlsx"), {"说明": [["各分局分表"]], **sheets})
    same_table(clean, folder, sort=True)
    # a breach on one sheet names it
    first = sorted(sheets)[1]
    sheets[first][1][list(df.columns).index("进度")] = "进行中"
    save_xlsx(folder / "ledger" / f"{Q}.xlsx", {"说明": [["各分局分表"]], **sheets})
    rc, lines = validate(capsys, folder)
    assert rc == 1 and lines == [f"data/ledger/{Q}.xlsx[{first}]:2:进度: unknown stage '进行中' (expected lead → "
                                 "negotiating → signed → approved → under_construction → operating, or lost; or "
                                 "线索, 在谈, 已签约, 已供地, 在建, 已投产, 终止; or map them in district.toml "
                                 "[aliases.stages])"]


def test_a_project_on_two_sheets(clean, folder, capsys):
    df = chinese(clean)
    save_xlsx(replace_latest(folder, ".xlsx"), {"A": grid_of(df.iloc[:10]), "B": grid_of(df.iloc[9:])})
    rc, lines = validate(capsys, folder)
    pid = df["项目编号"].iloc[9]
    assert rc == 1 and lines == [f"data/ledger/{Q}.xlsx[B]:2:项目编号: project_id {pid!r} is also on sheet "
                                 f"data/ledger/{Q}.xlsx[A] (expected each project on one sheet only)"]


def test_no_header_found(folder, capsys):
    (folder / LATEST).write_text("a,b\n1,2\n", encoding="utf-8")
    rc, lines = validate(capsys, folder)
    assert rc == 1 and len(lines) == 1
    assert lines[0].startswith(f"data/{LATEST}::: has no header row in the first 15 rows")


# -------------------------------------------------------------------------------- cells
def test_chinese_values_and_labels(clean, folder, capsys):
    df = chinese(clean)
    zh_unit = {u.id: u.label_zh for u in UNITS}
    df["责任单位"] = df["责任单位"].map(zh_unit)
    df["行业"] = df["行业"].map(lambda s: SECTOR_LABELS[s]["zh"])
    df["进度"] = df["进度"].map(STAGE_ZH)
    df.loc[df.index[:5], "进度"] = df["进度"].iloc[:5].map(lambda s: {"在谈": " 洽谈 ", "已签约": "签约"}.get(s, s))
    df["省重大项目"] = df["省重大项目"].map(PROV_ZH)
    df["期数"] = df["期数"].map(PHASE_ZH)
    df.to_csv(folder / LATEST, index=False)
    same_table(clean, folder)
    rc = main(["validate", str(folder), "--explain"])
    out = capsys.readouterr().out
    n_lost = int((clean[1].snapshots[Q]["stage"] == "lost").sum())
    assert rc == 0 and f"  stage 终止 → lost ×{n_lost}" in out and f"data/{LATEST}: header in row 1" in out


def test_district_aliases_and_english_labels(clean, folder):
    df = chinese(clean)
    df["责任单位"] = df["责任单位"].map({u.id: u.label for u in UNITS})
    df.loc[df["行业"] == "photovoltaics", "行业"] = "光伏"
    df.loc[df["进度"] == "negotiating", "进度"] = "正在对接"
    df.to_csv(folder / LATEST, index=False)
    with (folder / "district.toml").open("a", encoding="utf-8") as f:
        f.write('\n[aliases.sectors]\n"光伏" = "photovoltaics"\n[aliases.stages]\n"正在对接" = "negotiating"\n')
    same_table(clean, folder)


def test_gbk_csv(clean, folder):
    df = chinese(clean)
    df["进度"] = df["进度"].map(STAGE_ZH)
    df.to_csv(folder / LATEST, index=False, encoding="gbk")
    assert (folder / LATEST).read_bytes().decode("gb18030")  # really GBK, not UTF-8
    with pytest.raises(UnicodeDecodeError):
        (folder / LATEST).read_bytes().decode("utf-8")
    same_table(clean, folder)


@pytest.mark.parametrize("sep", ["\t", ","])
def test_utf16_unicode_text_csv(clean, folder, sep):
    """Excel's "Save as Unicode Text" writes UTF-16 with a BOM, cells separated by tabs."""
    df = chinese(clean)
    df["进度"] = df["进度"].map(STAGE_ZH)
    (folder / LATEST).write_bytes(df.to_csv(index=False, sep=sep, lineterminator="\r\n").encode("utf-16"))
    assert (folder / LATEST).read_bytes()[:2] == b"\xff\xfe"
    same_table(clean, folder)


def test_full_width_digits_suffixes_and_separators(clean, folder):
    yi, wan = chinese(clean, "亿元"), chinese(clean, "万元")
    df = yi.rename(columns={"计划总投资(亿元)": "计划总投资"})
    amount = [f"{a}亿" for a in yi["计划总投资(亿元)"]]
    for i in range(0, len(df), 3):  # every third in 万元 with thousands separators
        amount[i] = f"{float(wan['计划总投资(万元)'].iloc[i]):,.7g}万".replace(".0万", "万")
    amount[1] = amount[1].translate(FULL_WIDTH)
    df["计划总投资"] = amount
    df["期数"] = df["期数"].str.translate(FULL_WIDTH)
    df.to_csv(folder / LATEST, index=False)
    got = read_and_validate(folder).snapshots[Q]
    want = clean[1].snapshots[Q]
    # 万元 text holds 7 significant digits here, so compare amounts to a millionth
    np.testing.assert_allclose(got["investment_bn"], want["investment_bn"], rtol=1e-6)
    pd.testing.assert_frame_equal(got.drop(columns="investment_bn"), want.drop(columns="investment_bn"))


def test_year_first_date_text(clean, folder):
    df = chinese(clean)
    forms = [lambda d: f"{d.year}年{d.month}月{d.day}日", lambda d: f"{d.year}/{d.month}/{d.day}",
             lambda d: f"{d:%Y.%m.%d}", lambda d: f"{d:%Y-%m-%d} 00:00:00", lambda d: f"{d.year}-{d.month}-{d.day} 10:30"]
    for k, c in enumerate(DATE_ZH):
        df[c] = [forms[(i + k) % len(forms)](dt.date.fromisoformat(v)) if v else "" for i, v in enumerate(df[c])]
    df.to_csv(folder / LATEST, index=False, encoding="gbk")
    same_table(clean, folder)


def test_excel_serial_numbers(clean, folder):
    df = chinese(clean)
    grid = grid_of(df)
    dates = [list(df.columns).index(c) for c in DATE_ZH]
    epoch = dt.date(1899, 12, 30)
    for row in grid[1:]:
        for j in dates:
            row[j] = (dt.date.fromisoformat(row[j]) - epoch).days if row[j] else ""
        for j in (5, 6, 15):  # numbers as numbers
            row[j] = float(row[j]) if row[j] else ""
    save_xlsx(replace_latest(folder, ".xlsx"), {"Sheet1": grid})
    same_table(clean, folder)


@pytest.mark.parametrize("value,line", [
    ("15/3/2024", "is not a date: an ambiguous day-first date (expected year first, YYYY-MM-DD, such as 2024-03-15)"),
    ("03/04/2023", "is not a date: an ambiguous day-first date (expected year first, YYYY-MM-DD, such as "
                   "2023-04-03 or 2023-03-04)"),
    ("2023年3月", "is not a date: a month without a day (expected the exact day, such as 2023-03-15)"),
])
def test_ambiguous_dates_stay_errors(clean, folder, capsys, value, line):
    df = chinese(clean)
    df.loc[df.index[:40], "入库日期"] = value
    df.to_csv(folder / LATEST, index=False)
    rc, lines = validate(capsys, folder)
    first = lines[0]
    assert rc == 1 and len(lines) == 1, lines
    assert first.startswith(f"data/{LATEST}:2:入库日期: 40 rows ")
    assert f"{value!r} ×40 (rows 2, 3, 4, …)" in first and first.endswith(line.split("(expected")[1].join(["(expected", ""]))


def test_suffix_disagreeing_with_the_header(clean, folder, capsys):
    df = chinese(clean)
    df.loc[df.index[3], "计划总投资(亿元)"] = "3000万"
    df.to_csv(folder / LATEST, index=False)
    rc, lines = validate(capsys, folder)
    assert rc == 1 and lines == [f"data/{LATEST}:5:计划总投资(亿元): '3000万' is in 万元 but the column is in 亿元: "
                                 "write 0.3 (expected amounts in 亿元, without a suffix, or a header naming the unit "
                                 "the cells use)"]


def test_unit_line_conflicting_with_the_header(clean, folder, capsys):
    grid = [["单位：万元"]] + grid_of(chinese(clean))
    save_xlsx(replace_latest(folder, ".xlsx"), {"Sheet1": grid})
    rc, lines = validate(capsys, folder)
    assert rc == 1 and lines == [f"data/ledger/{Q}.xlsx::计划总投资(亿元): the header says 亿元 but the line above the "
                                 "table says 单位：万元 (expected one unit: correct the header or the 单位 line)"]


def _biff_record(rt: int, data: bytes) -> bytes:
    return struct.pack("<HH", rt, len(data)) + data


def _biff_text(s: str, lenlen: int) -> bytes:
    return struct.pack("<H" if lenlen == 2 else "<B", len(s)) + b"\x01" + s.encode("utf-16-le")


def write_xls(path: Path, sheets: dict[str, list[list]], merges: dict[str, list[tuple]] | None = None) -> Path:
    """A minimal BIFF8 workbook stream (no installed library writes .xls; xlwt is
    unmaintained and absent; xlrd reads a bare BIFF stream as well as an OLE2 file).

    Cells: text (LABEL), numbers (NUMBER), ``("date", serial)`` (NUMBER with a date XF);
    ``merges``: per sheet, (first row, last row, first column, last column), 0-based, inclusive.
    """
    rec, text = _biff_record, _biff_text

    def bof(kind: int) -> bytes:
        return rec(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x0206))

    def xf(fmt: int) -> bytes:
        return rec(0x00E0, struct.pack("<HHHBBBBIIH", 0, fmt, 0x0001, 0x20, 0, 0, 0, 0, 0, 0x20C0))

    font = rec(0x0031, struct.pack("<HHHHHBBBB", 200, 0, 0x7FFF, 400, 0, 0, 0, 0, 0) + text("Arial", 1))
    bodies = []
    for name, grid in sheets.items():
        body = bof(0x0010)
        for r, row in enumerate(grid):
            for c, v in enumerate(row):
                if v == "" or v is None:
                    continue
                if isinstance(v, tuple):  # XF 16 has the built-in date format 14
                    body += rec(0x0203, struct.pack("<HHHd", r, c, 16, float(v[1])))
                elif isinstance(v, (int, float)):
                    body += rec(0x0203, struct.pack("<HHHd", r, c, 0, float(v)))
                else:
                    body += rec(0x0204, struct.pack("<HHH", r, c, 0) + text(str(v), 2))
        m = (merges or {}).get(name, [])
        if m:
            body += rec(0x00E5, struct.pack("<H", len(m)) + b"".join(struct.pack("<HHHH", *x) for x in m))
        bodies.append(body + rec(0x000A, b""))
    head = bof(0x0005) + font * 5 + xf(0) * 16 + xf(14)
    pos = len(head) + sum(len(rec(0x0085, b"\0" * 6 + text(n, 1))) for n in sheets) + 4
    sheet_records = b""
    for name, body in zip(sheets, bodies):
        sheet_records += rec(0x0085, struct.pack("<IBB", pos, 0, 0) + text(name, 1))
        pos += len(body)
    path.write_bytes(head + sheet_records + rec(0x000A, b"") + b"".join(bodies))
    return path


def test_xls_workbook_with_cover_sheet_date_cells_and_merges(clean, folder):
    df = chinese(clean)
    order = df.sort_values("责任单位", kind="stable")
    grid: list[list] = [["海陵区项目台账"], ["单位：亿元"], list(order.columns)]
    dates = {list(df.columns).index(c) for c in DATE_ZH}
    epoch = dt.date(1899, 12, 30)
    for values in order.astype(str).values.tolist():
        grid.append([("date", (dt.date.fromisoformat(v) - epoch).days) if j in dates and v else
                     (float(v) if j in (5, 6, 15) and v else v) for j, v in enumerate(values)])
    j = list(df.columns).index("责任单位")
    merges, units, start = [], order["责任单位"].tolist(), 0
    for i in range(1, len(units) + 1):
        if i == len(units) or units[i] != units[start]:
            if i - 1 > start:
                merges.append((start + 3, i - 1 + 3, j, j))
                for r in range(start + 4, i + 3):
                    grid[r][j] = ""
            start = i
    write_xls(replace_latest(folder, ".xls"), {"封面": [["2024年第一季度"]], "汇总": grid}, {"汇总": merges})
    same_table(clean, folder, sort=True)
    assert read_and_validate(folder).files[Q] == f"{Q}.xls"


def test_xls_file_name_is_accepted_and_reading_is_a_sentence(folder, capsys):
    (folder / LATEST).unlink()
    (folder / "ledger" / f"{Q}.xls").write_bytes(b"not a workbook at all")
    rc, lines = validate(capsys, folder)
    assert rc == 1 and len(lines) == 1
    assert lines[0].startswith(f"data/ledger/{Q}.xls::: cannot be read as an .xls workbook")


def test_xls_book_cells_dates_and_merges():
    import xlrd

    from forecasting.data.cells import xls_book_sheets

    class Cell:
        def __init__(self, ctype, value):
            self.ctype, self.value = ctype, value

    class Sh:
        name = "汇总"
        nrows = 3
        merged_cells = [(1, 3, 1, 2)]  # rows 1-2, column 1 (half-open, as xlrd gives them)

        def row(self, r):
            return [[Cell(xlrd.XL_CELL_TEXT, "项目编号"), Cell(xlrd.XL_CELL_TEXT, "责任单位"),
                     Cell(xlrd.XL_CELL_TEXT, "入库日期")],
                    [Cell(xlrd.XL_CELL_TEXT, "P1"), Cell(xlrd.XL_CELL_TEXT, "branch_1"),
                     Cell(xlrd.XL_CELL_DATE, 45366.0)],
                    [Cell(xlrd.XL_CELL_NUMBER, 2.0), Cell(xlrd.XL_CELL_EMPTY, ""),
                     Cell(xlrd.XL_CELL_ERROR, 42)]][r]

    class Book:
        datemode = 0

        def sheets(self):
            return [Sh()]

    (sheet,) = xls_book_sheets(Book())
    assert sheet.name == "汇总"
    assert sheet.grid == [["项目编号", "责任单位", "入库日期"], ["P1", "branch_1", "2024-03-15"], ["2", "branch_1", ""]]


# ---------------------------------------------------------------- messages a planner acts on
def test_unknown_stage_values_are_one_grouped_line(clean, folder, capsys):
    df = english(clean)
    df.loc[df.index[3:], "stage"] = "进行中"
    df.loc[df.index[:3], "stage"] = "x"
    df.to_csv(folder / LATEST, index=False)
    rc, lines = validate(capsys, folder)
    n = len(df) - 3
    assert rc == 1 and len(lines) <= 12
    stage_lines = [x for x in lines if ":stage:" in x]
    assert stage_lines == [f"data/{LATEST}:2:stage: {len(df):,} rows have unknown stages: '进行中' ×{n:,} (rows 5, 6, "
                           "7, …), 'x' ×3 (rows 2, 3, 4) (expected lead → negotiating → signed → approved → "
                           "under_construction → operating, or lost; or 线索, 在谈, 已签约, 已供地, 在建, 已投产, 终止; "
                           "or map them in district.toml [aliases.stages])"]


def test_unknown_units_say_how_to_map_them(clean, folder, capsys):
    df = english(clean)
    df.loc[df["unit"] == "branch_4", "unit"] = "光伏招商分局"
    df.to_csv(folder / LATEST, index=False)
    rc, lines = validate(capsys, folder)
    assert rc == 1 and len(lines) == 1
    assert ":unit: " in lines[0] and "have unknown units: '光伏招商分局' ×" in lines[0]
    assert "[aliases.units]" in lines[0] and "[[units]]" in lines[0]


def test_no_id_column_says_so_first_and_nothing_cascades(clean, folder, capsys):
    df = english(clean).drop(columns="project_id")
    df.to_csv(folder / LATEST, index=False)
    rc, lines = validate(capsys, folder)
    assert rc == 1 and lines == [f"data/{LATEST}::project_id: required column is missing (expected a column "
                                 "project_id or 项目编号)"]


def test_empty_merged_looking_cells_are_one_line(clean, folder, capsys):
    df = english(clean)
    df.loc[df.index[1:], "unit"] = ""  # a merged column exported to CSV: only the first cell holds it
    df.to_csv(folder / LATEST, index=False)
    rc, lines = validate(capsys, folder)
    assert rc == 1 and lines == [f"data/{LATEST}:3:unit: {len(df) - 1:,} rows are empty (rows 3, 4, 5, …) "
                                 "(expected a value)"]


# ---------------------------------------------------------------- unit mix-ups across snapshots
def test_yi_figures_under_the_english_bn_header(clean, folder, capsys):
    df = chinese(clean)
    df = english(clean).assign(investment_bn=df["计划总投资(亿元)"])  # 亿元 figures, header says bn
    df.to_csv(folder / LATEST, index=False)
    rc, lines = validate(capsys, folder)
    assert rc == 1 and len(lines) == 1
    assert lines[0].startswith(f"data/{LATEST}::investment_bn: ")
    assert "projects' amounts are 10× their amounts in 2023Q4: the column looks like 亿元 entered as billion" in lines[0]


def test_bn_figures_under_the_yi_header(clean, folder, capsys):
    df = english(clean)
    df.rename(columns={"investment_bn": "计划总投资(亿元)"}).to_csv(folder / LATEST, index=False)
    rc, lines = validate(capsys, folder)
    assert rc == 1 and len(lines) == 1
    assert lines[0].startswith(f"data/{LATEST}::计划总投资(亿元): ") and "are 1/10 their amounts in 2023Q4" in lines[0]


def test_one_amount_typed_a_thousand_times_over(clean, folder, capsys):
    df = english(clean)
    before = clean[1].snapshots["2023Q4"].set_index("project_id")["investment_bn"]
    i = next(i for i, p in enumerate(df["project_id"]) if p in before.index)
    pid = df["project_id"].iloc[i]
    df.loc[df.index[i], "investment_bn"] = repr(float(before[pid]) * 1000)
    df.to_csv(folder / LATEST, index=False)
    rc, lines = validate(capsys, folder)
    assert rc == 1 and len(lines) == 1
    assert lines[0].startswith(f"data/{LATEST}:{i + 2}:investment_bn: project {pid}: ")
    assert f"is 1,000× its {before[pid]:g} bn of 2023Q4" in lines[0]
    with (folder / "district.toml").open("a", encoding="utf-8") as f:
        f.write(f'\n[confirmed_revisions]\n"{pid}" = "{Q}"\n')
    rc, lines = validate(capsys, folder)
    assert rc == 0 and lines == []


def _col(n: int) -> str:
    return openpyxl.utils.get_column_letter(n)


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


def test_a_workbook_saved_under_a_csv_name_is_read_as_a_workbook(tmp_path):
    # on main: "is neither UTF-8 nor GBK/GB18030 text", about a file that is not text at all
    save_xlsx(tmp_path / "effort.csv", {"Sheet1": [["quarter", "unit", "staff", "visits", "budget_m"],
                                                   ["2024Q1", "branch_1", 3, 10, 1.5]]})
    cells = read_cells(tmp_path / "effort.csv")
    assert cells.to_dict("list") == {"quarter": ["2024Q1"], "unit": ["branch_1"], "staff": ["3"], "visits": ["10"],
                                     "budget_m": ["1.5"]}
