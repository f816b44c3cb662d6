"""Scenario files: every key read, every kind of mistake named by file and key, all at once.

The district and the as-of ledger come from ``conftest.make_valid_folder``: units branch_1..5,
center_beijing/shanghai/nanjing and campaign_top10; projects P001 (lead) … P009 (negotiating),
P006 operating and P007 lost.
"""
from __future__ import annotations

import datetime as dt
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import BUNDLED, SECTORS, UNITS, make_valid_folder
from forecasting.data.district import read_district
from forecasting.errors import DataError
from forecasting.history.histories import load_history
from forecasting.whatif.scenario import (Prospect, Scenario, ScenarioWarning, read_scenario, scenario_to_toml)

FULL = '''\
name = "Everything at once"
description = "Each key the reader understands"

[effort.branch_4]
staff = 14
visits = 40
budget_m = 2.5

[effort.campaign_top10]
staff = 7.5

[approval]
speed = 1.5

[[projects]]
id = "P003"
slip_months = 3

[[projects]]
id = "P004"
lost = true

[[projects]]
id = "P009"
investment_bn = 12.0
slip_months = -2

[[prospects]]
name = "Huaxin battery phase III"
investor = "Huaxin New Energy Group"
unit = "campaign_top10"
sector = "new_energy"
stage = "negotiating"
investment_bn = 8.0
phase = 3
entered = 2024-02-15

[[prospects]]
name = "Small PV line"
unit = "branch_4"
sector = "photovoltaics"
stage = "lead"
investment_bn = 0.6
entered = "2024-03-01"

[sectors.photovoltaics]
year_effect = 0.3

[sectors.smart_grid]
year_effect = -0.2
'''


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    folder = make_valid_folder(tmp_path_factory.mktemp("scenario") / "data")
    return read_district(folder / "district.toml"), load_history(folder).latest


@pytest.fixture
def read(ledger, tmp_path):
    """Write TOML text to ``what_if.toml`` and read it as of 2024-03-31."""
    district, projects = ledger

    def _read(text: str) -> Scenario:
        path = tmp_path / "what_if.toml"
        path.write_text(text, encoding="utf-8")
        return read_scenario(path, district, projects, as_of="2024-03-31")

    return _read


def problems(read, text: str) -> list[str]:
    with pytest.raises(DataError) as err:
        read(text)
    return [str(b) for b in err.value.breaches]


# ------------------------------------------------------------------------------ reading
def test_every_key_is_read(read):
    s = read(FULL)
    assert s.name == "Everything at once" and s.description == "Each key the reader understands"
    assert s.effort_overrides == {"branch_4": {"staff": 14.0, "visits": 40.0, "budget_m": 2.5},
                                  "campaign_top10": {"staff": 7.5}}
    assert s.approval_speed == 1.5
    assert s.slip_months == {"P003": 3, "P009": -2}
    assert s.lost == frozenset({"P004"})
    assert s.resize == {"P009": 12.0}
    assert s.prospects == (
        Prospect("Huaxin battery phase III", "campaign_top10", "new_energy", "negotiating", 8.0,
                 "Huaxin New Energy Group", 3, dt.date(2024, 2, 15)),
        Prospect("Small PV line", "branch_4", "photovoltaics", "lead", 0.6, None, 1, dt.date(2024, 3, 1)),
    )
    assert s.sector_effect == {"photovoltaics": 0.3, "smart_grid": -0.2}
    assert not s.is_baseline
    assert len(s.changes()) == 13


def test_effort_overrides_are_a_copy(read):
    s = read(FULL)
    s.effort_overrides["branch_4"]["staff"] = 0
    assert s.effort["branch_4"]["staff"] == 14.0


def test_the_notebook_scenarios_read_against_the_bundled_district():
    district = read_district(BUNDLED / "district.toml")
    folder = Path(__file__).resolve().parents[1] / "notebooks" / "scenarios"
    for path in sorted(folder.glob("*.toml")):
        s = read_scenario(path, district)
        assert s.name and not s.is_baseline


