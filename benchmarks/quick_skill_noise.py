"""How much of the year-ahead signing gap (model vs oracle) is the estimates' noise.

For each district of a ``quick_skill`` run (seeds from ``--first-seed``, origin 2022Q4) it
refits the progression hazards and, for the open leads and negotiations, computes
P(signed within the next 12 months) from the progression alone (no year shock; each
district-stage's mean logit set to the outcome model's, so only the ranking differs):

* ``var_p``: the variance of that probability over draws of the estimates (their
  posterior), summed over projects: the part of ``sum (p_model - p_oracle)^2`` a correctly
  specified model of this size would still show;
* ``sq``: ``sum (p - p_oracle)^2``, first with every estimate as fitted, then with one
  block of estimates replaced by its mean over the districts' fits (the generators'
  parameters are the same in every district, so the mean is close to the block's
  noise-free value in the model's own form). A block whose replacement lowers ``sq`` much
  is one whose noise costs skill.

Usage::

    python benchmarks/quick_skill_noise.py /tmp/rows_b.pkl --generator b --districts 8
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit, logit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quick_skill_diag import wide  # noqa: E402
from skill_study import simulation_and_oracle  # noqa: E402

from forecasting.history.histories import History  # noqa: E402
from forecasting.models.progression import fit_progression  # noqa: E402
from forecasting.models.propagate import project_state  # noqa: E402

SIGNED = 2


def fits(generator: str, seeds, origin: str = "2022Q4"):
    """``(seed, results, state of the open leads and negotiations)`` per district."""
    out = []
    for seed in seeds:
        sim, _ = simulation_and_oracle(generator, seed)
        h = History(sim.district, sim.effort, sim.snapshots()).upto(origin)
        st = project_state(h.projects, h.as_of_date)
        out.append((seed, fit_progression(h), st[st["stage_idx"] < SIGNED].reset_index(drop=True)))
    return out


def p_signed(r, st, params_advance, params_lost) -> np.ndarray:
    """``draw × project``: P(signed within the 12 months after the as-of month)."""
    last = r.as_of_month + 12
    flows = r.predict_flows(st, last_month=last, params=(params_advance, params_lost))
    return flows.p_enter(SIGNED, r.as_of_month + 1, last)


def blocks(names: set[str]) -> dict[str, list[str]]:
    """Blocks of estimates shared by every district's fit (named as in the progression model)."""
    pick = lambda pat: sorted(n for n in names if re.fullmatch(pat, n))  # noqa: E731
    out = {"none": [], "A logsize": pick(r"[01]:logsize"), "A pace": pick(r"1:pace"),
           "A phase2": pick(r"[01]:phase2"), "A sector_pre": pick(r"sector_pre:.*"),
           "A unit_type": pick(r"unit_type:.*"), "L logsize": pick(r"lost:[01]:logsize"),
           "L pace": pick(r"lost:1:pace"), "L duration": pick(r"lost:[01]:(logd|d)"),
           "L const": pick(r"lost:[01]:const"), "L sector": pick(r"lost:sector:.*")}
    out["all slopes"] = sum((out[k] for k in ("A logsize", "A pace", "A phase2", "L logsize", "L pace",
                                              "L duration")), [])
    out["all slopes + categories"] = out["all slopes"] + out["A sector_pre"] + out["A unit_type"] + out["L sector"]
    return out


def level_to(v: pd.DataFrame, col: str) -> np.ndarray:
    """``v[col]`` shifted on the logit scale so each district-stage's mean logit is the outcome model's."""
    lp = logit(v[col].clip(1e-5, 1 - 1e-5))
    lm = logit(v["outcome_model"].clip(1e-5, 1 - 1e-5))
    key = [v["district"], v["stage"]]
    return expit(lp + lm.groupby(key).transform("mean") - lp.groupby(key).transform("mean")).to_numpy()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", type=Path, help="a quick_skill rows file (the oracle's probabilities)")
    ap.add_argument("--generator", choices=("package", "b"), default="b")
    ap.add_argument("--districts", type=int, default=8)
    ap.add_argument("--first-seed", type=int, default=100)
    ap.add_argument("--draws", type=int, default=40)
    a = ap.parse_args(argv)
    w = wide(pd.read_pickle(a.rows))
    w = w[w["event"] == "signed"]
    fitted = fits(a.generator, range(a.first_seed, a.first_seed + a.districts))
    common = set.intersection(*[set(r.params.index) for _, r, _ in fitted])
    mean = pd.concat([r.params[sorted(common)] for _, r, _ in fitted], axis=1).mean(axis=1)
    var_rows = []
    for seed, r, st in fitted:
        p = p_signed(r, st, *r.sample(a.draws, rng=1))
        var_rows.append(pd.DataFrame({"district": seed, "project_id": st["project_id"], "var_p": p.var(0)}))
    v = pd.concat(var_rows).merge(w, on=["district", "project_id"])
    print("estimation variance, sum over projects:", v.groupby("stage")["var_p"].sum().round(3).to_dict())
    out = {}
    for name, cols in blocks(common).items():
        rows = []
        for seed, r, st in fitted:
            theta = r.params.copy()
            theta[cols] = mean[cols]
            na = len(r.params_advance)
            p = p_signed(r, st, theta.to_numpy()[None, :na], theta.to_numpy()[None, na:])[0]
            rows.append(pd.DataFrame({"district": seed, "project_id": st["project_id"], "p": p}))
        u = pd.concat(rows).merge(w, on=["district", "project_id"])
        out[name] = ((level_to(u, "p") - u["oracle"]) ** 2).groupby(u["stage"]).sum()
    print("sum (p - p_oracle)^2 with one block at its mean over the districts:")
    print(pd.DataFrame(out).T.assign(total=lambda d: d.sum(axis=1)).round(3).to_string())


if __name__ == "__main__":
    main()
