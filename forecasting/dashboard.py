"""The meeting's outlook charts: the target dashboard, the fan chart, the count distributions.

Same contract as :mod:`~forecasting.charts` (tables in, a Matplotlib figure or axes out,
no ``plt.show()``), same style (:func:`~forecasting.style.use_style`). Every chart draws
the goal, what is achieved so far and the forecast's uncertainty.
"""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .style import FORECAST_COLOR, GOAL_COLOR, SO_FAR_COLOR, SLIDE, language, t

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
                label=_say("Forecast, 80 % range", "预测（80%区间）"))
        ax.plot([r["p50"]], [0], marker="D", color=FORECAST_COLOR, markersize=11, label=_say("Most likely", "最可能"))
        ax.axvline(r["goal"], color=GOAL_COLOR, lw=3, label=t("goal"))
        ax.set_xlim(0, top)
        ax.set_ylim(-0.6, 0.6)
        ax.set_yticks([])
        ax.grid(axis="x", visible=True, alpha=0.3)
        ax.grid(axis="y", visible=False)
        ax.set_title(f"{t(r['target'])}: {_say('goal', '目标')} {int(r['goal'])}, "
                     f"{_say('so far', '已完成')} {int(r['so_far'])}", fontsize=17, loc="left")
        ax.text(1.01, 0.5, _pct(float(r["p_meet"])), transform=ax.transAxes, fontsize=26, fontweight="bold",
                va="center", color=FORECAST_COLOR)
        ax.xaxis.get_major_locator().set_params(integer=True)
    axes[0, 0].legend(loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=4, fontsize=13) if len(rows) == 1 else \
        axes[-1, 0].legend(loc="upper center", bbox_to_anchor=(0.5, -0.45), ncol=4, fontsize=13)
    fig.suptitle(title or _say(f"{year} targets as of {as_of}: all met with probability {_pct(p_all)}",
                               f"{year}年目标（截至{as_of}）：全部完成的概率 {_pct(p_all)}"),
                 x=0.02, ha="left", fontsize=22, fontweight="bold")
    fig.text(0.985, 0.93, _say("P(meet)", "完成概率"), ha="right", fontsize=15)
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
                        label=_say("Forecast, 80 % range", "预测（80%区间）"))
        ax.plot(xs, mid, color=FORECAST_COLOR, lw=2.5, ls="--", label=_say("Most likely", "最可能"))
        if seen.any():
            ax.plot(m[seen], d["actual"].to_numpy()[seen], color=SO_FAR_COLOR, lw=3.5, marker="o", label=t("so_far"))
        goal = float(d["goal"].iloc[0])
        ax.axhline(goal, color=GOAL_COLOR, lw=2.5, label=t("goal"))
        ax.set_xticks(range(1, 13), _months(), fontsize=12)
        ax.set_xlim(1, 12)
        ax.set_ylim(0, max(goal, float(d["p90"].max())) * 1.15 + 0.5)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_title(t(name), fontsize=18)
    for ax in axes.ravel()[len(names):]:
        ax.set_visible(False)
    handles, labels = axes.ravel()[0].get_legend_handles_labels()
    fig.suptitle(_say(f"{year}: the path to each goal, as of {as_of}", f"{year}年各目标进度与预测（截至{as_of}）"),
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
        ax.bar(ks[~met], p[~met], color="#999999", label=_say("Short of the goal", "未达目标"))
        ax.bar(ks[met], p[met], color=FORECAST_COLOR, label=_say("Goal met", "达到目标"))
        ax.axvline(goals[name] - 0.5, color=GOAL_COLOR, lw=2.5)
        ax.set_title(f"{t(name)}: {_say('P(meet)', '完成概率')} {_pct(float((c >= goals[name]).mean()))}", fontsize=17)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_ylabel(t("probability"), fontsize=13)
    for ax in axes.ravel()[len(names):]:
        ax.set_visible(False)
    axes.ravel()[0].legend(fontsize=12)
    fig.suptitle(_say(f"{year}: how many, and how likely", f"{year}年各目标完成数量的概率分布"),
                 x=0.02, ha="left", fontsize=22, fontweight="bold")
    fig.tight_layout()
    return fig


__all__ = ["plot_dashboard", "plot_fan", "plot_distributions"]
