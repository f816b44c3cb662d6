"""Quick year-ahead skill diagnosis (issue 13): the skill study at Q4 origins only, no peer,
per-project rows saved with each project's state at the as-of date.

Usage::

    python benchmarks/quick_skill.py --generator b --districts 6 --out /tmp/skill/rows_b.pkl
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from skill_study import simulation_and_oracle, summarise  # noqa: E402

from forecasting import OutcomeModel, StageWeighted  # noqa: E402
from forecasting.data.schema import ENTRY_COLUMN  # noqa: E402
from forecasting.evaluation.backtest import score_forecast  # noqa: E402
from forecasting.forecast.contract import settled_probabilities  # noqa: E402
from forecasting.history.histories import History  # noqa: E402

Q4 = (("2022Q4", 2023),)
COL = {"signed": "p_signed", "groundbreaking": "p_groundbreaking", "provincial": "p_provincial"}


def state(h: History) -> pd.DataFrame:
    """Each project's stage, months in stage, size, unit type, sector and phase at the history's as-of date."""
    p = h.projects.set_index("project_id")
    as_of = h.as_of_date
    entry = pd.Series(pd.NaT, index=p.index, dtype="datetime64[ns]")
    for s, c in ENTRY_COLUMN.items():
        if c in p:
            sel = p["stage"] == s
            entry[sel] = pd.to_datetime(p.loc[sel, c])
    months = (as_of.year - entry.dt.year) * 12 + (as_of.month - entry.dt.month)
    return pd.DataFrame({"stage": p["stage"], "months_in_stage": months, "size": p["investment_bn"],
                         "unit_type": p["unit_type"], "sector": p["sector"], "phase": p["phase"]})


def with_true_negotiation(h: History, sim) -> History:
    """The as-of history with each project's true negotiation date (the ledger has none):
    what the model would forecast if the ledger dated negotiation, as the oracles know it."""
    import forecasting.models.progression as prog
    from forecasting.history.episodes import month_index

    P = h.projects.copy()
    truth = sim.projects.set_index("project_id")
    if "t_neg" in truth:
        t = truth["t_neg"].where(np.isfinite(truth["t_neg"]))
        true = (pd.Timestamp(sim.t0) + pd.to_timedelta(t, unit="D")).dt.normalize()
    else:
        true = pd.to_datetime(truth["negotiating_date"])
    known = P["negotiating_date"].notna()
    P.loc[known, "negotiating_date"] = P.loc[known, "project_id"].map(true).to_numpy()
    h.__dict__["projects"] = P

    def exact(history):
        Q = history.projects[history.projects["negotiating_date"].notna()]
        m = month_index(Q["negotiating_date"])
        return pd.DataFrame({"project_id": Q["project_id"].to_numpy(), "lo": m, "hi": m})

    prog.negotiation_windows = exact
    return h


def study(n, first_seed, generator, pairs=Q4, n_param_draws=30, true_neg=False):
    rows = []
    for seed in range(first_seed, first_seed + n):
        t0 = time.time()
        sim, oracle = simulation_and_oracle(generator, seed)
        full = History(sim.district, sim.effort, sim.snapshots())
        for origin, year in pairs:
            h = full.upto(origin)
            if true_neg:
                h = with_true_negotiation(h, sim)
            settled = settled_probabilities(h, year).set_index("project_id")
            st = state(h)
            for f in [StageWeighted(), OutcomeModel(n_param_draws=n_param_draws), oracle]:
                fc = f.fit(h).forecast(year)
                proj, _ = score_forecast(fc, full)
                proj["open"] = [np.isnan(settled.loc[pid, COL.get(ev, f"p_{ev}")])
                                for pid, ev in zip(proj["project_id"], proj["event"])]
                proj = proj.join(st, on="project_id")
                rows.append(proj.assign(district=seed, origin=origin, year=year, forecaster=f.name,
                                        kind="Q4" if origin.endswith("Q4") else "Q2"))
        print(f"{generator} district {seed}: {time.time() - t0:.1f} s", flush=True)
    return pd.concat(rows, ignore_index=True)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--generator", choices=("package", "b"), default="b")
    ap.add_argument("--districts", type=int, default=6)
    ap.add_argument("--first-seed", type=int, default=100)
    ap.add_argument("--q2", action="store_true", help="Q2 origin (2023Q2) instead of Q4")
    ap.add_argument("--true-neg", action="store_true", help="give the model the true negotiation dates")
    ap.add_argument("--draws", type=int, default=30,
                    help="the model's parameter draws (30 as in the skill study; the package default is 240)")
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args(argv)
    pairs = (("2023Q2", 2023),) if a.q2 else Q4
    rows = study(a.districts, a.first_seed, a.generator, pairs, n_param_draws=a.draws, true_neg=a.true_neg)
    rows.to_pickle(a.out)
    s = summarise(rows, n_boot=200)
    print(s[s["event"].isin(["signed", "groundbreaking"])].round(4).to_string(index=False))


if __name__ == "__main__":
    main()
