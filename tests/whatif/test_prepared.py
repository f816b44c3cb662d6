"""The prepared what-ifs: examples built from the district in hand, and the table of their changes per year."""
from __future__ import annotations

import numpy as np
import pandas as pd

from conftest import BUNDLED
from forecasting.simulation.portfolio import compare
from forecasting.whatif.prepared import district_scenarios, prepared_scenarios, scenario_changes
from forecasting.whatif.scenario import Scenario


def test_district_scenarios_use_the_districts_own_units_and_projects(bundled_history):
    h = bundled_history
    staff, approval, slip = district_scenarios(h)
    P = h.latest
    leads = P[P["stage"].isin(["lead", "negotiating"])]["unit"].value_counts()
    (unit, change), = staff.effort.items()
    assert unit == leads.index[0]  # the unit with the most open leads (staffed in the bundled district)
    eff = h.effort[h.effort["quarter"] == h.as_of].set_index("unit")
    assert change == {"staff": float(eff.loc[unit, "staff"]) + 2}
    assert approval.approval_speed == 1.5 and not approval.effort
    open_ = P[P["stage"].isin(["lead", "negotiating", "signed", "approved"])]
    biggest = open_.sort_values(["investment_bn", "project_id"], ascending=[False, True]).iloc[0]
    assert dict(slip.slip_months) == {str(biggest["project_id"]): 3}


def test_the_bundled_scenario_files_all_fit_the_bundled_district(bundled_history):
    scenarios, notes = prepared_scenarios(bundled_history, BUNDLED.parent / "notebooks" / "scenarios")
    files = sorted((BUNDLED.parent / "notebooks" / "scenarios").glob("*.toml"))
    assert notes == [] and len(scenarios) == len(files) > 0
    assert all(not sc.is_baseline for sc in scenarios)


def test_scenario_changes_are_each_scenario_beside_the_base_with_common_draws(fitted_2023q2, bundled_history):
    base = {y: fitted_2023q2.simulator(y, n_draws=300, rng=5) for y in (2023, 2024)}
    today = Scenario("Today's plans")
    faster = Scenario.from_dict({"name": "Faster", "approval": {"speed": 2.0}}, bundled_history.district)
    table = scenario_changes(base, [today, faster])
    assert list(table.index) == [("Today's plans", 2023), ("Today's plans", 2024), ("Faster", 2023), ("Faster", 2024)]
    assert "all" in table.columns
    # a scenario changing nothing changes nothing: the same draws on both sides
    assert np.all(table.loc["Today's plans"].to_numpy() == 0)
    # each row is compare() of that year's simulation with the scenario's
    alt = fitted_2023q2.simulator(2024, n_draws=300, rng=5, adjustments=faster.adjustments()).run()
    direct = compare(base[2024].run(), alt).set_index("target")["change_p_meet"]
    pd.testing.assert_series_equal(table.loc[("Faster", 2024)], direct.rename(("Faster", 2024)),
                                   check_names=False, check_index_type=False)
    # faster approvals never lower the chance of groundbreakings
    assert (table.xs("Faster")["groundbreakings"] >= 0).all()


def test_examples_and_notes_speak_the_reports_language(bundled_history, tmp_path):
    # a Chinese report's scenario table said "Two more staff for …", "The biggest open project slips 3 months"
    (tmp_path / "other.toml").write_text('name = "Other"\n[effort.nobody_here]\nstaff = 3\n', encoding="utf-8")
    en, notes_en = prepared_scenarios(bundled_history, tmp_path, language="en")
    zh, notes_zh = prepared_scenarios(bundled_history, tmp_path, language="zh")
    label = bundled_history.district.unit_label(next(iter(zh[0].effort)), "zh")
    assert [s.name for s in zh] == [f"{label}增加两名人员", "加快审批流程", "最大的在推项目推迟3个月"]
    assert en[1].name == "A faster approval process" and en[0].name.startswith("Two more staff for ")
    assert notes_en[0].startswith("other.toml does not fit this district and is left out (")
    assert notes_zh[0].startswith("other.toml与本区县不符，未予采用（") and notes_zh[1].startswith("改用：")


def test_a_chinese_report_names_the_prepared_scenarios_in_chinese(fitted_2023q2, bundled_history):
    # the Chinese notebook 04's table of prepared scenarios showed "A faster approval process", …
    scenarios, _ = prepared_scenarios(bundled_history, BUNDLED.parent / "notebooks" / "scenarios")
    base = {2023: fitted_2023q2.simulator(2023, n_draws=50, rng=5)}
    zh = scenario_changes(base, scenarios, language="zh").index.get_level_values("scenario").tolist()
    assert zh == ["加快审批流程", "人员向光伏和智能电网倾斜", "十大龙头企业专项招商人员加倍"]
    en = scenario_changes(base, scenarios[:1], language="en").index.get_level_values("scenario").tolist()
    assert en == ["A faster approval process"]
