"""Reading a whole data folder and checking every rule of DATA.md, all breaches in one pass.

Each file is checked on its own (:mod:`forecasting.data.ledger`, :mod:`forecasting.data.district`),
then the snapshots against each other: a project never moves back a stage (``lost`` may
follow any stage before ``operating`` and stays), never disappears from a later snapshot,
and every unit has an effort row for every snapshot quarter. Revisions of ``investment_bn``
and of dates between snapshots are allowed, except an amount 10×, 1,000×, 10,000×, 1/10 …
of the project's previous one (a unit mix-up), or a new project's amount over 100 bn and
1,000× the snapshot's median in a 亿元 or 万元 column, unless ``[confirmed_revisions]`` lists it. A
snapshot that fails its own checks is left out of these checks. Nothing is ever written.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Breach, DataError
from .datafolder import DataFolder
from .district import District, read_district
from .ledger import Snapshot, read_effort, read_snapshot
from .quarters import quarter_end
from .schema import ALL_STAGES, LOST, STAGE_RANK

_SNAPSHOT_NAME = re.compile(r"^(\d{4}Q[1-4])\.(csv|xlsx|xlsm|xls)$", re.IGNORECASE)
#: Other ways an office names a quarter's file: 2024年一季度, 2024年第1季度, 2024-Q1, 2024 Q1.
_QUARTER_NAME = re.compile(r"^(\d{4})\s*(?:年\s*第?\s*([1-4一二三四])\s*季度?|[-_ ]?\s*q([1-4]))\.(csv|xlsx|xlsm|xls)$",
                           re.IGNORECASE)
#: A copy Windows or a download made beside a snapshot: 2024Q1 (1).xlsx, 2024Q1 - 副本.xlsx, 2024Q1副本.csv.
_COPY_NAME = re.compile(r"^(\d{4}Q[1-4])\s*(?:\(\d+\)|-?\s*(?:副本|copy)(?:\s*\(\d+\))?)\.(csv|xlsx|xlsm|xls)$",
                        re.IGNORECASE)
#: A snapshot named by its month: 2024-03.csv, 2024年3月.xlsx, 202403.csv.
_MONTH_NAME = re.compile(r"^(\d{4})\s*[-_.年]?\s*(0?[1-9]|1[0-2])\s*月?(?:底|末)?\.(csv|xlsx|xlsm|xls)$", re.IGNORECASE)
#: Files an operating system leaves in a folder: not snapshots, and no one's data.
_SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", "ehthumbs.db", ".ds_store"})


def load_data(path: Path | str) -> DataFolder:
    """Read and validate a data folder; raise ``DataError`` with every breach.

    The loader lives here, above the container (:class:`~forecasting.data.datafolder.DataFolder`)
    it fills, so the two modules import one way.

    Examples
    --------
    >>> load_data("data").quarters[-1]
    '2024Q1'
    """
    return read_and_validate(Path(path))


def read_and_validate(path: Path) -> DataFolder:
    """Read a data folder and check it against DATA.md.

    Parameters
    ----------
    path : the data folder (``district.toml``, ``effort.csv``, ``ledger/YYYYQn.csv|.xlsx``).

    Returns
    -------
    DataFolder
        The validated tables.

    Raises
    ------
    DataError
        Listing every breach of every file, each located as ``FILE:ROW:COLUMN`` with FILE
        written from the folder's name, such as ``data/ledger/2024Q1.csv``.

    Examples
    --------
    >>> folder = read_and_validate(Path("data"))
    >>> folder.quarters[:2]
    ['2019Q1', '2019Q2']
    """
    folder = Path(path)
    root = Path(os.path.basename(os.path.abspath(folder)))

    def label(p: Path) -> str:
        return str(root / p.relative_to(folder))

    breaches: list[Breach] = []
    district: District | None
    try:
        district = read_district(folder / "district.toml", label=label(folder / "district.toml"))
    except DataError as exc:  # keep checking the rest with what does not need the district
        breaches += exc.breaches
        district = None

    files = _snapshot_files(folder, label, breaches)
    snapshots: dict[str, Snapshot] = {}
    for q, file in files.items():
        snap = read_snapshot(file, district, label=label(file), as_of=quarter_end(q))
        breaches += snap.breaches
        if snap.table is not None:
            snapshots[q] = snap
    effort, found = read_effort(folder / "effort.csv", district, label=label(folder / "effort.csv"),
                                quarters=list(files))
    breaches += found
    # a file that failed its own checks is left out, so that its root cause is not buried
    good = {q: s for q, s in snapshots.items() if not s.breaches}
    breaches += _across(good, {q: label(f) for q, f in files.items()},
                        district.confirmed_revisions if district is not None else {})
    if breaches or district is None:
        raise DataError(breaches)
    return DataFolder(folder, district, effort, {q: s.table for q, s in snapshots.items()},
                      {q: f.name for q, f in files.items()})


def explain_folder(path: Path) -> list[str]:
    """What ``validate --explain`` prints: per snapshot file, the sheet and header row read,
    each column's mapping and unit, and the value mappings used (such as 在建 → under_construction ×123)."""
    folder = Path(path)
    root = Path(os.path.basename(os.path.abspath(folder)))

    def label(p: Path) -> str:
        return str(root / p.relative_to(folder))

    try:
        district = read_district(folder / "district.toml", label=label(folder / "district.toml"))
    except DataError:
        district = None
    lines: list[str] = []
    for q, file in _snapshot_files(folder, label, []).items():
        snap = read_snapshot(file, district, label=label(file), as_of=quarter_end(q))
        lines += snap.explain or [f"{label(file)}: not read ({len(snap.breaches)} problem"
                                  f"{'s' if len(snap.breaches) != 1 else ''})"]
    return lines


