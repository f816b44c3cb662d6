"""Project histories rebuilt from the quarterly snapshots, and the as-of view.

A :class:`History` holds the snapshots up to one quarter and nothing later: it is the only
door through which models, baselines and backtests see data, so a forecast "as of" a
quarter cannot peek by construction (:meth:`History.upto` returns a new, truncated
history; the later snapshots are not reachable from it).

From the snapshots it rebuilds each project's path: the date it entered every stage
(the ledger has no date for negotiation, so that one is imputed as the midpoint of the
interval in which the snapshots show it happened), the stage a lost project was lost
from, its investment when first seen, at signing and now, and its provincial record.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from ..data.datafolder import DataFolder
from ..data.district import District, Targets
from ..data.quarters import parse_quarter, quarter_end
from ..data.schema import ENTRY_COLUMN, LOST, STAGE_RANK, STAGES

#: Stage rank of ``lost`` for ordering: after every forward stage.
_RANK = {**STAGE_RANK, LOST: len(STAGES)}


@dataclass(frozen=True, eq=False)
class History:
    """The ledger as known at the end of quarter :attr:`as_of`.

    Parameters
    ----------
    district : the district.
    effort : effort rows (``quarter``, ``unit``, ``staff``, ``visits``, ``budget_m``);
        rows after the last snapshot are dropped.
    snapshots : quarter -> canonical ledger table, any order; only these are visible.

    Examples
    --------
    >>> from forecasting import load_history
    >>> h = load_history("data")
    >>> h.upto("2022Q4").as_of
    '2022Q4'
    """

    district: District
    effort: pd.DataFrame
    snapshots: dict[str, pd.DataFrame]

    def __post_init__(self) -> None:
        if not self.snapshots:
            raise ValueError("a history needs at least one snapshot")
        ordered = dict(sorted(self.snapshots.items()))
        object.__setattr__(self, "snapshots", ordered)
        last = list(ordered)[-1]
        eff = self.effort[self.effort["quarter"] <= last].reset_index(drop=True)
        object.__setattr__(self, "effort", eff)

    @classmethod
    def from_folder(cls, folder: DataFolder) -> "History":
        """The full history of a validated data folder."""
        return cls(folder.district, folder.effort, dict(folder.snapshots))

    # ------------------------------------------------------------------ the as-of view
    @property
    def quarters(self) -> list[str]:
        """Snapshot quarters, oldest first."""
        return list(self.snapshots)

    @property
    def as_of(self) -> str:
        """The last quarter this history knows."""
        return self.quarters[-1]

    @property
    def as_of_date(self) -> pd.Timestamp:
        """The last day of :attr:`as_of`."""
        return quarter_end(self.as_of)

    def upto(self, quarter: str) -> "History":
        """The history as it was known at the end of ``quarter`` (snapshots after it dropped)."""
        parse_quarter(quarter)
        kept = {q: t for q, t in self.snapshots.items() if q <= quarter}
        if not kept:
            raise ValueError(
                f"no snapshot at or before {quarter}; the history starts at {self.quarters[0]}"
            )
        if quarter not in self.snapshots:
            raise ValueError(
                f"there is no snapshot for {quarter}; snapshots exist for "
                f"{self.quarters[0]}–{self.as_of}"
            )
        return History(self.district, self.effort, kept)

    @property
    def latest(self) -> pd.DataFrame:
        """The as-of snapshot."""
        return self.snapshots[self.as_of]

    # ------------------------------------------------------------------ rebuilt paths
    @cached_property
    def long(self) -> pd.DataFrame:
        """Every snapshot stacked: one row per (quarter, project)."""
        frames = []
        for q, t in self.snapshots.items():
            f = t[["project_id", "stage", "investment_bn", "provincial", "provincial_year"]].copy()
            f.insert(0, "quarter", q)
            f["date"] = quarter_end(q)
            frames.append(f)
        out = pd.concat(frames, ignore_index=True)
        out["rank"] = out["stage"].map(_RANK).astype(int)
        return out

    @cached_property
    def projects(self) -> pd.DataFrame:
        """One row per project of the as-of snapshot, with its rebuilt path.

        Columns: the as-of snapshot's own columns, plus ``unit_type``, ``leading``
        (investor on the top-10 list), ``negotiating_date`` (imputed), ``lost_from``,
        ``stage_entry`` (when the current stage was entered; for lost projects the loss),
        ``investment_first``, ``investment_signed`` (first recorded at or after signing),
        ``nominated_years`` (years whose Q4 snapshot shows it as candidate, as a tuple).
        """
        latest = self.latest.copy()
        long = self.long
        types = {u.id: u.type for u in self.district.units}
        latest["unit_type"] = latest["unit"].map(types)
        latest["leading"] = latest["investor"].isin(self.district.leading_companies)

        first = long.groupby("project_id", sort=False).first()
        latest["investment_first"] = latest["project_id"].map(first["investment_bn"])

        signed_rows = long[(long["rank"] >= STAGE_RANK["signed"]) & (long["rank"] < _RANK[LOST])]
        at_sign = signed_rows.groupby("project_id", sort=False)["investment_bn"].first()
        latest["investment_signed"] = latest["project_id"].map(at_sign)
        # a project lost after signing whose signed state no snapshot caught
        lost_signed = latest["investment_signed"].isna() & latest["signed_date"].notna()
        latest.loc[lost_signed, "investment_signed"] = latest.loc[lost_signed, "investment_bn"]

        latest["lost_from"] = _lost_from(latest, long)
        latest["negotiating_date"] = _negotiating_date(latest, long)

        entry = pd.Series(pd.NaT, index=latest.index, dtype="datetime64[ns]")
        for stage in STAGES:
            col = ENTRY_COLUMN[stage]
            entry = entry.mask(latest["stage"] == stage, latest[col])
        latest["stage_entry"] = entry.mask(latest["stage"] == LOST, latest["lost_date"])

        cand = long[(long["provincial"] == "candidate") & long["quarter"].str.endswith("Q4")]
        years = cand.assign(y=cand["quarter"].str[:4].astype(int)).groupby("project_id")["y"].agg(tuple)
        latest["nominated_years"] = latest["project_id"].map(years).apply(
            lambda v: v if isinstance(v, tuple) else ()
        )
        return latest


def _lost_from(latest: pd.DataFrame, long: pd.DataFrame) -> pd.Series:
    """The stage a lost project was lost from: its last stage before ``lost`` in the snapshots,
    or, when it was already lost when first seen, the furthest stage its dates show."""
    before = long[long["stage"] != LOST].groupby("project_id", sort=False)["rank"].max()
    rank = latest["project_id"].map(before)
    by_dates = np.select(
        [latest["groundbreaking_date"].notna(), latest["approved_date"].notna(), latest["signed_date"].notna()],
        [STAGE_RANK["under_construction"], STAGE_RANK["approved"], STAGE_RANK["signed"]],
        default=STAGE_RANK["lead"],
    )
    rank = pd.Series(np.fmax(rank.to_numpy(float), by_dates), index=latest.index)
    out = rank.map(lambda r: STAGES[int(r)] if r == r else None)
    return out.where(latest["stage"] == LOST)


def _negotiating_date(latest: pd.DataFrame, long: pd.DataFrame) -> pd.Series:
    """Impute when each project entered negotiation: the midpoint of the interval the
    snapshots allow (after the last snapshot showing it as a lead, or its first_seen; before
    the first snapshot showing it further, or its signing)."""
    ever_neg = (latest["stage"].map(_RANK) >= STAGE_RANK["negotiating"]) & (latest["stage"] != LOST)
    ever_neg |= (latest["stage"] == LOST) & (latest["lost_from"].map(_RANK) >= STAGE_RANK["negotiating"])
    as_lead = long[long["stage"] == "lead"].groupby("project_id", sort=False)["date"].max()
    beyond = long[(long["rank"] >= STAGE_RANK["negotiating"]) & (long["stage"] != LOST)]
    first_beyond = beyond.groupby("project_id", sort=False)["date"].min()
    lo = latest["project_id"].map(as_lead)
    lo = pd.concat([lo, latest["first_seen"]], axis=1).max(axis=1)
    hi = latest["project_id"].map(first_beyond)
    hi = pd.concat([hi, latest["signed_date"], latest["lost_date"]], axis=1).min(axis=1)
    mid = lo + (hi - lo) / 2
    return mid.dt.normalize().where(ever_neg).astype("datetime64[ns]")


#: Fewer snapshots than this and the history is short: it says what it cannot tell.
SHORT_HISTORY_QUARTERS = 8


def short_history_notes(history: "History") -> list[str]:
    """Sentences on what a short history (fewer than :data:`SHORT_HISTORY_QUARTERS`
    snapshots, e.g. a folder that starts with one) cannot tell; empty for a long one.

    Histories then come from the milestone dates (``first_seen``, ``signed_date``, …).
    """
    n = len(history.quarters)
    if n >= SHORT_HISTORY_QUARTERS:
        return []
    first = history.quarters[0]
    which = f"one snapshot ({first})" if n == 1 else f"{n} snapshots ({first}–{history.as_of})"
    notes = [
        f"The folder holds {which}: project histories before {first} come from the milestone dates alone.",
        f"Losses and investment revisions before {first} are unknown: a project lost earlier and left out of "
        "the export is not counted, and amounts before signing are known only from the snapshots.",
        f"When leads entered negotiation before {first} is unknown, so the lead and negotiation stages are "
        f"fitted from {first} on only; the later stages on their dates over the last 24 months.",
    ]
    if n == 1:
        notes.append("Quarter-to-quarter changes need a second snapshot; the backtest needs snapshots "
                     "covering a past target year.")
    return notes


def warn_short_history(history: "History") -> None:
    """Say :func:`short_history_notes` as one :class:`~forecasting.errors.ShortHistoryWarning`."""
    import warnings

    from ..errors import ShortHistoryWarning

    notes = short_history_notes(history)
    if notes:
        warnings.warn(" ".join(notes), ShortHistoryWarning, stacklevel=3)


def year_events(projects: pd.DataFrame, year: int, targets: Targets) -> pd.DataFrame:
    """Which of ``projects`` reached each counted event within ``year``.

    Returns one row per project with boolean columns ``signed``, ``groundbreaking``
    (any size), ``groundbreaking_counted`` (at least ``groundbreakings_min_bn``),
    ``tier_NAME`` for each tier (signed in the year with its investment at signing in the
    band) and ``provincial`` (designated for that year).
    """
    signed = projects["signed_date"].dt.year.eq(year)
    ground = projects["groundbreaking_date"].dt.year.eq(year)
    out = pd.DataFrame({"project_id": projects["project_id"], "signed": signed, "groundbreaking": ground})
    out["groundbreaking_counted"] = ground & (projects["investment_bn"] >= targets.groundbreakings_min_bn)
    size = projects["investment_signed"].fillna(projects["investment_bn"])
    for tier in targets.tiers:
        out[f"tier_{tier.name}"] = signed & tier.contains(size)
    out["provincial"] = projects["provincial"].eq("designated") & projects["provincial_year"].eq(year).fillna(False)
    return out.reset_index(drop=True)


def target_counts(projects: pd.DataFrame, year: int, targets: Targets) -> pd.Series:
    """The count toward each target in ``year`` (index as ``Targets.names``)."""
    ev = year_events(projects, year, targets)
    counts = {"groundbreakings": int(ev["groundbreaking_counted"].sum())}
    counts.update({f"tier_{t.name}": int(ev[f"tier_{t.name}"].sum()) for t in targets.tiers})
    counts["provincial_major"] = int(ev["provincial"].sum())
    return pd.Series(counts)


def load_history(path) -> History:
    """Read, validate and rebuild the history of a data folder (``DataError`` if invalid)."""
    from ..data.validate import load_data

    return History.from_folder(load_data(path))
