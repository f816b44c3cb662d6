"""The grids of cells in a file as a planner sees them: CSV in UTF-8, GBK/GB18030 or UTF-16 (Excel's
"Unicode Text", tab-separated), ``.xlsx``
and ``.xls`` workbooks with every sheet and merged cells filled, and where a table's header is.

A grid is a list of rows of stripped text (``""`` where empty); row 1 is the file's first
line. Excel date cells become ISO ``YYYY-MM-DD`` text, numbers the text a CSV would hold.
Nothing here knows the ledger's columns: :func:`find_header` is given a scoring function.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

#: Encodings taken for Chinese text in a CSV that is not UTF-8 (GB18030 decodes GBK and GB2312).
_CHINESE = ("gb18030", "gbk", "gb2312", "cp936", "hz")
HEADER_SEARCH_ROWS = 15
_UNIT_LINE = re.compile(r"单位\s*[:：]?\s*(亿元|万元|元)")


@dataclass
class Sheet:
    """One sheet of a workbook (a CSV is one sheet named ``None``)."""

    name: str | None
    grid: list[list[str]]
    #: formula cells with no saved value (a workbook written by a program, never opened and
    #: saved in Excel): they read as empty
    unsaved_formulas: int = 0
    #: a sheet hidden in Excel (a planner sees only the visible ones)
    hidden: bool = False
    #: the columns hidden in Excel (0-based)
    hidden_columns: frozenset[int] = frozenset()


@dataclass
class Table:
    """A table found in a sheet: header row, the cells below it and what stood above."""

    sheet: str | None
    header_row: int
    cells: pd.DataFrame  # columns = header cells as written, index = spreadsheet rows
    unit_line: str | None  # 亿元 / 万元 / 元 from a 单位：… line above the header
    encoding: str = ""


def read_sheets(path: Path) -> tuple[list[Sheet], str]:
    """Every sheet of a ``.csv``, ``.xlsx`` or ``.xls`` file, and the CSV's encoding.

    Raises ``ValueError`` with a sentence (to follow the file's name) when unreadable.
    """
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            data = path.read_bytes()
            if data[:4] == _ZIP:  # a workbook saved under a .csv name ("Save as" kept the name, not the type)
                return _xlsx_sheets(io.BytesIO(data)), ""  # type: ignore[arg-type]
            if data[:4] == _OLE:
                return _xls_sheets(path), ""
            text, encoding = _decode(data)
            return [Sheet(None, _csv_rows(text))], encoding
        if suffix in (".xlsx", ".xlsm", ".xls"):
            disguised = _disguised(path.read_bytes()[:4096], suffix)
            if disguised:
                raise ValueError(disguised)
            return (_xls_sheets(path) if suffix == ".xls" else _xlsx_sheets(path)), ""
    except OSError as exc:
        raise ValueError(f"cannot be opened ({exc.strerror or type(exc).__name__})") from None
    raise ValueError("is neither a .csv nor an .xlsx or .xls file")


_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"


def _disguised(head: bytes, suffix: str) -> str | None:
    """What a workbook-named file really is when it is not a workbook: a web page (some
    systems' "export to Excel" writes an HTML table named .xls) or text (a CSV renamed)."""
    if head[:4] in (_ZIP, _OLE) or not head:
        return None
    if b"<html" in head.lower() or b"<table" in head.lower():
        return (f"is a web page (HTML) named {suffix}, as some systems export to Excel; open it in Excel and "
                "save it as .xlsx")
    if b"," not in head and b"\t" not in head and b",\x00" not in head:
        return None  # not a table of text either: the workbook reader says it is unreadable
    try:
        _decode(head if len(head) < 4096 else head[:head.rfind(b"\n") + 1] or head)
    except ValueError:
        return None
    return f"is a text file (CSV) named {suffix}; rename it to .csv"


def _decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (a BOM allowed) first; UTF-16 with its BOM (Excel's "Unicode Text"); otherwise
    GBK/GB18030 when charset-normalizer finds it."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding not in _CHINESE:
        best = from_bytes(data, cp_isolation=["gb18030"]).best()
    if best is not None and best.encoding in _CHINESE:
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            pass
    raise ValueError('is neither UTF-8 nor GBK/GB18030 text; save it as "CSV UTF-8" or as .xlsx')


def _csv_rows(text: str) -> list[list[str]]:
    if "\x00" in text:
        raise ValueError("cannot be read as CSV (it holds NUL bytes); save it from Excel as CSV UTF-8 or .xlsx")
    head = text[:20_000]  # Excel's "Unicode Text" and some exports separate cells by tabs
    delimiter = "\t" if head.count("\t") > head.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise ValueError(f"cannot be read as CSV ({exc}); check the quotes") from None
    return [[c.strip() for c in r] for r in rows]


def cell_text(value: Any) -> str:
    """One Excel cell as the text a CSV would hold."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.strftime("%Y-%m-%d")  # a date cell is a date, whatever its time
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value).strip()


def _fill(grid: list[list[str]], merged: list[tuple[int, int, int, int]]) -> list[list[str]]:
    """Merged cells (0-based, inclusive rows and columns) hold their value in every cell."""
    width = max((len(r) for r in grid), default=0)
    for r0, c0, r1, c1 in merged:
        width = max(width, c1 + 1)
        while len(grid) <= r1:
            grid.append([])
    for r in grid:
        r.extend([""] * (width - len(r)))
    for r0, c0, r1, c1 in merged:
        value = grid[r0][c0]
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                grid[r][c] = value
    return grid


def _xlsx_sheets(path: Path) -> list[Sheet]:
    """Values through openpyxl's read-only reader (fast); merged ranges, which that reader
    does not see, from each worksheet's ``<mergeCell ref="A1:C1"/>`` elements."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.utils import range_boundaries


    try:  # what openpyxl.load_workbook does, keeping the reader to find each sheet's XML part
        reader = ExcelReader(path, read_only=True, data_only=True)
        reader.read()
        wb = reader.wb
    except OSError:
        raise
    except Exception as exc:  # openpyxl and zipfile raise many types for one broken workbook
        raise ValueError(f"cannot be read as an Excel workbook ({type(exc).__name__}); "
                         "re-save it from Excel as .xlsx") from None
    sheets = []
    try:
        parts = {s.name: reader.parser.rels[s.id].target for s in reader.parser.sheets if s.id}
        for ws in wb.worksheets:
            if not hasattr(ws, "iter_rows"):
                continue  # a chart sheet
            try:  # the sheet's own XML part
                xml = reader.archive.read(parts[ws.title])
            except KeyError:
                xml = b""
            ws.reset_dimensions()  # some writers record a wrong used range
            grid = [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
            merged = []
            for ref in _MERGE.findall(xml):
                c0, r0, c1, r1 = range_boundaries(ref.decode("ascii"))
                merged.append((r0 - 1, c0 - 1, r1 - 1, c1 - 1))
            hidden = _hidden_columns(xml)
            sheets.append(Sheet(ws.title, _fill(grid, merged), len(_UNSAVED_FORMULA.findall(xml)),
                                getattr(ws, "sheet_state", "visible") != "visible", hidden))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"cannot be read as an Excel workbook ({type(exc).__name__}); "
                         "re-save it from Excel as .xlsx") from None
    finally:
        wb.close()
    return sheets


#: ``<col min="7" max="7" width="0" hidden="1"/>``: columns hidden in Excel.
_COL = re.compile(rb"<(?:\w+:)?col\b[^>]*>")
_COL_HIDDEN = re.compile(rb"\bhidden=\"(?:1|true)\"")
_COL_SPAN = re.compile(rb"\bmin=\"(\d+)\"[^>]*?\bmax=\"(\d+)\"|\bmax=\"(\d+)\"[^>]*?\bmin=\"(\d+)\"")


def _hidden_columns(xml: bytes) -> frozenset[int]:
    """The 0-based columns a worksheet's ``<col min=".." max=".." hidden="1"/>`` elements hide."""
    out: set[int] = set()
    for tag in _COL.findall(xml):
        m = _COL_SPAN.search(tag)
        if m and _COL_HIDDEN.search(tag):
            lo, hi = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
            out.update(range(int(lo) - 1, min(int(hi), 16_384)))
    return frozenset(out)
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]+[0-9]+:[A-Z]+[0-9]+)\"")
#: A cell holding a formula and no value: ``<c r="B2"><f>SUM(C2:D2)</f></c>``, or with an
#: empty ``<v></v>`` / ``<v/>`` as openpyxl writes it (also a shared formula's ``<f t="shared" si="0"/>``).
_UNSAVED_FORMULA = re.compile(rb"<(?:\w+:)?c\b[^>]*>\s*<(?:\w+:)?f\b[^>]*(?:/>|>[^<]*</(?:\w+:)?f>)\s*"
                              rb"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>")


