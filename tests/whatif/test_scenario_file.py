"""Scenario files: every key read, syntax errors and missing files, the round trip through TOML.

The district and the as-of ledger come from ``conftest.make_valid_folder``: units branch_1..5,
center_beijing/shanghai/nanjing and campaign_top10; projects P001 (lead) … P009 (negotiating),
P006 operating and P007 lost. ``conftest.FULL_SCENARIO`` uses every key.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import BUNDLED, FULL_SCENARIO as FULL, SECTORS, UNITS, scenario_problems
from forecasting.data.district import read_district
from forecasting.errors import DataError
from forecasting.whatif.scenario import Prospect, Scenario
from forecasting.whatif.scenario_file import read_scenario, scenario_to_toml


problems = scenario_problems


def test_every_key_is_read(read_toml):
    s = read_toml(FULL)
    assert s.name == "Everything at once" and s.description == "Each key the reader understands"
    assert (s.name_zh, s.description_zh) == ("一次全部", "读取器理解的每个键")
    assert (s.display_name("zh"), s.display_name("en")) == ("一次全部", "Everything at once")
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


def test_the_notebook_scenarios_read_against_the_bundled_district():
    district = read_district(BUNDLED / "district.toml")
    folder = Path(__file__).resolve().parents[2] / "notebooks" / "scenarios"
    for path in sorted(folder.glob("*.toml")):
        s = read_scenario(path, district)
        assert s.name and not s.is_baseline
        # a Chinese report named them in English
        assert re.fullmatch(r"[\u4e00-\u9fff0-9]+", s.display_name("zh")), path.name
        assert re.search(r"[\u4e00-\u9fff]", s.description_zh), path.name


def test_a_scenario_without_a_chinese_name_keeps_its_name_in_chinese(read_toml):
    assert read_toml('name = "Only English"\n[approval]\nspeed = 2\n').display_name("zh") == "Only English"
    assert problems(read_toml, 'name = "x"\nname_zh = 3\n[approval]\nspeed = 2\n') == [
        "what_if.toml: name_zh: 3 is int, not text (expected text)"]


def test_a_toml_syntax_error_gives_its_line(read_toml):
    found = problems(read_toml, 'name = "x"\n\n[effort.branch_4\nstaff = 3\n')
    assert len(found) == 1 and found[0].startswith("what_if.toml:3: not valid TOML: Expected ']'")
    assert problems(read_toml, 'name = "x"\nstaff = \n')[0].startswith("what_if.toml:2: not valid TOML: Invalid value")


def test_a_missing_file_is_a_data_error(scenario_ledger, tmp_path):
    with pytest.raises(DataError, match="nope.toml: the scenario file does not exist"):
        read_scenario(tmp_path / "nope.toml", scenario_ledger[0])


# ------------------------------------------------------------------------------ writing
def test_round_trip_through_toml(read_toml, scenario_ledger, tmp_path):
    s = read_toml(FULL)
    text = scenario_to_toml(s)
    assert read_toml(text) == s
    assert Scenario.from_dict(s.to_dict(), scenario_ledger[0], scenario_ledger[1]) == s


_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20).filter(str.strip)
_amount = st.floats(0.1, 999, allow_nan=False)


@st.composite
def scenarios(draw) -> dict:
    data = {"name": draw(_text)}
    if draw(st.booleans()):
        data["description"] = draw(_text)
    if draw(st.booleans()):
        data["name_zh"] = draw(_text)
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
def test_any_valid_scenario_survives_the_round_trip(scenario_ledger, tmp_path, data):
    district, projects = scenario_ledger
    s = Scenario.from_dict(data, district, projects)
    path = tmp_path / "round_trip.toml"
    path.write_text(scenario_to_toml(s), encoding="utf-8")
    back = read_scenario(path, district, projects)
    assert back == s
    assert all(math.isfinite(v) for change in back.effort.values() for v in change.values())
