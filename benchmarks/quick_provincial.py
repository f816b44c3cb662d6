"""A quick check of the provincial_major forecasts at Q4 origins (issue 13), in about a minute.

As of 31 December the year's candidates are known, so the model's forecast count of
designations is exact to compute: under each parameter draw of
:meth:`~forecasting.models.provincial.ProvincialResults.sample` (which carries the year's
common shift, each draw with its own spread from the spread's posterior: the same method the
simulation's parameter draws call, ``forecasting.simulation.draws``) the candidates' decisions are independent, a Poisson-binomial count, and the
forecast is the mixture over draws. This is what the portfolio simulation samples, without
its Monte Carlo noise (measured: the same summary as ``target_calibration.py`` within its noise).
Scored like ``target_calibration.summarise``: inclusive [p10, p90] coverage, randomised-PIT
coverage of the central 80 %, RMS standardised error, mean error; and the resolution: the
slope of the realised count on the forecast mean (about 1 when the count follows what the
forecast sees, 0 when nothing it sees matters) and the Brier score of p_meet for the
district's goal of three (compare it with the climatology ``share_met_3 (1 - share_met_3)``).

``--detail`` prints, per district and origin, the history the fit saw (each decided year's
pool of candidates and count of designations), the forecast mean and sd, the realised count
and the standardised error ``z``; ``--cache DIR`` keeps the simulated histories (pickles) so a
second run only refits. (Q2 origins need no check: as of June the year's list is known.)

Usage::

    python benchmarks/quick_provincial.py --generator b --districts 30 --detail --cache /tmp/qp
"""
from __future__ import annotations

import argparse
import pickle
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from target_calibration import simulate  # noqa: E402

from forecasting.errors import ForecastingWarning  # noqa: E402
from forecasting.evaluation.backtest import central_pit_coverage  # noqa: E402
from forecasting.history.histories import History  # noqa: E402
from forecasting.models.provincial import fit_provincial  # noqa: E402

ORIGINS = (("2021Q4", 2022), ("2022Q4", 2023))


def poisson_binomial(p: np.ndarray) -> np.ndarray:
    """Probabilities of 0..n events among independent ones with chances ``p``."""
    pmf = np.ones(1)
    for q in p:
        pmf = np.r_[pmf * (1 - q), 0.0] + np.r_[0.0, pmf * q]
    return pmf


def count_forecast(history: History, origin: str, n_draws: int = 2000) -> np.ndarray:
    """The model's distribution of the next year's designations as of the Q4 ``origin``."""
    at = history.upto(origin)
    res = fit_provincial(at)
    snap = at.snapshots[origin]
    cand = snap[snap["provincial"] == "candidate"].reset_index(drop=True)
    if not len(cand):
        return np.ones(1)
    _, des = res.sample(n_draws, 0)
    p = res.predict_designate(cand, des, pool=float(len(cand)), pool_amount=float(cand["investment_bn"].sum()))
    return np.mean([poisson_binomial(row) for row in p], axis=0)


def history_of(generator: str, seed: int, cache: Path | None) -> History:
    """The simulated district's history (from ``cache`` when it holds it)."""
    path = None if cache is None else cache / f"{generator}_{seed}.pkl"
    if path is not None and path.exists():
        with path.open("rb") as fh:
            return pickle.load(fh)
    sim = simulate(generator, seed)
    h = History(sim.district, sim.effort, sim.snapshots())
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            pickle.dump(h, fh)
    return h


def past_lists(history: History, origin: str) -> str:
    """``pool/count`` of each decided year up to ``origin`` (the lists the fit sees)."""
    P = history.projects
    out = []
    for q, snap in history.snapshots.items():
        year = int(q[:4]) + 1
        if q.endswith("Q4") and q < origin and f"{year}Q1" in history.snapshots:
            n = int((snap["provincial"] == "candidate").sum())
            out.append(f"{n}/{int((P['provincial'].eq('designated') & P['provincial_year'].eq(year)).sum())}")
    return " ".join(out)


def study(generator: str, seeds, cache: Path | None = None) -> pd.DataFrame:
    rows = []
    for seed in seeds:
        h = history_of(generator, seed, cache)
        P = h.projects
        for origin, year in ORIGINS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ForecastingWarning)
                pmf = count_forecast(h, origin)
            k, cdf = np.arange(len(pmf)), np.cumsum(pmf)
            real = int((P["provincial"].eq("designated") & P["provincial_year"].eq(year)).sum())
            mean = float(pmf @ k)
            rows.append({"district": seed, "origin": origin, "mean": mean, "sd": float(np.sqrt(pmf @ (k - mean) ** 2)),
                         "p10": int(np.searchsorted(cdf, 0.1 - 1e-12)), "p90": int(np.searchsorted(cdf, 0.9 - 1e-12)),
                         "realised": real, "cdf_below": float(cdf[real - 1]) if 0 < real <= len(pmf) else float(real > 0),
                         "cdf_at": float(cdf[real]) if real < len(pmf) else 1.0,
                         "p_meet_3": float(1 - cdf[2]) if len(cdf) > 2 else 0.0,
                         "pool": int((h.snapshots[origin]["provincial"] == "candidate").sum()),
                         "history": past_lists(h, origin)})
    return pd.DataFrame(rows)


def summarise(d: pd.DataFrame) -> dict:
    z = (d["realised"] - d["mean"]) / d["sd"].where(d["sd"] > 0)
    return {"n": len(d), "coverage_p10_p90": float(((d["realised"] >= d["p10"]) & (d["realised"] <= d["p90"])).mean()),
            "pit_coverage_80": central_pit_coverage(d["cdf_below"], d["cdf_at"]),
            "rms_standardised_error": float(np.sqrt(np.nanmean(z**2))),
            "mean_error": float((d["realised"] - d["mean"]).mean()), "mean_sd": float(d["sd"].mean()),
            # does the realised count follow the forecast mean? (1 when it does, 0 when it does not)
            "slope_realised_on_mean": float(np.polyfit(d["mean"], d["realised"], 1)[0]) if d["mean"].std() > 0 else np.nan,
            # p_meet of the district's goal of three (DOMAIN.md, "The 2024 goals")
            "brier_goal_3": float(((d["p_meet_3"] - (d["realised"] >= 3)) ** 2).mean()),
            "mean_p_meet_3": float(d["p_meet_3"].mean()), "share_met_3": float((d["realised"] >= 3).mean()),
            "p_meet_3_gap_above_0.6": float(((d["realised"] >= 3) - d["p_meet_3"])[d["p_meet_3"] > 0.6].mean())}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--generator", choices=("package", "b"), default="b")
    ap.add_argument("--districts", type=int, default=30)
    ap.add_argument("--first-seed", type=int, default=200)
    ap.add_argument("--detail", action="store_true", help="print each district's history, forecast and z")
    ap.add_argument("--cache", type=Path, default=None, help="directory to keep the simulated histories in")
    args = ap.parse_args(argv)
    d = study(args.generator, range(args.first_seed, args.first_seed + args.districts), args.cache)
    if args.detail:
        z = (d["realised"] - d["mean"]) / d["sd"].where(d["sd"] > 0)
        cols = ["district", "origin", "history", "pool", "mean", "sd", "p10", "p90", "realised"]
        print(d[cols].assign(z=z).round(2).to_string(index=False))
    print(pd.Series(summarise(d)).round(3).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