def _snapshot_files(folder: Path, label, breaches: list[Breach]) -> dict[str, Path]:
    """The snapshot file of each quarter in ``ledger/``, in quarter order."""
    ledger = folder / "ledger"
    if not ledger.is_dir():
        breaches.append(Breach(label(ledger), None, None, "folder is missing",
                               "a ledger folder of YYYYQn.csv or YYYYQn.xlsx snapshots"))
        return {}
    files: dict[str, Path] = {}
    for file in sorted(ledger.iterdir()):
        if file.name.startswith((".", "~$")) or file.name.lower() in _SYSTEM_FILES:
            continue  # hidden files, the lock file Excel keeps beside an open workbook, Thumbs.db …
        q = _quarter_of(file.name)
        if q is None or not file.is_file():
            breaches.append(_misnamed(file, label))
            continue
        if q in files:
            breaches.append(Breach(label(file), None, None, f"is a second snapshot for {q}, beside "
                                   f"{files[q].name}", "one file per quarter"))
            continue
        files[q] = file
    if not files:
        breaches.append(Breach(label(ledger), None, None, "holds no snapshot",
                               "at least one file named YYYYQn.csv or YYYYQn.xlsx"))
    return dict(sorted(files.items()))


def _quarter_of(name: str) -> str | None:
    """The quarter a snapshot's file name gives (``2024Q1.csv``, ``2024年一季度.xlsx``), or ``None``."""
    m = _SNAPSHOT_NAME.match(name)
    if m:
        return m.group(1).upper()
    m = _QUARTER_NAME.match(name)
    if m:
        n = m.group(2) or m.group(3)
        return f"{m.group(1)}Q{'一二三四'.index(n) + 1 if n in '一二三四' else n}"
    return None


