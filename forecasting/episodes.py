"""Stage spells and person-month rows: the episodic format a discrete-time hazard is fitted on.

A *spell* is the time a project spends in one stage; it ends by advancing to the next
stage, by being lost, or is still open at the as-of date. A spell becomes one row per
calendar month at risk (lifelines' ``to_episodic_format`` does the same for continuous
time). Months are whole calendar months: a spell entered in month ``E`` is at risk from
``E + 1``; ``duration`` counts months since entry (1, 2, …). An exit recorded in the entry
month is counted in the first month at risk.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .schema import LOST, STAGES

#: Stages a project can leave by advancing (operating is absorbing).
OPEN_STAGES: tuple[str, ...] = STAGES[:-1]
ENTRY_COLUMN = {
    "lead": "first_seen",
    "negotiating": "negotiating_date",
    "signed": "signed_date",
    "approved": "approved_date",
    "under_construction": "groundbreaking_date",
    "operating": "operating_date",
}
#: Longest duration (months) the duration terms distinguish; longer spells are treated as this.
MAX_DURATION = 120


def month_index(dates: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """Months since January of year 0 (``year * 12 + month - 1``); -1 for missing dates."""
    d = pd.DatetimeIndex(dates)
    out = d.year.to_numpy(dtype=float) * 12 + d.month.to_numpy(dtype=float) - 1
    return np.where(np.isnan(out), -1, out).astype(np.int64)


def spells(projects: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """One row per (project, stage) spell from a :attr:`History.projects` table.

    Columns: ``project_id``, ``stage``, ``stage_idx``, ``entry_month``, ``exit_month``
    (the as-of month for open spells), ``outcome`` (``advance``, ``lost`` or ``open``),
    ``pace`` (log of the mean months the project spent per earlier completed stage;
    0 for leads) and ``n_prior`` (how many earlier stages it completed).
    """
    as_of_m = int(month_index(pd.Series([as_of]))[0])
    entry = {s: month_index(projects[ENTRY_COLUMN[s]]) for s in STAGES}
    lost_m = month_index(projects["lost_date"])
    lost_from = projects["lost_from"].to_numpy(dtype=object)
    stage_now = projects["stage"].to_numpy(dtype=object)
    n = len(projects)
    pace_sum = np.zeros(n)
    n_prior = np.zeros(n, dtype=int)
    frames = []
    for k, s in enumerate(OPEN_STAGES):
        e = entry[s]
        nxt = entry[STAGES[k + 1]]
        reached = e >= 0
        adv = reached & (nxt >= 0)
        lost = reached & ~adv & (lost_m >= 0) & (lost_from == s)
        open_ = reached & ~adv & ~lost & (stage_now == s)
        keep = adv | lost | open_
        exit_m = np.where(adv, nxt, np.where(lost, lost_m, as_of_m))
        outcome = np.where(adv, "advance", np.where(lost, "lost", "open"))
        # log of the mean months per earlier stage: the total is exact even where the
        # split between lead and negotiation is only imputed
        pace = np.where(n_prior > 0, np.log(pace_sum / np.maximum(n_prior, 1) + 0.5), 0.0)
        frames.append(pd.DataFrame({
            "project_id": projects["project_id"].to_numpy()[keep],
            "stage": s,
            "stage_idx": k,
            "entry_month": e[keep],
            "exit_month": exit_m[keep],
            "outcome": outcome[keep],
            "pace": pace[keep],
            "n_prior": n_prior[keep],
        }))
        dur = np.maximum(nxt - e, 1)
        pace_sum = np.where(adv, pace_sum + dur, pace_sum)
        n_prior = np.where(adv, n_prior + 1, n_prior)
    out = pd.concat(frames, ignore_index=True)
    return out


def person_months(spell_table: pd.DataFrame) -> pd.DataFrame:
    """Expand spells into one row per month at risk, with ``advance`` and ``lost`` flags.

    Columns: the spell's columns, plus ``month`` (month index), ``duration`` (months since
    entry, at least 1), ``cal_month`` (0 = January), ``year``, ``advance``, ``lost``.
    """
    s = spell_table
    ended = s["outcome"].to_numpy() != "open"
    span = (s["exit_month"] - s["entry_month"]).to_numpy()
    n_rows = np.where(ended, np.maximum(span, 1), np.maximum(span, 0))
    idx = np.repeat(np.arange(len(s)), n_rows)
    rows = s.iloc[idx].reset_index(drop=True)
    start = np.cumsum(n_rows) - n_rows
    within = np.arange(len(idx)) - np.repeat(start, n_rows)
    rows["duration"] = within + 1
    rows["month"] = rows["entry_month"].to_numpy() + rows["duration"].to_numpy()
    last = within == np.repeat(n_rows - 1, n_rows)
    outcome = rows["outcome"].to_numpy()
    rows["advance"] = (last & (outcome == "advance")).astype(float)
    rows["lost"] = (last & (outcome == "lost")).astype(float)
    rows["cal_month"] = rows["month"].to_numpy() % 12
    rows["year"] = rows["month"].to_numpy() // 12
    return rows


__all__ = ["spells", "person_months", "month_index", "OPEN_STAGES", "ENTRY_COLUMN", "MAX_DURATION", "LOST"]
