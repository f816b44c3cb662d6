"""The command line end to end on the bundled data."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from forecasting.cli.main import main

from conftest import BUNDLED


def test_validate_bundled(capsys):
    assert main(["validate", str(BUNDLED)]) == 0
    out = capsys.readouterr().out
    assert "valid. 21 quarters (2019Q1–2024Q1)" in out


def test_forecast_writes_contract_columns(tmp_path, capsys):
    out = tmp_path / "fc"
    assert main(["forecast", str(BUNDLED), "--as-of", "2023Q2", "--out", str(out), "--draws", "200"]) == 0
    projects = pd.read_csv(out / "projects.csv")
    assert list(projects.columns[:8]) == ["project_id", "stage", "investment_bn", "p_signed", "p_groundbreaking",
                                          "p_tier_10bn", "p_tier_5bn", "p_provincial"]
    p = projects.filter(regex=r"^p_").to_numpy()
    assert (p[~pd.isna(p)] >= 0).all() and (p[~pd.isna(p)] <= 1).all()
    targets = pd.read_csv(out / "targets.csv")
    assert list(targets["target"]) == ["groundbreakings", "tier_10bn", "tier_5bn", "provincial_major", "all"]
    # same data and seed, same numbers
    out2 = tmp_path / "fc2"
    assert main(["forecast", str(BUNDLED), "--as-of", "2023Q2", "--out", str(out2), "--draws", "200"]) == 0
    assert (out / "projects.csv").read_bytes() == (out2 / "projects.csv").read_bytes()


def test_python_dash_m_and_no_traceback(tmp_path):
    r = subprocess.run([sys.executable, "-m", "forecasting", "forecast", str(BUNDLED), "--as-of", "2030Q1",
                        "--out", str(tmp_path / "x")], capture_output=True, text=True)
    assert r.returncode == 2 and "no snapshot for 2030Q1" in r.stderr and "Traceback" not in r.stderr


def test_scenario_writes_outputs_and_a_null_scenario_changes_nothing(tmp_path, capsys):
    null = tmp_path / "null.toml"
    null.write_text('name = "Nothing changes"\n[approval]\nspeed = 1.0\n', encoding="utf-8")
    out = tmp_path / "sc"
    assert main(["scenario", str(BUNDLED), "--as-of", "2023Q2", "--scenario", str(null), "--out", str(out),
                 "--draws", "500"]) == 0
    comp = pd.read_csv(out / "comparison.csv")
    assert list(comp["target"]) == ["groundbreakings", "tier_10bn", "tier_5bn", "provincial_major", "all"]
    assert (comp["change_p_meet"] == 0).all()  # common random numbers: exactly zero
    assert {"projects.csv", "targets.csv", "comparison.csv"} <= {p.name for p in out.iterdir()}

    fast = tmp_path / "fast.toml"
    fast.write_text('name = "Faster approvals"\n[approval]\nspeed = 2.0\n', encoding="utf-8")
    assert main(["scenario", str(BUNDLED), "--as-of", "2023Q2", "--scenario", str(fast), "--out", str(tmp_path / "f"),
                 "--draws", "500"]) == 0
    comp = pd.read_csv(tmp_path / "f" / "comparison.csv").set_index("target")
    assert comp.loc["groundbreakings", "scenario_mean"] > comp.loc["groundbreakings", "baseline_mean"]


def test_a_bad_scenario_is_a_data_error_naming_file_and_key(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "Typo"\n[effort.brnch_4]\nstaff = 12\n', encoding="utf-8")
    out = tmp_path / "sc"
    assert main(["scenario", str(BUNDLED), "--as-of", "2023Q2", "--scenario", str(bad), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "bad.toml" in err and "brnch_4" in err and "branch_4" in err and "Traceback" not in err
    assert not out.exists()


def test_optimize_never_recommends_worse_than_today(tmp_path, capsys):
    out = tmp_path / "op"
    assert main(["optimize", str(BUNDLED), "--as-of", "2023Q2", "--staff-total", "64", "--objective", "next-year",
                 "--out", str(out), "--draws", "400", "--max-evals", "25"]) == 0
    alloc = pd.read_csv(out / "allocation.csv")
    assert list(alloc.columns[:5]) == ["unit", "staff_now", "staff_best", "change", "objective"]
    assert alloc["staff_best"].sum() == 64
    # never worse than today on the objective it was judged by (the default: P(all) or the shortfall)
    row = alloc.iloc[0]
    if row["objective"] == "all":
        assert row["objective_best"] >= row["objective_now"] - 1e-12 and row["change_p_meet_all"] >= -1e-12
    else:
        assert row["objective"] == "shortfall" and row["objective_best"] <= row["objective_now"] + 1e-12


def test_optimize_judges_by_the_objective_asked_for_and_reports_gain_and_error(tmp_path, capsys):
    out = tmp_path / "op"
    assert main(["optimize", str(BUNDLED), "--as-of", "2023Q2", "--staff-total", "64", "--year", "2024",
                 "--objective", "shortfall", "--out", str(out), "--draws", "400", "--max-evals", "25"]) == 0
    printed = capsys.readouterr().out
    assert "Judged by expected shortfall against the goals" in printed
    assert "Monte Carlo error" in printed
    alloc = pd.read_csv(out / "allocation.csv")
    assert list(alloc.columns[:5]) == ["unit", "staff_now", "staff_best", "change", "objective"]
    assert (alloc["objective"] == "shortfall").all()
    row = alloc.iloc[0]
    # never worse than today on the objective; a move is kept only beyond twice its error
    assert row["objective_best"] <= row["objective_now"] + 1e-12
    if (alloc["change"] != 0).any():
        assert row["move_gain"] > 2 * row["move_gain_se"] and not row["within_noise"]
    else:
        assert row["within_noise"] or np.isnan(row["move_gain_se"]) or row["move_gain"] <= 2 * row["move_gain_se"]
    assert {"marginal_gain", "marginal_gain_se", "objective_now_se", "change_p_meet_all"} <= set(alloc.columns)


def test_optimize_with_another_total_says_its_moves_against_today_and_what_stands(tmp_path, capsys):
    out = tmp_path / "op"
    assert main(["optimize", str(BUNDLED), "--as-of", "2023Q2", "--staff-total", "20", "--out", str(out),
                 "--draws", "200", "--max-evals", "8"]) == 0
    printed = capsys.readouterr().out.splitlines()
    alloc = pd.read_csv(out / "allocation.csv")
    today = int(alloc["staff_now"].sum())
    assert today != 20 and alloc["staff_best"].sum() == 20
    # the headline's moves are the table's change column (today's staffing as it is)
    moved = ", ".join(f"{u} {c:+d}" for u, c in zip(alloc["unit"], alloc["change"]) if c)
    assert printed[0].startswith(f"optimize 2023 targets as of 2023Q2 with 20 staff: {moved};")
    # and the verdict names the rescaled start it compares with, not "today's staffing stands"
    assert f"({today} staff) rescaled to 20" in printed[2] and not printed[2].startswith("Today's staffing stands")


@pytest.mark.parametrize("spelling", ["shortfal", "count", "at_least:groundbreakings:many"])
def test_optimize_refuses_an_objective_it_cannot_read(tmp_path, capsys, spelling):
    assert main(["optimize", str(BUNDLED), "--as-of", "2023Q2", "--staff-total", "64", "--objective", spelling,
                 "--out", str(tmp_path / "op")]) == 2
    err = capsys.readouterr().err
    assert "--objective" in err and "Traceback" not in err
    assert not (tmp_path / "op").exists()


def test_report_without_the_years_targets_is_a_usage_error_before_any_notebook_runs(valid_folder, tmp_path, capsys):
    out = tmp_path / "report"
    # the small folder has targets for 2024 only: 01 needs 2023's as of 2023Q4, 04 needs 2025's as of 2024Q1
    assert main(["report", str(valid_folder), "--as-of", "2023Q4", "--notebooks", "01", "--out", str(out)]) == 2
    assert "district.toml has no [targets.2023] table, which 01_pipeline_overview needs" in capsys.readouterr().err
    assert main(["report", str(valid_folder), "--as-of", "2024Q1", "--notebooks", "04", "05", "--out", str(out)]) == 2
    assert "no [targets.2025] table, which 04_scenarios needs;" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("bounds,message", [
    (["--min", "branch_1=20"], "no allocation of 10 people respects the bounds: the minimums add up to 20, more than the total"),
    (["--min", "branch_1=5", "--max", "branch_1=3"], "minimum above maximum for branch_1"),
])
def test_optimize_bounds_no_allocation_respects_are_a_usage_error(valid_folder, tmp_path, capsys, bounds, message):
    out = tmp_path / "opt"
    assert main(["optimize", str(valid_folder), "--as-of", "2024Q1", "--staff-total", "10", "--draws", "20",
                 *bounds, "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"forecasting: --staff-total 10 with --min/--max: {message}\n"
    assert not out.exists()