def xls_book_sheets(book: Any) -> list[Sheet]:
    """The sheets of an open ``xlrd`` book (dates by the book's date mode, merges filled)."""
    import xlrd

    sheets = []
    for sh in book.sheets():
        grid = []
        for r in range(sh.nrows):
            row = []
            for c, cell in enumerate(sh.row(r)):
                if cell.ctype == xlrd.XL_CELL_DATE:
                    try:
                        row.append(xlrd.xldate_as_datetime(cell.value, book.datemode).strftime("%Y-%m-%d"))
                    except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                        row.append(cell_text(cell.value))
                elif cell.ctype == xlrd.XL_CELL_ERROR:
                    row.append("")
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    row.append("TRUE" if cell.value else "FALSE")
                else:
                    row.append(cell_text(cell.value))
            grid.append(row)
        merged = [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in getattr(sh, "merged_cells", [])]
        cols = frozenset(c for c, info in getattr(sh, "colinfo_map", {}).items() if info.hidden)
        sheets.append(Sheet(sh.name, _fill(grid, merged), hidden=bool(getattr(sh, "visibility", 0)), hidden_columns=cols))
    return sheets


def _xls_sheets(path: Path) -> list[Sheet]:
    import xlrd

    data = path.read_bytes()
    if data[:4] == b"PK\x03\x04":
        raise ValueError("is an .xlsx workbook named .xls; rename it to .xlsx")
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=False)
    except Exception as exc:  # xlrd raises XLRDError, AssertionError, struct.error, ... on bad input
        try:  # some writers leave out the formatting records; merges are then unknown
            book = xlrd.open_workbook(file_contents=data)
        except Exception:
            raise ValueError(f"cannot be read as an .xls workbook ({type(exc).__name__}); "
                             "re-save it from Excel as .xlsx") from None
    return xls_book_sheets(book)


