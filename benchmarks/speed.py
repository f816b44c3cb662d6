"""Speed and memory of fitting and forecasting (targets live here, never in unit tests).

    python benchmarks/speed.py            # bundled district and a ~20,000-project province
    python benchmarks/speed.py --stages [--root PATH] [--runs 5]   # the command's stages

Each case runs in a fresh process so the peak resident memory is its own. The whole
command runs ``--runs`` times (default 3): its minimum and median wall and CPU time are
kept (a shared machine's noise is one-sided, so the minimum is the figure to compare).
``--stages`` times what ``forecasting forecast`` does, stage by stage (imports, read and
validate, fit, forecast, write), each run a fresh process, and prints minimum and median
wall and CPU seconds; ``--root`` points at another checkout (a before/after comparison),
whose code and ``data/`` are then used. It writes nothing.
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

CASE = r'''
import json, resource, time, numpy as np, warnings
warnings.simplefilter("ignore")
from forecasting import OutcomeModel, load_history
from forecasting.synthetic.generator import default_params, simulate_district, with_params
from forecasting.history.histories import History
kind = "{kind}"
t0 = time.perf_counter()
if kind == "bundled":
    h = load_history("{root}/data")
else:
    p = default_params()
    p = with_params(p, inflow_base={{k: v + np.log(9.0) for k, v in p.inflow_base.items()}})
    sim = simulate_district(p, rng=1)
    h = History(sim.district, sim.effort, sim.snapshots())
t_load = time.perf_counter() - t0
t0 = time.perf_counter(); res = OutcomeModel().fit(h); t_fit = time.perf_counter() - t0
year = h.as_of_date.year
t0 = time.perf_counter(); probs = res.project_probabilities(year); t_proj = time.perf_counter() - t0
t0 = time.perf_counter(); sim = res.simulate(year, n_draws=20000, rng=0); t_sim = time.perf_counter() - t0
t0 = time.perf_counter(); fc = res.forecast(year); t_fc = time.perf_counter() - t0
print(json.dumps(dict(case=kind, projects=len(h.latest), open=len(res.state), param_draws=res.n_param_draws,
                      load_s=round(t_load, 1), fit_s=round(t_fit, 2), project_probabilities_s=round(t_proj, 2),
                      simulate_20000_s=round(t_sim, 2), forecast_s=round(t_fc, 2),
                      max_p_meet_mc_se=round(float(fc.targets["p_meet_mc_se"].max()), 4),
                      peak_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))))
'''


def run(kind: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CASE.format(kind=kind, root=ROOT)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def command_line(runs: int = 3) -> dict:
    """The whole ``forecasting forecast`` on the bundled data, as a planner runs it: minimum
    and median wall and CPU seconds over ``runs`` fresh processes."""
    import tempfile

    wall, cpu = [], []
    for i in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "forecasting", "forecast", str(ROOT / "data"), "--as-of", "2024Q1",
                            "--out", str(Path(tmp) / "out")], check=True, capture_output=True)
            wall.append(time.perf_counter() - t0)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return {"case": "bundled: forecasting forecast (command line, wall time)",
            "seconds": round(min(wall), 1), "median_s": round(statistics.median(wall), 1),
            "cpu_s": round(min(cpu), 1), "median_cpu_s": round(statistics.median(cpu), 1), "runs": runs}


STAGES = r'''
import json, time
c0, t0 = time.process_time(), time.perf_counter()
out = {{}}
def mark(name):
    global c0, t0
    out[name] = (time.perf_counter() - t0, time.process_time() - c0)
    c0, t0 = time.process_time(), time.perf_counter()
import forecasting.cli.main  # what the command imports first
from forecasting.data.validate import load_data
from forecasting.forecast.contract import project_columns
from forecasting.history.histories import History
from forecasting.output import write_csv
from forecasting.simulation.outcomes import OutcomeModel
mark("imports")
history = History.from_folder(load_data("{root}/data")).upto("2024Q1"); history.latest
mark("read and validate")
forecaster = OutcomeModel().fit(history)
mark("fit")
fc = forecaster.forecast(2024, n_draws=20_000, rng=7)
mark("forecast")
cols = project_columns(history.district.targets_for(2024))
write_csv(fc.projects[cols + [c for c in fc.projects.columns if c not in cols]], "{tmp}/projects.csv")
write_csv(fc.targets, "{tmp}/targets.csv")
mark("write")
print(json.dumps(out))
'''


def stages(root: Path, runs: int) -> None:
    """Minimum and median wall and CPU seconds of each stage of the command, over ``runs``."""
    import tempfile

    got: dict[str, list] = {}
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            r = subprocess.run([sys.executable, "-c", STAGES.format(root=root, tmp=tmp)], capture_output=True,
                               text=True, check=True, cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
        for name, t in json.loads(r.stdout.strip().splitlines()[-1]).items():
            got.setdefault(name, []).append(t)
        got.setdefault("total", []).append([sum(v[-1][k] for n, v in got.items() if n != "total")
                                            for k in (0, 1)])
    print(f"{root}: {runs} runs; seconds, wall min / median, CPU min / median")
    for name, ts in got.items():
        w, c = [t[0] for t in ts], [t[1] for t in ts]
        print(f"  {name:18} {min(w):5.2f} / {statistics.median(w):5.2f}   {min(c):5.2f} / {statistics.median(c):5.2f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--stages", action="store_true", help="time the command's stages; writes nothing")
    ap.add_argument("--root", type=Path, default=ROOT, help="the checkout whose code and data --stages times")
    ap.add_argument("--runs", type=int, default=None, help="runs of the command (default 3; --stages 5)")
    args = ap.parse_args()
    if args.stages:
        stages(args.root.resolve(), args.runs or 5)
        sys.exit(0)
    results = [run("bundled"), command_line(args.runs or 3), run("province")]
    for r in results:
        print(r)
    (ROOT / "benchmarks/results").mkdir(exist_ok=True)
    (ROOT / "benchmarks/results/speed.json").write_text(json.dumps(results, indent=1))
