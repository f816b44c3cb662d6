"""The live what-if's widgets show the engine's numbers: every control drives its lever
(driven programmatically; ``test_browser_explorer.py`` drives a real JupyterLab).
"""
from __future__ import annotations

import warnings

import pandas as pd
import pytest

from forecasting.simulation.adjustments import Adjustments
from forecasting.texts import entries, text

from .test_explorer_engine import PROSPECT


@pytest.fixture()
def view(ex):
    from forecasting.report.explorer import ExplorerView

    return ExplorerView(ex, language="en")


def test_a_staffing_slider_shows_the_objective_of_a_direct_run_with_the_same_seed(outcome_forecaster, ex, view):
    unit = "branch_4"
    before = view.shown_value
    assert before == ex.objective.value(ex.baseline)
    view.staff[unit].value = view.today[unit] + 6
    sim = outcome_forecaster.simulator(ex.year, n_draws=ex.n_draws, rng=ex.seed).run(
        {unit: {"staff": float(view.today[unit] + 6)}}, monthly=False)
    assert view.shown_value == ex.objective.value(sim)  # exact: the same simulated years (CRN)
    assert view.shown_value[0] != before[0]
    label = view.shown.index[0]
    shown = view.shown.loc[label, text("explorer.col_chosen", language="en")]
    value = ex.objective.value(sim)[0]
    assert shown == (f"{value:.1%}" if ex.objective.is_probability else f"{value:.2f}")
    # each target's count range is the direct run's p10-p90 and p_meet
    t = sim.targets().set_index("target")
    row = view.shown.iloc[1]
    name = sim.names[0]
    assert row[text("explorer.col_chosen", language="en")] == \
        f"{int(t.loc[name, 'p10'])}–{int(t.loc[name, 'p90'])} · {t.loc[name, 'p_meet']:.0%}"
    assert "2000 simulated years" in view.status.value


def test_every_control_drives_its_lever(outcome_forecaster, ex, ex_big, view, ex_direct):
    pid = ex_big[0]
    view.project.value = pid
    assert view.shown_value == ex.objective.value(ex.baseline)  # picking a project changes nothing
    view.slip.value = 4
    assert view.shown_value == ex.objective.value(ex_direct(Adjustments(slip_months={pid: 4})))
    view.lost.value = True
    view.slip.value = 0
    assert view.shown_value == ex.objective.value(ex_direct(Adjustments(lost=frozenset([pid]))))
    view.lost.value = False
    view.project.value = ex_big[1]
    assert (view.slip.value, view.lost.value) == (0, False)
    view.p_unit.value, view.p_sector.value, view.p_stage.value, view.p_amount.value = (
        PROSPECT["unit"], PROSPECT["sector"], PROSPECT["stage"], PROSPECT["investment_bn"])
    view.p_add.click()
    assert view.shown_value == ex.objective.value(ex_direct(Adjustments(prospects=pd.DataFrame(
        [{**PROSPECT, "name": "prospect 1"}]))))
    assert "prospect 1" in view.p_list.value
    view.p_clear.click()
    view.sector.value = "photovoltaics"
    view.sector_effect.value = 0.5
    assert view.shown_value == ex.objective.value(ex_direct(Adjustments(sector_effect={"photovoltaics": 0.5})))
    view.sector.value = "new_energy"
    assert view.sector_effect.value == 0.0  # each sector keeps its own year
    view.sector.value = "photovoltaics"
    assert view.sector_effect.value == 0.5
    view.sector_effect.value = 0.0
    view.speed.value = 1.25
    assert view.shown_value == ex.objective.value(ex_direct(Adjustments(approval_speed=1.25)))
    assert [v for _, v in view.speed.options] == [1.0, 1.25]  # the precomputed grid only


def test_a_failing_choice_shows_a_sentence_not_a_traceback(view):
    shown = view.shown_value
    view.levers.slip_months["NOPE"] = 3
    view.refresh()
    assert "cannot be simulated" in view.status.value and "NOPE" in view.status.value
    assert view.shown_value == shown


def test_chinese_labels_come_from_the_district_and_the_catalogue(ex):
    from forecasting.report.explorer import ExplorerView

    v = ExplorerView(ex, language="zh")
    district = ex.results.history.district
    for u, slider in v.staff.items():
        assert slider.description == district.unit_label(u, "zh")
    assert dict(v.sector.options)[district.sector_label("photovoltaics", "zh")] == "photovoltaics"
    assert list(v.shown.columns) == [text(f"explorer.col_{c}", language="zh") for c in ("today", "chosen", "change")]
    assert "模拟年份" in v.status.value


def test_every_explorer_text_has_chinese_and_english():
    for name, entry in entries("explorer").items():
        assert entry["en"].strip() and entry["zh"].strip(), name
        assert any("\u4e00" <= ch <= "\u9fff" for ch in entry["zh"]), f"{name}: zh has no Chinese"


def test_the_old_staffing_explorer_is_the_explorer_on_the_objectives_simulated_years(outcome_forecaster, ex):
    from forecasting.report.explorer import staffing_explorer
    from forecasting.whatif.levers import StaffObjective

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        simulator = outcome_forecaster.simulator(ex.year, n_draws=ex.n_draws, rng=ex.seed)
        box = staffing_explorer(StaffObjective(simulator), precompute="none")
    assert "forecasting-explorer" in box.get_state()["_dom_classes"]  # the classes the browser is sent
    table = box.children[1].children[1].value  # the shown table: today's plans twice, no change yet
    assert ex.summary(ex.baseline, "en").to_html(classes="forecasting-explorer-table", index_names=False) == table