@pytest.mark.parametrize("text", [
    'name = "Today"\n',
    'name = "Today"\n[approval]\nspeed = 1.0\n[[projects]]\nid = "P001"\nslip_months = 0\n'
    '[sectors.other]\nyear_effect = 0.0\n',
])
def test_a_scenario_that_changes_nothing_is_the_baseline(read, text):
    assert read(text).is_baseline


def test_prospect_frame_and_adjustments_carry_every_change(read):
    s = read(FULL)
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
    assert read('name = "x"\n').adjustments().is_baseline


def test_from_dict_checks_like_a_file_and_accepts_numpy_numbers(ledger):
    district, projects = ledger
    s = Scenario.from_dict({"name": "Sliders", "effort": {"branch_1": {"staff": np.int64(9)}},
                            "approval": {"speed": np.float64(1.25)},
                            "prospects": [{"name": "p", "unit": "branch_2", "sector": "auto_parts",
                                           "stage": "signed", "investment_bn": 1.0,
                                           "entered": pd.Timestamp("2024-01-02")}]}, district, projects)
    assert s.effort == {"branch_1": {"staff": 9.0}} and s.approval_speed == 1.25
    assert s.prospects[0].entered == dt.date(2024, 1, 2)
    with pytest.raises(DataError, match=r"^1 problem.*\nsliders: \[effort.branch_1\] staff: -1 is negative"):
        Scenario.from_dict({"name": "x", "effort": {"branch_1": {"staff": -1}}}, district, source="sliders")


# ------------------------------------------------------------------------------ mistakes
BASE = 'name = "x"\n'