def _misnamed(file: Path, label) -> Breach:
    """Why a file or folder in ``ledger/`` is not read, and what to do."""
    copy = _COPY_NAME.match(file.name)
    if file.is_dir():
        return Breach(label(file), None, None, "is a folder inside ledger/; snapshots are read from ledger/ itself",
                      "move the folder out of ledger/ (an archive of old files belongs beside the data folder)")
    if copy:
        return Breach(label(file), None, None, f"looks like a copy of the {copy.group(1).upper()} snapshot",
                      f"one file per quarter: delete the copy, or if it is the newer version, replace "
                      f"{copy.group(1).upper()}'s file with it")
    month = _MONTH_NAME.match(file.name)
    if month and int(month.group(2)) in (3, 6, 9, 12):  # the month a quarter ends: say which quarter
        q = f"{month.group(1)}Q{int(month.group(2)) // 3}"
        return Breach(label(file), None, None, "is named by a month, not a quarter",
                      f"a name such as {q}{file.suffix.lower()} if it is the snapshot at the end of {q}")
    return Breach(label(file), None, None, "is not named as a quarter's snapshot",
                  "only files named YYYYQn.csv, YYYYQn.xlsx or YYYYQn.xls in ledger/, such as 2024Q1.csv")


def _respelled(gone: list, cur: pd.DataFrame, state: pd.DataFrame) -> str:
    """When missing projects come back as new ids that differ only in case (hl2301905 for
    HL2301905) or in leading zeros (230105 for 0230105, as Excel drops them from a number),
    the words that say so: ids are compared exactly, so that is a new project."""
    def key(pid: object) -> str:
        text = str(pid).upper()
        return text.lstrip("0") or "0" if text.isdigit() else text

    new = cur[~cur["project_id"].isin(state["project_id"])]
    spelled = dict(zip(new["project_id"].map(key), zip(new["project_id"], new["row"])))
    same = [(g, *spelled[key(g)]) for g in gone if key(g) in spelled]
    if not same:
        return ""
    g, now, row = same[0]
    how = "leading zeros (Excel drops them from a number: format the column as Text)" if str(g).isdigit() else "case"
    if len(gone) == 1:
        return f"; it is in this file as {now!r} (row {row}), an id that differs only in {how}: write it as before"
    return (f"; {len(same):,} of them are in this file with ids that differ only in {how}, such as {now!r} "
            f"(row {row}) for {g!r}: write each id as in the earlier snapshots")


def _moves_back(before: pd.Series, after: pd.Series) -> np.ndarray:
    """Whether each stage change goes backwards (``lost`` follows anything before operating)."""
    rb, ra = before.map(STAGE_RANK), after.map(STAGE_RANK)
    back = (ra < rb) | ((before == LOST) & (after != LOST)) | ((before == "operating") & (after == LOST))
    return back.fillna(False).to_numpy(bool)


