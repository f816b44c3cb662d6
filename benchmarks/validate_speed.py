"""Speed of ``forecasting validate`` on the bundled folder (21 snapshots, ~2,200 projects).

    python benchmarks/validate_speed.py [--root PATH] [--runs 5]

Each run is a fresh process (imports included), as a planner runs it; wall time and the
process's CPU time (less sensitive to a shared machine's load) are both reported. ``--root`` points at
another checkout (for a before/after comparison); its ``data/`` is validated with its code.
Target: no slower than before the real-export reading (about 3 s on 2 cores).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", type=Path, default=ROOT)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(args.root)}
    times, cpu = [], []
    for _ in range(args.runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "forecasting", "validate", str(args.root / "data")], env=env,
                           capture_output=True, text=True, cwd=args.root)
        times.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        if r.returncode != 0:
            sys.exit(f"validate failed: {r.stderr.strip()}")
    result = dict(root=str(args.root), runs=args.runs, min_s=round(min(times), 2),
                  median_s=round(statistics.median(times), 2), cpu_min_s=round(min(cpu), 2),
                  cpu_median_s=round(statistics.median(cpu), 2))
    print(json.dumps(result))
    if args.root == ROOT:
        (ROOT / "benchmarks/results/validate_speed.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
