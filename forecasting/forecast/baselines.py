"""The methods planners use today, as forecasters: the floor every model must beat.

* :class:`StageWeighted` — the spreadsheet method: for each stage, the historical share of
  projects in that stage at a quarter end that reached the event by the year's end.
* :class:`StageQuarterRate` — the same share, kept separately for each quarter of the year
  the forecast is made in (a Q3 lead has less time left than a Q1 lead).

Both count only projects already in the ledger and treat them as independent: their
``targets.csv`` is exact (Poisson–binomial) under that assumption, ignoring new leads and
the common fortunes of a year.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..history.histories import History, year_events
from .contract import Forecast, finish_projects, independent_targets

_OPEN = ("lead", "negotiating", "signed", "approved", "under_construction")


def _origin_table(history: History, origin: str, year: int) -> pd.DataFrame:
    """Projects open at ``origin`` with what happened to them in ``year`` (as ``history`` knows)."""
    snap = history.snapshots[origin]
    snap = snap[snap["stage"].isin(_OPEN)][["project_id", "stage", "investment_bn", "provincial"]]
    targets = history.district.targets.get(year) or next(iter(history.district.targets.values()))
    ev = year_events(history.projects, year, targets).set_index("project_id")
    ev = ev[["signed", "groundbreaking", "provincial"]].add_prefix("ev_")
    out = snap.join(ev, on="project_id")
    out["quarter_of_year"] = int(origin[-1])
    out["horizon"] = year - int(origin[:4])
    return out


def _training_rows(history: History) -> pd.DataFrame:
    """Every past origin whose target year (this year, or next from Q4) is fully known."""
    end = history.as_of_date
    frames = []
    for q in history.quarters:
        y = int(q[:4])
        for year in (y, y + 1) if q.endswith("Q4") else (y,):
            if pd.Timestamp(f"{year}-12-31") <= end:
                frames.append(_origin_table(history, q, year))
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


def _shares(rows: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    """Share of rows reaching each event, per key; provincial kept apart by list status."""
    if rows.empty:
        return pd.DataFrame()
    g = rows.groupby(list(keys))
    out = g[["ev_signed", "ev_groundbreaking"]].mean()
    for status in ("none", "candidate"):
        sub = rows[rows["provincial"] == status].groupby(list(keys))["ev_provincial"].mean()
        out[f"ev_provincial_{status}"] = sub
    return out


@dataclass(frozen=True)
class FittedShares:
    """A fitted share table: forecast by looking each open project up in it."""

    history: History
    shares: pd.DataFrame
    keys: tuple[str, ...]
    name: str

    def forecast(self, year: int, *, n_draws: int = 0, rng=None) -> Forecast:
        h = self.history
        targets = h.district.targets_for(year)
        P = h.projects[["project_id", "stage", "investment_bn", "provincial"]].copy()
        P["quarter_of_year"] = int(h.as_of[-1])
        P["horizon"] = year - h.as_of_date.year
        look = P.join(self.shares, on=list(self.keys)) if len(self.shares) else P

        def col(name: str) -> np.ndarray:
            return np.nan_to_num(look[name].to_numpy(float)) if name in look else np.zeros(len(P))

        probs = pd.DataFrame({"project_id": P["project_id"]})
        probs["p_signed"] = col("ev_signed")
        probs["p_groundbreaking"] = col("ev_groundbreaking")
        for tier in targets.tiers:
            inside = tier.contains(P["investment_bn"]).to_numpy()
            probs[f"p_tier_{tier.name}"] = probs["p_signed"].to_numpy() * inside
        cand = P["provincial"].eq("candidate").to_numpy()
        probs["p_provincial"] = np.where(cand, col("ev_provincial_candidate"), col("ev_provincial_none"))
        projects = finish_projects(h, year, probs)
        dist: dict = {}
        targets = independent_targets(h, year, projects, distributions=dist)
        return Forecast(h.as_of, year, projects, targets, forecaster=self.name, distributions=dist)


class StageWeighted:
    """Baseline (a): the share of projects in each stage that reached the event by year end,
    pooled over every past quarter-end (the planners' spreadsheet).

    Examples
    --------
    >>> from forecasting import load_history
    >>> f = StageWeighted().fit(load_history("data").upto("2022Q2")).forecast(2022)
    >>> bool(f.projects["p_signed"].between(0, 1).all())
    True
    """

    name = "stage_weighted"
    keys: tuple[str, ...] = ("stage", "horizon")

    def fit(self, history: History) -> FittedShares:
        rows = _training_rows(history)
        if rows.empty:
            import warnings

            from ..errors import ShortHistoryWarning

            warnings.warn(
                f"the {self.name.replace('_', '-')} baseline needs a past quarter-end whose year the snapshots have "
                f"fully seen; {history.quarters[0]}–{history.as_of} has none, so its probabilities are all zero "
                "(it has nothing to count from)", ShortHistoryWarning, stacklevel=2)
        return FittedShares(history, _shares(rows, self.keys), self.keys, self.name)


class StageQuarterRate(StageWeighted):
    """Baseline (b): the base rate per stage and quarter of the year the forecast is made in."""

    name = "stage_quarter_rate"
    keys = ("stage", "quarter_of_year", "horizon")


__all__ = ["StageWeighted", "StageQuarterRate", "FittedShares"]
