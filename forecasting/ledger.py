"""Reading and writing one ledger snapshot, and checking it against DATA.md.

A snapshot is a ``.csv`` (UTF-8, with or without BOM, any line ends) or ``.xlsx`` (first
sheet). Headers may be English or the Chinese aliases; an amount header may name its unit
(亿元, 万元), and amounts are converted to billion CNY. Every breach is collected, never
stopping at the first; rows are numbered as a spreadsheet shows them (header = row 1).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .district import District
from .errors import Breach
from .schema import (
    DATE_COLUMNS,
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

#: The date each stage requires (at or past it).
_REQUIRED_DATE = {"signed": "signed_date", "approved": "approved_date",
                  "under_construction": "groundbreaking_date", "operating": "operating_date"}
_REVERSE_ALIAS = {v: k for k, v in HEADER_ALIASES.items()}


def read_table(path: Path) -> pd.DataFrame:
    """The raw cells of a .csv or .xlsx file as text (``""`` for empty); dates from Excel
    cells become ISO text. Raises ``ValueError`` with a sentence when unreadable."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise ValueError("is not UTF-8 text; save it as CSV UTF-8") from None
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise ValueError(f"cannot be read as CSV ({str(exc).splitlines()[0]})") from None
    elif suffix == ".xlsx":
        try:
            raw = pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many types for a broken file
            raise ValueError(f"cannot be read as an Excel workbook ({type(exc).__name__})") from None
        raw = raw.apply(lambda col: col.map(_cell_text))
    else:
        raise ValueError("is neither .csv nor .xlsx")
    raw.columns = [str(c).strip() for c in raw.columns]
    return raw.astype(object).map(lambda v: str(v).strip())


