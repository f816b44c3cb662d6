"""Reading, checking and writing one ledger snapshot, and the effort table (DATA.md).

A snapshot is a ``.csv`` (UTF-8 with or without BOM, CRLF or LF line ends) or an ``.xlsx``
(first sheet). Headers may be English or the Chinese aliases, and an amount header may name
its unit of money (亿元, 万元); amounts become billion CNY. Every breach of the contract is
collected, never stopping at the first. Rows are numbered as a spreadsheet shows them: the
header is row 1, the first project row 2. Columns are named as the file's header writes them.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from .district import District
from .errors import Breach
from .schema import (
    ALL_STAGES,
    DATE_COLUMNS,
    EFFORT_COLUMNS,
    HEADER_ALIASES,
    LEDGER_COLUMNS,
    LOST,
    MAX_PLAUSIBLE_BN,
    MILESTONE_DATES,
    MONEY_ALIASES,
    PROVINCIAL_STATUS,
    REQUIRED_COLUMNS,
    STAGE_RANK,
    STAGES,
)

#: The milestone date a stage requires, for the stage itself and every stage past it.
_REQUIRED_DATE: dict[str, str] = {
    "signed": "signed_date",
    "approved": "approved_date",
    "under_construction": "groundbreaking_date",
    "operating": "operating_date",
}
_REVERSE_ALIAS: dict[str, str] = {v: k for k, v in HEADER_ALIASES.items()}
_MONEY_HEADER: dict[str, str] = {"亿元": "计划总投资(亿元)", "万元": "计划总投资(万元)"}
#: Decimals kept when writing an amount in each unit, so that write -> read gives it back.
_MONEY_DECIMALS: dict[str, int] = {"亿元": 11, "万元": 7}
_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]00:00(?::00)?)?")
_YI_COLUMN_MEDIAN = 1_000.0  # a 亿元 column whose median is above this holds 万元
_WAN_COLUMN_MEDIAN = 100.0  # a 万元 column whose median is below this (0.001 bn) holds 亿元


def _key(header: str) -> str:
    """A header reduced for matching: full-width forms folded, case and padding ignored."""
    text = unicodedata.normalize("NFKC", str(header)).strip().lower()
    return re.sub(r"\s*([()])\s*", r"\1", text)


_COLUMN_OF: dict[str, str] = {_key(c): c for c in LEDGER_COLUMNS if c != "investment_bn"}
_COLUMN_OF.update({_key(a): c for a, c in HEADER_ALIASES.items()})
_MONEY_OF: dict[str, tuple[str, float]] = {_key(a): u for a, u in MONEY_ALIASES.items()}


# --------------------------------------------------------------------------- reading cells
def read_cells(path: Path | str) -> pd.DataFrame:
    """The cells of a ``.csv`` or ``.xlsx`` file as stripped text, ``""`` where empty.

    Parameters
    ----------
    path : the file; ``.csv`` is read as UTF-8 (a BOM is allowed), ``.xlsx`` from its first
        sheet. Excel date cells become ISO ``YYYY-MM-DD`` text.

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
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            grid = _csv_grid(path)
        elif suffix == ".xlsx":
            grid = _xlsx_grid(path)
        else:
            raise ValueError("is neither a .csv nor an .xlsx file")
    except OSError as exc:
        raise ValueError(f"cannot be opened ({exc.strerror or type(exc).__name__})") from None
    if len(grid) == 0:
        raise ValueError("is empty; a header row and one row per project were expected")
    grid = grid.apply(lambda col: col.astype(str).str.strip())
    cells = grid.iloc[1:].copy()
    cells.columns = list(grid.iloc[0])
    cells.index = np.arange(2, len(grid) + 1)
    return cells[(cells != "").any(axis=1)]


