"""The meeting's outlook charts: the target dashboard, the fan chart, the count distributions.

Same contract as :mod:`~forecasting.report.charts` (tables in, a Matplotlib figure or axes out,
no ``plt.show()``), same style (:func:`~forecasting.report.style.use_style`). Every chart draws
the goal, what is achieved so far and the forecast's uncertainty.
"""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .style import FORECAST_COLOR, GOAL_COLOR, SO_FAR_COLOR, SLIDE, amount, language, shorten, t, target_label

_MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _months() -> list[str]:
    return [f"{m}月" for m in range(1, 13)] if language() == "zh" else _MONTHS_EN


def _pct(p: float) -> str:
    """A probability as a planner reads it: whole percent, never a false 0 % or 100 %."""
    if p <= 0:
        return "0%"
    if p >= 1:
        return "100%"
    v = 100 * p
    if v < 1:
        return "<1%"
    if v > 99:
        return ">99%"
    return f"{v:.0f}%"


def _say(en: str, zh: str) -> str:
    return zh if language() == "zh" else en


def plot_dashboard(targets: pd.DataFrame, *, year: int, as_of: str, title: str | None = None) -> Figure:
    """One row per target: goal, achieved so far, the 80 % forecast interval, P(meet).

    ``targets`` is a ``targets.csv`` table (:meth:`PortfolioSimulation.targets`).
    """
    rows = targets[targets["target"] != "all"].reset_index(drop=True)
    p_all = float(targets.loc[targets["target"] == "all", "p_meet"].iloc[0])
    fig, axes = plt.subplots(len(rows), 1, figsize=SLIDE, squeeze=False)
    for ax, (_, r) in zip(axes[:, 0], rows.iterrows()):
        top = max(float(r["goal"]), float(r["p90"]), float(r["so_far"])) * 1.25 + 1
        ax.barh([0], [r["so_far"]], color=SO_FAR_COLOR, height=0.5, label=t("so_far"))
        ax.barh([0], [r["p90"] - r["p10"]], left=[r["p10"]], color=FORECAST_COLOR, alpha=0.35, height=0.5,
                label=t("forecast_80"))
        ax.plot([r["p50"]], [0], marker="D", color=FORECAST_COLOR, markersize=11, label=t("most_likely"))
        ax.axvline(r["goal"], color=GOAL_COLOR, lw=3, label=t("goal"))
        ax.set_xlim(0, top)
        ax.set_ylim(-0.6, 0.6)
        ax.set_yticks([])
        ax.grid(axis="x", visible=True, alpha=0.3)
        ax.grid(axis="y", visible=False)
        ax.set_title(t("dashboard_row", target=target_label(r["target"]), goal=int(r["goal"]),
                       so_far=int(r["so_far"])), fontsize=17, loc="left")
        ax.text(1.01, 0.5, _pct(float(r["p_meet"])), transform=ax.transAxes, fontsize=26, fontweight="bold",
                va="center", color=FORECAST_COLOR)
        ax.xaxis.get_major_locator().set_params(integer=True)
    axes[0, 0].legend(loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=4, fontsize=13) if len(rows) == 1 else \
        axes[-1, 0].legend(loc="upper center", bbox_to_anchor=(0.5, -0.45), ncol=4, fontsize=13)
    fig.suptitle(title or t("title_dashboard", year=year, as_of=as_of, p=_pct(p_all)),
                 x=0.02, ha="left", fontsize=22, fontweight="bold")
    fig.text(0.985, 0.93, t("p_meet_short"), ha="right", fontsize=15)
    fig.subplots_adjust(left=0.03, right=0.88, top=0.86, bottom=0.14, hspace=0.9)
    return fig


