"""Reading and checking one ledger snapshot (DATA.md), as planners' exports hold it.

A snapshot is a ``.csv`` (UTF-8 with or without BOM, or GBK/GB18030), an ``.xlsx`` or an
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
from .schema import (
    ALL_STAGES,
    DATE_COLUMNS,
    HEADER_ALIASES,
    LEDGER_COLUMNS,
    LOST,
    MAX_PLAUSIBLE_BN,
    MILESTONE_DATES,
    MONEY_ALIASES,
    REQUIRED_COLUMNS,
    STAGE_DATE,
    STAGE_RANK,
    STAGES,
)
from .vocabulary import (
    BN_PER,
    DIVISOR,
    Mapping,
    amounts,
    dates as parse_dates,
    fold_header as _key,
    numbers as _number,
    phase_text,
    provincial_mapping,
    stage_mapping,
)
from .writing import write_snapshot

__all__ = ["Snapshot", "check_snapshot", "read_cells", "read_effort", "read_snapshot", "write_snapshot"]

#: The milestone date a stage requires, for the stage itself and every stage past it.
_REQUIRED_DATE: dict[str, str] = {s: STAGE_DATE[s] for s in STAGES[STAGE_RANK["signed"]:]}
_REVERSE_ALIAS: dict[str, str] = {v: k for k, v in HEADER_ALIASES.items()}
_YI_COLUMN_MEDIAN = 1_000.0  # a 亿元 column whose median is above this holds 万元
_WAN_COLUMN_MEDIAN = 100.0  # a 万元 column whose median is below this (0.001 bn) holds 亿元
_UNIT_NAME = {"bn": "billion CNY", "亿元": "亿元", "万元": "万元", "元": "元"}

_COLUMN_OF: dict[str, str] = {_key(c): c for c in LEDGER_COLUMNS if c != "investment_bn"}
_COLUMN_OF.update({_key(a): c for a, c in HEADER_ALIASES.items()})
_MONEY_OF: dict[str, str | None] = {_key(a): u for a, (u, _) in MONEY_ALIASES.items()}
_MONEY_HEADER = re.compile(r"(计划总投资额?|总投资额?|计划投资|投资额|投资总额)(?:\((亿元|万元|元)\))?")


def money_unit(header: str) -> tuple[bool, str | None]:
    """Whether a header is the amount column, and the unit it names (``None``: none)."""
    key = _key(header)
    if key in _MONEY_OF:
        return True, _MONEY_OF[key]
    m = _MONEY_HEADER.fullmatch(key)
    return (True, m.group(2)) if m else (False, None)


def known_header(header: str) -> bool:
    return _key(header) in _COLUMN_OF or money_unit(header)[0]


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
        tables = [t for t in (find_header(s, known_header) for s in sheets) if t is not None]
    except ValueError as exc:
        return Snapshot(None, breaches=[Breach(label, None, None, str(exc))])
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
        snap = check_snapshot(t.cells, district, label=where, as_of=as_of, unit_line=t.unit_line)
        head = f"{where}: " + (f"sheet {t.sheet!r}, " if t.sheet is not None else "") + f"header in row {t.header_row}"
        if encoding and encoding != "utf-8":
            head += f", encoding {encoding}"
        snap.explain.insert(0, head)
        snaps.append(snap)
    if len(snaps) == 1:
        return snaps[0]
    return _together(snaps, [f"{label}[{t.sheet}]" for t in tables])


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
    for j, header in enumerate(cells.columns):
        key = _key(header)
        is_money, money = money_unit(header)
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
    amount_header = headers.get("investment_bn", "investment_bn")
    if "investment_bn" in headers and unit_line is not None:
        if unit is None:
            unit = unit_line
        elif unit != unit_line:
            out.append(Breach(label, None, amount_header, f"the header says {_UNIT_NAME[unit]} but the line "
                              f"above the table says 单位：{unit_line}", "one unit: correct the header or the "
                              "单位 line"))
    for c in REQUIRED_COLUMNS:
        if c not in headers:
            alias = "计划总投资(亿元)" if c == "investment_bn" else _REVERSE_ALIAS.get(c)
            out.append(Breach(label, None, c, "required column is missing",
                              f"a column {c}" + (f" or {alias}" if alias else "")))
    explain.append("  columns: " + ", ".join(
        (f"{h!r} → {c}" if _key(h) != c else c) + (f" ({_UNIT_NAME.get(unit or '', 'no unit')})"
                                                    if c == "investment_bn" else "") for c, h in headers.items()))

    n = len(cells)
    rows = cells.index.to_numpy()
    blank = pd.Series([""] * n, dtype=object)
    cell = {c: (cells.iloc[:, where[c]].reset_index(drop=True).astype(str) if c in where else blank)
            for c in LEDGER_COLUMNS}
    present = {c: (cell[c] != "").to_numpy() for c in LEDGER_COLUMNS}
    found = RowBreaches(label, rows, headers)
    bad = found.add
    used: Counter = Counter()

    def text(c: str) -> Callable[[int], str]:
        return lambda i: cell[c].iloc[i]

    for c in REQUIRED_COLUMNS:
        if c in headers:
            bad(~present[c], c, "is empty", "a value", many="are empty")

    pid = cell["project_id"]
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

    bn = _amounts(cell["investment_bn"], present["investment_bn"], unit, bad, used, out, label, amount_header)

    stage, u4 = stage_mapping(district.aliases.get("stages") if district else None).apply(cell["stage"])
    used.update({f"stage {k}": v for k, v in u4.items()})
    bad(present["stage"] & ~stage.isin(ALL_STAGES), "stage", lambda i: f"unknown stage {text('stage')(i)!r}",
        " → ".join(STAGES) + ", or lost; or 线索, 在谈, 已签约, 已供地, 在建, 已投产, 终止; or map them in "
        "district.toml [aliases.stages]", many="have unknown stages", value=text("stage"))

    dates: dict[str, pd.Series] = {}
    for c in DATE_COLUMNS:
        d, problem, advice = parse_dates(cell[c])
        dates[c] = d
        converted = int((present[c] & d.notna().to_numpy() & ~cell[c].str.fullmatch(r"\d{4}-\d{2}-\d{2}")).sum())
        if converted:
            used[f"{c}: dates from text or Excel serial numbers"] += converted
        for why, what in advice.items():
            plural = {"not a date": "are not dates", "no such day": "are days that do not exist",
                      "a month without a day": "give a month without a day",
                      "an ambiguous day-first date": "hold ambiguous day-first dates"}[why]
            bad(present[c] & (problem == why).to_numpy(), c, lambda i, c=c, w=why: f"{text(c)(i)!r} is not a date"
                + ("" if w == "not a date" else f": {w}"),
                what, many=plural, value=text(c))
    has = {c: dates[c].notna().to_numpy() for c in DATE_COLUMNS}
    _stage_dates(stage, present, has, headers, bad, out, label)
    _date_order(dates, bad, as_of)

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


def _amounts(col: pd.Series, present: np.ndarray, unit: str | None, bad, used: Counter, out: list[Breach],
             label: str, header: str) -> pd.Series:
    """The amounts in billion CNY: by the column's unit, or by a cell's 亿/万 suffix when the
    header names none; a suffix other than the header's unit is a breach saying what to write."""
    num, suffix = amounts(col)
    has_suffix = (suffix != "").to_numpy()
    if unit is None and present.any():
        if not (has_suffix | ~present).all():
            out.append(Breach(label, None, header, "the header names no unit of money and "
                              f"{int((present & ~has_suffix).sum()):,} amounts have no 亿/万 suffix",
                              "a header naming the unit, such as 计划总投资(亿元), or a 单位：亿元 line above the table"))
    clash = present & has_suffix & (suffix != (unit or "")).to_numpy() & (unit is not None)

    def instead(i: int) -> str:
        value = num.iloc[i] * BN_PER[suffix.iloc[i]] / BN_PER[unit]
        return f"{value:.10g}"

    if unit is not None:
        bad(clash, "investment_bn", lambda i: f"{col.iloc[i]!r} is in {suffix.iloc[i]} but the column is in "
            f"{_UNIT_NAME[unit]}: write {instead(i)}", f"amounts in {_UNIT_NAME[unit]}, without a suffix, or "
            "a header naming the unit the cells use", many=f"have a suffix other than the column's unit "
            f"({_UNIT_NAME[unit]}; write {instead(int(np.flatnonzero(clash)[0]))} for the first)" if clash.any()
            else "", value=lambda i: col.iloc[i])
    own = unit or "bn"
    scale = pd.Series(DIVISOR[own], index=col.index, dtype=float)
    if unit is None:
        scale = scale.where(~has_suffix, suffix.map(lambda s: DIVISOR.get(s, 1.0)).astype(float))
    n_suffix = int((present & has_suffix & ~clash).sum())
    if n_suffix:
        used["investment_bn: amounts with a 亿/万 suffix converted"] += n_suffix
    # 2.14 亿元 / 10 is 0.21400000000000002; rounding at 1e-12 bn (a thousandth of a yuan) cleans it
    bn = num.where(scale == 1.0, (num / scale).round(12))
    bn = bn.where(~clash)
    in_unit = num if unit is not None else bn
    ok = present & ~clash
    out += _amount_breaches(in_unit, bn, ok, own if unit is not None else "bn", bad, lambda i: col.iloc[i],
                            label, header)
    return bn


