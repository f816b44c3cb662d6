"""Are the target forecasts honest? Interval coverage and p_meet calibration over many years.

The bundled district has only a handful of backtest origins; here the rolling-origin
backtest runs on ``--districts`` simulated districts (the package's generator, one seed
each) and pools the target forecasts of the model (portfolio simulation: common shocks,
parameter uncertainty, new leads) and of the planners' stage-weighted spreadsheet
(independent projects, no new leads):

* coverage of the inclusive ``[p10, p90]`` interval of each yearly count (the issue's
  measure; for a count that is nearly certain it is 1 whatever the forecaster), and the
  randomised-PIT coverage of the central 80 % (0.8 for a calibrated forecast, fair for
  counts);
* p_meet: Brier score, expected calibration error, mean forecast against share met.

Usage::

    python benchmarks/target_calibration.py --districts 10 --out benchmarks/results
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from forecasting import OutcomeModel, StageWeighted
from forecasting.backtest import BacktestResult, origins, run_backtest
from forecasting.generator import simulate_district
from forecasting.history import History


def study(n_districts: int, first_seed: int = 200) -> BacktestResult:
    parts = []
    for seed in range(first_seed, first_seed + n_districts):
        t0 = time.time()
        sim = simulate_district(rng=seed, end="2023Q4")
        h = History(sim.district, sim.effort, sim.snapshots())
        res = run_backtest(h, [StageWeighted(), OutcomeModel(n_param_draws=30)], pairs=origins(h), rng=seed,
                           progress=False)
        parts.append(res.targets.assign(origin=lambda d, s=seed: f"{s}/" + d["origin"]))
        print(f"district {seed}: {time.time() - t0:.0f} s", flush=True)
    return BacktestResult(pd.DataFrame(columns=["forecaster", "event", "p", "y", "open"]),
                          pd.concat(parts, ignore_index=True))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--districts", type=int, default=10)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = ap.parse_args(argv)
    res = study(args.districts)
    cov = res.coverage()
    cal = res.p_meet_calibration()
    by_target = (res.targets.assign(y=lambda d: d["met"].astype(float))
                 .groupby(["forecaster", "target"])
                 .apply(lambda g: pd.Series({"n": len(g), "mean_p_meet": g["p_meet"].mean(), "share_met": g["y"].mean(),
                                             "brier": ((g["p_meet"] - g["y"]) ** 2).mean()}), include_groups=False)
                 .reset_index())
    args.out.mkdir(parents=True, exist_ok=True)
    cov.to_csv(args.out / "target_coverage.csv", index=False, float_format="%.3f")
    cal.to_csv(args.out / "p_meet_calibration.csv", index=False, float_format="%.4f")
    by_target.to_csv(args.out / "p_meet_by_target.csv", index=False, float_format="%.4f")
    res.targets.to_csv(args.out / "target_forecasts.csv", index=False, float_format="%.4f")
    pd.set_option("display.width", 200)
    print(cov.round(3).to_string(index=False))
    print(cal.round(4).to_string(index=False))
    print(by_target.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