@pytest.mark.parametrize("text, line", [
    # unknown names, with the closest known one
    ('[effort.brnch_4]\nstaff = 3\n',
     "what_if.toml: [effort.brnch_4]: unknown unit; did you mean 'branch_4'?"),
    ('[[projects]]\nid = "P0003"\nlost = true\n',
     "what_if.toml: [[projects]] #1 (P0003) id: no project 'P0003' in the as-of ledger; did you mean 'P003'?"),
    ('nmae = "y"\n', "what_if.toml: nmae: unknown key; did you mean 'name'?"),
    ('[effort.branch_4]\nstaf = 3\n', "what_if.toml: [effort.branch_4] staf: unknown key; did you mean 'staff'?"),
    ('[approval]\nsped = 2\n', "what_if.toml: [approval] sped: unknown key; did you mean 'speed'?"),
    ('[[projects]]\nid = "P003"\nslip_month = 2\n',
     "what_if.toml: [[projects]] #1 (P003) slip_month: unknown key; did you mean 'slip_months'?"),
    ('[sectors.photovoltaic]\nyear_effect = 0.2\n',
     "what_if.toml: [sectors.photovoltaic]: unknown sector; did you mean 'photovoltaics'?"),
    ('[sectors.photovoltaics]\nyear_efect = 0.2\n',
     "what_if.toml: [sectors.photovoltaics] year_efect: unknown key; did you mean 'year_effect'?"),
    ('[[prospects]]\nname = "p"\nunit = "campain_top10"\nsector = "new_energy"\nstage = "lead"\ninvestment_bn = 1\n',
     "what_if.toml: [[prospects]] #1 unit: unknown unit 'campain_top10'; did you mean 'campaign_top10'?"),
    ('[[prospects]]\nname = "p"\nunit = "branch_1"\nsector = "new_energy"\nstage = "negociating"\n'
     'investment_bn = 1\n', "what_if.toml: [[prospects]] #1 stage: 'negociating' is not a stage a prospect can "
                            "enter at; did you mean 'negotiating'?"),
    # wrong types and values
    ('[effort.branch_4]\nstaff = "14"\n',
     "what_if.toml: [effort.branch_4] staff: '14' is text, not a number (remove the quotes)"),
    ('[effort.branch_4]\nstaff = -2\n',
     "what_if.toml: [effort.branch_4] staff: -2 is negative (expected a number ≥ 0)"),
    ('[effort.branch_4]\nvisits = 2.5\n', "what_if.toml: [effort.branch_4] visits: 2.5 is not a whole number"),
    ('[effort.branch_4]\nbudget_m = nan\n', "what_if.toml: [effort.branch_4] budget_m: nan is not a finite number"),
    ('[effort]\nbranch_4 = 14\n', "what_if.toml: [effort.branch_4]: is int, not a table"),
    ('[approval]\nspeed = 0\n', "what_if.toml: [approval] speed: 0 must be above 0"),
    ('[[projects]]\nid = "P003"\nslip_months = 1.5\n',
     "what_if.toml: [[projects]] #1 (P003) slip_months: 1.5 is not a whole number"),
    ('[[projects]]\nid = "P003"\nlost = false\n', "what_if.toml: [[projects]] #1 (P003) lost: False"),
    ('[[projects]]\nid = "P003"\ninvestment_bn = 12000.0\n',
     "what_if.toml: [[projects]] #1 (P003) investment_bn: 12000.0 bn is implausible"),
    ('[projects]\nid = "P003"\n', "what_if.toml: projects: is a table, not a list of tables (expected [[projects]]"),
    ('[[prospects]]\nname = "p"\nunit = "branch_1"\nsector = "new_energy"\nstage = "lead"\ninvestment_bn = 1\n'
     'entered = 2024-05-01\n', "what_if.toml: [[prospects]] #1 entered: 2024-05-01 lies after the as-of date"),
    ('[[prospects]]\nname = "p"\nunit = "branch_1"\nsector = "new_energy"\nstage = "lead"\n',
     "what_if.toml: [[prospects]] #1 investment_bn: missing"),
    ('[sectors.other]\nyear_effect = true\n',
     "what_if.toml: [sectors.other] year_effect: True is true/false, not a number"),
    ('description = 3\n', "what_if.toml: description: 3 is int, not text"),
    # conflicting changes
    ('[[projects]]\nid = "P003"\nlost = true\nslip_months = 2\n',
     "what_if.toml: [[projects]] #1 (P003): conflicting changes: lost = true together with slip_months"),
    ('[[projects]]\nid = "P003"\nslip_months = 2\n[[projects]]\nid = "P003"\nlost = true\n',
     "what_if.toml: [[projects]] #2 (P003) id: project 'P003' is changed again (first in [[projects]] #1)"),
    ('[[projects]]\nid = "P003"\n', "what_if.toml: [[projects]] #1 (P003): changes nothing"),
])
def test_each_mistake_is_named_by_file_section_and_key(read, text, line):
    found = problems(read, BASE + text)
    assert len(found) == 1, found
    assert found[0].startswith(line), found[0]


def test_a_missing_name_is_a_mistake(read):
    assert problems(read, '[approval]\nspeed = 2\n') == ["what_if.toml: name: missing or empty (expected text)"]


def test_a_toml_syntax_error_gives_its_line(read):
    found = problems(read, 'name = "x"\n\n[effort.branch_4\nstaff = 3\n')
    assert len(found) == 1 and found[0].startswith("what_if.toml:3: not valid TOML: Expected ']'")
    assert problems(read, 'name = "x"\nstaff = \n')[0].startswith("what_if.toml:2: not valid TOML: Invalid value")


def test_a_missing_file_is_a_data_error(ledger, tmp_path):
    with pytest.raises(DataError, match="nope.toml: the scenario file does not exist"):
        read_scenario(tmp_path / "nope.toml", ledger[0])