def unit_in(text: str) -> str | None:
    """亿元/万元/元 of a ``单位：亿元`` line, or ``None``."""
    m = _UNIT_LINE.search(unicodedata.normalize("NFKC", text))
    return m.group(1) if m else None


def find_header(sheet: Sheet, score: Callable[[str], bool], *, minimum: int = 3) -> Table | None:
    """The table of a sheet: the header is the row among the first rows with the most cells
    that ``score`` knows (the lower of equals, so a group row above is skipped; the first of
    identical rows, so the header printed again on the next page is not taken); empty header
    cells take a known name from the row above (a two-row header). ``None`` if no row has
    ``minimum`` known cells."""
    grid = sheet.grid
    best, best_n = -1, 0
    for r, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        n = sum(1 for c in row if c and score(c))
        if n > 0 and (n > best_n or n == best_n and row != grid[best]):  # a repeat of the header is not a header
            best, best_n = r, n
    if best < 0 or best_n < minimum:
        return None
    header = list(grid[best])
    if best > 0:
        above = grid[best - 1]
        for j, h in enumerate(header):
            if not h and j < len(above) and above[j] and score(above[j]):
                header[j] = above[j]
    unit = None
    for row in grid[:best]:
        for c in row:
            unit = unit or (unit_in(c) if c else None)
    return Table(sheet.name, best + 1, frame(grid, best, header, strict=sheet.name is None), unit)


def frame(grid: list[list[str]], header_at: int, header: list[str], strict: bool = False) -> pd.DataFrame:
    """The rows below ``header_at`` (0-based) as a DataFrame indexed by spreadsheet row;
    wholly empty rows left out. A row longer than the header is a ``ValueError`` when its
    extra cells hold something and ``strict`` (a CSV)."""
    width = len(header)
    while width and not header[width - 1]:
        width -= 1  # trailing empty header cells
    header = header[:width]
    body, index = [], []
    for r in range(header_at + 1, len(grid)):
        row = grid[r]
        if strict and len(row) > width and any(row[width:]):
            raise ValueError(f"cannot be read as CSV: row {r + 1} has {len(row)} cells but the header has "
                             f"{width} (quote text that contains commas)")
        cells = (row + [""] * (width - len(row)))[:width]
        if any(cells):
            body.append(cells)
            index.append(r + 1)
    df = pd.DataFrame(body, columns=range(width), dtype=object) if body else \
        pd.DataFrame(columns=range(width), dtype=object)
    df.columns = header
    df.index = np.array(index, dtype=int)
    return df


def read_cells(path: Path | str) -> pd.DataFrame:
    """The cells of a plain table (its first sheet; the header in row 1) as stripped text.

    Parameters
    ----------
    path : a ``.csv`` (UTF-8, a BOM allowed, or GBK/GB18030), ``.xlsx`` or ``.xls`` file.
        Excel date cells become ISO ``YYYY-MM-DD`` text.

    Returns
    -------
    DataFrame
        Columns are the header cells as written (duplicates kept), the index is the
        spreadsheet row of each line (header = row 1); wholly empty lines are left out.

    Raises
    ------
    ValueError
        With a sentence (to follow the file's name) when the file cannot be read.

    Examples
    --------
    >>> cells = read_cells("data/effort.csv")
    >>> list(cells.columns)
    ['quarter', 'unit', 'staff', 'visits', 'budget_m']
    """
    sheets, _ = read_sheets(Path(path))
    grid = sheets[0].grid if sheets else []
    if not any(any(r) for r in grid):
        raise ValueError("is empty; a header row and one row per project were expected")
    return frame(grid, 0, list(grid[0]), strict=sheets[0].name is None)
