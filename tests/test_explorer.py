"""The live what-if: every lever's fast path gives a new simulator's numbers, and the widgets
show them (driven programmatically; the browser test drives a real JupyterLab).

Exactness: every lever is checked for *identical* simulated counts against a
:class:`PortfolioSimulator` built with the same adjustments and seed. For staff, projects,
prospects and the approval speed that is exact by construction (the same arithmetic on the
same rows and uniforms); for a sector's year the arrival cells are summed in another order
(equal to rounding, 1e-15), so a difference could only come from a uniform within 1e-15 of
a threshold: none happens here, and the counts are compared exactly.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from forecasting.whatif.objectives import Objective
from forecasting.simulation.outcomes import OutcomeModel
from forecasting.simulation.portfolio import Adjustments, PortfolioSimulator
from forecasting.texts import entries, text

AS_OF, YEAR, N, SEED = "2023Q2", 2024, 2000, 3


@pytest.fixture(scope="module")
def fitted(bundled_history):
    return OutcomeModel(n_param_draws=8).fit(bundled_history.upto(AS_OF))


@pytest.fixture(scope="module")
def ex(fitted):
    from forecasting.report.explorer import Explorer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Explorer(fitted, YEAR, n_draws=N, rng=SEED, approval_grid=(1.25,), sector_grid=(0.5,),
                        precompute="none")


@pytest.fixture(scope="module")
def big(fitted):
    P = fitted.history.projects.set_index("project_id").loc[fitted.state["project_id"]]
    return P["investment_bn"].nlargest(2).index.tolist()


def direct(fitted, adj: Adjustments):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return PortfolioSimulator(fitted, YEAR, n_draws=N, rng=SEED, adjustments=adj).run(monthly=False)


PROSPECT = {"name": "Battery phase II", "unit": "branch_4", "sector": "photovoltaics", "stage": "negotiating",
            "investment_bn": 8.0}


def lever_cases(big):
    two = pd.DataFrame([PROSPECT, {**PROSPECT, "unit": "campaign_top10", "sector": "new_energy", "stage": "signed",
                                   "investment_bn": 12.0}])
    return {
        "staff": Adjustments(effort={"branch_4": {"staff": 14.0}, "center_nanjing": {"staff": 1.0}}),
        "approval speed on the grid": Adjustments(approval_speed=1.25),
        "approval speed off the grid": Adjustments(approval_speed=0.7),
        "slip": Adjustments(slip_months={big[0]: 4}),
        "sooner": Adjustments(slip_months={big[1]: -3}),
        "lost": Adjustments(lost=frozenset([big[0]])),
        "resize": Adjustments(resize={big[1]: 20.0}),
        "one prospect": Adjustments(prospects=pd.DataFrame([PROSPECT])),
        "two prospects": Adjustments(prospects=two),
        "a sector's good year": Adjustments(sector_effect={"photovoltaics": 0.5}),
        "two sectors' years": Adjustments(sector_effect={"new_energy": -0.4, "smart_grid": 0.3}),
        "everything at once": Adjustments(effort={"branch_4": {"staff": 14.0}}, approval_speed=1.25,
                                          slip_months={big[0]: -3}, lost=frozenset([big[1]]),
                                          prospects=pd.DataFrame([PROSPECT]), sector_effect={"new_energy": -0.4}),
    }


@pytest.mark.parametrize("lever", ["staff", "approval speed on the grid", "approval speed off the grid", "slip",
                                   "sooner", "lost", "resize", "one prospect", "two prospects",
                                   "a sector's good year", "two sectors' years", "everything at once"])
def test_each_levers_fast_path_gives_a_new_simulators_counts(fitted, ex, big, lever):
    adj = lever_cases(big)[lever]
    fast, slow = ex.simulate(adj), direct(fitted, adj)
    np.testing.assert_array_equal(fast.counts.to_numpy(), slow.counts.to_numpy())
    pd.testing.assert_frame_equal(fast.targets(), slow.targets())
    # and the lever does something (a test of equality between two no-ops proves nothing)
    assert not np.array_equal(fast.counts.to_numpy(), ex.baseline.counts.to_numpy())


def test_the_baseline_and_repeated_answers_are_the_simulators_own(fitted, ex, big):
    np.testing.assert_array_equal(ex.simulate().counts.to_numpy(), direct(fitted, Adjustments()).counts.to_numpy())
    adj = Adjustments(slip_months={big[0]: 4}, sector_effect={"photovoltaics": 0.5})
    np.testing.assert_array_equal(ex.simulate(adj).counts.to_numpy(), ex.simulate(adj).counts.to_numpy())
    # a change, then back: today's plans again (nothing leaks from one answer into the next)
    np.testing.assert_array_equal(ex.simulate().counts.to_numpy(), ex.baseline.counts.to_numpy())


def test_bad_levers_are_sentences(fitted, ex):
    from forecasting.report.explorer import Explorer

    with pytest.raises(ValueError, match="not an open project of the ledger: NOPE"):
        ex.simulate(Adjustments(slip_months={"NOPE": 3}))
    with pytest.raises(ValueError, match="not a sector of the district: mining"):
        ex.simulate(Adjustments(sector_effect={"mining": 0.3}))
    with pytest.raises(ValueError, match="integer seed"):
        Explorer(fitted, YEAR, n_draws=N, rng=np.random.default_rng(0))


@pytest.fixture()
def view(ex):
    from forecasting.report.explorer import ExplorerView

    return ExplorerView(ex, language="en")


def test_a_staffing_slider_shows_the_objective_of_a_direct_run_with_the_same_seed(fitted, ex, view):
    unit = "branch_4"
    before = view.shown_value
    assert before == ex.objective.value(ex.baseline)
    view.staff[unit].value = view.today[unit] + 6
    sim = PortfolioSimulator(fitted, YEAR, n_draws=N, rng=SEED).run({unit: {"staff": float(view.today[unit] + 6)}},
                                                                  monthly=False)
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


def test_every_control_drives_its_lever(fitted, ex, big, view):
    pid = big[0]
    view.project.value = pid
    assert view.shown_value == ex.objective.value(ex.baseline)  # picking a project changes nothing
    view.slip.value = 4
    assert view.shown_value == ex.objective.value(direct(fitted, Adjustments(slip_months={pid: 4})))
    view.lost.value = True
    view.slip.value = 0
    assert view.shown_value == ex.objective.value(direct(fitted, Adjustments(lost=frozenset([pid]))))
    view.lost.value = False
    view.project.value = big[1]
    assert (view.slip.value, view.lost.value) == (0, False)
    view.p_unit.value, view.p_sector.value, view.p_stage.value, view.p_amount.value = (
        PROSPECT["unit"], PROSPECT["sector"], PROSPECT["stage"], PROSPECT["investment_bn"])
    view.p_add.click()
    assert view.shown_value == ex.objective.value(direct(fitted, Adjustments(prospects=pd.DataFrame(
        [{**PROSPECT, "name": "prospect 1"}]))))
    assert "prospect 1" in view.p_list.value
    view.p_clear.click()
    view.sector.value = "photovoltaics"
    view.sector_effect.value = 0.5
    assert view.shown_value == ex.objective.value(direct(fitted, Adjustments(sector_effect={"photovoltaics": 0.5})))
    view.sector.value = "new_energy"
    assert view.sector_effect.value == 0.0  # each sector keeps its own year
    view.sector.value = "photovoltaics"
    assert view.sector_effect.value == 0.5
    view.sector_effect.value = 0.0
    view.speed.value = 1.25
    assert view.shown_value == ex.objective.value(direct(fitted, Adjustments(approval_speed=1.25)))
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


def test_background_precomputation_and_a_given_objective(fitted):
    from forecasting.report.explorer import Explorer, objective_label

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e = Explorer(fitted, YEAR, n_draws=500, rng=SEED, approval_grid=(0.8,), sector_grid=(-0.25,),
                     precompute="background", objective=Objective("expected_count", "groundbreakings"))
        assert e.wait() > 0
        assert set(e._regimes) == {0.8, 1.0}
        assert {(sp, s, v) for sp, s, v in e._sector_parts} == {(1.0, s, -0.25) for s in fitted.history.district.sectors}
        adj = Adjustments(approval_speed=0.8, sector_effect={"smart_grid": -0.25})
        np.testing.assert_array_equal(
            e.simulate(Adjustments(sector_effect={"smart_grid": -0.25})).counts.to_numpy(),
            PortfolioSimulator(fitted, YEAR, n_draws=500, rng=SEED,
                               adjustments=Adjustments(sector_effect={"smart_grid": -0.25})).run(monthly=False)
            .counts.to_numpy())
        e.simulate(adj)  # off the precomputed combinations: computed when asked, then kept
        assert (0.8, "smart_grid", -0.25) in e._sector_parts
    s = e.summary(e.simulate(Adjustments(effort={"branch_4": {"staff": 14.0}})), "en")
    assert s.index[0] == objective_label(e.objective, "en") == "expected groundbreakings"
    assert objective_label(e.objective, "zh") == "开工项目预期数量"


def test_the_old_staffing_explorer_is_the_explorer_on_the_objectives_simulated_years(fitted, ex):
    from forecasting.report.explorer import staffing_explorer
    from forecasting.whatif.levers import StaffObjective

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        box = staffing_explorer(StaffObjective(PortfolioSimulator(fitted, YEAR, n_draws=N, rng=SEED)),
                                precompute="none")
    assert "forecasting-explorer" in box._dom_classes
    table = box.children[1].children[1].value  # the shown table: today's plans twice, no change yet
    assert ex.summary(ex.baseline, "en").to_html(classes="forecasting-explorer-table", index_names=False) == table
