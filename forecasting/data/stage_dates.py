"""Checking a snapshot's stages against its dates: each stage has the dates it reached, in order.

:func:`check_stage_dates` asks each stage for the milestone dates of the stages it reached
and for none of those it has not (a lost project keeps the dates it reached, and no operating
date); :func:`check_date_order` asks the milestones never to decrease, the loss to come last
and no date to lie after the snapshot's as-of date.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import Breach
from .schema import CHINESE_HEADER, DATE_COLUMNS, LOST, MILESTONE_DATES, STAGE_DATE, STAGE_RANK, STAGES

#: The milestone date a stage requires, for the stage itself and every stage past it.
_REQUIRED_DATE: dict[str, str] = {s: STAGE_DATE[s] for s in STAGES[STAGE_RANK["signed"]:]}


def check_stage_dates(stage: pd.Series, present: dict, has: dict, headers: dict, bad, out: list[Breach],
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
                                  f"{'s are' if need.sum() > 1 else ' is'} at or past {st}", f"a column {col} or {CHINESE_HEADER[col]}"))
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


def check_date_order(dates: dict[str, pd.Series], bad, as_of: pd.Timestamp | None) -> None:
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
