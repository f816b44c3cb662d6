"""Reading and checking one ledger snapshot (DATA.md), as planners' exports hold it.

A snapshot is a ``.csv`` (UTF-8 with or without BOM, GBK/GB18030, or UTF-16 with a BOM), an ``.xlsx`` or an
``.xls``. The table may sit below title lines or a ``单位：亿元`` line, under a two-row header,
on any sheet (several matching sheets are read together); headers may be English or the
Chinese aliases, and an amount header may name its unit of money (亿元, 万元): amounts become
billion CNY. Every breach of the contract is collected, one line per cause. Rows are numbered
as a spreadsheet shows them; columns are named as the file's header writes them.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ..errors import Breach, RowBreaches
from .cells import find_header, read_cells, read_sheets
from .district import District
from .effort import read_effort
from .money import UNIT_NAME, check_amounts, foreign_money, money_unit
from .schema import (
    ALL_STAGES,
    CHINESE_HEADER,
    DATE_COLUMNS,
    HEADER_ALIASES,
    LEDGER_COLUMNS,
    REQUIRED_COLUMNS,
    STAGES,
)
from .stage_dates import check_date_order, check_stage_dates
from .vocabulary import (
    CNY_NAMES,
    Mapping,
    dates as parse_dates,
    foreign_currency,
    fold,
    fold_header as _key,
    iso_days,
    numbers as _number,
    phase_text,
    project_ids,
    provincial_mapping,
    stage_mapping,
)
from .writing import write_snapshot

__all__ = ["Snapshot", "check_snapshot", "read_cells", "read_effort", "read_snapshot", "write_snapshot"]

#: A cell that marks a row of sums, not a project: 合计, 总计, 小计 (also 新能源小计, 合 计), total.
_TOTAL_CELL = re.compile(r".{0,16}(合计|总计|小计|共计)|(sub|grand)?total|sum")
#: What planners write in a date cell for "not yet": dashes, slashes, 无, 暂无 (folded by NFKC).
_NOT_YET = frozenset({"/", "-", "--", "—", "——", "–", "无", "暂无", "n/a", "na",
                      "nan", "nat", "none", "null"})  # and what a program (pandas) writes for an empty cell
#: How a note below the table opens: 注：, 说明, 备注, 制表人, 填表人, 审核, 数据来源.
_NOTE_CELL = re.compile(r"注|说明|备注|制表|填表|审核|数据来源|来源")
_COLUMN_OF: dict[str, str] = {_key(c): c for c in LEDGER_COLUMNS if c != "investment_bn"}
_COLUMN_OF.update({_key(a): c for a, c in HEADER_ALIASES.items()})
#: A column naming each amount's currency (outside the contract, but it must say yuan).
_CURRENCY_HEADERS = frozenset({"币种", "货币", "币别", "货币种类", "投资币种", "currency"})


def not_projects(cells: pd.DataFrame, id_at: int | None) -> np.ndarray:
    """The rows of a table that are not projects: rows of sums (a cell 合计, 总计, 小计 …, and
    no project id but that word) anywhere, and below the last project, notes of at most two
    filled cells with no id or one opening as a note does (注：…, 制表人：…). A row without an
    id between projects is a project missing its id, and stays for the checks."""
    if id_at is None or not len(cells):
        return np.zeros(len(cells), bool)
    grid = cells.to_numpy(dtype=str)
    ids = grid[:, id_at]
    filled = (grid != "").sum(axis=1)
    total = np.zeros(len(grid), bool)
    for i in np.flatnonzero(filled <= grid.shape[1] // 2):  # a row of sums leaves most cells empty
        total[i] = any(_TOTAL_CELL.fullmatch(_key(c)) for c in grid[i] if c)
    no_id = ids == ""
    for i in np.flatnonzero(total & ~no_id):  # the word of sums in the id column itself
        no_id[i] = bool(_TOTAL_CELL.fullmatch(_key(ids[i])))
    project = np.flatnonzero((filled >= 3) & ~(total & no_id))
    after_last = np.arange(len(cells)) > (project[-1] if len(project) else -1)
    tail = after_last & (filled <= 2)
    note_id = ids == ""
    for i in np.flatnonzero(tail & ~note_id):
        note_id[i] = bool(_NOTE_CELL.match(_key(ids[i])))
    return (total & no_id) | (tail & note_id)


def repeated_headers(cells: pd.DataFrame) -> np.ndarray:
    """The rows that repeat the header (a workbook printed with its title row on every page,
    then exported): three or more cells, and most filled cells, written as their column's header."""
    grid = cells.to_numpy(dtype=str)
    head = np.array([str(h).strip() for h in cells.columns], dtype=str)
    same = (grid == head) & (head != "") if grid.size else np.zeros(grid.shape, bool)
    n = same.sum(axis=1)
    return (n >= 3) & (2 * n > (grid != "").sum(axis=1))


