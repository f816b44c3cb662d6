"""Skill study: the outcome model against the floor, the peer and the ceiling.

On ``--districts`` simulated districts of the bundled data's scale (``--generator package``:
the package's generator; ``--generator b``: the independently written
:mod:`forecasting.synthetic.generator_b`; one seed each), from Q2 origins (forecasting the rest of that year) and Q4 origins
(forecasting the next year), every forecaster predicts each project's events; scores are
pooled over districts and origins **on the projects still open at the as-of date**.

* floor: the stage-weighted baseline (planners' spreadsheet);
* peer: gradient boosting per event (``benchmarks/peer.py``);
* model: :class:`forecasting.OutcomeModel`;
* ceiling: that generator's oracle (:class:`forecasting.synthetic.oracle.Oracle`,
  :class:`forecasting.synthetic.oracle_b.OracleB`), handed its true parameters.

Brier skill score against the floor, with a bootstrap interval over (district, origin)
clusters; the model's skill as a share of the oracle's; expected calibration error.

Usage::

    python benchmarks/skill_study.py --generator package --districts 10 --out benchmarks/results
    python benchmarks/skill_study.py --generator b --districts 10 --out benchmarks/results

More districts in parallel, pooled afterwards from the saved per-project rows::

    python benchmarks/skill_study.py --generator b --rows /tmp/b1.csv.gz --out /tmp/b1
    python benchmarks/skill_study.py --generator b --first-seed 110 --rows /tmp/b2.csv.gz --out /tmp/b2
    python benchmarks/skill_study.py --generator b --combine /tmp/b1.csv.gz /tmp/b2.csv.gz --out benchmarks/results
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peer import Peer  # noqa: E402

from forecasting import OutcomeModel, StageWeighted  # noqa: E402
from forecasting.evaluation.backtest import score_forecast  # noqa: E402
from forecasting.forecast.contract import settled_probabilities  # noqa: E402
from forecasting.synthetic.generator import simulate_district  # noqa: E402
from forecasting.history.histories import History  # noqa: E402
from forecasting.synthetic.oracle import Oracle  # noqa: E402
from forecasting.evaluation.scoring import bootstrap_skill, brier_score, expected_calibration_error  # noqa: E402

PAIRS = (("2022Q2", 2022), ("2022Q4", 2023), ("2023Q2", 2023))


def simulation_and_oracle(generator: str, seed: int):
    """A simulated district of ``generator`` and that generator's oracle."""
    if generator == "package":
        sim = simulate_district(rng=seed, end="2023Q4")
        return sim, Oracle(sim)
    from forecasting.synthetic.generator_b import simulate_district_b
    from forecasting.synthetic.oracle_b import OracleB

    sim = simulate_district_b(rng=seed, end="2023Q4")
    return sim, OracleB(sim)


def study(n_districts: int, *, first_seed: int = 100, pairs=PAIRS, n_param_draws: int = 30,
          generator: str = "package") -> pd.DataFrame:
    rows = []
    for seed in range(first_seed, first_seed + n_districts):
        t0 = time.time()
        sim, oracle = simulation_and_oracle(generator, seed)
        full = History(sim.district, sim.effort, sim.snapshots())
        forecasters = [StageWeighted(), Peer(), OutcomeModel(n_param_draws=n_param_draws), oracle]
        for origin, year in pairs:
            h = full.upto(origin)
            settled = settled_probabilities(h, year).set_index("project_id")
            for f in forecasters:
                fc = f.fit(h).forecast(year)
                proj, _ = score_forecast(fc, full)
                col = {"signed": "p_signed", "groundbreaking": "p_groundbreaking", "provincial": "p_provincial"}
                is_open = [
                    np.isnan(settled.loc[pid, col.get(ev, f"p_{ev}")]) for pid, ev in zip(proj["project_id"], proj["event"])
                ]
                proj["open"] = is_open
                rows.append(proj.assign(district=seed, origin=origin, year=year, forecaster=f.name,
                                        kind="Q4" if origin.endswith("Q4") else "Q2"))
        print(f"{generator} district {seed}: {time.time() - t0:.1f} s", flush=True)
    return pd.concat(rows, ignore_index=True)


def summarise(rows: pd.DataFrame, *, n_boot: int = 1000) -> pd.DataFrame:
    d = rows[rows["open"]].copy()
    d["cluster"] = d["district"].astype(str) + "/" + d["origin"]
    ref = d[d["forecaster"] == "stage_weighted"].set_index(["cluster", "project_id", "event"])["p"]
    d = d.join(ref.rename("p_ref"), on=["cluster", "project_id", "event"])
    out = []
    for (kind, event, name), g in d.groupby(["kind", "event", "forecaster"]):
        est, lo, hi = bootstrap_skill(g, prob_col="p", ref_col="p_ref", outcome_col="y", group_col="cluster",
                                      n_boot=n_boot, alpha=0.1, rng=0)
        out.append({"origins": kind, "event": event, "forecaster": name, "n": len(g), "events": int(g["y"].sum()),
                    "brier": brier_score(g["p"], g["y"]), "bss": est, "bss_lo": lo, "bss_hi": hi,
                    "ece": expected_calibration_error(g["p"].to_numpy(), g["y"].to_numpy())})
    s = pd.DataFrame(out)
    oracle = s[s["forecaster"] == "oracle"].set_index(["origins", "event"])["bss"]
    s["share_of_oracle"] = s["bss"] / s.set_index(["origins", "event"]).index.map(oracle)
    return s


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--generator", choices=("package", "b"), default="package")
    ap.add_argument("--districts", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=100)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    ap.add_argument("--rows", type=Path, help="also save the per-project rows here (.csv.gz), for --combine")
    ap.add_argument("--combine", type=Path, nargs="+", metavar="ROWS",
                    help="pool saved per-project rows (other seed ranges) instead of simulating")
    args = ap.parse_args(argv)
    t0 = time.time()
    if args.combine:
        rows = pd.concat([pd.read_csv(f) for f in args.combine], ignore_index=True)
        twice = rows.duplicated(["district", "origin", "forecaster", "event", "project_id"])
        if twice.any():
            raise SystemExit(f"--combine: districts {sorted(set(rows.loc[twice, 'district']))} appear twice")
    else:
        rows = study(args.districts, first_seed=args.first_seed, generator=args.generator)
        if args.rows:
            args.rows.parent.mkdir(parents=True, exist_ok=True)
            rows.to_csv(args.rows, index=False)
    summary = summarise(rows).assign(generator=args.generator)
    args.out.mkdir(parents=True, exist_ok=True)
    # one file for both generators, side by side: this run's rows replace its generator's
    path = args.out / "skill_study.csv"
    if path.exists():
        old = pd.read_csv(path)
        old = old[old.get("generator", pd.Series("package", index=old.index)).fillna("package") != args.generator]
        summary = pd.concat([old.assign(generator=old.get("generator", "package")), summary], ignore_index=True)
    summary.to_csv(path, index=False, float_format="%.4f")
    pd.set_option("display.width", 200)
    print(summary.round(3).to_string(index=False))
    print(f"total {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