def test_every_mistake_is_reported_at_once(read):
    text = '''\
nmae = "typo"
[effort.brnch_4]
staff = 3
[effort.branch_1]
staff = -1
[approval]
speed = "fast"
[[projects]]
id = "P0003"
lost = true
[[projects]]
id = "P004"
lost = true
slip_months = 2
[[prospects]]
name = "p"
unit = "branch_1"
sector = "solar"
stage = "operating"
investment_bn = 0
[sectors.other]
year_effect = "high"
'''
    found = problems(read, text)
    assert len(found) == 11, "\n".join(found)
    for where in ("nmae", "name", "[effort.brnch_4]", "[effort.branch_1] staff", "[approval] speed",
                  "[[projects]] #1 (P0003) id", "[[projects]] #2 (P004)", "[[prospects]] #1 sector",
                  "[[prospects]] #1 stage", "[[prospects]] #1 investment_bn", "[sectors.other] year_effect"):
        assert any(f.startswith(f"what_if.toml: {where}:") for f in found), where


def test_warnings_for_valid_but_odd_changes(read):
    prospect = ('[[prospects]]\nname = "p"\ninvestor = "Acme Widgets"\nunit = "campaign_top10"\n'
                'sector = "other"\nstage = "lead"\ninvestment_bn = 1.0\n')
    with pytest.warns(ScenarioWarning, match="'Acme Widgets' is not on the leading_companies list"):
        read(BASE + prospect)
    with pytest.warns(ScenarioWarning, match="'P006' is already operating"):
        read(BASE + '[[projects]]\nid = "P006"\nslip_months = 2\n')
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read(FULL)  # a leading company in the campaign, open projects: no warning


# ------------------------------------------------------------------------------ writing
def test_round_trip_through_toml(read, ledger, tmp_path):
    s = read(FULL)
    text = scenario_to_toml(s)
    assert read(text) == s
    assert Scenario.from_dict(s.to_dict(), ledger[0], ledger[1]) == s


_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20).filter(str.strip)
_amount = st.floats(0.1, 999, allow_nan=False)


@st.composite
def scenarios(draw) -> dict:
    data = {"name": draw(_text)}
    if draw(st.booleans()):
        data["description"] = draw(_text)
    units = draw(st.lists(st.sampled_from(list(UNITS)), unique=True, max_size=3))
    if units:
        data["effort"] = {u: draw(st.fixed_dictionaries({}, optional={
            "staff": st.floats(0, 60, allow_nan=False), "visits": st.integers(0, 500),
            "budget_m": st.floats(0, 50, allow_nan=False)}).filter(bool)) for u in units}
    if draw(st.booleans()):
        data["approval"] = {"speed": draw(st.floats(0.01, 5))}
    open_projects = ["P001", "P002", "P003", "P004", "P005", "P008", "P009"]
    pids = draw(st.lists(st.sampled_from(open_projects), unique=True, max_size=3))
    data["projects"] = [draw(st.one_of(
        st.just({"id": p, "lost": True}),
        st.fixed_dictionaries({"id": st.just(p)}, optional={"slip_months": st.integers(-12, 24),
                                                            "investment_bn": _amount}).filter(lambda t: len(t) > 1)))
        for p in pids]
    data["prospects"] = draw(st.lists(st.fixed_dictionaries(
        {"name": _text, "unit": st.sampled_from([u for u in UNITS if u != "campaign_top10"]),
         "sector": st.sampled_from(SECTORS), "stage": st.sampled_from(["lead", "negotiating", "signed", "approved"]),
         "investment_bn": _amount},
        optional={"investor": _text, "phase": st.integers(1, 4),
                  "entered": st.dates(dt.date(2015, 1, 1), dt.date(2024, 3, 31))}), max_size=2))
    sectors = draw(st.lists(st.sampled_from(SECTORS), unique=True, max_size=2))
    data["sectors"] = {s: {"year_effect": draw(st.floats(-2, 2))} for s in sectors}
    return data


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=scenarios())
def test_any_valid_scenario_survives_the_round_trip(ledger, tmp_path, data):
    district, projects = ledger
    s = Scenario.from_dict(data, district, projects)
    path = tmp_path / "round_trip.toml"
    path.write_text(scenario_to_toml(s), encoding="utf-8")
    back = read_scenario(path, district, projects)
    assert back == s
    assert all(math.isfinite(v) for change in back.effort.values() for v in change.values())
