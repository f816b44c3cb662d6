"""The synthetic district: reproducible, its snapshots what a planner saw, its data folder valid."""
from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting import load_data
from forecasting.data.district import read_district
from forecasting.data.schema import LEDGER_COLUMNS
from forecasting.synthetic.generator import district_toml, ledger_at, simulate_district
from forecasting.synthetic.params import bundled_district


def test_the_same_seed_gives_the_same_district_and_another_seed_another():
    a, b = simulate_district(rng=5, end="2021Q4"), simulate_district(rng=5, end="2021Q4")
    pd.testing.assert_frame_equal(a.projects, b.projects)
    pd.testing.assert_series_equal(a.year_effects, b.year_effects)
    assert not a.projects.equals(simulate_district(rng=6, end="2021Q4").projects)


def test_a_snapshot_is_what_was_known_on_its_as_of_date(sim_history):
    sim, _ = sim_history
    snap = sim.snapshot("2022Q2")
    assert list(snap.columns) == list(LEDGER_COLUMNS)
    as_of = pd.Timestamp("2022-06-30")
    for c in ("first_seen", "signed_date", "approved_date", "groundbreaking_date", "operating_date", "lost_date"):
        assert (snap[c].dropna() <= as_of).all(), c
    truth = sim.projects.set_index("project_id").loc[snap["project_id"]]
    later = (truth["signed_date"] > as_of).to_numpy()
    assert snap.loc[later, "signed_date"].isna().all() and set(snap.loc[later, "stage"]) <= {"lead", "negotiating", "lost"}
    lost_now = (truth["lost_date"] <= as_of).to_numpy()
    assert (snap.loc[lost_now, "stage"] == "lost").all() and (snap.loc[~lost_now, "stage"] != "lost").all()
    # the amount is the one of the latest stage reached: signed amount once signed
    signed = snap["signed_date"].notna().to_numpy()
    np.testing.assert_array_equal(snap.loc[signed, "investment_bn"], truth.loc[signed, "size_signed"])
    assert sim.quarters[0] == "2019Q1" and sim.quarters[-1] == "2023Q4"


def test_a_candidate_shows_from_october_and_a_designation_from_january(sim_history):
    sim, _ = sim_history
    des = sim.projects[sim.projects["designated_year"].notna()].iloc[0]
    year = int(des["designated_year"])
    rows = sim.projects[sim.projects["project_id"] == des["project_id"]]
    assert ledger_at(rows, pd.Timestamp(f"{year - 1}-09-30"))["provincial"].iloc[0] == "none"
    assert ledger_at(rows, pd.Timestamp(f"{year - 1}-12-31"))["provincial"].iloc[0] == "candidate"
    jan = ledger_at(rows, pd.Timestamp(f"{year}-03-31"))
    assert jan["provincial"].iloc[0] == "designated" and jan["provincial_year"].iloc[0] == year


def test_district_toml_reads_back_as_the_district(tmp_path):
    d = bundled_district()
    (tmp_path / "district.toml").write_text(district_toml(d), encoding="utf-8")
    back = read_district(tmp_path / "district.toml")
    assert back == d


def test_the_written_folder_is_valid_in_every_format(tmp_path):
    sim = simulate_district(rng=2, start="2021Q1", end="2021Q4")
    path = sim.write(tmp_path / "data", xlsx_quarters=("2021Q2",), chinese_quarters=("2021Q3",),
                     wan_quarters=("2021Q4",))
    assert sorted(p.name for p in (path / "ledger").iterdir()) == ["2021Q1.csv", "2021Q2.xlsx", "2021Q3.csv",
                                                                   "2021Q4.csv"]
    folder = load_data(path)
    assert folder.quarters == sim.quarters
    for q in sim.quarters:
        pd.testing.assert_frame_equal(folder.snapshots[q], sim.snapshot(q), check_exact=False, rtol=1e-12)
