"""The command line end to end on the bundled data."""
from __future__ import annotations

import subprocess
import sys

import pandas as pd

from forecasting.cli import main

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