def _amount_breaches(amount: pd.Series, bn: pd.Series, present: np.ndarray, unit: str, bad, text,
                     label: str, header: str) -> list[Breach]:
    """Amounts above 0, and plausible for the unit their header names (see DATA.md)."""
    bad(present & ~(amount > 0).to_numpy(), "investment_bn", lambda i: f"{text(i)!r} is not an amount above 0",
        f"a number above 0, in {_UNIT_NAME[unit]} (a 亿 or 万 suffix, full-width digits and thousands "
        "separators are read)", many="are not amounts above 0", value=text)
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
                "万元": "元 entered as 万元", "元": "a misplaced decimal point"}[unit]

        def message(i: int) -> str:
            size = f"{text(i)} bn" if unit == "bn" else f"{text(i)} {unit} ({bn.iloc[i]:,.0f} bn)"
            return f"{size} is implausible for one project: the value looks like {hint}"

        bad(present & (bn > MAX_PLAUSIBLE_BN).to_numpy(), "investment_bn", message,
            f"at most {MAX_PLAUSIBLE_BN:,.0f} bn per project",
            many=f"hold amounts implausible for one project (over {MAX_PLAUSIBLE_BN:,.0f} bn): they look like "
                 f"{hint}", value=text)
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
            f"the date the project reached {st}", many=f"are empty but the stage is at or past {st}, by stage",
            value=lambda i: stage.iloc[i])
        bad(need & lost, col, "is empty but the lost project has a date of a later stage",
            "the dates of every stage it reached", many="are empty but the lost project has a date of a later stage")
        bad(forward & (rank < STAGE_RANK[st]) & present[col], col,
            lambda i: f"is filled but the stage is {stage.iloc[i]}", f"empty until the project reaches {st}",
            many=f"are filled but the stage is before {st}, by stage", value=lambda i: stage.iloc[i])
    bad(lost & present["operating_date"], "operating_date", "is filled but the stage is lost",
        "lost only before operating", many="are filled but the stage is lost")
    bad(lost & ~present["lost_date"], "lost_date", "is empty but the stage is lost", "the date it was lost",
        many="are empty but the stage is lost")
    bad(forward & present["lost_date"], "lost_date", lambda i: f"is filled but the stage is {stage.iloc[i]}",
        "empty unless the stage is lost", many="are filled but the stage is not lost, by stage",
        value=lambda i: stage.iloc[i])


