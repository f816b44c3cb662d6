"""What the ledger holds: the tables behind the pipeline overview (notebook 01)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.schema import ALL_STAGES
from ..history.histories import SHORT_HISTORY_QUARTERS, History, target_counts
from ..texts import text

#: Days without a stage change after which DOMAIN.md's districts flag a prospect.
YELLOW_DAYS, RED_DAYS = 61, 92


def funnel(history: History) -> pd.Series:
    """Projects per stage in the as-of snapshot, in stage order."""
    return history.latest["stage"].value_counts().reindex(list(ALL_STAGES), fill_value=0)


def mix(history: History, by: str = "sector", *, open_only: bool = True, labels: bool = True,
        language: str | None = None) -> pd.DataFrame:
    """Projects by ``by`` (``sector`` or ``unit``) and stage; open projects only by default.

    With ``labels`` the rows are the district's labels for the units or sectors (in
    ``language``, default the style's; :mod:`forecasting.report.display`), else their ids.
    """
    from .display import sector_name, unit_name

    P = history.latest
    if open_only:
        P = P[~P["stage"].isin(["operating", "lost"])]
    table = pd.crosstab(P[by], P["stage"])
    cols = [s for s in ALL_STAGES if s in table.columns]
    table = table[cols]
    if labels and by in ("unit", "sector"):
        name = unit_name if by == "unit" else sector_name
        table.index = pd.Index([name(history.district, v, language) for v in table.index], name=by)
    return table


def quarterly_flow(history: History, *, min_bn: float | None = None) -> pd.DataFrame:
    """Per quarter: new leads, signings, groundbreakings (of at least ``min_bn`` when given), losses."""
    P = history.projects
    q = lambda col: P[col].dt.to_period("Q-DEC").astype(str)  # noqa: E731
    big = P["investment_bn"] >= (min_bn or 0.0)
    out = pd.DataFrame({
        "new_leads": q("first_seen").value_counts(),
        "signed": q("signed_date").value_counts(),
        "groundbreakings": q("groundbreaking_date")[big].value_counts(),
        "lost": q("lost_date").value_counts(),
    }).fillna(0).astype(int)
    out = out[out.index.isin(history.quarters)]
    return out.reindex(history.quarters, fill_value=0)


def yearly_counts(history: History) -> pd.DataFrame:
    """Per calendar year fully or partly covered by the snapshots: leads, signings,
    groundbreakings (all and counted), each tier and designations."""
    P = history.projects
    first = int(history.quarters[0][:4])
    last = history.as_of_date.year
    rows = []
    for year in range(first, last + 1):
        t = history.district.targets.get(year) or next(iter(history.district.targets.values()))
        counts = target_counts(P, year, t)
        rows.append({
            "year": year,
            "complete": history.as_of_date >= pd.Timestamp(f"{year}-12-31"),
            "new_leads": int(P["first_seen"].dt.year.eq(year).sum()),
            "signed": int(P["signed_date"].dt.year.eq(year).sum()),
            "groundbreakings_all": int(P["groundbreaking_date"].dt.year.eq(year).sum()),
            **counts.to_dict(),
        })
    return pd.DataFrame(rows).set_index("year")


def progress(history: History, year: int | None = None) -> pd.DataFrame:
    """Each target of ``year`` (default: the as-of year): goal and count so far."""
    year = year or history.as_of_date.year
    t = history.district.targets_for(year)
    done = target_counts(history.projects, year, t)
    return pd.DataFrame({"goal": pd.Series(t.goals), "so_far": done})


def stalled(history: History) -> pd.DataFrame:
    """Open projects before groundbreaking with no stage change for 2 months (yellow) or
    3 months (red), as districts flag them; longest-stalled first."""
    P = history.projects
    open_ = P[P["stage"].isin(["lead", "negotiating", "signed", "approved"])].copy()
    days = (history.as_of_date - open_["stage_entry"]).dt.days
    open_["days_in_stage"] = days
    open_["flag"] = np.where(days >= RED_DAYS, "red", np.where(days >= YELLOW_DAYS, "yellow", "green"))
    return open_.sort_values("days_in_stage", ascending=False)[
        ["project_id", "name", "stage", "investment_bn", "unit", "days_in_stage", "flag"]]


def data_quality(history: History, *, language: str | None = None) -> pd.DataFrame:
    """Notes on the ledger a planner should know before trusting the numbers, in
    ``language`` (default: the style's); :func:`forecasting.report.display.readable` gives the
    table its headers in the language."""
    P = history.projects
    rev = P["investment_signed"] / P["investment_first"]
    signed = P["investment_signed"].notna()
    flags = stalled(history)["flag"].value_counts()
    say = lambda name, **v: text(f"overview.{name}", language=language, **v)  # noqa: E731
    revised = (signed.any() and (rev[signed] != 1).any()) or len(history.quarters) > 1
    notes = [
        (say("check_snapshots"), say("finding_snapshots" if len(history.quarters) > 1 else "finding_snapshot_one",
                                     n=len(history.quarters), first=history.quarters[0], last=history.as_of)),
        (say("check_projects"), say("finding_projects", n=len(P), lost=int(P["stage"].eq("lost").sum()),
                                    operating=int(P["stage"].eq("operating").sum()))),
        (say("check_revised"), say("finding_revised", share=f"{(rev[signed] != 1).mean():.0%}",
                                   median=f"{np.median(rev[signed]) - 1:+.0%}")
         if revised else say("finding_revised_unknown")),
        (say("check_stalled"), say("finding_stalled", red=int(flags.get("red", 0)), yellow=int(flags.get("yellow", 0)))),
        (say("check_negotiation"), say("finding_negotiation")),
        (say("check_smallest"), say("finding_smallest", bn=f"{P['investment_bn'].min():.2f}",
                                    yi=f"{P['investment_bn'].min() * 10:.1f}")),
    ]
    notes += [(say("check_short", i=i), note) for i, note in enumerate(short_history_notes(history, language), 1)]
    return pd.DataFrame(notes, columns=["check", "finding"]).set_index("check")


def short_history_notes(history: History, language: str | None = None) -> list[str]:
    """What a short history cannot tell (:func:`forecasting.history.histories.short_history_notes`),
    in ``language`` (default: the style's)."""
    n = len(history.quarters)
    if n >= SHORT_HISTORY_QUARTERS:
        return []
    first, last = history.quarters[0], history.as_of
    say = lambda name, **v: text(f"overview.{name}", language=language, **v)  # noqa: E731
    which = say("short_which_one", first=first) if n == 1 else say("short_which_many", n=n, first=first, last=last)
    notes = [say("short_1", which=which, first=first), say("short_2", first=first), say("short_3", first=first)]
    if n == 1:
        notes.append(say("short_4"))
    return notes
