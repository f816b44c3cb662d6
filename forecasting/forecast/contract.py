"""What every forecaster returns, and the one small interface they share.

A forecaster is anything with a ``name`` and ``fit(history) -> fitted``, where the fitted
object has ``forecast(year, *, n_draws, rng) -> Forecast``. Baselines, the outcome models,
the oracle and the backtest all speak this interface, so a new model plugs in unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from ..data.district import Targets
from ..history.histories import History, target_counts, year_events
from .counts import count_summary, draws_summary, poisson_binomial_pmf

#: The per-project events and their ``projects.csv`` column.
EVENT_COLUMNS = {"signed": "p_signed", "groundbreaking": "p_groundbreaking", "provincial": "p_provincial"}


def tier_columns(targets: Targets) -> list[str]:
    """``p_tier_NAME`` for each tier, in district.toml order."""
    return [f"p_tier_{t.name}" for t in targets.tiers]


def project_columns(targets: Targets) -> list[str]:
    """The columns of ``projects.csv`` (CLI.md), in order."""
    return [
        "project_id", "stage", "investment_bn", "p_signed", "p_groundbreaking",
        *tier_columns(targets), "p_provincial",
    ]


TARGET_COLUMNS = ["target", "goal", "so_far", "mean", "p10", "p50", "p90", "p_meet"]


@dataclass(frozen=True)
class Forecast:
    """A forecast of one target year made as of one quarter.

    Attributes
    ----------
    as_of, year : the as-of quarter and the target year.
    projects : one row per project of the as-of snapshot, columns as ``projects.csv``
        (further columns, e.g. intervals ``p_signed_lo``/``p_signed_hi``, may follow).
    targets : one row per target plus ``all``, columns as ``targets.csv``.
    draws : simulated yearly counts (one column per target), when the forecaster simulates.
    forecaster : the name of the forecaster that made it.
    """

    as_of: str
    year: int
    projects: pd.DataFrame
    targets: pd.DataFrame
    forecaster: str = ""
    draws: pd.DataFrame | None = field(default=None, repr=False)
    distributions: dict[str, np.ndarray] | None = field(default=None, repr=False)

    def count_pmf(self, target: str) -> np.ndarray | None:
        """``pmf[k] = P(the year's count = k)`` for one target, when the forecaster gives it."""
        if self.distributions and target in self.distributions:
            return self.distributions[target]
        if self.draws is not None and target in self.draws:
            c = self.draws[target].to_numpy().astype(int)
            return np.bincount(c) / c.size
        return None

    def p_meet(self, target: str = "all") -> float:
        """Probability of meeting one target (or ``all``)."""
        return float(self.targets.set_index("target").loc[target, "p_meet"])


class FittedForecaster(Protocol):
    def forecast(self, year: int, *, n_draws: int = 2000, rng: np.random.Generator | int | None = 0) -> Forecast: ...


@runtime_checkable
class Forecaster(Protocol):
    """Anything that can be fitted on an as-of history and then forecast a year."""

    name: str

    def fit(self, history: History) -> FittedForecaster: ...


def settled_probabilities(history: History, year: int) -> pd.DataFrame:
    """Per-project probabilities already decided by the as-of date, ``NaN`` where still open.

    An event that already happened inside the target year has probability 1; one that
    happened before it, or can no longer happen (lost, past the stage, the year over, the
    provincial list for the year already published), has 0.
    """
    P = history.projects
    targets = history.district.targets_for(year)
    as_of = history.as_of_date
    ev = year_events(P, year, targets)
    year_start = pd.Timestamp(f"{year}-01-01")
    year_over = as_of >= pd.Timestamp(f"{year}-12-31")
    lost = P["stage"].eq("lost").to_numpy()

    def settle(happened_date: pd.Series, in_year: pd.Series) -> np.ndarray:
        out = np.full(len(P), np.nan)
        done = happened_date.notna().to_numpy()
        out[done] = in_year.to_numpy()[done].astype(float)
        out[~done & (lost | year_over)] = 0.0
        return out

    res = pd.DataFrame({"project_id": P["project_id"].to_numpy()})
    res["p_signed"] = settle(P["signed_date"], ev["signed"])
    res["p_groundbreaking"] = settle(P["groundbreaking_date"], ev["groundbreaking"])
    for tier in targets.tiers:
        col = f"tier_{tier.name}"
        res[f"p_{col}"] = settle(P["signed_date"], ev[col])
    # the provincial list for a year is published in January–February
    decided = as_of >= year_start + pd.DateOffset(months=2) or as_of.year > year
    designated = P["provincial"].eq("designated").to_numpy()
    prov = np.full(len(P), np.nan)
    prov[designated] = ev["provincial"].to_numpy()[designated].astype(float)
    prov[~designated & (lost | decided)] = 0.0
    # operating projects are not nominated (the list is of projects under way)
    prov[~designated & P["stage"].eq("operating").to_numpy()] = 0.0
    res["p_provincial"] = prov
    return res


def so_far(history: History, year: int) -> pd.Series:
    """Counts already achieved in ``year`` as of the history's date (0 for a future year)."""
    targets = history.district.targets_for(year)
    if history.as_of_date.year < year:
        return pd.Series(0, index=targets.names)
    return target_counts(history.projects, year, targets)


def independent_targets(
    history: History,
    year: int,
    projects: pd.DataFrame,
    *,
    distributions: dict | None = None,
) -> pd.DataFrame:
    """``targets.csv`` from per-project probabilities treated as independent events (exact).

    Each count is so far + a Poisson–binomial over the still-open projects; ``all`` is the
    product of the per-target probabilities (independence across targets assumed too).
    New leads are not counted: this is the answer of a method that ignores them. When
    ``distributions`` is a dict it receives each target's pmf of the whole-year count.
    """
    targets = history.district.targets_for(year)
    done = so_far(history, year)
    min_bn = targets.groundbreakings_min_bn
    big = history.projects["investment_bn"].to_numpy() >= min_bn
    prob_cols = {
        "groundbreakings": ("p_groundbreaking", big),
        **{f"tier_{t.name}": (f"p_tier_{t.name}", None) for t in targets.tiers},
        "provincial_major": ("p_provincial", None),
    }
    settled = settled_probabilities(history, year)
    rows = []
    for name, (col, mask) in prob_cols.items():
        p = projects[col].to_numpy(float)
        open_ = np.isnan(settled[col].to_numpy(float))
        if mask is not None:
            open_ &= mask
        pmf = poisson_binomial_pmf(p[open_])
        if distributions is not None:
            distributions[name] = np.r_[np.zeros(int(done[name])), pmf]
        goal = targets.goals[name]
        summary = count_summary(pmf, offset=int(done[name]), goal=goal)
        rows.append({"target": name, "goal": goal, "so_far": int(done[name]), **_summary_cols(summary)})
    out = pd.DataFrame(rows)
    all_row = {"target": "all", "goal": np.nan, "so_far": np.nan, "mean": np.nan, "p10": np.nan,
               "p50": np.nan, "p90": np.nan, "p_meet": float(np.prod(out["p_meet"]))}
    return pd.concat([out, pd.DataFrame([all_row])], ignore_index=True)[TARGET_COLUMNS]


def targets_from_draws(history: History, year: int, draws: pd.DataFrame,
                       clusters: np.ndarray | None = None, groups: np.ndarray | None = None) -> pd.DataFrame:
    """``targets.csv`` from simulated whole-year counts (one column per target, so far included).

    With ``clusters`` (each simulated year's group of shared random draws, such as its
    parameter draw) a column ``p_meet_mc_se`` gives the Monte Carlo standard error of each
    p_meet (:func:`mc_se`; ``groups``: coarser groups of clusters that share more draws).
    """
    targets = history.district.targets_for(year)
    done = so_far(history, year)
    rows = []
    met = np.ones(len(draws), bool)
    for name in targets.names:
        goal = targets.goals[name]
        counts = draws[name].to_numpy()
        hit = counts >= goal
        met &= hit
        rows.append({"target": name, "goal": goal, "so_far": int(done[name]),
                     **_summary_cols(draws_summary(counts, goal=goal)), "p_meet_mc_se": mc_se(hit, clusters, groups)})
    rows.append({"target": "all", "goal": np.nan, "so_far": np.nan, "mean": np.nan, "p10": np.nan,
                 "p50": np.nan, "p90": np.nan, "p_meet": float(met.mean()), "p_meet_mc_se": mc_se(met, clusters, groups)})
    out = pd.DataFrame(rows)
    return out[TARGET_COLUMNS + (["p_meet_mc_se"] if clusters is not None else [])]


def mc_se(hit: np.ndarray, clusters: np.ndarray | None, groups: np.ndarray | None = None) -> float:
    """Monte Carlo standard error of ``hit.mean()`` when simulated years share draws in ``clusters``.

    The years of one cluster are dependent (they share the parameters and conditions of
    their draw), so the error comes from the spread of the cluster means:
    ``sd(cluster means) / sqrt(n_clusters)`` (clusters of nearly equal size). Stratified or
    antithetic draws across clusters make this conservative.

    ``groups`` (each year's group of clusters, coarser than ``clusters``) are clusters that
    also share something among them, such as the new leads' templates
    (:func:`~forecasting.simulation.arrivals.template_set`): the spread of the cluster means
    does not see what a group's clusters share, the spread of the group means does, from
    fewer groups (so with more noise). The error is the larger of the two: at least what
    the clusters show, and what the groups show when they show more.
    """
    if clusters is None:
        return float("nan")
    group_of = None
    if groups is not None:  # nested: each cluster's group is that of any of its years
        group_of = np.zeros(int(clusters.max()) + 1, dtype=int)
        group_of[clusters] = groups
    return float(clustered_se(np.bincount(clusters, weights=np.asarray(hit, float)), np.bincount(clusters),
                              group_of))


def clustered_se(sums: np.ndarray, n: np.ndarray, group_of: np.ndarray | None = None) -> np.ndarray:
    """The Monte Carlo error of an overall mean from per-cluster ``sums`` (``cluster × …``) of
    ``n`` years each: ``sd(cluster means) / sqrt(n_clusters)`` (NaN with fewer than two
    clusters), per column; with ``group_of`` (each cluster's group) the larger of that and the
    groups' own (:func:`mc_se`)."""
    sums, n = np.asarray(sums, float), np.asarray(n, float)
    se = _spread(sums, n)
    if group_of is not None:
        group_sums = np.zeros((int(group_of.max()) + 1,) + sums.shape[1:])
        np.add.at(group_sums, group_of, sums)
        se = np.fmax(se, _spread(group_sums, np.bincount(group_of, weights=n)))
    return se


def _spread(sums: np.ndarray, n: np.ndarray) -> np.ndarray:
    ok = n > 0
    means = sums[ok] / n[ok].reshape((-1,) + (1,) * (sums.ndim - 1))
    if means.shape[0] < 2:
        return np.full(sums.shape[1:], np.nan)
    return np.std(means, axis=0, ddof=1) / np.sqrt(means.shape[0])


def _summary_cols(summary: dict) -> dict:
    return {k: summary[k] for k in ("mean", "p10", "p50", "p90", "p_meet")}


def finish_projects(history: History, year: int, open_probs: pd.DataFrame) -> pd.DataFrame:
    """Combine a model's probabilities for open events with the settled ones.

    ``open_probs`` has ``project_id`` and any of the ``p_*`` columns; wherever the event is
    already settled (:func:`settled_probabilities`) the settled 0 or 1 wins.
    """
    targets = history.district.targets_for(year)
    P = history.projects
    settled = settled_probabilities(history, year)
    out = P[["project_id", "stage", "investment_bn"]].reset_index(drop=True).copy()
    merged = out[["project_id"]].merge(open_probs, on="project_id", how="left")
    for col in project_columns(targets)[3:]:
        model = merged[col].to_numpy(float) if col in merged else np.full(len(out), np.nan)
        s = settled[col].to_numpy(float)
        out[col] = np.clip(np.where(np.isnan(s), model, s), 0.0, 1.0)
    extra = [c for c in open_probs.columns if c not in out.columns and c != "project_id"]
    for col in extra:
        values = merged[col].to_numpy(float)
        base = col.rsplit("_", 1)[0]  # p_signed_lo -> p_signed: a settled event has no interval
        if base in settled:
            s = settled[base].to_numpy(float)
            values = np.where(np.isnan(s), values, s)
        out[col] = values
    return out


__all__ = [
    "Forecast", "Forecaster", "FittedForecaster", "project_columns", "tier_columns",
    "settled_probabilities", "so_far", "independent_targets", "targets_from_draws",
    "finish_projects", "TARGET_COLUMNS", "clustered_se", "mc_se", "count_summary", "poisson_binomial_pmf",
]
