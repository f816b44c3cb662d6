"""Are the target forecasts honest? Interval coverage, standardised errors and p_meet
calibration over many simulated districts of BOTH generators.

For each district (one seed each) of the chosen generator, the model (portfolio
simulation: the year's conditions with their uncertain spread, parameter uncertainty, new
leads) and the planners' stage-weighted spreadsheet (independent projects, no new leads)
forecast the year's counts at Q4 origins (the next year) and Q2 origins (the rest of this
year); each is scored against what happened:

* coverage of the inclusive ``[p10, p90]`` interval of each count (the issue's measure; a
  count that is nearly certain is covered whatever the forecaster says), and the
  randomised-PIT coverage of the central 80 % (0.8 for a calibrated forecast, fair for counts);
* the RMS standardised error ``(realised − mean) / sd`` (1.0 for an honest spread);
* p_meet: reliability per bin, Brier score, mean forecast against share met.

Generators:

* ``package``: ``forecasting.synthetic.generator`` with year-to-year variation as large as the
  public figures allow (``year_sd`` 0.25, ``inflow_year_sd`` 0.15). shared/DOMAIN.md: of
  signed projects "roughly 45–60 % start within 12 months" (57–67 % in other reports);
  read as year-to-year swings of ±1 sd this is a logit spread of about ±0.3 in the
  one-year share, a monthly log-odds spread of about 0.2–0.25 (``-log(1-p)/p`` ≈ 1.4).
  The bundled data's own generator setting (0.12) is the quiet end of that range.
* ``b``: ``forecasting.synthetic.generator_b``, written separately from the public figures (other
  duration family, heterogeneity, year process, sizes and provincial rule).

Usage::

    python benchmarks/target_calibration.py --generator package --districts 30 --out benchmarks/results
    python benchmarks/target_calibration.py --generator b --districts 30 --out benchmarks/results

Seed ranges can run in parallel and be pooled afterwards (the summaries are recomputed from
the saved per-district forecasts; a district seen twice is an error)::

    python benchmarks/target_calibration.py --generator b --first-seed 230 --out /tmp/b2
    python benchmarks/target_calibration.py --generator b --combine benchmarks/results/target_forecasts_b.csv \
        /tmp/b2/target_forecasts_b.csv --out benchmarks/results
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from forecasting import OutcomeModel, StageWeighted
from forecasting.evaluation.backtest import BacktestResult, central_pit_coverage, run_backtest
from forecasting.errors import ForecastingWarning
from forecasting.history.histories import History

PAIRS = (("2021Q4", 2022), ("2022Q2", 2022), ("2022Q4", 2023), ("2023Q2", 2023))
#: Year-to-year variation of the package's generator for this study (module docstring).
PACKAGE_YEAR_SD, PACKAGE_INFLOW_YEAR_SD = 0.25, 0.15


def simulate(generator: str, seed: int):
    if generator == "package":
        from forecasting.synthetic.generator import default_params, simulate_district, with_params

        params = with_params(default_params(), year_sd=PACKAGE_YEAR_SD, inflow_year_sd=PACKAGE_INFLOW_YEAR_SD)
        return simulate_district(params, rng=seed, end="2023Q4")
    from forecasting.synthetic.generator_b import simulate_district_b

    return simulate_district_b(rng=seed, end="2023Q4")


def study(generator: str, n_districts: int, first_seed: int = 200, *, n_param_draws: int = 40,
          n_draws: int = 4000) -> BacktestResult:
    parts = []
    for seed in range(first_seed, first_seed + n_districts):
        t0 = time.time()
        sim = simulate(generator, seed)
        h = History(sim.district, sim.effort, sim.snapshots())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ForecastingWarning)
            res = run_backtest(h, [StageWeighted(), OutcomeModel(n_param_draws=n_param_draws)], pairs=PAIRS,
                               n_draws=n_draws, rng=seed)
        parts.append(res.targets.assign(district=seed))
        print(f"{generator} district {seed}: {time.time() - t0:.0f} s", flush=True)
    return BacktestResult(pd.DataFrame(columns=["forecaster", "event", "p", "y", "open"]),
                          pd.concat(parts, ignore_index=True))


def summarise(targets: pd.DataFrame) -> pd.DataFrame:
    """Per forecaster, origin kind and target: coverage, PIT coverage, RMS standardised error,
    bias, p_meet mean against share met."""
    t = targets[targets["target"] != "all"].copy()
    t["kind"] = np.where(t["origin"].str.endswith("Q4"), "Q4 (next year)", "Q2 (this year)")
    rows = []
    for (f, kind, target), g in t.groupby(["forecaster", "kind", "target"], sort=True):
        inside = (g["realised"] >= g["p10"]) & (g["realised"] <= g["p90"])
        sd = g["sd"].to_numpy(float) if "sd" in g else np.full(len(g), np.nan)
        z = (g["realised"] - g["mean"]).to_numpy(float) / np.where(sd > 0, sd, np.nan)
        rows.append({"forecaster": f, "origins": kind, "target": target, "n": len(g),
                     "coverage_p10_p90": float(inside.mean()),
                     "pit_coverage_80": central_pit_coverage(g["cdf_below"], g["cdf_at"]),
                     "rms_standardised_error": float(np.sqrt(np.nanmean(z**2))) if np.isfinite(z).any() else np.nan,
                     "mean_error": float((g["realised"] - g["mean"]).mean()),
                     "mean_p_meet": float(g["p_meet"].mean()), "share_met": float(g["met"].mean())})
    return pd.DataFrame(rows)


def reliability(targets: pd.DataFrame, *, n_bins: int = 5) -> pd.DataFrame:
    """p_meet reliability per forecaster and bin (every target and ``all`` pooled)."""
    rows = []
    for f, g in targets.groupby("forecaster"):
        p, y = g["p_meet"].to_numpy(float), g["met"].astype(float).to_numpy()
        b = np.minimum((p * n_bins).astype(int), n_bins - 1)
        for k in range(n_bins):
            m = b == k
            if m.any():
                rows.append({"forecaster": f, "bin": f"{k / n_bins:.1f}–{(k + 1) / n_bins:.1f}", "n": int(m.sum()),
                             "mean_p_meet": float(p[m].mean()), "share_met": float(y[m].mean()),
                             "gap": float(y[m].mean() - p[m].mean())})
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--generator", choices=("package", "b"), default="package")
    ap.add_argument("--districts", type=int, default=30)
    ap.add_argument("--first-seed", type=int, default=200)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    ap.add_argument("--combine", type=Path, nargs="+", metavar="CSV",
                    help="pool saved target_forecasts CSVs (other seed ranges) instead of simulating")
    args = ap.parse_args(argv)
    if args.combine:
        targets = pd.concat([pd.read_csv(f) for f in args.combine], ignore_index=True)
        twice = targets.duplicated(["district", "origin", "forecaster", "target"])
        if twice.any():
            raise SystemExit(f"--combine: districts {sorted(set(targets.loc[twice, 'district']))} appear twice")
    else:
        targets = study(args.generator, args.districts, args.first_seed).targets
    summary, rel = summarise(targets), reliability(targets)
    args.out.mkdir(parents=True, exist_ok=True)
    g = args.generator
    summary.to_csv(args.out / f"target_coverage_{g}.csv", index=False, float_format="%.3f")
    rel.to_csv(args.out / f"p_meet_reliability_{g}.csv", index=False, float_format="%.4f")
    targets.to_csv(args.out / f"target_forecasts_{g}.csv", index=False, float_format="%.4f")
    pd.set_option("display.width", 200)
    print(summary.round(3).to_string(index=False))
    print(rel.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