def plot_fan(trajectory: pd.DataFrame, *, year: int, as_of: str, targets: list[str] | None = None) -> Figure:
    """Month by month: the count achieved so far, then the forecast's fan, the goal across it.

    ``trajectory`` is :meth:`PortfolioSimulation.trajectory` (columns target, month, mean,
    p10, p50, p90, goal, actual).
    """
    names = targets or list(pd.unique(trajectory["target"]))
    ncol = 2 if len(names) > 1 else 1
    nrow = math.ceil(len(names) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=SLIDE, squeeze=False)
    for ax, name in zip(axes.ravel(), names):
        d = trajectory[trajectory["target"] == name].sort_values("month")
        m = d["month"].to_numpy()
        seen = d["actual"].notna().to_numpy()
        last = int(m[seen].max()) if seen.any() else 0
        future = m >= last
        fut = d[future | (m == last)]
        if last:
            anchor = float(d.loc[d["month"] == last, "actual"].iloc[0])
            xs = np.r_[last, fut["month"].to_numpy()[fut["month"].to_numpy() > last]]
            lo = np.r_[anchor, fut["p10"].to_numpy()[fut["month"].to_numpy() > last]]
            hi = np.r_[anchor, fut["p90"].to_numpy()[fut["month"].to_numpy() > last]]
            mid = np.r_[anchor, fut["p50"].to_numpy()[fut["month"].to_numpy() > last]]
        else:
            xs, lo, hi, mid = m, d["p10"].to_numpy(), d["p90"].to_numpy(), d["p50"].to_numpy()
        ax.fill_between(xs, lo, hi, color=FORECAST_COLOR, alpha=0.25, step=None,
                        label=t("forecast_80"))
        ax.plot(xs, mid, color=FORECAST_COLOR, lw=2.5, ls="--", label=t("most_likely"))
        if seen.any():
            ax.plot(m[seen], d["actual"].to_numpy()[seen], color=SO_FAR_COLOR, lw=3.5, marker="o", label=t("so_far"))
        goal = float(d["goal"].iloc[0])
        ax.axhline(goal, color=GOAL_COLOR, lw=2.5, label=t("goal"))
        ax.set_xticks(range(1, 13), _months(), fontsize=12)
        ax.set_xlim(1, 12)
        ax.set_ylim(0, max(goal, float(d["p90"].max())) * 1.15 + 0.5)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_title(target_label(name), fontsize=18)
    for ax in axes.ravel()[len(names):]:
        ax.set_visible(False)
    handles, labels = axes.ravel()[0].get_legend_handles_labels()
    fig.suptitle(t("title_fan", year=year, as_of=as_of),
                 x=0.02, ha="left", fontsize=22, fontweight="bold")
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=13)
    return fig


def plot_distributions(counts: pd.DataFrame, goals: dict[str, int], *, year: int) -> Figure:
    """The chance of each possible year-end count, the goal and what meets it marked."""
    names = list(counts.columns)
    ncol = 2 if len(names) > 1 else 1
    nrow = math.ceil(len(names) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=SLIDE, squeeze=False)
    for ax, name in zip(axes.ravel(), names):
        c = counts[name].to_numpy()
        lo, hi = int(np.quantile(c, 0.001)), int(np.quantile(c, 0.999))
        ks = np.arange(lo, max(hi, goals[name]) + 1)
        p = np.array([(c == k).mean() for k in ks])
        met = ks >= goals[name]
        ax.bar(ks[~met], p[~met], color="#999999", label=t("short_of_goal"))
        ax.bar(ks[met], p[met], color=FORECAST_COLOR, label=t("goal_met"))
        ax.axvline(goals[name] - 0.5, color=GOAL_COLOR, lw=2.5)
        ax.set_title(t("distribution_row", target=target_label(name), p=_pct(float((c >= goals[name]).mean()))),
                     fontsize=17)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_ylabel(t("probability"), fontsize=13)
    for ax in axes.ravel()[len(names):]:
        ax.set_visible(False)
    axes.ravel()[0].legend(fontsize=12)
    fig.suptitle(t("title_distributions", year=year),
                 x=0.02, ha="left", fontsize=22, fontweight="bold")
    fig.tight_layout()
    return fig