def _cell_text(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d") if v == v.normalize() else v.isoformat()
    if hasattr(v, "isoformat") and not isinstance(v, str):
        text = v.isoformat()
        return text[:10] if text.endswith("T00:00:00") or len(text) == 10 else text
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _to_number(col: pd.Series) -> pd.Series:
    return pd.to_numeric(col.str.replace(",", "", regex=False), errors="coerce")


def _to_date(col: pd.Series) -> pd.Series:
    ok = col.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    parsed = pd.to_datetime(col.where(ok), format="%Y-%m-%d", errors="coerce")
    return parsed.astype("datetime64[ns]")


def parse_snapshot(raw: pd.DataFrame, *, label: str, district: District,
                   as_of: pd.Timestamp | None) -> tuple[pd.DataFrame, list[Breach]]:
    """Check the raw cells of one snapshot and build its canonical table.

    Returns the canonical table (rows with breaches kept, unparseable cells missing) and
    the list of breaches.
    """
    out: list[Breach] = []
    header = {}  # canonical -> header as written
    divisor, money_unit = 1.0, "bn"
    for col in raw.columns:
        if col in MONEY_ALIASES:
            if "investment_bn" in header:
                out.append(Breach(label, 1, col, "a second investment column", "one amount column"))
                continue
            money_unit, divisor = MONEY_ALIASES[col]
            header["investment_bn"] = col
        else:
            canon = HEADER_ALIASES.get(col, col)
            if canon in LEDGER_COLUMNS:
                if canon in header:
                    out.append(Breach(label, 1, col, f"column {canon} appears twice", "each column once"))
                    continue
                header[canon] = col
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    for c in missing:
        out.append(Breach(label, 1, c, "required column is missing",
                          f"a column {c}" + (f" (or {_REVERSE_ALIAS[c]})" if c in _REVERSE_ALIAS else "")))
    n = len(raw)
    cell = {c: (raw[h] if h in raw else pd.Series([""] * n, dtype=object))
            for c, h in header.items()}
    for c in LEDGER_COLUMNS:
        cell.setdefault(c, pd.Series([""] * n, index=raw.index, dtype=object))
    rows = np.arange(n) + 2

    def bad(mask, column: str, message, expected: str | None = None) -> None:
        mask = np.asarray(mask, bool)
        name = header.get(column, column)
        for i in np.flatnonzero(mask):
            msg = message(i) if callable(message) else message
            out.append(Breach(label, int(rows[i]), name, msg, expected))

    present = {c: cell[c] != "" for c in LEDGER_COLUMNS}
    for c in REQUIRED_COLUMNS:
        if c not in missing:
            bad(~present[c], c, "is empty", "a value")

    pid = cell["project_id"]
    dup = pid.duplicated(keep="first") & present["project_id"]
    bad(dup, "project_id", lambda i: f"project_id {pid.iloc[i]!r} appears more than once in this file", "unique ids")
    bad(present["sector"] & ~cell["sector"].isin(district.sectors), "sector",
        lambda i: f"unknown sector {cell['sector'].iloc[i]!r}", "one of " + ", ".join(district.sectors))
    bad(present["unit"] & ~cell["unit"].isin(district.unit_ids), "unit",
        lambda i: f"unknown unit {cell['unit'].iloc[i]!r}", "a unit id from district.toml")

    phase = _to_number(cell["phase"])
    bad(present["phase"] & ~((phase >= 1) & (phase % 1 == 0)), "phase",
        lambda i: f"{cell['phase'].iloc[i]!r} is not a whole number ≥ 1", "1, 2, 3 …")

    amount = _to_number(cell["investment_bn"])
    bn = amount / divisor
    bad(present["investment_bn"] & ~(amount > 0), "investment_bn",
        lambda i: f"{cell['investment_bn'].iloc[i]!r} is not an amount above 0", f"a positive number in {money_unit}")
    if money_unit == "亿元":
        looks_wan = (amount > 10_000) | ((amount.median() > 1_000) & (amount > 1_000))
        bad(present["investment_bn"] & looks_wan, "investment_bn",
            lambda i: f"{cell['investment_bn'].iloc[i]} 亿元 is implausible; the column looks like 万元 entered as 亿元",
            "amounts in 亿元 (1 亿元 = 0.1 bn), or rename the column 计划总投资(万元)")
    else:
        too_big = bn > MAX_PLAUSIBLE_BN
        hint = ("万元 or 元 entered as billion" if money_unit == "bn" else "元 entered as 万元")
        bad(present["investment_bn"] & too_big, "investment_bn",
            lambda i: f"{bn.iloc[i]:,.0f} bn is implausible for one project; the value looks like {hint}",
            f"at most {MAX_PLAUSIBLE_BN:,.0f} bn")

    stage = cell["stage"]
    bad(present["stage"] & ~stage.isin(STAGES + (LOST,)), "stage",
        lambda i: f"unknown stage {stage.iloc[i]!r}", " → ".join(STAGES) + " or lost")

    dates = {}
    for c in DATE_COLUMNS:
        d = _to_date(cell[c])
        bad(present[c] & d.isna(), c, lambda i, c=c: f"{cell[c].iloc[i]!r} is not a date", "YYYY-MM-DD")
        dates[c] = d
    rank = stage.map(STAGE_RANK)
    lost = stage == LOST
    for st, col in _REQUIRED_DATE.items():
        need = (rank >= STAGE_RANK[st]).fillna(False).to_numpy()
        bad(need & ~present[col].to_numpy(), col, f"is empty but the stage is at or past {st}",
            "the date the project was " + st.replace("_", " "))
        ahead = (rank < STAGE_RANK[st]).fillna(False).to_numpy() & present[col].to_numpy()
        bad(ahead, col, lambda i: f"is filled but the stage is {stage.iloc[i]}",
            "empty until the project reaches " + st)
    bad(lost & ~present["lost_date"], "lost_date", "is empty but the stage is lost", "the date it was lost")
    bad(~lost & present["lost_date"] & stage.isin(STAGES), "lost_date",
        lambda i: f"is filled but the stage is {stage.iloc[i]}", "empty unless the stage is lost")
    bad(lost & present["operating_date"], "operating_date", "is filled on a lost project",
        "lost can follow any stage before operating")
    # milestones never decrease along the stages; lost comes after every other date
    prev = dates["first_seen"]
    prev_name = pd.Series("first_seen", index=raw.index)
    for c in MILESTONE_DATES[1:]:
        back = dates[c].notna() & prev.notna() & (dates[c] < prev)
        bad(back, c, lambda i, c=c: f"{dates[c].iloc[i]:%Y-%m-%d} is before {prev_name.iloc[i]} "
                                    f"{prev.iloc[i]:%Y-%m-%d}", "milestone dates that never decrease")
        prev_name = prev_name.where(dates[c].isna(), c)
        prev = prev.where(dates[c].isna(), dates[c])
    back = dates["lost_date"].notna() & prev.notna() & (dates["lost_date"] < prev)
    bad(back, "lost_date", lambda i: f"{dates['lost_date'].iloc[i]:%Y-%m-%d} is before {prev_name.iloc[i]} "
                                     f"{prev.iloc[i]:%Y-%m-%d}", "a loss after every milestone reached")
    if as_of is not None:
        for c in DATE_COLUMNS:
            bad(dates[c] > as_of, c, lambda i, c=c: f"{dates[c].iloc[i]:%Y-%m-%d} is after the snapshot's "
                                                    f"as-of date {as_of:%Y-%m-%d}", "no date in the future")

    prov = cell["provincial"]
    bad(present["provincial"] & ~prov.isin(PROVINCIAL_STATUS), "provincial",
        lambda i: f"unknown status {prov.iloc[i]!r}", "none, candidate or designated")
    pyear = _to_number(cell["provincial_year"])
    designated = prov == "designated"
    bad(designated & ~((pyear % 1 == 0) & (pyear > 1900)), "provincial_year",
        lambda i: "is missing or not a year for a designated project", "the list's year, e.g. 2024")

    table = pd.DataFrame({
        "project_id": pid.astype(str),
        "name": cell["name"].astype(str),
        "sector": cell["sector"].astype(str),
        "unit": cell["unit"].astype(str),
        "investor": cell["investor"].astype(str),
        "phase": phase.fillna(1).astype("int64"),
        "investment_bn": bn.astype(float),
        "stage": stage.astype(str),
        **{c: dates[c] for c in DATE_COLUMNS},
        "provincial": prov.replace("", "none").astype(str),
        "provincial_year": pd.array(pyear.where(designated & (pyear % 1 == 0)).round(), dtype="Int64"),
    })
    table["_row"] = rows
    table = table[list(LEDGER_COLUMNS) + ["_row"]].reset_index(drop=True)
    table.attrs["headers"] = dict(header)
    return table, out


def write_snapshot(table: pd.DataFrame, path: Path | str, *, chinese: bool = False,
                   money: str = "亿元") -> Path:
    """Write a canonical table as .csv or .xlsx (by suffix), English or Chinese headers.

    With ``chinese=True`` the amount goes under 计划总投资(亿元) (or 计划总投资(万元) when
    ``money="万元"``).
    """
    path = Path(path)
    out = table[list(LEDGER_COLUMNS)].copy()
    if chinese:
        header, factor = next((h, d) for h, (unit, d) in MONEY_ALIASES.items() if unit == money and h.startswith("计划"))
        out["investment_bn"] = (out["investment_bn"] * factor).round(6 if money == "亿元" else 2)
        out = out.rename(columns={**_REVERSE_ALIAS, "investment_bn": header})
    if path.suffix.lower() == ".xlsx":
        for c in out.columns:
            if pd.api.types.is_datetime64_any_dtype(out[c]):
                out[c] = out[c].dt.date.astype(object).where(out[c].notna(), None)
        out.to_excel(path, index=False, engine="openpyxl")
    else:
        for c in out.columns:
            if pd.api.types.is_datetime64_any_dtype(out[c]):
                out[c] = out[c].dt.strftime("%Y-%m-%d")
        out.to_csv(path, index=False, lineterminator="\n", float_format="%.6g")
    return path
