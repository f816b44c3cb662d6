"""The peer: what a data scientist would try first.

One scikit-learn ``HistGradientBoostingClassifier`` per event, trained on the as-of
snapshot features of every past origin whose target year is complete (stage, months in
stage, log investment, sector, unit, unit type, phase, provincial status, quarter of the
origin, horizon, pace of earlier stages), predicting whether the event happens in the
target year. scikit-learn is a test/benchmark-only dependency, so this lives here.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier

from forecasting.episodes import month_index, spells
from forecasting.forecast import Forecast, finish_projects, independent_targets
from forecasting.history import History, year_events

_OPEN = ("lead", "negotiating", "signed", "approved", "under_construction")
_CATS = ("stage", "sector", "unit", "unit_type", "provincial_status")


def features(history: History, year: int) -> pd.DataFrame:
    """Snapshot features of every open project at ``history``'s as-of date."""
    P = history.projects
    P = P[P["stage"].isin(_OPEN)]
    sp = spells(P, history.as_of_date)
    cur = sp[sp["outcome"] == "open"].set_index("project_id")
    as_of_m = int(month_index(pd.Series([history.as_of_date]))[0])
    out = pd.DataFrame({
        "project_id": P["project_id"].to_numpy(),
        "stage": P["stage"].to_numpy(),
        "sector": P["sector"].to_numpy(),
        "unit": P["unit"].to_numpy(),
        "unit_type": P["unit_type"].to_numpy(),
        "provincial_status": P["provincial"].to_numpy(),
        "log_investment": np.log(P["investment_bn"].to_numpy(float)),
        "phase": P["phase"].to_numpy(),
        "months_in_stage": as_of_m - P["project_id"].map(cur["entry_month"]).to_numpy(float),
        "pace": P["project_id"].map(cur["pace"]).to_numpy(float),
        "months_since_first_seen": as_of_m - month_index(P["first_seen"]),
        "origin_quarter": int(history.as_of[-1]),
        "horizon_months": year * 12 + 11 - as_of_m,
    })
    return out


def _training(history: History) -> pd.DataFrame:
    end = history.as_of_date
    frames = []
    for q in history.quarters:
        y = int(q[:4])
        for year in ((y + 1,) if q.endswith("Q4") else (y,)):
            if pd.Timestamp(f"{year}-12-31") <= end:
                h = history.upto(q)
                f = features(h, year)
                targets = history.district.targets.get(year) or next(iter(history.district.targets.values()))
                ev = year_events(history.projects, year, targets).set_index("project_id")
                f = f.join(ev, on="project_id")
                frames.append(f)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _matrix(frame: pd.DataFrame, levels: dict[str, list]) -> np.ndarray:
    cols = []
    for c in frame.columns:
        if c in _CATS:
            cols.append(pd.Categorical(frame[c], categories=levels[c]).codes.astype(float))
        elif c != "project_id":
            cols.append(frame[c].to_numpy(float))
    return np.column_stack(cols)


class Peer:
    """Gradient boosting per event (``fit(history).forecast(year)``)."""

    name = "peer_gbm"

    def __init__(self, *, random_state: int = 0):
        self.random_state = random_state

    def fit(self, history: History) -> "_FittedPeer":
        return _FittedPeer(self, history, _training(history))


class _FittedPeer:
    def __init__(self, peer: Peer, history: History, train: pd.DataFrame):
        self.history = history
        self.train = train
        self.peer = peer

    def forecast(self, year: int, *, n_draws: int = 0, rng=None) -> Forecast:
        h = self.history
        targets = h.district.targets_for(year)
        X_now = features(h, year)
        feat_cols = list(X_now.columns)
        levels = {c: sorted(set(self.train[c]) | set(X_now[c])) for c in _CATS} if len(self.train) else {}
        probs = pd.DataFrame({"project_id": X_now["project_id"]})
        events = {"signed": "p_signed", "groundbreaking": "p_groundbreaking", "provincial": "p_provincial"}
        events.update({f"tier_{t.name}": f"p_tier_{t.name}" for t in targets.tiers})
        if len(self.train):
            Xtr = _matrix(self.train[feat_cols], levels)
            Xte = _matrix(X_now[feat_cols], levels)
            cat_mask = np.array([c in _CATS for c in feat_cols if c != "project_id"])
            for ev, col in events.items():
                y = self.train[ev].fillna(False).to_numpy(int) if ev in self.train else np.zeros(len(Xtr), int)
                if y.min() == y.max():
                    probs[col] = float(y[0]) if len(y) else 0.0
                    continue
                clf = HistGradientBoostingClassifier(
                    categorical_features=cat_mask, max_iter=200, learning_rate=0.05,
                    early_stopping=False, random_state=self.peer.random_state)
                clf.fit(Xtr, y)
                probs[col] = clf.predict_proba(Xte)[:, 1]
        projects = finish_projects(h, year, probs)
        return Forecast(h.as_of, year, projects, independent_targets(h, year, projects), forecaster=self.peer.name)
