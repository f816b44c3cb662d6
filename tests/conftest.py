"""Shared fixtures, built in code: a small hand-written data folder, and simulated districts."""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from forecasting.synthetic.generator import simulate_district
from forecasting.history.histories import History

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "data"

UNITS: dict[str, tuple[str, str]] = {
    "branch_1": ("branch", "New Energy Attraction Branch"),
    "branch_2": ("branch", "Automotive Components Attraction Branch"),
    "branch_3": ("branch", "Smart Home Appliances Attraction Branch"),
    "branch_4": ("branch", "Photovoltaics Attraction Branch"),
    "branch_5": ("branch", "Smart Grid and Energy Management Attraction Branch"),
    "center_beijing": ("center", "Beijing Innovation Centre"),
    "center_shanghai": ("center", "Shanghai Innovation Centre"),
    "center_nanjing": ("center", "Nanjing Innovation Centre"),
    "campaign_top10": ("campaign", "Top-10 Leading Companies Campaign"),
}
SECTORS = ["new_energy", "auto_parts", "smart_appliances", "photovoltaics", "smart_grid", "other"]
QUARTERS = ["2023Q3", "2023Q4", "2024Q1"]
HEADER = ["project_id", "name", "sector", "unit", "investor", "phase", "investment_bn", "stage",
          "first_seen", "signed_date", "approved_date", "groundbreaking_date", "operating_date",
          "lost_date", "provincial", "provincial_year"]

DISTRICT_TOML = '''\
name = "Test District"
sectors = ["new_energy", "auto_parts", "smart_appliances", "photovoltaics", "smart_grid", "other"]
leading_companies = ["Huaxin New Energy Group", "Dongsheng Photovoltaic Technology",
  "Jiangnan Smart Grid Holdings", "Ruifeng Automotive Systems", "Meiyuan Smart Appliances",
  "Tianhe Battery Technology", "Zhongke Power Equipment", "Xingyuan Solar Materials",
  "Hengtai Auto Parts Group", "Lianchuang Home Electronics"]
{units}
[targets.2024]
groundbreakings = 20
groundbreakings_min_bn = 0.5
provincial_major = 3
counted_at = "signed"
[[targets.2024.tiers]]
name = "10bn"
min_bn = 10.0
count = 1
[[targets.2024.tiers]]
name = "5bn"
min_bn = 5.0
max_bn = 10.0
count = 2
'''


def _p(pid, name, sector, unit, investor, phase, bn, stage, first, signed="", approved="", ground="",
       operating="", lost="", provincial="none", year=""):
    return [pid, name, sector, unit, investor, phase, bn, stage, first, signed, approved, ground, operating,
            lost, provincial, year]