def _across(snapshots: dict[str, Snapshot], labels: dict[str, str],
            confirmed: dict[str, str] | None = None) -> list[Breach]:
    """Stages never move back, projects never disappear, amounts are not 10×, 1,000× … their
    previous amount (a unit mix-up): one merge per pair of snapshots.

    Each snapshot is compared with the last stage and amount seen for each project in any
    earlier snapshot, so a project that skips a snapshot is still held to where it had got.
    """
    out: list[Breach] = []
    state: pd.DataFrame | None = None  # project_id, stage, quarter, investment_bn: as last seen
    prev: pd.Series | None = None  # the ids of the previous snapshot
    prev_q = ""
    for q, snap in snapshots.items():
        t = snap.table
        where = snap.labels if snap.labels is not None else np.full(len(t), labels[q], dtype=object)
        cur = pd.DataFrame({"project_id": t["project_id"].to_numpy(), "stage": t["stage"].to_numpy(),
                            "investment_bn": t["investment_bn"].to_numpy(), "row": snap.rows, "file": where})
        cur = cur[(cur["project_id"] != "") & cur["stage"].isin(ALL_STAGES)]
        cur = cur.drop_duplicates("project_id")
        id_col = snap.headers.get("project_id", "project_id")
        stage_col = snap.headers.get("stage", "stage")
        scaled = np.zeros(len(cur), bool)
        new = cur if state is None else cur[~cur["project_id"].isin(state["project_id"])]
        out += _outliers(new, float(cur["investment_bn"].median()), q, snap, confirmed or {})
        if prev is not None and state is not None:
            gone = list(prev[~prev.isin(t["project_id"])])
            if gone:
                shown = ", ".join(gone[:8]) + (", …" if len(gone) > 8 else "")
                text = (f"project {gone[0]} of {prev_q} is missing" if len(gone) == 1 else
                        f"{len(gone):,} projects of {prev_q} are missing: {shown}")
                out.append(Breach(labels[q], None, id_col, text + _respelled(gone, cur, state),
                                  "every project of the earlier snapshot, a lost one as lost"))
            m = cur.merge(state, on="project_id", suffixes=("", "_before"))
            back = m[_moves_back(m["stage_before"], m["stage"])]
            for file, part in back.groupby("file", sort=False):
                r = part.iloc[0]
                text = (f"project {r.project_id} moved back from {r.stage_before} ({r.quarter}) to {r.stage}"
                        if len(part) == 1 else f"{len(part):,} projects moved back a stage: " + ", ".join(
                            f"{x.project_id} {x.stage_before} ({x.quarter}) → {x.stage}"
                            for x in part.head(5).itertuples()) + (", …" if len(part) > 5 else ""))
                out.append(Breach(str(file), int(r.row), stage_col, text,
                                  "a stage that never moves back; lost follows a stage before operating "
                                  "and stays lost"))
            found, flagged = _scaled(m, q, snap, confirmed or {})
            out += found
            scaled = cur["project_id"].isin(flagged).to_numpy()
        now = cur[["project_id", "stage", "investment_bn"]].assign(quarter=q)
        if state is not None and scaled.any():  # a scaled amount is not the reference for the next snapshot
            keep = state.set_index("project_id")["investment_bn"]
            now.loc[scaled, "investment_bn"] = now.loc[scaled, "project_id"].map(keep).to_numpy()
        state = now if state is None else pd.concat([state, now]).drop_duplicates("project_id", keep="last")
        prev, prev_q = t["project_id"][t["project_id"] != ""].drop_duplicates(), q
    return out


#: A project new in a snapshot over _OUTLIER_BN and _OUTLIER_RATIO times the snapshot's median,
#: in a column written in 亿元 or 万元, is a unit mix-up (a 5000 万元 project typed under 亿元
#: reads 500 bn, under the 1,000 bn ceiling, with no earlier amount to compare): with the
#: ledger's 0.1 bn floor nothing under 100 bn is named, and at the bundled median (0.35 bn)
#: nothing under 345 bn. A column in billion CNY is left alone: that is where a system writes
#: its own figures, and announced leads of some hundreds of bn do occur (the second
#: generator's Pareto-tailed leads reach 300-600 bn, "half of announced value" in the
#: largest 1 %: DOMAIN.md); the 1,000 bn ceiling and the across-snapshot scales still apply.
_OUTLIER_BN, _OUTLIER_RATIO = 100.0, 1_000.0
_OUTLIER_HINT = {"亿元": "万元 entered as 亿元 (1 亿元 = 10,000 万元)", "万元": "元 entered as 万元"}


