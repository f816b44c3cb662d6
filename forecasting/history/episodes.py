"""Stage spells and person-month rows: the episodic format a discrete-time hazard is fitted on.

A *spell* is the time a project spends in one stage; it ends by advancing to the next
stage, by being lost, or is still open at the as-of date. A spell becomes one row per
calendar month at risk (lifelines' ``to_episodic_format`` does the same for continuous
time). Months are whole calendar months: a spell entered in month ``E`` is at risk in the
months ``E + 1, E + 2, …`` at ``duration`` = months since entry (1, 2, …); an exit recorded
in the entry month itself is counted *in the entry month*, at duration 1 (the first
month's hazard covers an exit in the entry month or the next). Every row therefore sits in
the month its event happened, and no row lies after the as-of month: an open spell
entered in the as-of month has no row yet. The forecast (:mod:`.propagate`) indexes
duration the same way: mass that entered in month ``m`` is at duration ``m' - m`` (at
least 1) in month ``m'``, its first step being ``m + 1``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.schema import ENTRY_COLUMN, LOST, STAGES

#: Stages a project can leave by advancing (operating is absorbing).
OPEN_STAGES: tuple[str, ...] = STAGES[:-1]
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
    # an exit in the entry month stays in that month (at duration 1), not in the next
    same = np.repeat(ended & (span <= 0), n_rows)
    rows["month"] = rows["entry_month"].to_numpy() + rows["duration"].to_numpy() - same
    last = within == np.repeat(n_rows - 1, n_rows)
    outcome = rows["outcome"].to_numpy()
    rows["advance"] = (last & (outcome == "advance")).astype(float)
    rows["lost"] = (last & (outcome == "lost")).astype(float)
    rows["cal_month"] = rows["month"].to_numpy() % 12
    rows["year"] = rows["month"].to_numpy() // 12
    return rows


def negotiation_windows(history) -> pd.DataFrame:
    """When each project that reached negotiation can have entered it, as the snapshots allow.

    The ledger has no negotiation date: the entry lies after the last snapshot showing the
    project as a lead (or its ``first_seen``) and before the first snapshot showing it further
    on, its signing and its loss. Returns ``project_id``, ``lo``, ``hi`` (month indices, the
    first and last possible month; ``lo == hi`` when the month is known).
    """
    P = history.projects
    long = history.long
    reached = P["negotiating_date"].notna().to_numpy()
    pid = P["project_id"]
    as_lead = long[long["stage"] == "lead"].groupby("project_id", sort=False)["date"].max()
    beyond = long[(long["rank"] >= 1) & (long["stage"] != LOST)].groupby("project_id", sort=False)["date"].min()
    first = month_index(P["first_seen"])
    lead_m = month_index(pid.map(as_lead))
    lo = np.where(lead_m >= 0, np.maximum(lead_m + 1, first), first)
    big = np.iinfo(np.int64).max
    caps = [month_index(pid.map(beyond)), month_index(P["signed_date"]) - 1, month_index(P["lost_date"]) - 1,
            np.full(len(P), month_index(pd.Series([history.as_of_date]))[0])]
    hi = np.full(len(P), big)
    for c in caps:
        hi = np.where(c >= 0, np.minimum(hi, c), hi)
    hi = np.maximum(hi, lo)
    out = pd.DataFrame({"project_id": pid.to_numpy(), "lo": lo, "hi": hi})
    return out[reached].reset_index(drop=True)


def interval_person_months(spell_table: pd.DataFrame, windows: pd.DataFrame) -> pd.DataFrame:
    """:func:`person_months` with the negotiation entry treated as interval-censored.

    For a project whose entry into negotiation is only known to lie in months
    ``lo..hi``, every month of the window is taken as equally likely (the snapshots say
    nothing more): the lead spell's months in the window get an at-risk weight (the
    share of candidate entries not yet passed) and a fractional advance, and the
    negotiation spell is expanded into one weighted copy per candidate entry month (its
    time in stage and the pace of the lead stage depend on it). Later spells are
    unaffected (their entries are dated, and their pace depends only on the total time
    since first seen). Adds a ``weight`` column (1 for ordinary rows).
    """
    s = spell_table
    w = windows[windows["hi"] > windows["lo"]].set_index("project_id")
    lead = s[(s["stage_idx"] == 0) & (s["outcome"] == "advance")].set_index("project_id")
    neg = s[s["stage_idx"] == 1].set_index("project_id")
    ids = w.index.intersection(lead.index).intersection(neg.index)
    keep = ~(s["project_id"].isin(ids) & s["stage_idx"].isin([0, 1]))
    base = person_months(s[keep].reset_index(drop=True))
    base["weight"] = 1.0
    if len(ids) == 0:
        return base
    lead, neg, w = lead.loc[ids], neg.loc[ids], w.loc[ids]
    first = lead["entry_month"].to_numpy()
    # a lead can enter negotiation in the month it was first seen (a project first seen
    # already negotiating often did): that candidate's lead row is the entry month itself, at
    # duration 1, as :func:`person_months` counts an exit in the entry month
    c_lo = np.maximum(w["lo"].to_numpy(), first)
    c_hi = np.maximum(w["hi"].to_numpy(), c_lo)
    n_c = c_hi - c_lo + 1
    # lead spells: months first+1 .. c_hi, at risk while a later candidate remains
    n_lead = c_hi - first
    li = np.repeat(np.arange(len(ids)), n_lead)
    m = first[li] + (np.arange(li.size) - np.repeat(np.cumsum(n_lead) - n_lead, n_lead)) + 1
    in_win = m >= c_lo[li]
    at_risk = np.where(in_win, (c_hi[li] - m + 1) / n_c[li], 1.0)
    adv = np.where(in_win, (1.0 / n_c[li]) / at_risk, 0.0)
    # and the candidate entry in the first month itself: one row there, advancing
    f0 = np.flatnonzero(c_lo == first)
    li, m = np.concatenate([li, f0]), np.concatenate([m, first[f0]])
    at_risk = np.concatenate([at_risk, 1.0 / n_c[f0]])
    adv = np.concatenate([adv, np.ones(f0.size)])
    lead_rows = pd.DataFrame({
        "project_id": ids.to_numpy()[li], "stage": "lead", "stage_idx": 0, "entry_month": first[li],
        "exit_month": c_hi[li], "outcome": "advance", "pace": 0.0, "n_prior": 0,
        "duration": np.maximum(m - first[li], 1), "month": m, "advance": adv, "lost": 0.0, "weight": at_risk,
    })
    # negotiation spells: one copy per candidate entry month
    vi = np.repeat(np.arange(len(ids)), n_c)
    c = c_lo[vi] + (np.arange(vi.size) - np.repeat(np.cumsum(n_c) - n_c, n_c))
    copies = neg.iloc[vi].reset_index()
    copies["entry_month"] = c
    copies["pace"] = np.log(np.maximum(c - first[vi], 1) + 0.5)
    neg_rows = person_months(copies)
    neg_rows["weight"] = (1.0 / n_c[vi])[np.repeat(np.arange(len(copies)), _n_rows(copies))]
    out = pd.concat([base, lead_rows, neg_rows], ignore_index=True)
    out["cal_month"] = out["month"].to_numpy() % 12
    out["year"] = out["month"].to_numpy() // 12
    return out


def seen_negotiation_months(rows: pd.DataFrame, history) -> pd.DataFrame:
    """Person-month ``rows`` with the negotiation months left-truncated at the first snapshot
    that shows the project negotiating: only its months after that snapshot stay.

    The ledger learns of a negotiation from the snapshots (or a signing). One that starts and
    is lost between two snapshots never shows: the project is recorded as a lead lost. The
    negotiations the ledger does show were therefore all still alive at their first
    negotiating snapshot, and their months before it are immortal for loss: kept, they
    understate the loss hazard of the first months and overstate the chance that a project
    just seen negotiating signs. Left truncation at that snapshot keeps the hazards those of
    a negotiation the ledger has seen, which every open negotiation at an as-of date is.
    A negotiation never shown (signed before the next snapshot) is left out. Other stages'
    rows are unchanged, and so are the months up to the ledger's first snapshot: no earlier
    snapshot could have shown a negotiation there, and in a folder that starts with one
    snapshot they are all the evidence on negotiation there is (the fit decides how far
    back it reads them).
    """
    long = history.long
    seen = long[long["stage"] == "negotiating"].groupby("project_id", sort=False)["date"].min()
    seen_m = month_index(rows["project_id"].map(seen))
    first_m = int(month_index(pd.Series([long["date"].min()]))[0])
    month = rows["month"].to_numpy()
    neg = rows["stage_idx"].to_numpy() == 1
    keep = ~neg | (month <= first_m) | ((seen_m >= 0) & (month > seen_m))
    return rows[keep].reset_index(drop=True)


def _n_rows(s: pd.DataFrame) -> np.ndarray:
    ended = s["outcome"].to_numpy() != "open"
    span = (s["exit_month"] - s["entry_month"]).to_numpy()
    return np.where(ended, np.maximum(span, 1), np.maximum(span, 0))


__all__ = ["spells", "person_months", "interval_person_months", "negotiation_windows", "month_index",
           "seen_negotiation_months",
           "OPEN_STAGES", "MAX_DURATION", "LOST"]
