"""Reading a whole data folder and checking every rule of DATA.md, all breaches in one pass.

Each file is checked on its own (:mod:`forecasting.ledger`, :mod:`forecasting.district`),
then the snapshots against each other: a project never moves back a stage (``lost`` may
follow any stage before ``operating`` and stays), never disappears from a later snapshot,
and every unit has an effort row for every snapshot quarter. Revisions of ``investment_bn``
and of dates between snapshots are allowed. Nothing is ever written.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .datafolder import DataFolder
from .district import District, read_district
from .errors import Breach, DataError
from .ledger import Snapshot, read_effort, read_snapshot
from .quarters import quarter_end
from .schema import ALL_STAGES, LOST, STAGE_RANK

_SNAPSHOT_NAME = re.compile(r"^(\d{4}Q[1-4])\.(csv|xlsx)$", re.IGNORECASE)


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
    breaches += _across(snapshots, {q: label(f) for q, f in files.items()})
    if breaches or district is None:
        raise DataError(breaches)
    return DataFolder(folder, district, effort, {q: s.table for q, s in snapshots.items()},
                      {q: f.name for q, f in files.items()})


def _snapshot_files(folder: Path, label, breaches: list[Breach]) -> dict[str, Path]:
    """The snapshot file of each quarter in ``ledger/``, in quarter order."""
    ledger = folder / "ledger"
    if not ledger.is_dir():
        breaches.append(Breach(label(ledger), None, None, "folder is missing",
                               "a ledger folder of YYYYQn.csv or YYYYQn.xlsx snapshots"))
        return {}
    files: dict[str, Path] = {}
    for file in sorted(ledger.iterdir()):
        if file.name.startswith((".", "~$")):
            continue  # hidden files, and the lock file Excel keeps beside an open workbook
        m = _SNAPSHOT_NAME.match(file.name)
        if not m or not file.is_file():
            breaches.append(Breach(label(file), None, None, "is not named as a quarter's snapshot",
                                   "only files named YYYYQn.csv or YYYYQn.xlsx in ledger/, such as 2024Q1.csv"))
            continue
        q = m.group(1).upper()
        if q in files:
            breaches.append(Breach(label(file), None, None, f"is a second snapshot for {q}, beside "
                                   f"{files[q].name}", "one file per quarter"))
            continue
        files[q] = file
    if not files:
        breaches.append(Breach(label(ledger), None, None, "holds no snapshot",
                               "at least one file named YYYYQn.csv or YYYYQn.xlsx"))
    return dict(sorted(files.items()))


def _moves_back(before: pd.Series, after: pd.Series) -> np.ndarray:
    """Whether each stage change goes backwards (``lost`` follows anything before operating)."""
    rb, ra = before.map(STAGE_RANK), after.map(STAGE_RANK)
    back = (ra < rb) | ((before == LOST) & (after != LOST)) | ((before == "operating") & (after == LOST))
    return back.fillna(False).to_numpy(bool)


def _across(snapshots: dict[str, Snapshot], labels: dict[str, str]) -> list[Breach]:
    """Stages never move back and projects never disappear, one merge per pair of snapshots.

    Each snapshot is compared with the last stage seen for each project in any earlier
    snapshot, so a project that skips a snapshot is still held to where it had got.
    """
    out: list[Breach] = []
    state: pd.DataFrame | None = None  # project_id, stage, quarter: where each was last seen
    prev: pd.Series | None = None  # the ids of the previous snapshot
    prev_q = ""
    for q, snap in snapshots.items():
        t = snap.table
        cur = pd.DataFrame({"project_id": t["project_id"].to_numpy(), "stage": t["stage"].to_numpy(),
                            "row": snap.rows})
        cur = cur[(cur["project_id"] != "") & cur["stage"].isin(ALL_STAGES)]
        cur = cur.drop_duplicates("project_id")
        id_col = snap.headers.get("project_id", "project_id")
        stage_col = snap.headers.get("stage", "stage")
        if prev is not None and state is not None:
            gone = prev[~prev.isin(t["project_id"])]
            out += [Breach(labels[q], None, id_col, f"project {pid} of {prev_q} is missing",
                           "every project of the earlier snapshot, a lost one as lost") for pid in gone]
            m = cur.merge(state, on="project_id", suffixes=("", "_before"))
            for r in m[_moves_back(m["stage_before"], m["stage"])].itertuples(index=False):
                out.append(Breach(labels[q], int(r.row), stage_col,
                                  f"project {r.project_id} moved back from {r.stage_before} "
                                  f"({r.quarter}) to {r.stage}",
                                  "a stage that never moves back; lost follows a stage before operating "
                                  "and stays lost"))
        now = cur[["project_id", "stage"]].assign(quarter=q)
        state = now if state is None else pd.concat([state, now]).drop_duplicates("project_id", keep="last")
        prev, prev_q = t["project_id"][t["project_id"] != ""].drop_duplicates(), q
    return out
