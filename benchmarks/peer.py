"""The peer: what a competent data scientist would build with off-the-shelf tools.

One scikit-learn ``HistGradientBoostingClassifier`` per event, trained on the as-of
snapshot features of every past origin whose target year is complete, predicting whether
the event happens in the target year. Features: stage, months in stage, months since
first seen, log investment, sector, unit, unit type, phase, provincial status, quarter of
the origin, months left in the target year, pace of earlier stages (months per stage).

Regularised the way one would for a few thousand correlated rows (every project appears
once per origin): shallow trees, large leaves, an L2 penalty, and early stopping chosen
on *time*: the number of boosting rounds is picked on the latest complete target year
(trained on the earlier ones), then the model is refitted on every year with that many
rounds. scikit-learn is a test/benchmark-only dependency, so this lives here.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier

from forecasting.history.episodes import month_index, spells
from forecasting.forecast.contract import Forecast, finish_projects, independent_targets
from forecasting.history.histories import History, year_events

_OPEN = ("lead", "negotiating", "signed", "approved", "under_construction")
_CATS = ("stage", "sector", "unit", "unit_type", "provincial_status")
#: Hyperparameters (fixed a priori, not searched on the study's districts).
PARAMS = dict(learning_rate=0.05, max_depth=3, max_leaf_nodes=8, min_samples_leaf=100,
              l2_regularization=1.0, max_bins=64)
MAX_ROUNDS = 400


def features(history: History, year: int) -> pd.DataFrame:
    """Snapshot features of every open project at ``history``'s as-of date."""
    P = history.projects
    P = P[P["stage"].isin(_OPEN)]
    sp = spells(P, history.as_of_date)
    cur = sp[sp["outcome"] == "open"].set_index("project_id")
    as_of_m = int(month_index(pd.Series([history.as_of_date]))[0])
    entry = P["project_id"].map(cur["entry_month"]).to_numpy(float)
    first = month_index(P["first_seen"]).astype(float)
    n_prior = P["project_id"].map(cur["n_prior"]).to_numpy(float)
    out = pd.DataFrame({
        "project_id": P["project_id"].to_numpy(),
        "stage": P["stage"].to_numpy(),
        "sector": P["sector"].to_numpy(),
        "unit": P["unit"].to_numpy(),
        "unit_type": P["unit_type"].to_numpy(),
        "provincial_status": P["provincial"].to_numpy(),
        "log_investment": np.log(P["investment_bn"].to_numpy(float)),
        "phase": P["phase"].to_numpy(),
        "months_in_stage": as_of_m - entry,
        "log_months_in_stage": np.log1p(np.maximum(as_of_m - entry, 0)),
        "months_per_earlier_stage": np.where(n_prior > 0, (entry - first) / np.maximum(n_prior, 1), np.nan),
        "months_since_first_seen": as_of_m - first,
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
                f["target_year"] = year
                frames.append(f)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _matrix(frame: pd.DataFrame, levels: dict[str, list], cols: list[str]) -> np.ndarray:
    out = []
    for c in cols:
        if c in _CATS:
            out.append(pd.Categorical(frame[c], categories=levels[c]).codes.astype(float))
        else:
            out.append(frame[c].to_numpy(float))
    return np.column_stack(out)


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

    def _classifier(self, cat_mask: np.ndarray, rounds: int) -> HistGradientBoostingClassifier:
        return HistGradientBoostingClassifier(categorical_features=cat_mask, max_iter=rounds, early_stopping=False,
                                              random_state=self.peer.random_state, **PARAMS)

    def _fit_event(self, X: np.ndarray, y: np.ndarray, years: np.ndarray, cat_mask: np.ndarray):
        """Pick the number of rounds on the latest target year, then refit on all years."""
        last = years.max()
        old, new = years < last, years == last
        rounds = 100
        if old.any() and len(np.unique(y[old])) == 2 and new.any():
            clf = self._classifier(cat_mask, MAX_ROUNDS).fit(X[old], y[old])
            p_new = np.clip(np.array(list(clf.staged_predict_proba(X[new])))[:, :, 1], 1e-6, 1 - 1e-6)
            loss = -(y[new] * np.log(p_new) + (1 - y[new]) * np.log(1 - p_new)).mean(axis=1)
            rounds = int(np.argmin(loss)) + 1
        return self._classifier(cat_mask, max(rounds, 10)).fit(X, y)

    def forecast(self, year: int, *, n_draws: int = 0, rng=None) -> Forecast:
        h = self.history
        targets = h.district.targets_for(year)
        X_now = features(h, year)
        feat_cols = [c for c in X_now.columns if c != "project_id"]
        levels = {c: sorted(set(self.train[c]) | set(X_now[c])) for c in _CATS} if len(self.train) else {}
        probs = pd.DataFrame({"project_id": X_now["project_id"]})
        events = {"signed": "p_signed", "groundbreaking": "p_groundbreaking", "provincial": "p_provincial"}
        events.update({f"tier_{t.name}": f"p_tier_{t.name}" for t in targets.tiers})
        if len(self.train):
            Xtr = _matrix(self.train, levels, feat_cols)
            Xte = _matrix(X_now, levels, feat_cols)
            cat_mask = np.array([c in _CATS for c in feat_cols])
            years = self.train["target_year"].to_numpy()
            for ev, col in events.items():
                y = self.train[ev].fillna(False).to_numpy(int) if ev in self.train else np.zeros(len(Xtr), int)
                if y.min() == y.max():
                    probs[col] = float(y[0]) if len(y) else 0.0
                    continue
                clf = self._fit_event(Xtr, y, years, cat_mask)
                probs[col] = clf.predict_proba(Xte)[:, 1]
        projects = finish_projects(h, year, probs)
        return Forecast(h.as_of, year, projects, independent_targets(h, year, projects), forecaster=self.peer.name)
