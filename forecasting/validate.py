"""Reading a whole data folder and checking every rule of DATA.md, all breaches at once.

Within each file (:mod:`~forecasting.ledger`), then across snapshots: a project never moves
back a stage and never disappears; every unit has an effort row for every snapshot quarter.
Nothing is ever written.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .datafolder import DataFolder
from .district import District, read_district
from .errors import Breach, DataError
from .ledger import parse_snapshot, read_table
from .quarters import is_quarter, quarter_end
from .schema import EFFORT_COLUMNS, LOST, STAGE_RANK

_SNAPSHOT = re.compile(r"^(\d{4}Q[1-4])\.(csv|xlsx)$", re.IGNORECASE)


def _label(folder: Path, path: Path) -> str:
    return str(Path(folder.name) / path.relative_to(folder))


def read_and_validate(folder: Path) -> DataFolder:
    """Read ``folder`` and return a :class:`DataFolder`, or raise ``DataError`` with every breach."""
    folder = Path(folder)
    breaches: list[Breach] = []
    try:
        district = read_district(folder / "district.toml", label=_label(folder, folder / "district.toml"))
    except DataError as exc:
        breaches += exc.breaches
        district = None

    ledger = folder / "ledger"
    files: dict[str, Path] = {}
    if not ledger.is_dir():
        breaches.append(Breach(_label(folder, ledger), None, None, "folder is missing", "ledger/YYYYQn.csv files"))
    else:
        for path in sorted(ledger.iterdir()):
            if path.name.startswith(".") or path.name.startswith("~$"):
                continue  # hidden files and Excel lock files
            m = _SNAPSHOT.match(path.name)
            if not m or not is_quarter(m.group(1).upper()):
                breaches.append(Breach(_label(folder, path), None, None, "is not named as a quarter snapshot",
                                       "YYYYQn.csv or YYYYQn.xlsx"))
                continue
            q = m.group(1).upper()
            if q in files:
                breaches.append(Breach(_label(folder, path), None, None,
                                       f"a second snapshot for {q} (also {files[q].name})", "one file per quarter"))
                continue
            files[q] = path
        if not files and ledger.is_dir():
            breaches.append(Breach(_label(folder, ledger), None, None, "holds no snapshot", "at least one YYYYQn.csv"))

    if district is None:
        raise DataError(breaches)

    snapshots: dict[str, pd.DataFrame] = {}
    for q in sorted(files):
        path = files[q]
        label = _label(folder, path)
        try:
            raw = read_table(path)
        except ValueError as exc:
            breaches.append(Breach(label, None, None, str(exc)))
            continue
        table, found = parse_snapshot(raw, label=label, district=district, as_of=quarter_end(q))
        breaches += found
        snapshots[q] = table

    effort = _read_effort(folder, district, list(files), breaches)
    breaches += _across(snapshots, {q: _label(folder, p) for q, p in files.items()})
    if breaches:
        raise DataError(breaches)
    clean = {q: t.drop(columns="_row") for q, t in snapshots.items()}
    return DataFolder(folder, district, effort, clean, {q: p.name for q, p in files.items()})


def _read_effort(folder: Path, district: District, quarters: list[str], breaches: list[Breach]) -> pd.DataFrame:
    path = folder / "effort.csv"
    label = _label(folder, path)
    empty = pd.DataFrame({c: pd.Series(dtype=float) for c in EFFORT_COLUMNS})
    if not path.exists():
        breaches.append(Breach(label, None, None, "file is missing", "effort.csv with " + ", ".join(EFFORT_COLUMNS)))
        return empty
    try:
        raw = read_table(path)
    except ValueError as exc:
        breaches.append(Breach(label, None, None, str(exc)))
        return empty
    missing = [c for c in EFFORT_COLUMNS if c not in raw.columns]
    for c in missing:
        breaches.append(Breach(label, 1, c, "required column is missing", "a column " + c))
    if missing:
        return empty
    rows = np.arange(len(raw)) + 2

    def bad(mask, col, message, expected):
        for i in np.flatnonzero(np.asarray(mask, bool)):
            msg = message(i) if callable(message) else message
            breaches.append(Breach(label, int(rows[i]), col, msg, expected))

    q = raw["quarter"]
    bad(~q.str.fullmatch(r"\d{4}Q[1-4]"), "quarter", lambda i: f"{q.iloc[i]!r} is not a quarter", "YYYYQn")
    bad(~raw["unit"].isin(district.unit_ids), "unit", lambda i: f"unknown unit {raw['unit'].iloc[i]!r}",
        "a unit id from district.toml")
    num = {c: pd.to_numeric(raw[c], errors="coerce") for c in ("staff", "visits", "budget_m")}
    bad(~(num["staff"] >= 0), "staff", lambda i: f"{raw['staff'].iloc[i]!r} is not a number ≥ 0", "a number ≥ 0")
    bad(~((num["visits"] >= 0) & (num["visits"] % 1 == 0)), "visits",
        lambda i: f"{raw['visits'].iloc[i]!r} is not a whole number ≥ 0", "a whole number ≥ 0")
    bad(~(num["budget_m"] >= 0), "budget_m", lambda i: f"{raw['budget_m'].iloc[i]!r} is not a number ≥ 0",
        "million CNY ≥ 0")
    dup = raw.duplicated(["quarter", "unit"], keep="first")
    bad(dup, "unit", lambda i: f"a second row for {raw['unit'].iloc[i]} in {q.iloc[i]}", "one row per unit and quarter")
    have = set(zip(q, raw["unit"]))
    for quarter in quarters:
        for unit in district.unit_ids:
            if (quarter, unit) not in have:
                breaches.append(Breach(label, None, "unit", f"no row for {unit} in {quarter}",
                                       "a row for every unit in every snapshot quarter"))
    effort = pd.DataFrame({"quarter": q.astype(str), "unit": raw["unit"].astype(str),
                           "staff": num["staff"].astype(float), "visits": num["visits"].fillna(0).astype("int64"),
                           "budget_m": num["budget_m"].astype(float)})
    return effort.sort_values(["quarter", "unit"], kind="stable").reset_index(drop=True)


def _across(snapshots: dict[str, pd.DataFrame], labels: dict[str, str]) -> list[Breach]:
    """Stage never moves back; a project never disappears from a later snapshot."""
    out: list[Breach] = []
    qs = sorted(snapshots)
    for prev, cur in zip(qs, qs[1:]):
        a = snapshots[prev][["project_id", "stage"]]
        b = snapshots[cur][["project_id", "stage", "_row"]]
        headers = snapshots[cur].attrs.get("headers", {})
        gone = ~a["project_id"].isin(b["project_id"])
        for pid in a.loc[gone, "project_id"]:
            out.append(Breach(labels[cur], None, headers.get("project_id", "project_id"),
                              f"project {pid} of {prev} is missing",
                              "every earlier project kept (a lost project stays, as lost)"))
        m = b.merge(a, on="project_id", suffixes=("", "_prev"))
        rank = m["stage"].map({**STAGE_RANK, LOST: 99})
        rank_prev = m["stage_prev"].map({**STAGE_RANK, LOST: 99})
        back = (rank < rank_prev) | ((m["stage_prev"] == LOST) & (m["stage"] != LOST)) | \
               ((m["stage_prev"] == "operating") & (m["stage"] == LOST))
        for _, r in m[back.fillna(False)].iterrows():
            out.append(Breach(labels[cur], int(r["_row"]), headers.get("stage", "stage"),
                              f"project {r['project_id']} moved back from {r['stage_prev']} ({prev}) to {r['stage']}",
                              "a stage never moves back between snapshots"))
    return out
