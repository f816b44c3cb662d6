"""The chart style: names shortened at word boundaries, twelve distinct series colours."""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.colors import to_rgb

from forecasting.report import charts, style

matplotlib.use("Agg")


def test_names_are_shortened_at_word_boundaries():
    name = "Hongbang Industrial Co., Ltd. Industrial project (phase 2)"
    short = style.shorten(name, 38)
    assert short == "Hongbang Industrial Co., Ltd. …"
    assert "Industri" not in short.replace("Industrial", "")  # never a word cut mid-way
    assert style.shorten("Lingxin battery cell plant", 38) == "Lingxin battery cell plant"
    assert style.shorten("海陵区新能源电池储能产业园二期项目", 8) == "海陵区新能源电…"
    assert style.shorten("Supercalifragilisticexpialidocious", 10) == "Supercali…"
    table = pd.DataFrame({"name": [name, "Lingxin battery cell plant"], "investment_bn": [3.0, 2.5],
                          "p_signed": [0.4, 0.7]})
    style.use_style("en")
    ax = charts.plot_watchlist(table, "p_signed")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Lingxin battery cell plant · 2.5 bn", "Hongbang Industrial Co., Ltd. Industrial … · 3.0 bn"]
    style.use_style("zh")
    ax = charts.plot_watchlist(table, "p_signed")
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "Lingxin battery cell plant · 25亿元"
    plt.close("all")
    style.use_style("en")  # leave the language as the other tests expect it


def test_twelve_series_keep_distinct_colours():
    colours = [to_rgb(style.series_color(i)) for i in range(12)]
    assert len(set(colours)) == 12
    # no two closer than a visible step (Euclidean in RGB)
    closest = min(sum((a - b) ** 2 for a, b in zip(c1, c2)) ** 0.5
                  for i, c1 in enumerate(colours) for c2 in colours[i + 1:])
    assert closest > 0.15
    assert style.series_color(0) == style.series_color(12)


def test_a_chinese_chart_in_bold_logs_no_font_fallback(caplog):
    # "findfont: Failed to find font weight bold for Noto Sans CJK SC, now using 400." was
    # printed under every bold-titled chart of a Chinese report
    import logging

    import matplotlib.pyplot as plt

    from forecasting.report import style

    style.use_style("zh")
    try:
        with caplog.at_level(logging.INFO):  # the root: matplotlib's own logger keeps its level
            fig, ax = plt.subplots()
            fig.suptitle("加粗标题 bold", fontweight="bold")
            ax.text(0.5, 0.5, "百分比", fontweight="bold")
            fig.canvas.draw()
            plt.close(fig)
        assert not [r for r in caplog.records if "findfont" in r.getMessage()]
    finally:
        style.use_style("en")