def plot_comparison(comparison: pd.DataFrame, *, title: str | None = None) -> Figure:
    """p_meet of each target, today's plans beside the scenario (``comparison.csv`` rows)."""
    d = comparison.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=SLIDE)
    x = np.arange(len(d))
    w = 0.38
    ax.bar(x - w / 2, d["baseline_p_meet"], w, color="#999999", label=t("todays_plans"))
    ax.bar(x + w / 2, d["scenario_p_meet"], w, color=FORECAST_COLOR, label=t("scenario"))
    for i, r in d.iterrows():
        ax.text(i + w / 2, r["scenario_p_meet"] + 0.02, f"{r['change_p_meet'] * 100:+.0f} pp", ha="center", fontsize=14)
    ax.set_xticks(x, [target_label(n) for n in d["target"]], fontsize=14)
    ax.set_ylim(0, 1.08)
    ax.set_ylabel(t("p_meet_axis"))
    ax.legend(loc="upper right")
    ax.set_title(title or t("title_comparison"))
    return fig


def plot_response(curves: pd.DataFrame, *, target: str | None = None, title: str | None = None,
                  district=None) -> Figure:
    """The objective as each unit's staff change, one panel per year
    (:func:`~forecasting.whatif.levers.response_curves`): each panel titled with the year (and
    the objective it shows, when the years' objectives differ; else the chart's title names
    it), whiskers of twice the paired Monte Carlo error against today's
    staffing; hollow markers extrapolate. ``target`` plots that target's p_meet instead
    (``"all"`` for P(all targets met)). The legend names the units by ``district``'s labels
    (their ids without one)."""
    import textwrap

    from .display import unit_name
    from .style import PALETTE
    from ..texts import text

    d = curves
    years = sorted(d["year"].unique())
    fig, axes = plt.subplots(1, len(years), figsize=SLIDE, squeeze=False, sharey=target is not None)
    units = list(pd.unique(d["unit"]))
    labels = {}
    for ax, year in zip(axes[0], years):
        dy = d[d["year"] == year]
        if target is None:
            column, label = "value", str(dy["objective_label"].iloc[0])
            if dy["objective"].iloc[0] == "shortfall":
                label += f" ({text('whatif.lower_is_better')})"
        else:
            column = f"p_meet_{target}"
            label = _say(f"P({t(target) if target != 'all' else 'all targets'} met)",
                         f"{t(target) if target != 'all' else '全部目标'}完成概率")
        labels[year] = label
        for i, unit in enumerate(units):
            g = dy[dy["unit"] == unit].sort_values("change")
            color = PALETTE[i % len(PALETTE)]
            ax.plot(g["change"], g[column], color=color, lw=2, label=shorten(unit_name(district, unit), 30))
            if target is None and "gain_se" in g:
                ax.errorbar(g["change"], g[column], yerr=2 * g["gain_se"].fillna(0), fmt="none", ecolor=color,
                            alpha=0.6, capsize=3)
            seen = ~g["extrapolated"].to_numpy()
            ax.scatter(g["change"][seen], g[column][seen], color=color, s=40, zorder=3)
            ax.scatter(g["change"][~seen], g[column][~seen], facecolors="white", edgecolors=color, s=40, zorder=3)
        ax.axvline(0, color="#999999", lw=1)
        ax.set_xlabel(text("whatif.staff_change_axis"))
    shown = set(labels.values())
    for ax, year in zip(axes[0], years):
        if target is None and len(shown) > 1:  # each panel says its own objective, wrapped to the panel
            ax.set_title(textwrap.fill(f"{year}: {labels[year]}", 70 // len(years)), fontsize=14)
        else:
            ax.set_title(str(year), fontsize=18)
    if target is not None:
        axes[0, 0].set_ylabel(labels[years[0]])
    axes[0, -1].legend(fontsize=11, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if title is None:
        title = (text("whatif.response_title", objective=next(iter(shown))) if len(shown) == 1
                 else text("whatif.response_title_mixed"))
    fig.suptitle(title[:1].upper() + title[1:], x=0.02, ha="left", fontsize=18, fontweight="bold")
    fig.tight_layout()
    return fig


def plot_tornado(table: pd.DataFrame, *, n: int = 10, year: int | None = None, title: str | None = None) -> Figure:
    """Which levers move the objective most (:func:`~forecasting.whatif.levers.tornado`), in the
    objective's units, the chart titled with it; bars within twice their Monte Carlo
    error are pale."""
    from ..texts import text

    d = table.nlargest(n, "swing").iloc[::-1]
    fig, ax = plt.subplots(figsize=SLIDE)
    base = float(d["base"].iloc[0]) if len(d) else 0.0
    y = np.arange(len(d))
    for col, gain, color, label in (("low", "low_gain", "#999999", text("whatif.lever_down")),
                                    ("high", "high_gain", FORECAST_COLOR, text("whatif.lever_up"))):
        strong = (d[gain].abs() > 2 * d[f"{gain}_se"]).to_numpy()
        ax.barh(y[strong], (d[col] - base)[strong], left=base, color=color, label=label)
        ax.barh(y[~strong], (d[col] - base)[~strong], left=base, color=color, alpha=0.3)
    ax.axvline(base, color="#000000", lw=1)
    ax.set_yticks(y, d["lever"], fontsize=12)
    label = str(table["objective_label"].iloc[0]) if len(table) else ""
    shortfall = len(table) and table["objective"].iloc[0] == "shortfall"
    xlabel = label + (f" ({text('whatif.lower_is_better')})" if shortfall else "") + f"; {text('whatif.tornado_note')}"
    ax.set_xlabel(xlabel[:1].upper() + xlabel[1:])
    ax.grid(axis="x", visible=True, alpha=0.3)
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right")
    if year is None and "year" in table and len(table):
        year = int(table["year"].iloc[0])
    ax.set_title(title or text("whatif.tornado_title", objective=label, year=year))
    return fig


def plot_leverage(table: pd.DataFrame, column: str = "gain_all", *, n: int = 10, title: str | None = None) -> Figure:
    """The open projects whose being a quarter further along would lift a target's p_meet most."""
    d = table.nlargest(n, column).iloc[::-1]
    fig, ax = plt.subplots(figsize=SLIDE)
    labels = [t("project_row_stage", name=shorten(r["name"], 38), amount=amount(r["investment_bn"]),
                stage=t(r["stage"])) for _, r in d.iterrows()]
    ax.barh(np.arange(len(d)), 100 * d[column], color=FORECAST_COLOR)
    ax.set_yticks(np.arange(len(d)), labels, fontsize=12)
    ax.set_xlabel(t("leverage_axis"))
    ax.grid(axis="x", visible=True, alpha=0.3)
    ax.grid(axis="y", visible=False)
    ax.set_title(title or t("title_leverage"))
    return fig


def plot_attribution(attribution: pd.DataFrame, *, prev: str, curr: str, targets: list[str] | None = None) -> Figure:
    """Waterfalls, one per target: its p_meet last quarter, the steps that moved it, and now
    (:func:`~forecasting.evaluation.refresh.attribute_change`; each panel is
    :func:`~forecasting.report.charts.plot_waterfall`)."""
    from ..evaluation.changes import Attribution
    from .charts import plot_waterfall

    parts = Attribution.split(attribution, by="target", before_label=prev, after_label=curr)
    names = targets or list(parts)
    ncol = 2 if len(names) > 1 else 1
    nrow = math.ceil(len(names) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(SLIDE[0], max(SLIDE[1], 3.2 * nrow + 1)), squeeze=False,
                             layout="constrained")
    for ax, name in zip(axes.ravel(), names):
        plot_waterfall(parts[name], ax=ax)
        ax.set_ylabel("")
        ax.title.set_fontsize(15)
        ax.tick_params(axis="x", labelsize=11)
        ax.tick_params(axis="y", labelsize=11)
        for text in ax.texts:
            text.set_fontsize(11)
    for ax in axes.ravel()[len(names):]:
        ax.set_visible(False)
    fig.supylabel(t("percent_axis"), fontsize=13)
    fig.suptitle(t("title_attribution", prev=prev, curr=curr), x=0.02, ha="left", fontsize=20, fontweight="bold")
    return fig


__all__ = ["plot_attribution", "plot_dashboard", "plot_fan", "plot_distributions", "plot_comparison", "plot_response", "plot_tornado",
           "plot_leverage"]