def _csv_grid(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, header=None, dtype=str, keep_default_na=False, na_filter=False,
                           skip_blank_lines=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError('is not UTF-8 text; save it as "CSV UTF-8" or as .xlsx') from None
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except pd.errors.ParserError as exc:
        ragged = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if ragged:
            n, line, seen = ragged.groups()
            raise ValueError(f"cannot be read as CSV: row {line} has {seen} cells but the header has {n} "
                             "(quote text that contains commas)") from None
        detail = str(exc).strip().splitlines()[-1].replace("Error tokenizing data. C error: ", "")
        raise ValueError(f"cannot be read as CSV ({detail}); check the quotes") from None


def _xlsx_grid(path: Path) -> pd.DataFrame:
    try:
        grid = pd.read_excel(path, sheet_name=0, header=None, dtype=object, engine="openpyxl",
                             na_filter=False)
    except OSError:
        raise
    except Exception as exc:  # openpyxl and zipfile raise many types for one broken workbook
        raise ValueError(f"cannot be read as an Excel workbook ({type(exc).__name__}); "
                         "re-save it from Excel as .xlsx") from None
    return grid.map(_cell_text)


def _cell_text(value: Any) -> str:
    """One Excel cell as the text a CSV would hold."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.strftime("%Y-%m-%d")  # a date cell is a date, whatever its time
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


# ------------------------------------------------------------------------ checking a snapshot
@dataclass
class Snapshot:
    """One snapshot file read and checked.

    Attributes
    ----------
    table : the canonical table (``DataFolder.snapshots``' form); meaningful only when
        ``breaches`` is empty, and ``None`` when the file could not be read at all.
    rows : the spreadsheet row of each table row.
    headers : canonical column -> the header as written in the file.
    breaches : every breach found in the file.
    """

    table: pd.DataFrame | None
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    headers: dict[str, str] = field(default_factory=dict)
    breaches: list[Breach] = field(default_factory=list)


def read_snapshot(path: Path | str, district: District | None, *, label: str | None = None,
                  as_of: pd.Timestamp | None = None) -> Snapshot:
    """Read one ledger snapshot file and check it against every within-file rule of DATA.md.

    Parameters
    ----------
    path : a ``.csv`` or ``.xlsx`` snapshot.
    district : gives the sectors and unit ids; ``None`` skips those two checks.
    label : the file's name in messages (default: ``path`` as given).
    as_of : the snapshot's as-of date; no date may lie after it (``None``: not checked).

    Returns
    -------
    Snapshot
        The canonical table with every breach found (an empty list when the file is valid).

    Examples
    --------
    >>> from forecasting.district import read_district
    >>> snap = read_snapshot("data/ledger/2019Q1.csv", read_district("data/district.toml"))
    >>> snap.breaches
    []
    """
    label = str(path) if label is None else label
    try:
        cells = read_cells(path)
    except ValueError as exc:
        return Snapshot(None, breaches=[Breach(label, None, None, str(exc))])
    return check_snapshot(cells, district, label=label, as_of=as_of)


def check_snapshot(cells: pd.DataFrame, district: District | None, *, label: str,
                   as_of: pd.Timestamp | None = None) -> Snapshot:
    """Check the cells of one snapshot (as :func:`read_cells` gives them) and build its table.

    See :func:`read_snapshot` for the parameters.
    """
    out: list[Breach] = []
    headers: dict[str, str] = {}
    where: dict[str, int] = {}
    unit, divisor = "bn", 1.0
    for j, header in enumerate(cells.columns):
        key = _key(header)
        canon = "investment_bn" if key in _MONEY_OF else _COLUMN_OF.get(key)
        if canon is None:
            continue  # columns outside the contract are allowed and ignored
        if canon in headers:
            out.append(Breach(label, None, str(header), f"a second {canon} column (the first is "
                              f"{headers[canon]!r})", "each column once"))
            continue
        headers[canon], where[canon] = str(header), j
        if canon == "investment_bn":
            unit, divisor = _MONEY_OF[key]
    for c in REQUIRED_COLUMNS:
        if c not in headers:
            alias = _MONEY_HEADER["亿元"] if c == "investment_bn" else _REVERSE_ALIAS.get(c)
            out.append(Breach(label, None, c, "required column is missing",
                              f"a column {c}" + (f" or {alias}" if alias else "")))

    n = len(cells)
    rows = cells.index.to_numpy()
    blank = pd.Series([""] * n, dtype=object)
    cell = {c: (cells.iloc[:, where[c]].reset_index(drop=True).astype(object) if c in where else blank)
            for c in LEDGER_COLUMNS}
    present = {c: (cell[c] != "").to_numpy() for c in LEDGER_COLUMNS}

    def bad(mask: Any, column: str, message: str | Callable[[int], str], expected: str | None) -> None:
        name = headers.get(column, column)
        for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
            out.append(Breach(label, int(rows[i]), name, message(i) if callable(message) else message,
                              expected))

    def text(c: str) -> Callable[[int], str]:
        return lambda i: cell[c].iloc[i]

    for c in REQUIRED_COLUMNS:
        if c in headers:
            bad(~present[c], c, "is empty", "a value")

    pid = cell["project_id"]
    first_row = pd.Series(rows).groupby(pid.to_numpy()).transform("first").to_numpy()
    bad(pid.duplicated().to_numpy() & present["project_id"], "project_id",
        lambda i: f"project_id {pid.iloc[i]!r} appears more than once in this file (first in row "
                  f"{first_row[i]})", "project ids unique within a file")
    if district is not None:
        bad(present["sector"] & ~cell["sector"].isin(district.sectors), "sector",
            lambda i: f"unknown sector {text('sector')(i)!r}", "one of " + ", ".join(district.sectors))
        bad(present["unit"] & ~cell["unit"].isin(district.unit_ids), "unit",
            lambda i: f"unknown unit {text('unit')(i)!r}", "a unit id of district.toml: "
            + ", ".join(district.unit_ids))

    phase = _number(cell["phase"])
    bad(present["phase"] & ~((phase >= 1) & (phase % 1 == 0)), "phase",
        lambda i: f"{text('phase')(i)!r} is not a whole number ≥ 1", "1 for a first investment, 2 or more "
        "for a later phase")

    amount = _number(cell["investment_bn"])
    # 2.14 亿元 / 10 is 0.21400000000000002; rounding at 1e-12 bn (a thousandth of a yuan) cleans it
    bn = amount if divisor == 1 else (amount / divisor).round(12)
    out += _amount_breaches(amount, bn, present["investment_bn"], unit, bad, text("investment_bn"), label,
                            headers.get("investment_bn", "investment_bn"))

    stage = cell["stage"]
    bad(present["stage"] & ~stage.isin(ALL_STAGES), "stage", lambda i: f"unknown stage {text('stage')(i)!r}",
        " → ".join(STAGES) + ", or lost")

    dates = {c: _date(cell[c]) for c in DATE_COLUMNS}
    for c in DATE_COLUMNS:
        bad(present[c] & dates[c].isna().to_numpy(), c, lambda i, c=c: f"{text(c)(i)!r} is not a date",
            "YYYY-MM-DD or an Excel date cell")
    has = {c: dates[c].notna().to_numpy() for c in DATE_COLUMNS}
    _stage_dates(stage, present, has, headers, bad, out, label)
    _date_order(dates, bad, as_of)

    prov = cell["provincial"]
    bad(present["provincial"] & ~prov.isin(PROVINCIAL_STATUS), "provincial",
        lambda i: f"unknown status {text('provincial')(i)!r}", "none, candidate or designated")
    year = _number(cell["provincial_year"])
    is_year = ((year % 1 == 0) & (year >= 1900) & (year <= 2200)).to_numpy()
    bad(present["provincial_year"] & ~is_year, "provincial_year",
        lambda i: f"{text('provincial_year')(i)!r} is not a year", "the list's year, such as 2024")
    bad((prov == "designated").to_numpy() & ~present["provincial_year"], "provincial_year",
        "is empty but the project is designated", "the year of the provincial list, such as 2024")

    table = pd.DataFrame({
        **{c: cell[c].astype(str) for c in ("project_id", "name", "sector", "unit", "investor")},
        "phase": phase.fillna(0).round().astype("int64"),
        "investment_bn": bn.astype(float),
        "stage": stage.astype(str),
        **{c: dates[c] for c in DATE_COLUMNS},
        "provincial": prov.astype(str),
        "provincial_year": pd.array(year.where(is_year).round(), dtype="Int64"),
    })[list(LEDGER_COLUMNS)]
    return Snapshot(table, rows, headers, out)


def _amount_text(x: float) -> str:
    """An amount as a planner would type it: ``25`` rather than ``25.0``, every digit kept."""
    if pd.isna(x):
        return ""
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))


def _number(col: pd.Series) -> pd.Series:
    """Numbers written with or without thousands separators; NaN where not a number."""
    return pd.to_numeric(col.astype(str).str.replace(",", "", regex=False), errors="coerce").astype(float)


def _date(col: pd.Series) -> pd.Series:
    """ISO dates (a midnight time part is tolerated); NaT where empty or not a date."""
    col = col.astype(str)
    ok = col.str.fullmatch(_DATE_TEXT.pattern)
    parsed = pd.to_datetime(col.str.slice(0, 10).where(ok), format="%Y-%m-%d", errors="coerce")
    return parsed.astype("datetime64[ns]")


def _amount_breaches(amount: pd.Series, bn: pd.Series, present: np.ndarray, unit: str, bad, text,
                     label: str, header: str) -> list[Breach]:
    """Amounts above 0, and plausible for the unit their header names (see DATA.md)."""
    bad(present & ~(amount > 0).to_numpy(), "investment_bn", lambda i: f"{text(i)!r} is not an amount above 0",
        f"a number above 0, in {'billion CNY' if unit == 'bn' else unit}")
    positive = amount[present & (amount > 0).to_numpy()]
    median = float(positive.median()) if len(positive) else np.nan
    column: list[Breach] = []
    if unit == "亿元" and median > _YI_COLUMN_MEDIAN:
        column.append(Breach(label, None, header, f"the median amount is {median:,.0f} 亿元, typical of 万元: "
                             "the column looks like 万元 entered under a 亿元 header",
                             "amounts in 亿元 (1 亿元 = 0.1 bn), or the header 计划总投资(万元)"))
    elif unit == "万元" and median < _WAN_COLUMN_MEDIAN:
        column.append(Breach(label, None, header, f"the median amount is {median:,.4g} 万元, typical of 亿元: "
                             "the column looks like 亿元 entered under a 万元 header",
                             "amounts in 万元 (10,000 万元 = 0.1 bn), or the header 计划总投资(亿元)"))
    elif unit == "bn" and median > MAX_PLAUSIBLE_BN:
        column.append(Breach(label, None, header, f"the median amount is {median:,.0f} bn: the column looks "
                             "like 万元 or 元 entered as billion", "billion CNY, or a header naming the unit "
                             "such as 计划总投资(万元)"))
    else:
        hint = {"bn": "万元 or 元 entered as billion", "亿元": "万元 entered as 亿元",
                "万元": "元 entered as 万元"}[unit]
        def message(i: int) -> str:
            size = f"{text(i)} bn" if unit == "bn" else f"{text(i)} {unit} ({bn.iloc[i]:,.0f} bn)"
            return f"{size} is implausible for one project: the value looks like {hint}"

        bad(present & (bn > MAX_PLAUSIBLE_BN).to_numpy(), "investment_bn", message,
            f"at most {MAX_PLAUSIBLE_BN:,.0f} bn per project")
    return column


def _stage_dates(stage: pd.Series, present: dict, has: dict, headers: dict, bad, out: list[Breach],
                 label: str) -> None:
    """Each stage has the dates of the stages it reached and none of those it has not."""
    lost = (stage == LOST).to_numpy()
    forward = stage.isin(STAGES).to_numpy()
    rank = stage.map(STAGE_RANK).fillna(-1).to_numpy(int)
    # a lost project reached the furthest stage whose date it keeps (operating cannot be lost)
    reached = np.zeros(len(stage), int)
    for st in ("signed", "approved", "under_construction"):
        reached = np.where(has[_REQUIRED_DATE[st]], STAGE_RANK[st], reached)
    rank = np.where(lost, reached, rank)
    for st, col in _REQUIRED_DATE.items():
        need = (forward | lost) & (rank >= STAGE_RANK[st]) & ~present[col]
        if col not in headers:
            if need.any():
                out.append(Breach(label, None, col, f"column is missing but {int(need.sum())} row"
                                  f"{'s are' if need.sum() > 1 else ' is'} at or past {st}", f"a column {col} or {_REVERSE_ALIAS[col]}"))
            continue
        bad(need & forward, col, lambda i: f"is empty but the stage is {stage.iloc[i]}",
            f"the date the project reached {st}")
        bad(need & lost, col, "is empty but the lost project has a date of a later stage",
            "the dates of every stage it reached")
        bad(forward & (rank < STAGE_RANK[st]) & present[col], col,
            lambda i: f"is filled but the stage is {stage.iloc[i]}", f"empty until the project reaches {st}")
    bad(lost & present["operating_date"], "operating_date", "is filled but the stage is lost",
        "lost only before operating")
    bad(lost & ~present["lost_date"], "lost_date", "is empty but the stage is lost", "the date it was lost")
    bad(forward & present["lost_date"], "lost_date", lambda i: f"is filled but the stage is {stage.iloc[i]}",
        "empty unless the stage is lost")


def _date_order(dates: dict[str, pd.Series], bad, as_of: pd.Timestamp | None) -> None:
    """Milestones never decrease along the stages; lost comes last; nothing after as-of."""
    prev = dates["first_seen"]
    prev_name = pd.Series("first_seen", index=prev.index, dtype=object)
    for c in MILESTONE_DATES[1:]:
        d = dates[c]
        bad((d < prev).to_numpy(), c,
            lambda i, d=d, p=prev, n=prev_name: f"{d.iloc[i]:%Y-%m-%d} is before {n.iloc[i]} {p.iloc[i]:%Y-%m-%d}",
            "milestone dates that never decrease: first_seen ≤ signed_date ≤ approved_date ≤ "
            "groundbreaking_date ≤ operating_date")
        later = d.notna() & ~(d < prev)
        prev, prev_name = prev.where(~later, d), prev_name.where(~later, c)
    latest = pd.DataFrame({c: dates[c] for c in MILESTONE_DATES})
    last = latest.max(axis=1)
    last_name = latest.fillna(pd.Timestamp.min).idxmax(axis=1) if len(latest) else last
    lost = dates["lost_date"]
    bad((lost < last).to_numpy(), "lost_date",
        lambda i: f"{lost.iloc[i]:%Y-%m-%d} is before {last_name.iloc[i]} {last.iloc[i]:%Y-%m-%d}",
        "a loss on or after every other date of the project")
    if as_of is not None:
        for c in DATE_COLUMNS:
            d = dates[c]
            bad((d > as_of).to_numpy(), c, lambda i, d=d: f"{d.iloc[i]:%Y-%m-%d} is after the snapshot's as-of "
                f"date {as_of:%Y-%m-%d}", "no date after the last day of the snapshot's quarter")


# ---------------------------------------------------------------------------------- effort
def read_effort(path: Path | str, district: District | None, *, label: str | None = None,
                quarters: list[str] | tuple[str, ...] = ()) -> tuple[pd.DataFrame, list[Breach]]:
    """Read and check ``effort.csv``.

    Parameters
    ----------
    path : the effort file.
    district : gives the unit ids (``None`` skips the unit checks).
    label : the file's name in messages (default: ``path`` as given).
    quarters : the snapshot quarters; each needs a row for every unit.

    Returns
    -------
    effort, breaches
        ``quarter``, ``unit`` (text), ``staff`` (float), ``visits`` (int), ``budget_m`` (float),
        sorted by quarter and unit; and every breach found.

    Examples
    --------
    >>> effort, breaches = read_effort("data/effort.csv", None)
    >>> breaches
    []
    """
    label = str(path) if label is None else label
    out: list[Breach] = []
    empty = pd.DataFrame({"quarter": pd.Series(dtype=str), "unit": pd.Series(dtype=str),
                          "staff": pd.Series(dtype=float), "visits": pd.Series(dtype="int64"),
                          "budget_m": pd.Series(dtype=float)})
    if not Path(path).is_file():
        return empty, [Breach(label, None, None, "file is missing",
                              "effort.csv with the columns " + ", ".join(EFFORT_COLUMNS))]
    try:
        cells = read_cells(path)
    except ValueError as exc:
        return empty, [Breach(label, None, None, str(exc))]
    cols = {_key(h): j for j, h in reversed(list(enumerate(cells.columns)))}
    missing = [c for c in EFFORT_COLUMNS if c not in cols]
    out += [Breach(label, None, c, "required column is missing", f"a column {c}") for c in missing]
    if missing:
        return empty, out
    rows = cells.index.to_numpy()
    cell = {c: cells.iloc[:, cols[c]].reset_index(drop=True).astype(str) for c in EFFORT_COLUMNS}
    header = {c: str(cells.columns[cols[c]]) for c in EFFORT_COLUMNS}

    def bad(mask: Any, c: str, message: Callable[[int], str] | str, expected: str) -> None:
        for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
            out.append(Breach(label, int(rows[i]), header[c], message(i) if callable(message) else message,
                              expected))

    q, u = cell["quarter"].str.upper(), cell["unit"]
    is_q = q.str.fullmatch(r"\d{4}Q[1-4]").to_numpy()
    bad(~is_q, "quarter", lambda i: f"{cell['quarter'].iloc[i]!r} is not a quarter", "YYYYQn, such as 2024Q1")
    if district is not None:
        bad(~u.isin(district.unit_ids), "unit", lambda i: f"unknown unit {u.iloc[i]!r}",
            "a unit id of district.toml")
    num = {c: _number(cell[c]) for c in ("staff", "visits", "budget_m")}
    bad(~(num["staff"] >= 0), "staff", lambda i: f"{cell['staff'].iloc[i]!r} is not a number ≥ 0",
        "full-time staff, a number ≥ 0")
    bad(~((num["visits"] >= 0) & (num["visits"] % 1 == 0)), "visits",
        lambda i: f"{cell['visits'].iloc[i]!r} is not a whole number ≥ 0", "a count of visits, 0 or more")
    bad(~(num["budget_m"] >= 0), "budget_m", lambda i: f"{cell['budget_m'].iloc[i]!r} is not a number ≥ 0",
        "million CNY, a number ≥ 0")
    key = pd.DataFrame({"quarter": q, "unit": u})
    bad(key.duplicated().to_numpy() & is_q, "unit", lambda i: f"a second row for {u.iloc[i]} in {q.iloc[i]}",
        "one row per unit and quarter")
    if district is not None:
        have = pd.MultiIndex.from_frame(key)
        for quarter in sorted(quarters):
            absent = [x for x in district.unit_ids if (quarter, x) not in have]
            if absent:
                out.append(Breach(label, None, None, f"no row for {quarter} for unit{'s' if len(absent) > 1 else ''} "
                                  + ", ".join(absent), "a row for every unit in every quarter with a snapshot"))
    effort = pd.DataFrame({"quarter": q.astype(str), "unit": u.astype(str), "staff": num["staff"],
                           "visits": num["visits"].fillna(0).round().astype("int64"),
                           "budget_m": num["budget_m"]})
    return effort.sort_values(["quarter", "unit"], kind="stable").reset_index(drop=True), out


# ---------------------------------------------------------------------------------- writing
def write_snapshot(table: pd.DataFrame, path: Path | str, *, chinese: bool = False,
                   money: str = "亿元") -> Path:
    """Write a canonical ledger table as a snapshot file that :func:`read_snapshot` reads back.

    Parameters
    ----------
    table : a canonical table (columns :data:`~forecasting.schema.LEDGER_COLUMNS`; others
        are left out).
    path : ``.csv`` (UTF-8, ISO date text) or ``.xlsx`` (date cells), chosen by the suffix.
    chinese : write the Chinese alias headers, with the amount in ``money`` under
        计划总投资(亿元) or 计划总投资(万元).
    money : ``"亿元"`` or ``"万元"``; used only with ``chinese=True``.

    Returns
    -------
    Path
        ``path``. The file is written whole or not at all.

    Examples
    --------
    >>> import tempfile
    >>> snap = read_snapshot("data/ledger/2019Q1.csv", None)
    >>> out = write_snapshot(snap.table, Path(tempfile.mkdtemp()) / "2019Q1.xlsx", chinese=True)
    >>> read_snapshot(out, None).table["investment_bn"].equals(snap.table["investment_bn"])
    True
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValueError(f"{path.name}: a snapshot is written as .csv or .xlsx")
    if chinese and money not in _MONEY_HEADER:
        raise ValueError(f"money must be 亿元 or 万元, not {money!r}")
    out = table[list(LEDGER_COLUMNS)].copy()
    unit = money if chinese else "bn"
    factor = dict(MONEY_ALIASES.values())[unit]
    if chinese:  # x * 10 carries float noise; the decimals kept still give x back on reading
        out["investment_bn"] = (out["investment_bn"].astype(float) * factor).round(_MONEY_DECIMALS[unit])
    if chinese:
        out = out.rename(columns={**_REVERSE_ALIAS, "investment_bn": _MONEY_HEADER[money]})
    tmp = path.with_name(f".{path.stem}.partial{path.suffix}")
    try:
        if suffix == ".xlsx":
            for c in out.columns:
                if pd.api.types.is_datetime64_any_dtype(out[c]):
                    out[c] = pd.Series([d.date() if pd.notna(d) else None for d in out[c]], dtype=object)
                else:
                    out[c] = out[c].astype(object).where(out[c].notna(), None)
            out.to_excel(tmp, index=False, engine="openpyxl")
        else:
            for c in out.columns:
                if pd.api.types.is_datetime64_any_dtype(out[c]):
                    out[c] = out[c].dt.strftime("%Y-%m-%d")
            amount = out.columns[list(LEDGER_COLUMNS).index("investment_bn")]
            out[amount] = out[amount].map(_amount_text)
            out.to_csv(tmp, index=False, lineterminator="\n", encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
