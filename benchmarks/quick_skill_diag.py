"""Decompose the year-ahead Brier gap (model vs oracle vs floor) from quick_skill rows.

Besides the tables by stage, duration, size, unit type and district, it splits the observed
gap into its expectation and its noise: with the oracle calibrated (it is the truth given
what it knows), ``SSE(model) - SSE(oracle) = sum (p_m - p_o)^2 + 2 sum (p_m - p_o)(p_o - y)``
and the second sum has mean zero. ``sum (p_m - p_o)^2`` is the gap the model would show on
average, ``sum (p_f - p_o)^2`` the floor's, and one minus their ratio the share of the
oracle's skill it would reach without the outcomes' noise; the observed share comes with
an interval from resampling districts.

With a second rows file (a model variant run on the same seeds) it compares the two
instead: per event and stage the expected gaps and their difference, with a 90 % interval
from resampling districts (the outcomes' noise, common to both, cancels out of it).

Usage::

    python benchmarks/quick_skill_diag.py ROWS.pkl [VARIANT_ROWS.pkl]
"""
from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit, logit


def wide(rows):
    d = rows[rows["open"] & rows["event"].isin(["signed", "groundbreaking"])].copy()
    w = d.pivot_table(index=["district", "origin", "event", "project_id"], columns="forecaster", values="p")
    cols = [c for c in ("y", "stage", "months_in_stage", "size", "unit_type", "sector", "phase") if c in d]
    meta = d[d["forecaster"] == "oracle"].set_index(["district", "origin", "event", "project_id"])[cols]
    return w.join(meta).reset_index()


def recal(p, y):
    """Shift p on the logit scale so its mean equals y's mean (calibration-in-the-large)."""
    p = np.clip(p, 1e-6, 1 - 1e-6)
    t = y.mean()
    if t <= 0 or t >= 1:
        return p
    f = lambda a: expit(logit(p) + a).mean() - t
    return expit(logit(p) + brentq(f, -20, 20))


def table(w, by):
    out = []
    for key, g in w.groupby(by, observed=True):
        r = {"n": len(g), "ev": int(g["y"].sum())}
        for f, c in (("floor", "stage_weighted"), ("model", "outcome_model"), ("oracle", "oracle")):
            r[f] = ((g[c] - g["y"]) ** 2).sum()
            r[f"m_{f}"] = g[c].mean()
        r["ybar"] = g["y"].mean()
        r["gap"] = r["model"] - r["oracle"]
        r["model_vs_floor"] = r["model"] - r["floor"]
        out.append(pd.Series(r, name=key))
    return pd.DataFrame(out)


