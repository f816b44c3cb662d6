"""Charts for the meeting. One contract: ``plot_*(data, *, ax=None, ...) -> Axes``.

Charts only consume tables made elsewhere in the package; none calls ``plt.show()``.
Titles state the finding; goals are always drawn; uncertainty is always shown.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .style import FORECAST_COLOR, GOAL_COLOR, PALETTE, SO_FAR_COLOR, t


def _axes(ax: Axes | None, figsize=None) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize) if figsize else plt.subplots()
    return ax


def plot_funnel(counts: pd.Series, *, ax: Axes | None = None) -> Axes:
    """Horizontal bars of projects per stage (from :func:`overview.funnel`)."""
    ax = _axes(ax)
    labels = [t(s) for s in counts.index]
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(counts))]
    ax.barh(labels[::-1], counts.to_numpy()[::-1], color=colors[::-1])
    for y, v in enumerate(counts.to_numpy()[::-1]):
        ax.text(v, y, f" {v}", va="center", fontsize=15)
    open_n = int(counts.drop(["operating", "lost"], errors="ignore").sum())
    ax.set_title(f"{open_n} open projects in the pipeline")
    ax.set_xlabel(t("projects"))
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True, alpha=0.3)
    return ax


def plot_mix(table: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Stacked bars: projects by a category (rows) and stage (columns), from :func:`overview.mix`."""
    ax = _axes(ax)
    order = table.sum(axis=1).sort_values().index
    table = table.loc[order]
    left = np.zeros(len(table))
    for i, stage in enumerate(table.columns):
        vals = table[stage].to_numpy()
        ax.barh(table.index.astype(str), vals, left=left, label=t(stage), color=PALETTE[i % len(PALETTE)])
        left += vals
    top = table.sum(axis=1).idxmax()
    ax.set_title(title or f"Most open projects: {top}")
    ax.set_xlabel(t("projects"))
    ax.legend(loc="lower right")
    ax.grid(axis="y", visible=False)
    return ax


def plot_flow(flow: pd.DataFrame, *, columns=("new_leads", "signed", "groundbreakings"), ax: Axes | None = None,
              title: str | None = None) -> Axes:
    """Quarterly counts over the years (from :func:`overview.quarterly_flow`)."""
    ax = _axes(ax)
    x = np.arange(len(flow))
    for i, col in enumerate(columns):
        ax.plot(x, flow[col].to_numpy(), marker="o", lw=2.5, label=t(col), color=PALETTE[i])
    ticks = [i for i, q in enumerate(flow.index) if q.endswith("Q1")]
    ax.set_xticks(ticks, [flow.index[i][:4] for i in ticks])
    ax.set_xlabel(t("year"))
    ax.set_ylabel(t("projects"))
    ax.legend(loc="upper left", ncols=len(columns))
    ax.set_title(title or "Quarterly flow through the pipeline")
    return ax


def plot_progress(progress: pd.DataFrame, *, year: int, ax: Axes | None = None) -> Axes:
    """Each target's goal against what is achieved so far (from :func:`overview.progress`)."""
    ax = _axes(ax)
    names = list(progress.index)
    y = np.arange(len(names))[::-1]
    share = (progress["so_far"] / progress["goal"].replace(0, np.nan)).fillna(1.0).clip(upper=1.5)
    ax.barh(y, share, color=SO_FAR_COLOR, height=0.55, label=t("so_far"))
    ax.axvline(1.0, color=GOAL_COLOR, lw=3, label=t("goal"))
    for yi, (_, row) in zip(y, progress.iterrows()):
        ax.text(min(row["so_far"] / max(row["goal"], 1), 1.45) + 0.02, yi,
                f"{int(row['so_far'])} of {int(row['goal'])}", va="center", fontsize=15)
    ax.set_yticks(y, [t(n) for n in names])
    ax.set_xlim(0, 1.75)
    ax.set_xticks([0, 0.5, 1.0, 1.5], ["0", "half", "goal", "1.5×"])
    met = int((progress["so_far"] >= progress["goal"]).sum())
    ax.set_title(f"{year} so far: {met} of {len(progress)} targets already met")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncols=2)
    ax.grid(axis="y", visible=False)
    return ax


