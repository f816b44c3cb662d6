"""The dashboard's charts: what each draws is the table it was given."""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from forecasting.report import dashboard, style

matplotlib.use("Agg")

TARGETS = pd.DataFrame({"target": ["groundbreakings", "tier_5bn", "all"], "goal": [20.0, 2.0, float("nan")],
                        "so_far": [4.0, 1.0, float("nan")], "p10": [8.0, 0.0, float("nan")],
                        "p50": [11.0, 1.0, float("nan")], "p90": [15.0, 3.0, float("nan")],
                        "p_meet": [0.2, 0.55, 0.11]})


@pytest.fixture(autouse=True)
def english():
    style.use_style("en")
    yield
    plt.close("all")


def test_the_dashboard_draws_one_row_per_target_with_its_chance():
    fig = dashboard.plot_dashboard(TARGETS, year=2024, as_of="2024Q1")
    axes = fig.axes
    assert len(axes) == 2
    for ax, (_, r) in zip(axes, TARGETS.iloc[:2].iterrows()):
        so_far, interval = ax.patches[0], ax.patches[1]
        assert so_far.get_width() == r["so_far"]
        assert interval.get_x() == r["p10"] and interval.get_width() == r["p90"] - r["p10"]
        assert any(line.get_xdata()[0] == r["goal"] for line in ax.lines)  # the goal line
        chance = [t.get_text() for t in ax.texts]
        assert len(chance) == 1 and chance[0].startswith(f"{100 * r['p_meet']:.0f}") and "%" in chance[0]
    assert "2024" in fig.get_suptitle() and "11" in fig.get_suptitle()


def test_the_comparison_draws_both_chances_per_target():
    comparison = pd.DataFrame({"target": ["groundbreakings", "all"], "baseline_p_meet": [0.2, 0.1],
                               "scenario_p_meet": [0.35, 0.12], "change_p_meet": [0.15, 0.02]})
    fig = dashboard.plot_comparison(comparison, title="Faster approvals")
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert heights == [0.2, 0.1, 0.35, 0.12]
    assert [t.get_text() for t in ax.texts] == ["+15 pp", "+2 pp"]
    assert "Faster approvals" in {ax.get_title(loc=loc) for loc in ("left", "center", "right")}


def _curves(objective="shortfall", label="expected shortfall against the goals"):
    rows = []
    for year in (2024, 2025):
        for unit, slope in (("zs_a", -0.01), ("hub_sh", -0.005)):
            for change in (-2, 0, 2):
                rows.append({"year": year, "unit": unit, "change": change, "value": 6 + slope * change,
                             "gain_se": 0.002, "extrapolated": change > 0, "objective": objective,
                             "objective_label": label})
    return pd.DataFrame(rows)


def test_response_names_units_by_their_labels_and_titles_do_not_repeat():
    from types import SimpleNamespace

    labels = {"zs_a": "Team A", "hub_sh": "Shanghai hub"}
    district = SimpleNamespace(unit_label=lambda u, language="en": labels[u])
    fig = dashboard.plot_response(_curves(), district=district)
    legend = [t.get_text() for t in fig.axes[-1].get_legend().get_texts()]
    assert legend == ["Team A", "Shanghai hub"]  # the district's labels, not zs_a / hub_sh
    # one objective in every panel: the chart's title names it, each panel only its year (the long
    # "2024: expected shortfall … (lower is better)" titles ran into each other)
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["2024", "2025"]
    assert "expected shortfall" in fig.get_suptitle().lower()
    # without a district the ids are all there is
    fig = dashboard.plot_response(_curves())
    assert [t.get_text() for t in fig.axes[-1].get_legend().get_texts()] == ["zs_a", "hub_sh"]


def test_response_panels_with_different_objectives_each_say_theirs_wrapped():
    d = _curves()
    d.loc[d["year"] == 2025, ["objective", "objective_label"]] = ["all", "P(all targets met)"]
    fig = dashboard.plot_response(d)
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles[1] == "2025: P(all targets met)"
    assert titles[0].startswith("2024: expected shortfall") and all(len(x) <= 35 for x in titles[0].split("\n"))
