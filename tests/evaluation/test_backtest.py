"""The backtest harness: origins, scores, and the guard against peeking."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting import OutcomeModel, StageQuarterRate, StageWeighted
from forecasting.evaluation.backtest import origins, peeks, run_backtest
from forecasting.forecast.contract import finish_projects, independent_targets, Forecast
from forecasting.history.histories import year_events
from forecasting.evaluation.scoring import brier_score


class Leaky:
    """A deliberately leaking forecaster: it keeps the data it was built from and reads the
    future out of it, whatever as-of view it is fitted on."""

    name = "leaky"

    def __init__(self, data):
        self.data = data

    def fit(self, history):
        self.history = history
        return self

    def forecast(self, year, *, n_draws=0, rng=None):
        h = self.history
        ev = year_events(self.data.projects, year, h.district.targets_for(year)).set_index("project_id")
        probs = pd.DataFrame({"project_id": h.projects["project_id"]})
        probs["p_signed"] = probs["project_id"].map(ev["signed"]).astype(float).to_numpy()
        probs["p_groundbreaking"] = probs["project_id"].map(ev["groundbreaking"]).astype(float).to_numpy()
        for col in [c for c in ev.columns if c.startswith("tier_")] + ["provincial"]:
            probs[f"p_{col}"] = probs["project_id"].map(ev[col]).astype(float).to_numpy()
        projects = finish_projects(h, year, probs)
        return Forecast(h.as_of, year, projects, independent_targets(h, year, projects), forecaster=self.name)


def test_origins_start_in_the_third_year_and_need_a_complete_year(sim_history):
    _, full = sim_history
    pairs = origins(full)
    assert pairs[0] == ("2021Q1", 2021)
    assert ("2022Q4", 2023) in pairs and all(y <= 2023 for _, y in pairs)


@pytest.mark.parametrize("make", [lambda d: StageWeighted(), lambda d: StageQuarterRate(),
                                  lambda d: OutcomeModel(n_param_draws=5)], ids=["floor", "base_rate", "model"])
def test_no_forecaster_of_ours_peeks(sim_history, make):
    _, full = sim_history
    assert not peeks(make, full, "2022Q2", 2022)


def test_the_guard_catches_a_leaking_forecaster(sim_history):
    _, full = sim_history
    assert peeks(lambda d: Leaky(d), full, "2022Q2", 2022)


def test_backtest_scores_match_an_independent_computation(sim_history):
    _, full = sim_history
    res = run_backtest(full, [StageWeighted()], pairs=[("2022Q2", 2022), ("2022Q4", 2023)])
    d = res.projects[res.projects["open"] & (res.projects["event"] == "signed")]
    s = res.scores().set_index("event").loc["signed"]
    assert s["brier"] == pytest.approx(np.mean((d["p"] - d["y"]) ** 2))
    assert s["brier"] == pytest.approx(brier_score(d["p"], d["y"]))
    # truth: signed in 2022 among projects open at 2022Q2, from the final snapshot
    P = full.projects.set_index("project_id")
    y = P.loc[d[d["year"] == 2022]["project_id"], "signed_date"].dt.year.eq(2022).to_numpy()
    assert (d[d["year"] == 2022]["y"].to_numpy() == y).all()
    cov = res.coverage()
    assert cov["coverage_p10_p90"].between(0, 1).all()


def test_backtest_writes_its_tables(sim_history, tmp_path):
    _, full = sim_history
    res = run_backtest(full, [StageWeighted(), StageQuarterRate()], pairs=[("2022Q2", 2022)])
    written = res.write(tmp_path / "bt")
    assert all(p.exists() for p in written)
    assert {"per_origin_scores.csv", "calibration.csv", "skill.csv"} <= {p.name for p in written}


def test_pit_coverage_is_eighty_percent_for_a_calibrated_count_forecast():
    """Counts drawn from the forecast itself: 80 % whatever the discreteness (even a near-sure count)."""
    from forecasting.evaluation.backtest import central_pit_coverage

    rng = np.random.default_rng(0)
    for pmf in (np.array([0.9, 0.1]), np.array([0.2, 0.5, 0.3]), np.ones(30) / 30):
        y = rng.choice(pmf.size, size=20_000, p=pmf)
        cdf = np.r_[0.0, np.cumsum(pmf)]
        assert central_pit_coverage(cdf[y], cdf[y + 1]) == pytest.approx(0.8, abs=0.01)
    # an over-confident forecast (too narrow) covers less
    y = rng.poisson(10, 5000)
    narrow = np.r_[0.0, np.cumsum(np.bincount(rng.poisson(10, 100_000) // 2 + 5, minlength=60) / 100_000)]
    assert central_pit_coverage(narrow[np.minimum(y, 59)], narrow[np.minimum(y + 1, 60)]) < 0.7


def test_origins_note_speaks_the_reports_language(tmp_path):
    # a Chinese report's notebook 05 opened with "The backtest can use none of the 9 snapshot quarters: …"
    from conftest import make_valid_folder
    from forecasting.evaluation.backtest import origins_note
    from forecasting.history.histories import load_history

    h = load_history(make_valid_folder(tmp_path / "data"))
    en, zh = origins_note(h, language="en"), origins_note(h, language="zh")
    assert en.startswith(f"The backtest can use none of the {len(h.quarters)} snapshot quarters: an origin must lie")
    assert zh.startswith(f"回测无法使用{len(h.quarters)}个快照季度中的任何一个：预测起点须在快照的第三年或之后")
    assert not any(w in zh for w in ("backtest", "origin", "snapshot"))


def test_origins_note_of_a_single_snapshot_reads_in_the_singular(tmp_path):
    # notebook 05 said "The backtest can use none of the 1 snapshot quarter: …"
    from conftest import make_valid_folder
    from forecasting.evaluation.backtest import origins_note
    from forecasting.history.histories import load_history

    h = load_history(make_valid_folder(tmp_path / "data")).upto("2023Q3")
    assert h.quarters == ["2023Q3"]
    en, zh = origins_note(h, language="en"), origins_note(h, language="zh")
    assert en.startswith("The backtest cannot use the folder's only snapshot quarter: an origin must lie")
    assert zh.startswith("回测无法使用本文件夹唯一的快照季度：")
