"""Checking scenarios: every kind of mistake named by file, section and key, all at once.

The district and the as-of ledger come from ``conftest.make_valid_folder``: units branch_1..5,
center_beijing/shanghai/nanjing and campaign_top10; projects P001 (lead) … P009 (negotiating),
P006 operating and P007 lost. ``conftest.FULL_SCENARIO`` uses every key.
"""
from __future__ import annotations

import warnings

import pytest

from conftest import FULL_SCENARIO as FULL, scenario_problems
from forecasting.whatif.scenario_check import ScenarioWarning, is_number, kind, suggest


problems = scenario_problems



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
def test_each_mistake_is_named_by_file_section_and_key(read_toml, text, line):
    found = problems(read_toml, BASE + text)
    assert len(found) == 1, found
    assert found[0].startswith(line), found[0]


def test_a_missing_name_is_a_mistake(read_toml):
    assert problems(read_toml, '[approval]\nspeed = 2\n') == ["what_if.toml: name: missing or empty (expected text)"]


def test_every_mistake_is_reported_at_once(read_toml):
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
    found = problems(read_toml, text)
    assert len(found) == 11, "\n".join(found)
    for where in ("nmae", "name", "[effort.brnch_4]", "[effort.branch_1] staff", "[approval] speed",
                  "[[projects]] #1 (P0003) id", "[[projects]] #2 (P004)", "[[prospects]] #1 sector",
                  "[[prospects]] #1 stage", "[[prospects]] #1 investment_bn", "[sectors.other] year_effect"):
        assert any(f.startswith(f"what_if.toml: {where}:") for f in found), where


def test_warnings_for_valid_but_odd_changes(read_toml):
    prospect = ('[[prospects]]\nname = "p"\ninvestor = "Acme Widgets"\nunit = "campaign_top10"\n'
                'sector = "other"\nstage = "lead"\ninvestment_bn = 1.0\n')
    with pytest.warns(ScenarioWarning, match="'Acme Widgets' is not on the leading_companies list"):
        read_toml(BASE + prospect)
    with pytest.warns(ScenarioWarning, match="'P006' is already operating"):
        read_toml(BASE + '[[projects]]\nid = "P006"\nslip_months = 2\n')
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_toml(FULL)  # a leading company in the campaign, open projects: no warning


def test_suggest_names_the_closest_known_name_only():
    assert suggest("brnach_4", ["branch_4", "branch_1x"]) == "; did you mean 'branch_4'?"
    assert suggest("zzz", ["branch_4"]) == ""


@pytest.mark.parametrize("value, said", [(True, "true/false"), ("x", "text"), ({}, "a table"), ([], "a list"),
                                         (1.5, "float")])
def test_kind_names_a_value_in_words(value, said):
    assert kind(value) == said


def test_is_number():
    assert is_number("1.5") and is_number("-3") and not is_number("one")


def test_effort_names_a_unit_by_its_label_as_the_ledger_may(read_toml):
    # on main [effort."Photovoltaics Attraction Branch"] was an "unknown unit"
    s = read_toml(BASE + '[effort."photovoltaics attraction branch"]\nstaff = 14\n')
    assert s.effort == {"branch_4": {"staff": 14.0}}
    found = problems(read_toml, BASE + '[effort."Photovoltaics Attraction Branch"]\nstaff = 14\n'
                                       '[effort.branch_4]\nstaff = 12\n')
    assert found == ["what_if.toml: [effort.branch_4]: is unit branch_4 again (expected one [effort] table per unit)"]


def test_a_unit_label_without_quotes_says_to_quote_it(read_toml):
    found = problems(read_toml, BASE + '[effort.光伏产业招商分局]\nstaff = 14\n')
    assert found == ['what_if.toml:2: not valid TOML: Invalid initial character for a key part (expected a name '
                     'with Chinese characters in quotes: [effort."光伏产业招商分局"])']
