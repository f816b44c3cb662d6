"""Writing outputs atomically: a failed run leaves no half-written file behind.

Everything a command writes goes first into a hidden staging folder beside ``DIR``; only
when all of it is written are the files moved into ``DIR``, each with an atomic rename.
Tables go out as CSV (:func:`write_csv`, the contracts' form) or as a planner's Excel
workbook (:func:`write_xlsx`).
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator, Mapping

import pandas as pd


@contextmanager
def staged(out_dir: Path | str) -> Iterator[Path]:
    """Yield a staging folder; on success move its contents into ``out_dir``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "run"
    >>> with staged(out) as tmp:
    ...     _ = (tmp / "a.csv").write_text("x\\n1\\n")
    >>> sorted(p.name for p in out.iterdir())
    ['a.csv']
    """
    # absolute, so a path handed to a process with another working directory (a notebook
    # kernel runs in the notebooks' folder) still points into the staging folder
    out_dir = Path(out_dir).resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:  # an --out that is a file fails here: the staging folder must not be left behind
        out_dir.mkdir(parents=True, exist_ok=True)
        for src in sorted(tmp.rglob("*")):
            dest = out_dir / src.relative_to(tmp)
            if src.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
            else:
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_csv(frame: pd.DataFrame, path: Path, *, float_format: str = "%.6g") -> Path:
    """CSV as the contracts expect: UTF-8, ``\\n`` line ends, no index, blanks for missing."""
    frame.to_csv(path, index=False, lineterminator="\n", float_format=float_format, na_rep="")
    return path


#: Characters Excel refuses in a sheet name; it also allows at most 31 characters.
_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")
_MIN_WIDTH, _MAX_WIDTH = 6, 60


def write_xlsx(sheets: Mapping[str, pd.DataFrame], path: Path | str, *, percent_prefix: str = "p_",
               percent: Iterable[str] = ()) -> Path:
    """An Excel workbook for planners: one sheet per table, written atomically.

    Each sheet has a bold header row that stays in view (frozen) with filter buttons,
    columns wide enough for their contents, dates as ``YYYY-MM-DD``, probabilities (columns
    whose name starts with ``percent_prefix``) as percentages with one decimal, a column of
    whole numbers (counts, goals) without decimals and other numbers with two (amounts in bn or
    亿元, means). Values are stored unrounded: formats change only what is shown. A
    table's index is written as columns when it carries information (it is named or not
    ``0..n-1``).

    The workbook is written to a temporary file beside ``path`` and renamed into place, so
    ``path`` is either the old file or the complete new one; inside :func:`staged` it joins
    the other outputs when the whole run succeeds.

    Parameters
    ----------
    sheets : sheet name -> table, in the order the sheets appear. Names are at most 31
        characters, without ``[]:*?/\\``, and differ in more than case (Excel's rules).
    path : the ``.xlsx`` file to write.
    percent : further columns (of any sheet) shown as percentages: readable headers
        (:func:`~forecasting.report.sheets.forecast_sheets`) no longer start with ``percent_prefix``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "forecast.xlsx"
    >>> _ = write_xlsx({"targets": pd.DataFrame({"target": ["groundbreakings"], "p_meet": [0.74]})}, out)
    >>> pd.read_excel(out, sheet_name="targets")["p_meet"].tolist()
    [0.74]
    """
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    _check_sheet_names(list(sheets))
    percent = set(percent)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".xlsx", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
            for name, frame in sheets.items():
                frame = _excel_ready(frame)
                frame.to_excel(xw, sheet_name=name, index=False)
                ws = xw.sheets[name]
                ws.freeze_panes = "A2"
                if len(frame.columns):
                    ws.auto_filter.ref = ws.dimensions
                for j, col in enumerate(frame.columns, start=1):
                    letter = get_column_letter(j)
                    ws.cell(row=1, column=j).font = Font(bold=True)
                    values = frame[col]
                    fmt = None
                    if (str(col).startswith(percent_prefix) or col in percent) and pd.api.types.is_numeric_dtype(values):
                        fmt = "0.0%"
                    elif pd.api.types.is_float_dtype(values):
                        whole = values.dropna()
                        fmt = "#,##0" if len(whole) and (whole == whole.round()).all() else "#,##0.00"
                    elif pd.api.types.is_datetime64_any_dtype(values):
                        fmt = "yyyy-mm-dd"
                    if fmt:
                        for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                            cell.number_format = fmt
                    ws.column_dimensions[letter].width = _width(col, values, fmt)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; give it a normal file's mode
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _check_sheet_names(names: list[str]) -> None:
    seen: dict[str, str] = {}
    for name in names:
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"a sheet name must be non-empty text, not {name!r}")
        if len(name) > 31:
            raise ValueError(f"sheet name {name!r} is {len(name)} characters long; Excel allows 31")
        if _BAD_SHEET.search(name):
            raise ValueError(f"sheet name {name!r} contains one of []:*?/\\, which Excel does not allow")
        if name.lower() in seen:
            raise ValueError(f"sheet names {seen[name.lower()]!r} and {name!r} differ only in case; Excel needs them distinct")
        seen[name.lower()] = name


def _excel_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as Excel can hold it: index as columns when it matters, flat column
    names, timezone-free dates."""
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.names != [None] or frame.index.start != 0 \
            or frame.index.step != 1:
        frame = frame.reset_index()
    else:
        frame = frame.copy()
    if isinstance(frame.columns, pd.MultiIndex):
        frame.columns = [" ".join(str(p) for p in c if str(p)) for c in frame.columns]
    frame.columns = [str(c) for c in frame.columns]
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.DatetimeTZDtype):
            frame[col] = frame[col].dt.tz_localize(None)
    return frame


def _display_len(text: str) -> int:
    """Width of ``text`` in Excel's character units: East Asian wide characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _width(col: str, values: pd.Series, fmt: str | None) -> float:
    if fmt == "0.0%":
        cells = [6]
    elif fmt == "yyyy-mm-dd":
        cells = [10]
    elif fmt:
        cells = [len(f"{v:,.{fmt.count('0') - 1}f}") for v in values.dropna().head(2000)]
    else:
        cells = [_display_len(str(v)) for v in values.dropna().head(2000)]
    widest = max([_display_len(str(col)) + 3, *cells])  # +3: room for the filter button
    return float(min(max(widest + 1, _MIN_WIDTH), _MAX_WIDTH))
