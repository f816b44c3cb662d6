"""Shared fixtures: data built in code from the generator with a seed, not large files."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from forecasting.generator import simulate_district
from forecasting.history import History

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "data"


def make_valid_folder(path: Path, *, seed: int = 7) -> Path:
    """A small valid data folder: three snapshots (one .xlsx, one Chinese-header .csv)."""
    sim = simulate_district(rng=seed, start="2023Q3", end="2024Q1")
    return sim.write(path, xlsx_quarters=("2023Q4",), chinese_quarters=("2024Q1",))


@pytest.fixture(scope="session")
def _valid_template(tmp_path_factory) -> Path:
    return make_valid_folder(tmp_path_factory.mktemp("template") / "data")


@pytest.fixture
def valid_folder(_valid_template, tmp_path) -> Path:
    """A fresh copy of a small valid data folder, safe to break."""
    dest = tmp_path / "data"
    shutil.copytree(_valid_template, dest)
    return dest


@pytest.fixture(scope="session")
def bundled_history() -> History:
    from forecasting import load_history

    return load_history(BUNDLED)


@pytest.fixture(scope="session")
def sim_history():
    """A simulated district with its truth, as a full history (2019Q1–2023Q4)."""
    sim = simulate_district(rng=3, end="2023Q4")
    return sim, History(sim.district, sim.effort, sim.snapshots())
