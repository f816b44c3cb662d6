"""Speed and memory of fitting and forecasting (targets live here, never in unit tests).

    python benchmarks/speed.py            # bundled district and a ~20,000-project province

Each case runs in a fresh process so the peak resident memory is its own.
"""
from __future__ import annotations

import json
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


def command_line() -> dict:
    """The whole ``forecasting forecast`` on the bundled data, as a planner runs it."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "forecasting", "forecast", str(ROOT / "data"), "--as-of", "2024Q1",
                        "--out", str(Path(tmp) / "out")], check=True, capture_output=True)
        return {"case": "bundled: forecasting forecast (command line, wall time)",
                "seconds": round(time.perf_counter() - t0, 1)}


if __name__ == "__main__":
    results = [run("bundled"), command_line(), run("province")]
    for r in results:
        print(r)
    (ROOT / "benchmarks/results").mkdir(exist_ok=True)
    (ROOT / "benchmarks/results/speed.json").write_text(json.dumps(results, indent=1))
