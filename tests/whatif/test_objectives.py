"""The objective type: each form equals its direct computation from the simulated counts."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.whatif.objectives import Objective, default_objective, parse_objective


class _Targets:
    def __init__(self, goals):
        self.goals = goals
        self.names = list(goals)


class _District:
    def __init__(self, goals):
        self._t = _Targets(goals)

    def targets_for(self, year):
        return self._t


class _History:
    def __init__(self, goals):
        self.district = _District(goals)


class _Sim:
    """The parts of a PortfolioSimulation an objective reads."""

    def __init__(self, counts: pd.DataFrame, goals, clusters=None):
        self.counts, self.history, self.year = counts, _History(goals), 2024
        self.clusters, self.template_sets = clusters, None

    @property
    def names(self):
        return list(self.counts.columns)


@pytest.fixture
def sim():
    rng = np.random.default_rng(3)
    n = 4000
    counts = pd.DataFrame({"groundbreakings": rng.poisson(12, n), "tier_5bn": rng.poisson(1.5, n)})
    return _Sim(counts, {"groundbreakings": 20, "tier_5bn": 2}, clusters=np.repeat(np.arange(200), n // 200))


def test_each_form_matches_its_direct_computation(sim):
    g, t5 = sim.counts["groundbreakings"].to_numpy(), sim.counts["tier_5bn"].to_numpy()
    assert parse_objective("all").value(sim)[0] == pytest.approx(np.mean((g >= 20) & (t5 >= 2)))
    assert parse_objective("p_meet:tier_5bn").value(sim)[0] == pytest.approx(np.mean(t5 >= 2))
    assert parse_objective("count:groundbreakings").value(sim)[0] == pytest.approx(g.mean())
    assert parse_objective("at_least:groundbreakings:14").value(sim)[0] == pytest.approx(np.mean(g >= 14))
    short = np.maximum(20 - g, 0) + 3 * np.maximum(2 - t5, 0)
    assert parse_objective("shortfall", {"tier_5bn": 3}).value(sim)[0] == pytest.approx(short.mean())


def test_gain_is_signed_so_that_positive_is_better(sim):
    better = _Sim(sim.counts + 1, {"groundbreakings": 20, "tier_5bn": 2}, sim.clusters)
    for text in ("all", "shortfall", "count:groundbreakings"):
        gain, se = parse_objective(text).gain(better, sim)
        assert gain > 0 and se >= 0
    assert parse_objective("count:groundbreakings").gain(better, sim) == pytest.approx((1.0, 0.0))


def test_spellings_round_trip_and_bad_ones_say_what_is_allowed():
    for text in ("all", "p_meet:groundbreakings", "count:tier_5bn", "shortfall", "at_least:groundbreakings:15"):
        assert parse_objective(text).key == text
    with pytest.raises(ValueError, match="at_least:TARGET:K"):
        parse_objective("most")
    with pytest.raises(ValueError, match="one target"):
        Objective("expected_count", "all")


def test_default_switches_to_the_shortfall_when_all_targets_are_out_of_reach(sim):
    assert default_objective(sim)[0].kind == "expected_shortfall"
    easy = _Sim(sim.counts, {"groundbreakings": 5, "tier_5bn": 0}, sim.clusters)
    assert default_objective(easy)[0] == Objective("p_meet", "all")


# ---------------------------------------------------------------------------- naming the objective
@pytest.mark.parametrize("objective, en, zh", [
    ("all", "P(all targets met)", "全部目标完成概率"),
    (None, "P(all targets met)", "全部目标完成概率"),
    ("shortfall", "expected shortfall against the goals", "距目标的预期缺口"),
    ("p_meet:tier_5bn", "P(5 bn signings met)", "50亿级签约项目完成概率"),
    ("count:groundbreakings", "expected groundbreakings", "开工项目预期数量"),
    ("at_least:groundbreakings:15", "P(groundbreakings ≥ 15)", "开工项目不少于15个的概率"),
    ("counted", "the expected number of events that count toward the targets (groundbreakings that count, "
                "tier signings)", "计入目标的预期事件数（计入的开工项目、达到档位的签约项目）"),
    ("a label of my own", "a label of my own", "a label of my own"),
])
def test_objective_label_names_every_form_and_key_in_both_languages(objective, en, zh):
    from forecasting.whatif.objectives import objective_label

    assert objective_label(objective, "en") == en and objective_label(objective, language="zh") == zh
    if objective not in (None, "counted", "a label of my own"):  # an Objective reads as its key does
        assert objective_label(parse_objective(objective), "en") == en


def test_objective_label_follows_the_report_language_by_default():
    from forecasting.texts import language, set_language
    from forecasting.whatif.objectives import objective_label

    before = language()
    try:
        set_language("zh")
        assert objective_label("shortfall") == "距目标的预期缺口"
        set_language("en")
        assert objective_label("shortfall") == "expected shortfall against the goals"
    finally:
        set_language(before)


def test_the_levers_the_explorer_and_the_brief_name_objectives_alike():
    from forecasting.report import brief, explorer
    from forecasting.whatif import levers, objectives

    assert brief.objective_label is explorer.objective_label is levers.objective_label is objectives.objective_label
