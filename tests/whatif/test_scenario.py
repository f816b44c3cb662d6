"""Scenario objects: what a scenario changes, its baseline, its view for the simulation.

The district and the as-of ledger come from ``conftest.make_valid_folder``: units branch_1..5,
center_beijing/shanghai/nanjing and campaign_top10; projects P001 (lead) … P009 (negotiating),
P006 operating and P007 lost. ``conftest.FULL_SCENARIO`` uses every key.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from conftest import FULL_SCENARIO as FULL
from forecasting.errors import DataError
from forecasting.whatif.scenario import Prospect, Scenario, plain_number


def test_effort_overrides_are_a_copy(read_toml):
    s = read_toml(FULL)
    s.effort_overrides["branch_4"]["staff"] = 0
    assert s.effort["branch_4"]["staff"] == 14.0


@pytest.mark.parametrize("text", [
    'name = "Today"\n',
    'name = "Today"\n[approval]\nspeed = 1.0\n[[projects]]\nid = "P001"\nslip_months = 0\n'
    '[sectors.other]\nyear_effect = 0.0\n',
])
def test_a_scenario_that_changes_nothing_is_the_baseline(read_toml, text):
    assert read_toml(text).is_baseline


def test_prospect_frame_and_adjustments_carry_every_change(read_toml):
    s = read_toml(FULL)
    frame = s.prospects_frame()
    assert list(frame["unit"]) == ["campaign_top10", "branch_4"]
    assert frame["entered"].iloc[0] == pd.Timestamp("2024-02-15")
    try:
        adj = s.adjustments()
    except ImportError:  # pragma: no cover - the simulation is optional for this module
        pytest.skip("forecasting.simulation.portfolio is not importable")
    assert adj.approval_speed == 1.5 and adj.lost == frozenset({"P004"}) and adj.resize == {"P009": 12.0}
    assert adj.effort["branch_4"]["staff"] == 14.0 and len(adj.prospects) == 2
    assert adj.sector_effect == {"photovoltaics": 0.3, "smart_grid": -0.2}
    assert read_toml('name = "x"\n').adjustments().is_baseline


def test_from_dict_checks_like_a_file_and_accepts_numpy_numbers(scenario_ledger):
    district, projects = scenario_ledger
    s = Scenario.from_dict({"name": "Sliders", "effort": {"branch_1": {"staff": np.int64(9)}},
                            "approval": {"speed": np.float64(1.25)},
                            "prospects": [{"name": "p", "unit": "branch_2", "sector": "auto_parts",
                                           "stage": "signed", "investment_bn": 1.0,
                                           "entered": pd.Timestamp("2024-01-02")}]}, district, projects)
    assert s.effort == {"branch_1": {"staff": 9.0}} and s.approval_speed == 1.25
    assert s.prospects[0].entered == dt.date(2024, 1, 2)
    with pytest.raises(DataError, match=r"^1 problem.*\nsliders: \[effort.branch_1\] staff: -1 is negative"):
        Scenario.from_dict({"name": "x", "effort": {"branch_1": {"staff": -1}}}, district, source="sliders")


def test_from_checked_builds_prospects_from_their_fields(read_toml):
    s = read_toml(FULL)
    fields = {f: getattr(s, f) for f in Scenario.__dataclass_fields__}
    fields["prospects"] = [p.__dict__ for p in s.prospects]
    back = Scenario.from_checked(fields)
    assert back == s and all(isinstance(p, Prospect) for p in back.prospects)


def test_changes_read_as_sentences(read_toml):
    s = read_toml(FULL)
    said = s.changes()
    assert "branch_4: staff 14" in said and "approval steps ×1.5 as likely each month" in said
    assert "P003: slips 3 months" in said and "P009: 2 months ahead" in said and "P004: lost" in said
    assert "photovoltaics: year effect +0.3" in said


@pytest.mark.parametrize("x, written", [(14.0, "14"), (1.5, "1.5"), (0.25, "0.25"), (1e-7, "1e-07")])
def test_plain_number(x, written):
    assert plain_number(x) == written