def _outliers(new: pd.DataFrame, median: float, q: str, snap: Snapshot, confirmed: dict[str, str]) -> list[Breach]:
    """Projects first seen in this snapshot whose amount is thousands of times the typical one."""
    unit = new["file"].astype(str).map(snap.units)
    hit = new.assign(unit=unit)[(new["investment_bn"] > _OUTLIER_BN) & (new["investment_bn"] >= _OUTLIER_RATIO * median)
                                & unit.isin(tuple(_OUTLIER_HINT)).to_numpy()
                                & (new["project_id"].map(confirmed) != q).to_numpy()]
    header = snap.headers.get("investment_bn", "investment_bn")
    out = []
    for r in hit.itertuples():
        hint = _OUTLIER_HINT[r.unit]
        out.append(Breach(str(r.file), int(r.row), header, f"project {r.project_id}: {r.investment_bn:g} bn, new in "
                          f"{q}, is {r.investment_bn / median:,.0f}× the median project ({median:.3g} bn): likely "
                          f"{hint}", f'the amount in the column\'s unit; if it is genuine, list it in district.toml '
                          f'[confirmed_revisions] as "{r.project_id}" = "{q}"'))
    return out


#: A ratio of amounts between snapshots -> the likely mix-up of units it shows.
_SCALES: dict[float, str] = {
    10.0: "亿元 entered as billion CNY, or 亿元 figures under an investment_bn header (1 bn = 10 亿元)",
    0.1: "billion CNY entered as 亿元 (1 bn = 10 亿元)",
    1000.0: "a misplaced decimal point or million CNY (百万元) entered as billion",
    0.001: "a misplaced decimal point, or billion CNY entered as million",
    10000.0: "元 entered as 万元, or 万元 entered as 亿元 (1 亿元 = 10,000 万元)",
    0.0001: "亿元 entered as 万元 (1 亿元 = 10,000 万元)",
}
_SCALE_TOLERANCE = 0.01  # a ratio within 1% of 10, 1,000 … counts as that scale
_MOST = 0.5  # when more than this share of a snapshot's projects is scaled, one line for the column


def _scaled(m: pd.DataFrame, q: str, snap: Snapshot, confirmed: dict[str, str]) -> tuple[list[Breach], list]:
    """Amounts 10×, 1,000×, 1/10 … of the same project's previous amount (DATA.md)."""
    header = snap.headers.get("investment_bn", "investment_bn")
    ok = (m["investment_bn"] > 0) & (m["investment_bn_before"] > 0)
    m = m[ok.to_numpy()]
    if not len(m):
        return [], []
    ratio = (m["investment_bn"] / m["investment_bn_before"]).to_numpy()
    out: list[Breach] = []
    flagged: list = []
    genuine = (m["project_id"].map(confirmed) == q).to_numpy(bool) if confirmed else np.zeros(len(m), bool)
    for factor, hint in _SCALES.items():
        hit = (np.abs(ratio / factor - 1) < _SCALE_TOLERANCE) & ~genuine
        if not hit.any():
            continue
        part = m[hit]
        flagged += list(part["project_id"])
        times = f"{factor:,.0f}×" if factor >= 1 else f"1/{1 / factor:,.0f}"
        if hit.sum() > _MOST * len(m) and hit.sum() > 1:
            file = str(part["file"].iloc[0])
            out.append(Breach(file, None, header, f"{int(hit.sum()):,} of {len(m):,} projects' amounts are "
                              f"{times} their amounts in {part['quarter'].iloc[0]}: the column looks like "
                              f"{hint}", f"amounts in the unit the header {header!r} names"))
            continue
        for r in part.head(10).itertuples():
            out.append(Breach(str(r.file), int(r.row), header, f"project {r.project_id}: {r.investment_bn:g} bn "
                              f"is {times} its {r.investment_bn_before:g} bn of {r.quarter}: likely {hint}",
                              f'the amount in the column\'s unit; if the revision is genuine, list it in '
                              f'district.toml [confirmed_revisions] as "{r.project_id}" = "{q}"'))
        if len(part) > 10:
            out.append(Breach(str(part["file"].iloc[10]), int(part["row"].iloc[10]), header,
                              f"and {len(part) - 10:,} more projects whose amounts are {times} their previous "
                              f"amounts: " + ", ".join(part["project_id"].iloc[10:15])
                              + (", …" if len(part) > 15 else ""), None))
    return out, flagged
