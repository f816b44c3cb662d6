"""Target calibration at one kind of origin on one generator, district by district (issue 13
work: a quick check, written as it goes so that a partial run is usable).

Usage: python benchmarks/quick_gb.py GENERATOR N_DISTRICTS OUT_PREFIX [q4|q2] [FIRST_SEED]
"""
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
import target_calibration as tc  # noqa: E402

gen, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
kind = sys.argv[4] if len(sys.argv) > 4 else "q4"
first = int(sys.argv[5]) if len(sys.argv) > 5 else 200
tc.PAIRS = (("2021Q4", 2022), ("2022Q4", 2023)) if kind == "q4" else (("2022Q2", 2022), ("2023Q2", 2023))
parts = []
for seed in range(first, first + n):
    parts.append(tc.study(gen, 1, seed).targets)
    t = pd.concat(parts, ignore_index=True)
    t.to_csv(f"{out}_forecasts_{gen}.csv", index=False, float_format="%.4f")
tc.summarise(t).to_csv(f"{out}_coverage_{gen}.csv", index=False, float_format="%.3f")
tc.reliability(t).to_csv(f"{out}_rel_{gen}.csv", index=False, float_format="%.4f")
