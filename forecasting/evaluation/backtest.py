"""Rolling-origin backtests: forecast with what was known then, score against what happened.

At every past quarter from the third year of history on, each forecaster is fitted on the
as-of view (:meth:`History.upto`) and asked for the rest of that calendar year (from Q4
origins, whose year is already over, for the next year). Forecasts are scored against the
latest snapshot, only for target years that the snapshots have fully seen.

Scores are kept long (one row per origin, forecaster, project and event), so any cut —
per event, per origin, open projects only — is a ``groupby`` away.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from ..errors import SparseDataWarning
from ..forecast.contract import Forecast, Forecaster, settled_probabilities
from ..history.histories import History, target_counts, year_events
from .scoring import (
    bootstrap_skill,
    brier_score,
    expected_calibration_error,
    interval_coverage,
    log_loss,
    reliability_table,
)

#: Per-project events scored, with their ``projects.csv`` column and ``year_events`` column.
def event_map(history: History, year: int) -> dict[str, str]:
    """Scored event -> ``projects.csv`` column, for the targets of ``year``."""
    tiers = history.district.targets_for(year).tiers
    return {
        "signed": "p_signed",
        "groundbreaking": "p_groundbreaking",
        **{f"tier_{t.name}": f"p_tier_{t.name}" for t in tiers},
        "provincial": "p_provincial",
    }


def origins(history: History, *, skip_years: int = 2) -> list[tuple[str, int]]:
    """(origin quarter, target year) pairs: from the third year of history on, target years
    fully covered by the snapshots; Q4 origins forecast the next year."""
    first_year = int(history.quarters[0][:4]) + skip_years
    end = history.as_of_date
    pairs = []
    for q in history.quarters:
        y = int(q[:4])
        if y < first_year:
            continue
        year = y + 1 if q.endswith("Q4") else y
        if pd.Timestamp(f"{year}-12-31") <= end:
            pairs.append((q, year))
    return pairs


def origins_note(history: History, *, skip_years: int = 2, language: str | None = None) -> str:
    """How many origins the backtest can use, and why not more, as a sentence in ``language``
    (default: the report's, :func:`forecasting.texts.language`)."""
    from ..texts import text

    say = lambda key, **v: text(f"studies.{key}", language=language, **v)  # noqa: E731
    pairs = origins(history, skip_years=skip_years)
    n, first = len(history.quarters), history.quarters[0]
    first_year = int(first[:4]) + skip_years
    why = say("origins_why", first_year=first_year, first=first,
              last=history.as_of_date.year - 1 if not history.as_of.endswith('Q4') else history.as_of_date.year)
    if not pairs:
        return say("origins_none" if n > 1 else "origins_none_one", n=n, why=why)
    return say("origins_some" if len(pairs) > 1 else "origins_some_one", k=len(pairs), n=n, start=pairs[0][0],
               end=pairs[-1][0], why=why)


def central_pit_coverage(cdf_below, cdf_at, level: float = 0.8) -> float:
    """Share of outcomes inside the forecast's central ``level`` range, fair for counts.

    For a count the inclusive interval ``[p10, p90]`` holds at least 80 % of the mass and,
    for a count that is nearly certain, all of it: its coverage tells little. The
    randomised probability integral transform ``U ~ Uniform(P(X < y), P(X <= y))`` is
    uniform for a calibrated forecast whatever the discreteness; this is the mean of
    ``P(U in [(1 - level) / 2, (1 + level) / 2])`` over outcomes (expected value, no
    randomisation), which is ``level`` for a calibrated forecaster.
    """
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
    a, b = np.asarray(cdf_below, float), np.asarray(cdf_at, float)
    ok = ~(np.isnan(a) | np.isnan(b))
    if not ok.any():
        return float("nan")
    a, b = a[ok], b[ok]
    width = b - a
    inside = np.clip(np.minimum(b, hi_q) - np.maximum(a, lo_q), 0, None)
    share = np.where(width > 1e-12, inside / np.where(width > 1e-12, width, 1.0), ((a >= lo_q) & (a <= hi_q)).astype(float))
    return float(share.mean())


def score_forecast(forecast: Forecast, truth: History) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long per-project rows (p, y, open) and per-target rows (interval, p_meet, realised)."""
    year = forecast.year
    targets = truth.district.targets_for(year)
    ev = year_events(truth.projects, year, targets).set_index("project_id")
    P = forecast.projects.set_index("project_id")
    rows = []
    for event, col in event_map(truth, year).items():
        y = ev[event].reindex(P.index).fillna(False).to_numpy(float)
        rows.append(pd.DataFrame({"project_id": P.index, "event": event, "p": P[col].to_numpy(float), "y": y}))
    proj = pd.concat(rows, ignore_index=True)
    realised = target_counts(truth.projects, year, targets)
    t = forecast.targets.set_index("target")
    tr = t.loc[t.index != "all"].copy()
    tr["realised"] = realised.reindex(tr.index).to_numpy()
    tr["met"] = tr["realised"] >= tr["goal"]
    # where the realised count fell in the forecast distribution: P(X < y) and P(X <= y)
    for name in tr.index:
        pmf = forecast.count_pmf(name)
        if pmf is not None:
            cdf = np.r_[0.0, np.cumsum(pmf)]
            y_ = int(tr.loc[name, "realised"])
            tr.loc[name, "cdf_below"] = float(cdf[min(y_, cdf.size - 1)])
            tr.loc[name, "cdf_at"] = float(min(cdf[min(y_ + 1, cdf.size - 1)], 1.0))
            k = np.arange(pmf.size)
            tr.loc[name, "sd"] = float(np.sqrt(max(pmf @ k**2 - (pmf @ k) ** 2, 0.0)))
    all_met = bool(tr["met"].all())
    tr = pd.concat([tr, pd.DataFrame({"p_meet": [t.loc["all", "p_meet"]], "met": [all_met]}, index=["all"])])
    return proj, tr.reset_index(names="target")


@dataclass
class BacktestResult:
    """Everything a backtest produced.

    Attributes
    ----------
    projects : one row per (origin, year, forecaster, project, event): ``p``, ``y`` and
        ``open`` (the event was still undecided at the origin).
    targets : one row per (origin, year, forecaster, target): the forecast summary, the
        realised count and whether the goal was met.
    """

    projects: pd.DataFrame
    targets: pd.DataFrame
    reference: str = "stage_weighted"

    def scores(self, *, by: Sequence[str] = ("forecaster", "event"), open_only: bool = True) -> pd.DataFrame:
        """Brier score, log loss, ECE and Brier skill against the reference, per group."""
        d = self._open(open_only)
        ref = d[d["forecaster"] == self.reference].set_index(["origin", "year", "project_id", "event"])["p"]
        d = d.join(ref.rename("p_ref"), on=["origin", "year", "project_id", "event"])
        rows = []
        for key, g in d.groupby(list(by), sort=True):
            key = key if isinstance(key, tuple) else (key,)
            bs, bs_ref = brier_score(g["p"], g["y"]), brier_score(g["p_ref"], g["y"])
            rows.append({**dict(zip(by, key)), "n": len(g), "events": int(g["y"].sum()),
                         "brier": bs, "log_loss": log_loss(g["p"], g["y"]),
                         "ece": expected_calibration_error(g["p"], g["y"]),
                         "brier_skill": 1 - bs / bs_ref if bs_ref > 0 else np.nan})
        return pd.DataFrame(rows)

    def skill(self, *, open_only: bool = True, n_boot: int = 500, alpha: float = 0.1, rng=0) -> pd.DataFrame:
        """Brier skill against the reference with a bootstrap interval over origins."""
        d = self._open(open_only)
        ref = d[d["forecaster"] == self.reference].set_index(["origin", "year", "project_id", "event"])["p"]
        d = d.join(ref.rename("p_ref"), on=["origin", "year", "project_id", "event"])
        rows = []
        for (name, event), g in d.groupby(["forecaster", "event"], sort=True):
            est, lo, hi = bootstrap_skill(g, prob_col="p", ref_col="p_ref", outcome_col="y",
                                          group_col="origin", n_boot=n_boot, alpha=alpha, rng=rng)
            rows.append({"forecaster": name, "event": event, "brier_skill": est, "lo": lo, "hi": hi, "n": len(g)})
        return pd.DataFrame(rows)

    def reliability(self, *, open_only: bool = True, n_bins: int = 10) -> pd.DataFrame:
        """Reliability tables per forecaster and event."""
        d = self._open(open_only)
        frames = []
        for (name, event), g in d.groupby(["forecaster", "event"], sort=True):
            tab = reliability_table(g["p"].to_numpy(), g["y"].to_numpy(), n_bins=n_bins)
            frames.append(tab.assign(forecaster=name, event=event))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def per_origin(self, *, open_only: bool = True) -> pd.DataFrame:
        """Scores per origin, forecaster and event."""
        return self.scores(by=("origin", "year", "forecaster", "event"), open_only=open_only)

    def coverage(self) -> pd.DataFrame:
        """Per forecaster and target: share of origins whose count fell in [p10, p90]; the
        same among the origins whose forecast was not a single value (``p10 < p90``: a
        count already settled, such as the provincial list after January, is covered
        whatever the forecaster); and the randomised-PIT coverage of the central 80 %."""
        t = self.targets[self.targets["target"] != "all"]
        rows = []
        for (name, target), g in t.groupby(["forecaster", "target"], sort=True):
            open_ = g[g["p10"] < g["p90"]]
            rows.append({"forecaster": name, "target": target, "origins": len(g),
                         "coverage_p10_p90": interval_coverage(g["realised"], g["p10"], g["p90"]),
                         "origins_uncertain": len(open_),
                         "coverage_p10_p90_uncertain": interval_coverage(open_["realised"], open_["p10"], open_["p90"]),
                         "pit_coverage_80": central_pit_coverage(g["cdf_below"], g["cdf_at"])
                         if "cdf_below" in g else np.nan})
        return pd.DataFrame(rows)

    def p_meet_calibration(self) -> pd.DataFrame:
        """Per forecaster: Brier score and mean forecast vs share met, for p_meet of every target."""
        rows = []
        for name, g in self.targets.groupby("forecaster", sort=True):
            y = g["met"].astype(float)
            rows.append({"forecaster": name, "n": len(g), "mean_p_meet": g["p_meet"].mean(),
                         "share_met": y.mean(), "brier": brier_score(g["p_meet"], y),
                         "ece": expected_calibration_error(g["p_meet"].to_numpy(), y.to_numpy(), n_bins=5)})
        return pd.DataFrame(rows)

    def write(self, out_dir: Path) -> list[Path]:
        """Write per-origin scores, calibration tables and the raw rows (atomically)."""
        from ..output import staged, write_csv

        names = {
            "per_origin_scores.csv": self.per_origin(),
            "scores.csv": self.scores(),
            "skill.csv": self.skill(),
            "calibration.csv": self.reliability(),
            "target_coverage.csv": self.coverage(),
            "p_meet_calibration.csv": self.p_meet_calibration(),
            "forecasts_projects.csv": self.projects,
            "forecasts_targets.csv": self.targets,
        }
        with staged(out_dir) as tmp:
            for name, frame in names.items():
                write_csv(frame, tmp / name)
        return [Path(out_dir) / n for n in names]

    def _open(self, open_only: bool) -> pd.DataFrame:
        return self.projects[self.projects["open"]] if open_only else self.projects


def run_backtest(
    history: History,
    forecasters: Iterable[Forecaster],
    *,
    pairs: Sequence[tuple[str, int]] | None = None,
    n_draws: int = 1000,
    rng: int = 0,
    progress: bool = False,
) -> BacktestResult:
    """Fit and forecast at every origin; score against ``history``'s latest snapshot.

    Examples
    --------
    >>> from forecasting import load_history, StageWeighted
    >>> res = run_backtest(load_history("data"), [StageWeighted()])
    >>> set(res.projects["event"]) >= {"signed", "groundbreaking"}
    True
    """
    forecasters = list(forecasters)
    pairs = list(pairs) if pairs is not None else origins(history)
    proj_rows, target_rows = [], []
    steps = [(o, y, f) for o, y in pairs for f in forecasters]
    if progress:
        from tqdm.auto import tqdm

        steps = tqdm(steps, desc="backtest", unit="forecast")
    settled_cache: dict[tuple[str, int], pd.DataFrame] = {}
    seen: dict[str, tuple[type[Warning], list[str]]] = {}
    for origin, year, forecaster in steps:
        as_of = history.upto(origin)
        # a sparse-data warning repeats at every early origin: collect it, say it once
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SparseDataWarning)
            fc = forecaster.fit(as_of).forecast(year, n_draws=n_draws, rng=rng)
        for w in caught:
            if issubclass(w.category, SparseDataWarning):
                seen.setdefault(str(w.message), (w.category, []))[1].append(origin)
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        proj, tr = score_forecast(fc, history)
        key = (origin, year)
        if key not in settled_cache:
            s = settled_probabilities(as_of, year).set_index("project_id")
            settled_cache[key] = s
        s = settled_cache[key]
        cols = event_map(history, year)
        open_ = np.concatenate([s[cols[e]].reindex(proj.loc[proj["event"] == e, "project_id"]).isna().to_numpy()
                                for e in cols])
        proj["open"] = open_
        meta = {"origin": origin, "year": year, "forecaster": forecaster.name}
        proj_rows.append(proj.assign(**meta))
        target_rows.append(tr.assign(**meta))
    for message, (category, at) in seen.items():
        at = list(dict.fromkeys(at))
        when = at[0] if len(at) == 1 else f"{at[0]}–{at[-1]}"
        warnings.warn(f"{message} (backtest origins {when})", category, stacklevel=1)
    projects = pd.concat(proj_rows, ignore_index=True)
    targets = pd.concat(target_rows, ignore_index=True)
    lead = ["origin", "year", "forecaster"]
    return BacktestResult(projects[lead + [c for c in projects.columns if c not in lead]],
                          targets[lead + [c for c in targets.columns if c not in lead]])


def truncated(history: History, quarter: str) -> History:
    """The history a data folder would give if it had no snapshot after ``quarter``
    (built afresh, as if the later files had never existed)."""
    kept = {q: t.copy() for q, t in history.snapshots.items() if q <= quarter}
    effort = history.effort[history.effort["quarter"] <= quarter].copy()
    return History(history.district, effort, kept)


def peeks(make_forecaster, history: History, origin: str, year: int, *, rng: int = 0) -> bool:
    """Whether a forecaster's forecast at ``origin`` changes when the data after it is removed.

    ``make_forecaster(history)`` builds the forecaster from the data it is handed (as a
    command would from the data folder). A forecaster that never peeks gives identical
    per-project probabilities and targets with and without the later snapshots.
    """
    def run(data: History) -> Forecast:
        return make_forecaster(data).fit(data.upto(origin)).forecast(year, rng=rng)

    a, b = run(history), run(truncated(history, origin))
    same = a.projects.equals(b.projects) and a.targets.equals(b.targets)
    return not same
