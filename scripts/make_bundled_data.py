"""Regenerate the bundled illustrative data folder ``data/`` (seeded, reproducible).

    python scripts/make_bundled_data.py [--out data]

Seed 2161 was chosen from the generator's seeds as one whose every year 2019–2023 falls in
the public-figure ranges of the issue (leads, signings, groundbreakings, tiers, designations).
Three late snapshots are written as .xlsx and two with Chinese headers (亿元, 万元) so that
every reading path is exercised by the bundled data itself.
"""
import argparse
import shutil
from pathlib import Path

from forecasting.synthetic.generator import simulate_district

SEED = 2161

ap = argparse.ArgumentParser()
ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "data")
args = ap.parse_args()
sim = simulate_district(rng=SEED, start="2019Q1", end="2024Q1")
for sub in ("ledger",):
    shutil.rmtree(args.out / sub, ignore_errors=True)
sim.write(args.out, xlsx_quarters=("2023Q3", "2024Q1"), chinese_quarters=("2023Q4",), wan_quarters=("2023Q2",))
print(f"wrote {args.out}")