def bias(w: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Per group: the model's mean logit minus the oracle's (``dlogit``, with its standard
    error over projects), the mean probabilities and the observed rate."""
    lm, lo = (logit(np.clip(w[c].to_numpy(), 1e-6, 1 - 1e-6)) for c in ("outcome_model", "oracle"))
    v = w.assign(dl=lm - lo)
    g = v.groupby(by, observed=True)
    return pd.DataFrame({"n": g.size(), "dlogit": g["dl"].mean(), "se": g["dl"].std() / np.sqrt(g.size()),
                         "m_model": g["outcome_model"].mean(), "m_oracle": g["oracle"].mean(),
                         "ybar": g["y"].mean()})


def expected_gap(w: pd.DataFrame, n_boot: int = 400) -> pd.DataFrame:
    """Per event and stage: the observed SSE gap (model - oracle), its expectation
    ``sum (p_m - p_o)^2`` and noise term, the floor's expected gap, and the share of the
    oracle's skill observed (with a 90 % district-resampling interval) and expected."""
    out = []
    rng = np.random.default_rng(0)
    for key, g in list(w.groupby("event")) + list(w.groupby(["event", "stage"])):
        pm, po, pf, y = (g[c].to_numpy() for c in ("outcome_model", "oracle", "stage_weighted", "y"))
        sse = lambda p: (p - y) ** 2  # noqa: E731
        per = pd.DataFrame({"district": g["district"].to_numpy(), "m": sse(pm), "o": sse(po), "f": sse(pf)})
        by = per.groupby("district").sum()
        shares = []
        for _ in range(n_boot):
            b = by.iloc[rng.integers(0, len(by), len(by))].sum()
            shares.append((b["f"] - b["m"]) / (b["f"] - b["o"]))
        tot = by.sum()
        exp_m, exp_f = ((pm - po) ** 2).sum(), ((pf - po) ** 2).sum()
        out.append(pd.Series({
            "n": len(g), "gap": tot["m"] - tot["o"], "exp_gap": exp_m, "noise": tot["m"] - tot["o"] - exp_m,
            "floor_gap": tot["f"] - tot["o"], "exp_floor_gap": exp_f,
            "share": (tot["f"] - tot["m"]) / (tot["f"] - tot["o"]),
            "share_lo": np.quantile(shares, 0.05), "share_hi": np.quantile(shares, 0.95),
            "exp_share": 1 - exp_m / exp_f}, name=key if isinstance(key, str) else "/".join(key)))
    return pd.DataFrame(out)


def compare(w: pd.DataFrame, v: pd.DataFrame, n_boot: int = 400) -> pd.DataFrame:
    """Expected gaps ``sum (p_m - p_o)^2`` of two runs on the same projects (``w`` the
    reference, ``v`` the variant), the variant's minus the reference's with a 90 %
    district-resampling interval, and each run's expected share of the oracle's skill."""
    key = ["district", "origin", "event", "project_id"]
    m = w.merge(v[key + ["outcome_model"]], on=key, suffixes=("", "_v"))
    rng = np.random.default_rng(0)
    out = []
    for name, g in list(m.groupby("event")) + list(m.groupby(["event", "stage"])):
        per = pd.DataFrame({"district": g["district"], "a": (g["outcome_model"] - g["oracle"]) ** 2,
                            "b": (g["outcome_model_v"] - g["oracle"]) ** 2,
                            "f": (g["stage_weighted"] - g["oracle"]) ** 2}).groupby("district").sum()
        boot = [(lambda b: b["b"] - b["a"])(per.iloc[rng.integers(0, len(per), len(per))].sum())
                for _ in range(n_boot)]
        t = per.sum()
        out.append(pd.Series({"n": len(g), "exp_gap": t["a"], "exp_gap_v": t["b"], "diff": t["b"] - t["a"],
                              "diff_lo": np.quantile(boot, 0.05), "diff_hi": np.quantile(boot, 0.95),
                              "exp_share": 1 - t["a"] / t["f"], "exp_share_v": 1 - t["b"] / t["f"]},
                             name=name if isinstance(name, str) else "/".join(name)))
    return pd.DataFrame(out)


def main(path, variant=None):
    if variant is not None:
        print(compare(wide(pd.read_pickle(path)), wide(pd.read_pickle(variant))).round(3).to_string())
        return
    rows = pd.read_pickle(path)
    w = wide(rows)
    w["dur_bin"] = pd.cut(w["months_in_stage"], [-1, 3, 6, 12, 24, 48, 999])
    w["size_bin"] = pd.qcut(np.log(w["size"]), 4, duplicates="drop")
    pd.set_option("display.width", 250)
    print("==== expected vs observed gap (SSE; share = share of the oracle's skill)")
    print(expected_gap(w).round(3).to_string())
    if "sector" in w:
        w["phase2"] = w["phase"] >= 2
        print("==== bias: model logit minus oracle logit")
        for by in (["event", "stage"], ["event", "stage", "sector"], ["event", "stage", "phase2"],
                   ["event", "stage", "unit_type"], ["event", "stage", "unit_type", "phase2"]):
            print(bias(w, by).round(3).to_string())
    for ev, g in w.groupby("event"):
        print(f"==== {ev} (sum of squared errors; gap = model - oracle)")
        print(table(g, ["event"]).round(3).to_string())
        for by in (["stage"], ["stage", "dur_bin"], ["stage", "size_bin"], ["unit_type"], ["district"]):
            print(table(g, by).round(3).to_string())
        # calibration-in-the-large per district-origin
        parts = []
        for _, h in g.groupby(["district", "origin"]):
            h = h.copy()
            for c in ("outcome_model", "oracle", "stage_weighted"):
                h[c + "_r"] = recal(h[c].to_numpy(), h["y"].to_numpy())
            parts.append(h)
        h = pd.concat(parts)
        s = {c: ((h[c] - h["y"]) ** 2).sum() for c in
             ("stage_weighted", "outcome_model", "oracle", "stage_weighted_r", "outcome_model_r", "oracle_r")}
        print("recalibrated per district-origin:", {k: round(v, 3) for k, v in s.items()})
        print(f"  raw gap {s['outcome_model'] - s['oracle']:.3f}; after recal {s['outcome_model_r'] - s['oracle_r']:.3f}")
        # within-stage recal: a stage-level mean shift
        parts = []
        for _, h2 in g.groupby(["district", "origin", "stage"]):
            h2 = h2.copy()
            for c in ("outcome_model", "oracle"):
                h2[c + "_r"] = recal(h2[c].to_numpy(), h2["y"].to_numpy())
            parts.append(h2)
        h2 = pd.concat(parts)
        a, b = ((h2["outcome_model_r"] - h2["y"]) ** 2).sum(), ((h2["oracle_r"] - h2["y"]) ** 2).sum()
        print(f"  after recal per district-origin-stage: gap {a - b:.3f}")
        # ranking: correlation of model vs oracle logits within stage
        for st, h3 in g.groupby("stage"):
            print(f"  {st}: corr(logit model, logit oracle) "
                  f"{np.corrcoef(logit(np.clip(h3['outcome_model'],1e-6,1-1e-6)), logit(np.clip(h3['oracle'],1e-6,1-1e-6)))[0,1]:.3f}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
