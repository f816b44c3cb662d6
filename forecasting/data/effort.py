"""Reading and checking ``effort.csv`` (DATA.md)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from ..errors import Breach, RowBreaches
from .cells import read_cells
from .district import District
from .quarters import read_quarter
from .schema import EFFORT_COLUMNS
from .vocabulary import Mapping, fold_header as _key, numbers as _number


#: A row of sums: 合计, 总计, 小计 (also 合 计), total, sum, in the quarter column with no unit.
_TOTAL = r"合计|总计|小计|共计|(?:grand)?total|sum"


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
    first = cells.iloc[:, cols["quarter"]].map(_key)
    sums = (first.str.fullmatch(_TOTAL) & (cells.iloc[:, cols["unit"]] == "")).to_numpy()
    cells = cells[~sums]  # a row of sums under the table (合计, 总计) is no unit's effort
    rows = cells.index.to_numpy()
    cell = {c: cells.iloc[:, cols[c]].reset_index(drop=True).astype(str) for c in EFFORT_COLUMNS}
    cell["unit"] = cell["unit"].str.strip()
    header = {c: str(cells.columns[cols[c]]) for c in EFFORT_COLUMNS}

    found = RowBreaches(label, rows, header)

    def bad(mask: Any, c: str, message: Callable[[int], str] | str, expected: str) -> None:
        found.add(mask, c, message, expected)

    values, inverse = np.unique(cell["quarter"].to_numpy(dtype=str), return_inverse=True)
    q = pd.Series(np.array([read_quarter(v) or v for v in values], dtype=object)[inverse], dtype=object)
    u = cell["unit"]
    if district is not None:  # a unit's label or alias, as the ledger allows
        u = Mapping.of(district.unit_ids, district.names("units")).apply(u)[0].map(str)
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
    out += found.out
    found.out = out
    bad(key.duplicated().to_numpy() & is_q, "unit", lambda i: f"a second row for {u.iloc[i]} in {q.iloc[i]}",
        "one row per unit and quarter")
    if district is not None and is_q.all():  # rows of unreadable quarters would be named "missing" too
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


