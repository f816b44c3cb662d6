"""The synthetic district's truth: its parameters, and the illustrative district with DOMAIN.md's 2024 goals."""
from __future__ import annotations

import dataclasses

import pytest

from forecasting.synthetic.params import (
    BRANCH_SECTOR,
    FOCUS_SECTORS,
    LOST_CODE,
    OPEN_STAGES,
    SECTOR_LABELS,
    SECTORS,
    UNITS,
    bundled_district,
    default_params,
    with_params,
)


def test_every_open_stage_has_a_hazard_and_every_unit_an_inflow():
    p = default_params()
    assert tuple(p.hazards) == OPEN_STAGES == ("lead", "negotiating", "signed", "approved", "under_construction")
    assert LOST_CODE == 6
    assert set(p.inflow_base) == set(p.inflow_elasticity) == {u.id for u in UNITS}
    assert all(len(h.season) == 12 for h in p.hazards.values())
    assert set(p.sector_effect) == set(SECTORS) and set(SECTOR_LABELS) == set(SECTORS)


def test_branches_source_the_focus_sectors():
    assert set(BRANCH_SECTOR.values()) == FOCUS_SECTORS and "other" not in FOCUS_SECTORS
    assert sorted(BRANCH_SECTOR) == [f"branch_{i}" for i in range(1, 6)]


def test_with_params_changes_only_what_it_names():
    p = default_params()
    q = with_params(p, year_sd=0.0, frailty_sd=0.1)
    assert (q.year_sd, q.frailty_sd) == (0.0, 0.1)
    assert dataclasses.replace(q, year_sd=p.year_sd, frailty_sd=p.frailty_sd) == p
    with pytest.raises(TypeError):
        with_params(p, no_such_field=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.year_sd = 1.0


def test_the_bundled_district_carries_the_2024_goals_of_domain_md():
    d = bundled_district()
    assert len(d.units) == 9 and {u.type for u in d.units} == {"branch", "center", "campaign"}
    assert all(u.label_zh for u in d.units) and len(d.leading_companies) == 10
    t = d.targets_for(2024)
    assert t.goals == {"groundbreakings": 20, "tier_10bn": 1, "tier_5bn": 2, "provincial_major": 3}
    assert t.groundbreakings_min_bn == 0.5 and t.tiers[1].max_bn == 10.0  # 5 bn is a band: 5–10 bn
    assert sorted(d.targets) == list(range(2019, 2027))
