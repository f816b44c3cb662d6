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