def _date_order(dates: dict[str, pd.Series], bad, as_of: pd.Timestamp | None) -> None:
    """Milestones never decrease along the stages; lost comes last; nothing after as-of."""
    prev = dates["first_seen"]
    prev_name = pd.Series("first_seen", index=prev.index, dtype=object)
    for c in MILESTONE_DATES[1:]:
        d = dates[c]
        bad((d < prev).to_numpy(), c,
            lambda i, d=d, p=prev, n=prev_name: f"{d.iloc[i]:%Y-%m-%d} is before {n.iloc[i]} {p.iloc[i]:%Y-%m-%d}",
            "milestone dates that never decrease: first_seen ≤ signed_date ≤ approved_date ≤ "
            "groundbreaking_date ≤ operating_date", many=f"have {c} before an earlier milestone, by that milestone",
            value=lambda i, n=prev_name: n.iloc[i])
        later = d.notna() & ~(d < prev)
        prev, prev_name = prev.where(~later, d), prev_name.where(~later, c)
    latest = pd.DataFrame({c: dates[c] for c in MILESTONE_DATES})
    last = latest.max(axis=1)
    last_name = latest.fillna(pd.Timestamp.min).idxmax(axis=1) if len(latest) else last
    lost = dates["lost_date"]
    bad((lost < last).to_numpy(), "lost_date",
        lambda i: f"{lost.iloc[i]:%Y-%m-%d} is before {last_name.iloc[i]} {last.iloc[i]:%Y-%m-%d}",
        "a loss on or after every other date of the project", many="have lost_date before another date of "
        "the project, by that date", value=lambda i: last_name.iloc[i])
    if as_of is not None:
        for c in DATE_COLUMNS:
            d = dates[c]
            bad((d > as_of).to_numpy(), c, lambda i, d=d: f"{d.iloc[i]:%Y-%m-%d} is after the snapshot's as-of "
                f"date {as_of:%Y-%m-%d}", "no date after the last day of the snapshot's quarter",
                many=f"have dates after the snapshot's as-of date {as_of:%Y-%m-%d}",
                value=lambda i, d=d: f"{d.iloc[i]:%Y-%m-%d}")