def plot_yearly(counts: pd.DataFrame, column: str, *, goal: float | None = None, band: tuple[float, float] | None = None,
                ax: Axes | None = None) -> Axes:
    """One yearly count as bars, with the goal line and an optional plausible band."""
    ax = _axes(ax)
    years = counts.index.astype(int)
    colors = [FORECAST_COLOR if c else "#999999" for c in counts.get("complete", pd.Series(True, index=counts.index))]
    ax.bar(years.astype(str), counts[column].to_numpy(), color=colors)
    if goal is not None:
        ax.axhline(goal, color=GOAL_COLOR, lw=3, label=f"{t('goal')} {goal:g}")
        ax.legend(loc="upper left")
    if band is not None:
        ax.axhspan(*band, color="#999999", alpha=0.15)
    ax.set_title(t(column))
    return ax


def plot_watchlist(table: pd.DataFrame, column: str, *, label_col: str = "label", ax: Axes | None = None,
                   title: str | None = None) -> Axes:
    """Projects as bars of probability with their interval (``column``, ``column_lo``, ``column_hi``)."""
    ax = _axes(ax)
    t_ = table.iloc[::-1]
    y = np.arange(len(t_))
    p = t_[column].to_numpy()
    ax.barh(y, p, color=FORECAST_COLOR, height=0.6)
    if f"{column}_lo" in t_:
        lo, hi = t_[f"{column}_lo"].to_numpy(), t_[f"{column}_hi"].to_numpy()
        ax.errorbar(p, y, xerr=[np.clip(p - lo, 0, None), np.clip(hi - p, 0, None)], fmt="none",
                    ecolor="#333333", capsize=4, lw=1.5)
    right = t_[f"{column}_hi"].to_numpy() if f"{column}_hi" in t_ else p
    for yi, v, r in zip(y, p, right):
        ax.text(r + 0.015, yi, f"{v:.0%}", va="center", fontsize=14)
    ax.set_yticks(y, t_[label_col].to_numpy())
    ax.set_xlim(0, 1.08)
    ax.set_xlabel(t("probability"))
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True, alpha=0.3)
    if title:
        ax.set_title(title)
    return ax


def plot_reliability(table: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None,
                     label: str | None = None, color: str | None = None) -> Axes:
    """Reliability diagram from :func:`scoring.reliability_table`, with the diagonal drawn."""
    ax = _axes(ax)
    ax.plot([0, 1], [0, 1], ls="--", color="#999999", lw=1.5, label="perfectly calibrated")
    color = color or FORECAST_COLOR
    yerr = [np.clip(table["observed"] - table["obs_lo"], 0, None), np.clip(table["obs_hi"] - table["observed"], 0, None)]
    ax.errorbar(table["mean_p"], table["observed"], yerr=yerr, fmt="o-", color=color, lw=2, ms=7,
                capsize=3, label=label)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("forecast probability")
    ax.set_ylabel("observed share")
    ax.legend(loc="upper left")
    if title:
        ax.set_title(title)
    return ax


def plot_skill(skill: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Brier skill per event and forecaster with bootstrap intervals (from ``BacktestResult.skill``)."""
    ax = _axes(ax)
    events = list(dict.fromkeys(skill["event"]))
    names = list(dict.fromkeys(skill["forecaster"]))
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        s = skill[skill["forecaster"] == name].set_index("event").reindex(events)
        x = np.arange(len(events)) + (i - (len(names) - 1) / 2) * width
        ax.bar(x, s["brier_skill"], width=width * 0.9, color=PALETTE[i % len(PALETTE)], label=name.replace("_", " "))
        ax.errorbar(x, s["brier_skill"], yerr=[np.clip(s["brier_skill"] - s["lo"], 0, None),
                                                np.clip(s["hi"] - s["brier_skill"], 0, None)],
                    fmt="none", ecolor="#333333", capsize=3)
    ax.axhline(0, color="#333333", lw=1)
    ax.set_xticks(np.arange(len(events)), [e.replace("_", " ") for e in events])
    ax.set_ylabel("Brier skill vs stage-weighted")
    ax.legend(loc="upper left")
    ax.set_title(title or "Skill over the planners' spreadsheet, with 90 % intervals")
    return ax
