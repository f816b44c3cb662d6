"""Charts show the district's labels, never its ids, shortened at word boundaries (issue 15, build 3).

The district is the small hand-written folder with distinctive labels for every unit and
sector (``conftest.label_district``: ``Zephyr …`` / ``泽…``), so a chart or table showing an
id cannot pass.
"""
from __future__ import annotations

import re

import matplotlib
import matplotlib.pyplot as plt
import pytest

from conftest import DISTRICT_IDS as IDS
from forecasting.report import charts, overview, style

matplotlib.use("Agg")


def _text_of(ax) -> str:
    return " ".join([ax.get_title(loc="left"), *(t.get_text() for t in ax.get_yticklabels()),
                     *(t.get_text() for t in ax.get_legend().get_texts())] if ax.get_legend() else
                    [ax.get_title(loc="left"), *(t.get_text() for t in ax.get_yticklabels())])


@pytest.mark.parametrize("language", ["en", "zh"])
def test_charts_show_the_districts_labels(labelled_history, language):
    style.use_style(language)
    ax = charts.plot_mix(overview.mix(labelled_history, "unit"))
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks and not IDS.search(_text_of(ax)), ticks
    if language == "en":
        assert all(t.startswith("Zephyr unit") for t in ticks), ticks
        assert all(len(t) <= charts.NAME_WIDTH for t in ticks)  # long labels shortened ...
        full = {labelled_history.district.unit_label(u) for u in labelled_history.district.unit_ids}
        assert all(t in full or (t.endswith("…") and any(f.startswith(t[:-1].rstrip()) for f in full))
                   for t in ticks)  # ... at a word boundary, never mid-word
    else:
        assert all(re.fullmatch(r"泽\d号招商局", t) for t in ticks), ticks
    ax = charts.plot_mix(overview.mix(labelled_history, "sector"))
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert all(t.startswith("Zephyr sector" if language == "en" else "泽产业") for t in ticks), ticks
    plt.close("all")


def test_attention_labels_cut_names_between_words():
    # a project's name is cut at a word boundary ("… Solar …"), never mid-word ("… Sola")
    import pandas as pd

    style.use_style("en")
    table = pd.DataFrame({"project_id": ["HL1", "HL2"], "name": ["Yuanxiang Solar Co., Ltd. Solar project", "Short"],
                          "investment_bn": [0.8, 0.6], "stage": ["approved", "signed"],
                          "counts_for_groundbreakings": [True, False], "gain_counted": [0.07, 0.05],
                          "gain_counted_se": [0.001, 0.001]})
    fig = charts.plot_attention(table, year=2024)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    long = next(x for x in labels if x.startswith("HL1"))
    assert "Sola " not in long and "Sola(" not in long
    assert long.startswith("HL1 · Yuanxiang Solar Co., Ltd. …") and "(0.8 bn, Approved)" in long
    assert any(x.startswith("HL2 · Short (0.6 bn, Signed) · ") for x in labels)  # below the size: marked
    plt.close("all")


def test_the_flow_of_one_snapshot_names_its_quarter_and_keeps_the_legend_off_the_dots():
    import pandas as pd

    style.use_style("en")
    one = pd.DataFrame({"new_leads": [83], "signed": [22], "groundbreakings": [4]}, index=["2024Q1"])
    ax = charts.plot_flow(one)
    assert [x.get_text() for x in ax.get_xticklabels()] == ["2024Q1"] and ax.get_xlabel() == "Quarter"
    assert ax.get_ylim()[0] == 0
    legend = ax.get_legend()
    assert legend.get_bbox_to_anchor().y1 < ax.bbox.y0 + 1  # below the axes, not over the top dot
    long = pd.DataFrame({"new_leads": range(12), "signed": range(12), "groundbreakings": range(12)},
                        index=[f"{y}Q{q}" for y in (2021, 2022, 2023) for q in range(1, 5)])
    ax = charts.plot_flow(long)
    assert [x.get_text() for x in ax.get_xticklabels()] == ["2021", "2022", "2023"] and ax.get_xlabel() == "Year"
    plt.close("all")


def test_the_reliability_legend_sits_in_the_corner_calibrated_curves_leave_empty():
    import numpy as np
    import pandas as pd

    style.use_style("en")
    # generator B's groundbreaking panel: the spreadsheet rises steeply (0.30 → 0.45 forecast,
    # 0.28 → 0.84 observed) right where an upper-left legend's text stood
    curves = {"Stage-weighted spreadsheet": ([0.02, 0.25, 0.3, 0.45, 0.96], [0.05, 0.39, 0.28, 0.84, 1.0]),
              "Forecast model": ([0.02, 0.15, 0.33, 0.43, 0.56, 0.66, 0.74, 0.85, 0.96],
                                 [0.03, 0.2, 0.37, 0.2, 0.5, 0.82, 0.72, 0.95, 1.0])}
    fig, (_, ax) = plt.subplots(1, 2, figsize=style.SLIDE)  # a panel, as notebook 05 draws it
    for label, (x, y) in curves.items():
        table = pd.DataFrame({"mean_p": x, "observed": y, "obs_lo": y, "obs_hi": y})
        charts.plot_reliability(table, ax=ax, label=label)
    fig.canvas.draw()
    box = ax.get_legend().get_window_extent().transformed(ax.transData.inverted())
    for x, y in curves.values():
        xs = np.linspace(min(x), max(x), 400)
        ys = np.interp(xs, x, y)
        assert not np.any((xs >= box.x0) & (xs <= box.x1) & (ys >= box.y0) & (ys <= box.y1))
    plt.close("all")


def test_titles_count_one_project_and_one_target_in_the_singular():
    # "1 open projects in the pipeline", "0 of 1 targets already met"
    import pandas as pd

    style.use_style("en")
    funnel = charts.plot_funnel(pd.Series({"lead": 1, "operating": 3, "lost": 2}))
    assert funnel.get_title(loc="left") == "1 open project in the pipeline"
    progress = pd.DataFrame({"so_far": [3], "goal": [20]}, index=["groundbreakings"])
    assert charts.plot_progress(progress, year=2024).get_title(loc="left") == "2024 so far: 0 of 1 target already met"
    plt.close("all")