#: Rows of each snapshot, in file order (row 2 first). Every stage occurs, and a designation.
SNAPSHOTS: dict[str, list[list[str]]] = {
    "2023Q3": [
        _p("P001", "Lingxin battery cell plant", "new_energy", "branch_1", "Lingxin Energy", "1", "2.5", "lead",
           "2023-08-10"),
        _p("P002", "Ruida brake module line", "auto_parts", "branch_2", "Ruida Auto Parts", "1", "0.8", "lead",
           "2023-05-02"),
        _p("P003", "Meiyuan compressor plant", "smart_appliances", "branch_3", "Meiyuan Smart Appliances", "1",
           "1.2", "signed", "2022-11-15", "2023-07-20"),
        _p("P004", "Xingyuan wafer base", "photovoltaics", "branch_4", "Xingyuan Solar Materials", "1", "6.5",
           "signed", "2022-06-01", "2023-01-10"),
        _p("P005", "Tianhe energy storage park", "new_energy", "center_shanghai", "Tianhe Battery Technology",
           "1", "12.0", "under_construction", "2021-09-01", "2022-03-01", "2022-09-15", "2023-02-20",
           provincial="designated", year="2023"),
        _p("P006", "Zhongke switchgear works", "smart_grid", "branch_5", "Zhongke Power Equipment", "1", "3.0",
           "under_construction", "2020-04-01", "2020-10-01", "2021-03-01", "2021-06-01"),
        _p("P007", "Boyu sensor lab", "other", "center_beijing", "Boyu Sensing", "1", "0.5", "signed",
           "2022-02-01", "2022-08-01"),
    ],
}
SNAPSHOTS["2023Q4"] = [
    SNAPSHOTS["2023Q3"][0],
    _p("P002", "Ruida brake module line", "auto_parts", "branch_2", "Ruida Auto Parts", "1", "0.9", "negotiating",
       "2023-05-02"),
    SNAPSHOTS["2023Q3"][2],
    _p("P004", "Xingyuan wafer base", "photovoltaics", "branch_4", "Xingyuan Solar Materials", "1", "6.5",
       "approved", "2022-06-01", "2023-01-10", "2023-11-05", provincial="candidate"),
    SNAPSHOTS["2023Q3"][4],
    _p("P006", "Zhongke switchgear works", "smart_grid", "branch_5", "Zhongke Power Equipment", "1", "3.0",
       "operating", "2020-04-01", "2020-10-01", "2021-03-01", "2021-06-01", "2023-12-15"),
    _p("P007", "Boyu sensor lab", "other", "center_beijing", "Boyu Sensing", "1", "0.5", "lost", "2022-02-01",
       "2022-08-01", lost="2023-10-20"),
    _p("P008", "Haiyue smart kitchen line", "smart_appliances", "center_nanjing", "Haiyue Home", "1", "0.3",
       "lead", "2023-11-11"),
]
SNAPSHOTS["2024Q1"] = [
    *SNAPSHOTS["2023Q4"][:2],
    _p("P003", "Meiyuan compressor plant", "smart_appliances", "branch_3", "Meiyuan Smart Appliances", "1",
       "1.5", "signed", "2022-11-15", "2023-07-20"),
    *SNAPSHOTS["2023Q4"][3:7],
    _p("P008", "Haiyue smart kitchen line", "smart_appliances", "center_nanjing", "Haiyue Home", "1", "0.3",
       "negotiating", "2023-11-11"),
    _p("P009", "Huaxin battery pack phase 2", "new_energy", "campaign_top10", "Huaxin New Energy Group", "2",
       "8.0", "negotiating", "2024-01-15"),
]


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def make_valid_folder(path: Path) -> Path:
    """Write a small valid data folder at ``path`` and return it.

    Three English CSV snapshots (2023Q3, 2023Q4, 2024Q1) of 7, 8 and 9 projects covering every
    stage, lost and a designation; the six sectors; 5 branches, 3 centres and the campaign;
    the 2024 targets of DATA.md; a complete effort.csv. Written by hand, not by the package,
    so the reader is tested against files it did not produce.
    """
    path = Path(path)
    (path / "ledger").mkdir(parents=True, exist_ok=True)
    units = "".join(f'\n[[units]]\nid = "{u}"\ntype = "{t}"\nlabel = "{label}"\n' for u, (t, label) in UNITS.items())
    (path / "district.toml").write_text(DISTRICT_TOML.format(units=units), encoding="utf-8")
    for q, rows in SNAPSHOTS.items():
        _write_csv(path / "ledger" / f"{q}.csv", HEADER, rows)
    effort = [[q, u, f"{4 + i % 3}", f"{20 + 3 * i + k}", f"{1.5 + i / 4:.2f}"]
              for k, q in enumerate(QUARTERS) for i, u in enumerate(UNITS)]
    _write_csv(path / "effort.csv", ["quarter", "unit", "staff", "visits", "budget_m"], effort)
    return path


@pytest.fixture
def valid_folder(tmp_path) -> Path:
    """A fresh small valid data folder named ``data``, safe to break."""
    return make_valid_folder(tmp_path / "data")


@pytest.fixture(scope="session")
def bundled_history() -> History:
    from forecasting import load_history

    return load_history(BUNDLED)


@pytest.fixture(scope="session")
def sim_history():
    """A simulated district with its truth, as a full history (2019Q1–2023Q4)."""
    sim = simulate_district(rng=3, end="2023Q4")
    return sim, History(sim.district, sim.effort, sim.snapshots())


@pytest.fixture
def valid_district(valid_folder):
    """The hand-written folder's district."""
    from forecasting.data.district import read_district

    return read_district(valid_folder / "district.toml")


@pytest.fixture
def valid_table(valid_folder, valid_district):
    """The hand-written folder's 2024Q1 snapshot as a canonical table (read without a breach)."""
    from forecasting.data.ledger import read_snapshot

    snap = read_snapshot(valid_folder / "ledger/2024Q1.csv", valid_district, as_of=pd.Timestamp("2024-03-31"))
    assert snap.breaches == []
    return snap.table