def known_header(header: str) -> bool:
    """Whether a header names a column of the contract (in English, an alias, or the amount column)."""
    return _key(header) in _COLUMN_OF or money_unit(header)[0] or foreign_money(header) is not None


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
    labels : the file label of each table row (``file[sheet]`` when several sheets were read).
    explain : what was read and how (sheet, header row, columns, units, value mappings).
    """

    table: pd.DataFrame | None
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    headers: dict[str, str] = field(default_factory=dict)
    breaches: list[Breach] = field(default_factory=list)
    labels: np.ndarray | None = None
    explain: list[str] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)  # label -> the amount column's unit


def read_snapshot(path: Path | str, district: District | None, *, label: str | None = None,
                  as_of: pd.Timestamp | None = None) -> Snapshot:
    """Read one ledger snapshot file and check it against every within-file rule of DATA.md.

    Parameters
    ----------
    path : a ``.csv``, ``.xlsx`` or ``.xls`` snapshot.
    district : gives the sectors, unit ids and names; ``None`` skips those two checks.
    label : the file's name in messages (default: ``path`` as given).
    as_of : the snapshot's as-of date; no date may lie after it (``None``: not checked).

    Returns
    -------
    Snapshot
        The canonical table with every breach found (an empty list when the file is valid).

    Examples
    --------
    >>> from forecasting.data.district import read_district
    >>> snap = read_snapshot("data/ledger/2019Q1.csv", read_district("data/district.toml"))
    >>> snap.breaches
    []
    """
    label = str(path) if label is None else label
    try:
        sheets, encoding = read_sheets(Path(path))
        found = [(s, find_header(s, known_header)) for s in sheets]
    except ValueError as exc:
        return Snapshot(None, breaches=[Breach(label, None, None, str(exc))])
    tables = [t for s, t in found if t is not None and not s.hidden]
    hidden = [t for s, t in found if t is not None and s.hidden]
    if not tables:  # a ledger only on hidden sheets is still the ledger
        tables, hidden = hidden, []
    if not any(any(any(r) for r in s.grid) for s in sheets):
        return Snapshot(None, breaches=[Breach(label, None, None, "is empty; a header row and one row per "
                                               "project were expected")])
    if not tables:
        where = ("in the first 15 rows" if len(sheets) == 1 else
                 "in the first 15 rows of any sheet (" + ", ".join(str(s.name) for s in sheets) + ")")
        return Snapshot(None, breaches=[Breach(label, None, None, f"has no header row {where}",
                                               "a row naming the columns, such as project_id, name, stage … "
                                               "or 项目编号, 项目名称, 进度 …")])
    many = len(sheets) > 1
    snaps = []
    for t in tables:
        where = f"{label}[{t.sheet}]" if many else label
        sheet = next(s for s, u in found if u is t)
        cells, dropped = _visible(t.cells, sheet.hidden_columns)
        snap = check_snapshot(cells, district, label=where, as_of=as_of, unit_line=t.unit_line)
        snap.breaches[:0] = _foreign_unit_line(sheet.grid[:t.header_row - 1], where)
        head = f"{where}: " + (f"sheet {t.sheet!r}, " if t.sheet is not None else "") + f"header in row {t.header_row}"
        if encoding and encoding != "utf-8":
            head += f", encoding {encoding}"
        snap.explain.insert(0, head)
        if dropped:
            snap.explain.insert(1, "  hidden columns left out, a visible column has the same name: " + ", ".join(dropped))
        snaps.append(snap)
    if hidden:
        snaps[0].explain.insert(1, "  hidden sheets left out (Excel does not show them): "
                                + ", ".join(repr(t.sheet) for t in hidden))
    snap = snaps[0] if len(snaps) == 1 else _together(snaps, [f"{label}[{t.sheet}]" for t in tables])
    unsaved = sum(s.unsaved_formulas for s in sheets)
    if unsaved and snap.breaches:  # the likely cause of its empty cells, said once, first
        snap.breaches.insert(0, Breach(label, None, None, f"has {unsaved:,} formula cell{'s' if unsaved > 1 else ''} "
                                       "with no saved value (the workbook was written by a program and never "
                                       "saved in Excel), read as empty",
                                       "values: open the file in Excel (or WPS) and save it, or export values "
                                       "instead of formulas"))
    if not len(snap.table) and not snap.breaches:  # nothing to forecast from, nor to hold later snapshots to
        snap.breaches.append(Breach(label, None, None, "has a header but no project rows",
                                    "one row per project known at the quarter's end (was the export filtered?)"))
    return snap


def _foreign_unit_line(above: list[list[str]], label: str) -> list[Breach]:
    """A ``单位：万美元`` line above the table: the amounts are not in yuan, whatever the header says."""
    for r, row in enumerate(above, start=1):
        for c in row:
            if "单位" in c and foreign_currency(c):
                return [Breach(label, r, None, f"{c!r}: the amounts are in a foreign currency ({foreign_currency(c)})",
                               "amounts in CNY: convert them (at the rate of each project's signing) and write "
                               "单位：亿元 (or 万元)")]
    return []


def _visible(cells: pd.DataFrame, hidden: frozenset[int]) -> tuple[pd.DataFrame, list[str]]:
    """The table without the hidden columns that a visible column of the same name stands in
    for (an old copy of the amount kept beside the new one), and their headers."""
    def canon(h: str) -> str | None:
        return "investment_bn" if money_unit(h)[0] else _COLUMN_OF.get(_key(h))

    names = [canon(str(h)) for h in cells.columns]
    shown = {n for j, n in enumerate(names) if j not in hidden and n}
    drop = [j for j, n in enumerate(names) if j in hidden and n in shown]
    if not drop:
        return cells, []
    keep = [j for j in range(cells.shape[1]) if j not in drop]
    return cells.iloc[:, keep], [repr(str(cells.columns[j])) for j in drop]


def _together(snaps: list[Snapshot], labels: list[str]) -> Snapshot:
    """Several sheets of one snapshot as one table; a project id on two sheets is a breach."""
    out = [b for s in snaps for b in s.breaches]
    table = pd.concat([s.table for s in snaps], ignore_index=True)
    rows = np.concatenate([s.rows for s in snaps])
    where = np.concatenate([np.full(len(s.rows), lab, dtype=object) for s, lab in zip(snaps, labels)])
    pid = table["project_id"]
    first = pd.Series(where).groupby(pid.to_numpy()).transform("first").to_numpy()
    headers = snaps[0].headers
    dup = (pid.duplicated().to_numpy() & (pid != "").to_numpy() & (where != first))
    found = RowBreaches(labels[0], rows, headers, where)
    found.add(dup, "project_id", lambda i: f"project_id {pid.iloc[i]!r} is also on sheet {first[i]}",
              "each project on one sheet only", many="have project ids that are also on an earlier sheet",
              value=lambda i: pid.iloc[i])
    units = {k: v for s in snaps for k, v in s.units.items()}
    return Snapshot(table, rows, headers, out + found.out, where, [x for s in snaps for x in s.explain], units)


def check_snapshot(cells: pd.DataFrame, district: District | None, *, label: str,
                   as_of: pd.Timestamp | None = None, unit_line: str | None = None) -> Snapshot:
    """Check the cells of one snapshot table (as :func:`read_cells` gives them) and build its
    canonical table. ``unit_line`` is the unit of a ``单位：亿元`` line above the table.

    See :func:`read_snapshot` for the other parameters.
    """
    out: list[Breach] = []
    headers: dict[str, str] = {}
    where: dict[str, int] = {}
    unit: str | None = "bn"
    explain: list[str] = []
    abroad: str | None = None  # an amount column in a foreign currency
    currency_at: int | None = None
    for j, header in enumerate(cells.columns):
        key = _key(header)
        if key in _CURRENCY_HEADERS and currency_at is None:
            currency_at = j
        is_money, money = money_unit(header)
        if not is_money and foreign_money(header):
            abroad = abroad or str(header)
            continue
        canon = "investment_bn" if is_money else _COLUMN_OF.get(key)
        if canon is None:
            continue  # columns outside the contract are allowed and ignored
        if canon in headers:
            out.append(Breach(label, None, str(header), f"a second {canon} column (the first is "
                              f"{headers[canon]!r})", "each column once"))
            continue
        headers[canon], where[canon] = str(header), j
        if canon == "investment_bn":
            unit = money
    if abroad and "investment_bn" not in headers:  # beside a CNY amount column (外资金额(万美元)) it is an extra
        out.append(Breach(label, None, abroad, f"the amounts are in a foreign currency ({foreign_money(abroad)})",
                          "amounts in CNY: convert them (at the rate of each project's signing) under a header "
                          "such as 计划总投资(亿元)"))
    amount_header = headers.get("investment_bn", "investment_bn")
    if "investment_bn" in headers and unit_line is not None:
        if unit is None:
            unit = unit_line
        elif unit != unit_line:
            out.append(Breach(label, None, amount_header, f"the header says {UNIT_NAME[unit]} but the line "
                              f"above the table says 单位：{unit_line}", "one unit: correct the header or the "
                              "单位 line"))
    for c in REQUIRED_COLUMNS:
        if c not in headers and not (c == "investment_bn" and abroad):
            alias = "计划总投资(亿元)" if c == "investment_bn" else CHINESE_HEADER.get(c)
            out.append(Breach(label, None, c, "required column is missing",
                              f"a column {c}" + (f" or {alias}" if alias else "")))
    explain.append("  columns: " + ", ".join(
        (f"{h!r} → {c}" if _key(h) != c else c) + (f" ({UNIT_NAME.get(unit or '', 'no unit')})"
                                                    if c == "investment_bn" else "") for c, h in headers.items()))

    again = repeated_headers(cells)
    if again.any():
        explain.append(f"  rows left out as the header repeated: {', '.join(map(str, cells.index[again][:8]))}"
                       + (", …" if again.sum() > 8 else ""))
        cells = cells[~again]
    skip = not_projects(cells, where.get("project_id"))
    if skip.any():
        explain.append(f"  rows left out as sums or notes, not projects: {', '.join(map(str, cells.index[skip][:8]))}"
                       + (", …" if skip.sum() > 8 else ""))
        cells = cells[~skip]
    n = len(cells)
    rows = cells.index.to_numpy()
    blank = pd.Series([""] * n, dtype=object)
    cell = {c: (cells.iloc[:, where[c]].reset_index(drop=True).astype(str) if c in where else blank)
            for c in LEDGER_COLUMNS}
    used: Counter = Counter()
    for c in (*DATE_COLUMNS, "provincial_year"):  # a dash or 无 where a milestone is not reached yet
        short = cell[c].str.len().between(1, 4)  # every "not yet" mark is short; dates are not
        dash = pd.Series(False, index=cell[c].index)
        dash[short] = cell[c][short].map(fold).isin(_NOT_YET)
        if dash.any():
            used[f"{c}: {', '.join(sorted(set(cell[c][dash])))} read as empty"] += int(dash.sum())
            cell[c] = cell[c].where(~dash, "")
    cell["project_id"], u0, sci = project_ids(cell["project_id"])
    used.update(u0)
    present = {c: (cell[c] != "").to_numpy() for c in LEDGER_COLUMNS}
    found = RowBreaches(label, rows, headers)
    bad = found.add

    def text(c: str) -> Callable[[int], str]:
        return lambda i: cell[c].iloc[i]

    for c in REQUIRED_COLUMNS:
        if c in headers:
            bad(~present[c], c, "is empty", "a value", many="are empty")

    pid = cell["project_id"]
    bad(sci, "project_id", lambda i: f"{pid.iloc[i]!r} is a number in scientific notation: the id's digits are lost",
        "the ids as text: format the column as Text in Excel (or write each id with a leading ') and copy the ids "
        "in again", many="are numbers in scientific notation, the ids' digits lost", value=text("project_id"))
    first_row = pd.Series(rows).groupby(pid.to_numpy()).transform("first").to_numpy()
    bad(pid.duplicated().to_numpy() & present["project_id"], "project_id",
        lambda i: f"project_id {pid.iloc[i]!r} appears more than once in this file (first in row "
                  f"{first_row[i]})", "project ids unique within a file",
        many="repeat a project id of an earlier row", value=text("project_id"))
    sector, unit_id = cell["sector"], cell["unit"]
    if district is not None:
        sector, u1 = Mapping.of(district.sectors, district.names("sectors")).apply(cell["sector"])
        unit_id, u2 = Mapping.of(district.unit_ids, district.names("units")).apply(cell["unit"])
        used.update({f"sector {k}": v for k, v in u1.items()})
        used.update({f"unit {k}": v for k, v in u2.items()})
        bad(present["sector"] & ~sector.isin(district.sectors), "sector",
            lambda i: f"unknown sector {text('sector')(i)!r}",
            "one of " + ", ".join(district.sectors) + ", a sector label, or a name mapped in district.toml "
            "[aliases.sectors] (or add the sector to sectors)", many="have unknown sectors", value=text("sector"))
        bad(present["unit"] & ~unit_id.isin(district.unit_ids), "unit",
            lambda i: f"unknown unit {text('unit')(i)!r}",
            "a unit id of district.toml: " + ", ".join(district.unit_ids) + "; a unit's label or label_zh, "
            "or a name mapped in district.toml [aliases.units] (or add the unit as [[units]])",
            many="have unknown units", value=text("unit"))

    phase_cells, u3 = phase_text(cell["phase"])
    used.update({f"phase {k}": v for k, v in u3.items()})
    phase = _number(phase_cells)
    bad(present["phase"] & ~((phase >= 1) & (phase % 1 == 0)), "phase",
        lambda i: f"{text('phase')(i)!r} is not a whole number ≥ 1", "1 for a first investment, 2 or more "
        "for a later phase (or 一期, 二期 …)", many="are not whole numbers ≥ 1", value=text("phase"))

    bn = check_amounts(cell["investment_bn"], present["investment_bn"], unit, bad, used, out, label, amount_header)
    if currency_at is not None:  # 币种 美元 beside an amount: the amount is not in yuan
        money = cells.iloc[:, currency_at].reset_index(drop=True).astype(str)
        other = ((money != "") & ~money.map(fold).isin(CNY_NAMES)).to_numpy()
        bn = bn.where(~other)
        bad(other & present["investment_bn"], "investment_bn", lambda i: f"the column {cells.columns[currency_at]!r} "
            f"says {money.iloc[i]!r}: the amount is not in CNY", "amounts in CNY: convert the amount (at the rate "
            f"of its signing) and write 人民币 in {cells.columns[currency_at]!r} or leave it empty",
            many=f"are in another currency than CNY, as the column {cells.columns[currency_at]!r} says",
            value=lambda i: money.iloc[i])

    stage, u4 = stage_mapping(district.aliases.get("stages") if district else None).apply(cell["stage"])
    used.update({f"stage {k}": v for k, v in u4.items()})
    bad(present["stage"] & ~stage.isin(ALL_STAGES), "stage", lambda i: f"unknown stage {text('stage')(i)!r}",
        " → ".join(STAGES) + ", or lost; or 线索, 在谈, 已签约, 已供地, 在建, 已投产, 终止; or map them in "
        "district.toml [aliases.stages]", many="have unknown stages", value=text("stage"))

    dates: dict[str, pd.Series] = {}
    for c in DATE_COLUMNS:
        d, problem, advice = parse_dates(cell[c])
        dates[c] = d
        converted = int((present[c] & d.notna().to_numpy() & ~iso_days(cell[c].to_numpy(dtype=str))).sum())
        if converted:
            used[f"{c}: dates from text or Excel serial numbers"] += converted
        for why, what in advice.items():
            plural = {"not a date": "are not dates", "no such day": "are days that do not exist",
                      "a month without a day": "give a month without a day",
                      "an ambiguous day-first date": "hold ambiguous day-first dates",
                      "a two-digit year": "have two-digit years"}[why]
            bad(present[c] & (problem == why).to_numpy(), c, lambda i, c=c, w=why: f"{text(c)(i)!r} is not a date"
                + ("" if w == "not a date" else f": {w}"),
                what, many=plural, value=text(c))
    has = {c: dates[c].notna().to_numpy() for c in DATE_COLUMNS}
    check_stage_dates(stage, present, has, headers, bad, out, label)
    check_date_order(dates, bad, as_of)

    prov, u5 = provincial_mapping().apply(cell["provincial"])
    used.update({f"provincial {k}": v for k, v in u5.items()})
    bad(present["provincial"] & ~prov.isin(["none", "candidate", "designated"]), "provincial",
        lambda i: f"unknown status {text('provincial')(i)!r}", "none, candidate or designated (or 否, 候选, 是)",
        many="have unknown statuses", value=text("provincial"))
    year = _number(cell["provincial_year"])
    is_year = ((year % 1 == 0) & (year >= 1900) & (year <= 2200)).to_numpy()
    bad(present["provincial_year"] & ~is_year, "provincial_year",
        lambda i: f"{text('provincial_year')(i)!r} is not a year", "the list's year, such as 2024",
        many="are not years", value=text("provincial_year"))
    bad((prov == "designated").to_numpy() & ~present["provincial_year"], "provincial_year",
        "is empty but the project is designated", "the year of the provincial list, such as 2024",
        many="are empty but the project is designated")

    table = pd.DataFrame({
        **{c: cell[c].astype(str) for c in ("project_id", "name", "investor")},
        "sector": sector.astype(str), "unit": unit_id.astype(str),
        "phase": phase.fillna(0).round().astype("int64"),
        "investment_bn": bn.astype(float),
        "stage": stage.astype(str),
        **{c: dates[c] for c in DATE_COLUMNS},
        "provincial": prov.astype(str),
        "provincial_year": pd.array(year.where(is_year).round(), dtype="Int64"),
    })[list(LEDGER_COLUMNS)]
    explain += [f"  {k} ×{v:,}" for k, v in sorted(used.items())]
    return Snapshot(table, rows, headers, out + found.out, None, explain, {label: unit or ""})
