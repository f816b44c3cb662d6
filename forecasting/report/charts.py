"""Charts for the meeting. One contract: ``plot_*(data, *, ax=None, ...) -> Axes``.

Charts only consume tables made elsewhere in the package; none calls ``plt.show()``.
Titles state the finding; goals are always drawn; uncertainty is always shown.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..texts import text
from .style import FORECAST_COLOR, GOAL_COLOR, PALETTE, SLIDE, SO_FAR_COLOR, amount, language, shorten, t, target_label

#: Quarters below which the flow chart names every quarter (:func:`plot_flow`).
SHORT_FLOW = 8
#: Longest name a chart's axis shows; longer ones are cut at a word boundary (:func:`~forecasting.report.style.shorten`).
NAME_WIDTH = 34


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
    ax.set_title(t("title_funnel" if open_n != 1 else "title_funnel_one", n=open_n))
    ax.set_xlabel(t("projects"))
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True, alpha=0.3)
    return ax


def plot_mix(table: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Stacked bars: projects by a category (rows) and stage (columns), from :func:`overview.mix`
    (whose rows are the district's unit or sector labels; long ones are shortened)."""
    ax = _axes(ax)
    order = table.sum(axis=1).sort_values().index
    table = table.loc[order]
    left = np.zeros(len(table))
    for i, stage in enumerate(table.columns):
        vals = table[stage].to_numpy()
        ax.barh([shorten(t(str(c)), NAME_WIDTH) for c in table.index], vals, left=left, label=t(stage), color=PALETTE[i % len(PALETTE)])
        left += vals
    top = table.sum(axis=1).idxmax()
    ax.set_title(title or t("title_mix", top=shorten(t(str(top)), NAME_WIDTH)))
    ax.set_xlabel(t("projects"))
    # below the bars: long unit and sector labels leave a narrow panel
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=3, fontsize=13)
    ax.grid(axis="y", visible=False)
    return ax


def plot_flow(flow: pd.DataFrame, *, columns=("new_leads", "signed", "groundbreakings"), ax: Axes | None = None,
              title: str | None = None) -> Axes:
    """Quarterly counts over the years (from :func:`overview.quarterly_flow`).

    A history shorter than :data:`SHORT_FLOW` quarters has every quarter named on its axis and
    its legend below the plot (a single snapshot is a few dots: a year label and a legend over
    them said more than the data)."""
    ax = _axes(ax)
    x = np.arange(len(flow))
    for i, col in enumerate(columns):
        ax.plot(x, flow[col].to_numpy(), marker="o", lw=2.5, label=t(col), color=PALETTE[i])
    if len(flow) < SHORT_FLOW:
        ax.set_xticks(x, list(flow.index))
        ax.set_xlim(-0.5 - (len(flow) == 1), len(flow) - 0.5 + (len(flow) == 1))
        ax.set_xlabel(t("quarter"))
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=len(columns))
    else:
        ticks = [i for i, q in enumerate(flow.index) if q.endswith("Q1")]
        ax.set_xticks(ticks, [flow.index[i][:4] for i in ticks])
        ax.set_xlabel(t("year"))
        ax.legend(loc="upper left", ncols=len(columns))
    ax.set_ylabel(t("projects"))
    ax.set_title(title or t("title_flow"))
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
        ax.text(min(row["so_far"] / max(row["goal"], 1), 1.5) + 0.02, yi,
                t("n_of_goal", so_far=int(row["so_far"]), goal=int(row["goal"])), va="center", fontsize=15)
    ax.set_yticks(y, [target_label(n) for n in names])
    ax.set_xlim(0, 1.75)
    ax.set_xticks([0, 0.5, 1.0, 1.5], ["0", t("half"), t("goal"), "1.5×"])
    met = int((progress["so_far"] >= progress["goal"]).sum())
    ax.set_title(t("title_progress" if len(progress) != 1 else "title_progress_one", year=year, met=met,
                   n=len(progress)))
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
        ax.axhline(goal, color=GOAL_COLOR, lw=3, label=t("goal_value", goal=f"{goal:g}"))
        ax.legend(loc="upper left")
    if band is not None:
        ax.axhspan(*band, color="#999999", alpha=0.15)
    ax.set_title(t(column))
    return ax


def project_labels(table: pd.DataFrame, width: int = NAME_WIDTH) -> list[str]:
    """Chart labels of projects: the name shortened at a word boundary and the amount, in the
    language (``"Lingxin battery cell plant · 2.5 bn"``)."""
    return [t("project_row", name=shorten(r["name"], width), amount=amount(float(r["investment_bn"])))
            for _, r in table.iterrows()]


def plot_watchlist(table: pd.DataFrame, column: str, *, label_col: str | None = None, ax: Axes | None = None,
                   title: str | None = None) -> Axes:
    """Projects as bars of probability with their interval (``column``, ``column_lo``, ``column_hi``).

    Each bar is labelled with ``label_col``; by default with the project's name (shortened
    at a word boundary) and amount when the table has ``name`` and ``investment_bn``, else
    its ``label`` column.
    """
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
    if label_col is None and {"name", "investment_bn"} <= set(t_.columns):
        ax.set_yticks(y, project_labels(t_, width=44))
    else:
        ax.set_yticks(y, [shorten(v, 2 * NAME_WIDTH) for v in t_[label_col or "label"]])
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
    if not any(line.get_gid() == "perfectly_calibrated" for line in ax.lines):  # once per axes
        ax.plot([0, 1], [0, 1], ls="--", color="#999999", lw=1.5, label=t("perfectly_calibrated"),
                gid="perfectly_calibrated")
    color = color or FORECAST_COLOR
    yerr = [np.clip(table["observed"] - table["obs_lo"], 0, None), np.clip(table["obs_hi"] - table["observed"], 0, None)]
    ax.errorbar(table["mean_p"], table["observed"], yerr=yerr, fmt="o-", color=color, lw=2, ms=7,
                capsize=3, label=label)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(t("forecast_probability"))
    ax.set_ylabel(t("observed_share"))
    # lower right: calibrated curves hug the diagonal and a shortfall of events sits below it
    # late, so that corner stays empty (upper left, the legend covered the curves' steep rise)
    ax.legend(loc="lower right")
    if title:
        ax.set_title(title)
    return ax


def plot_reliability_panels(reliability: pd.DataFrame, *, events=("signed", "groundbreaking"),
                            forecasters=("stage_weighted", "outcome_model")) -> plt.Figure:
    """One reliability diagram per event, the forecasters overlaid (from ``BacktestResult.reliability``)."""
    fig, axes = plt.subplots(1, len(events), figsize=SLIDE)
    for ax, event in zip(np.atleast_1d(axes), events):
        for i, name in enumerate(forecasters):
            plot_reliability(reliability[(reliability["event"] == event) & (reliability["forecaster"] == name)],
                             ax=ax, label=t(name), color=PALETTE[i])
        ax.set_title(text("notebooks.05_reliability_panel", event=t(event)))
    fig.tight_layout()
    return fig


def plot_skill(skill: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Brier skill per event and forecaster with bootstrap intervals (from ``BacktestResult.skill``)."""
    ax = _axes(ax)
    events = list(dict.fromkeys(skill["event"]))
    names = list(dict.fromkeys(skill["forecaster"]))
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        s = skill[skill["forecaster"] == name].set_index("event").reindex(events)
        x = np.arange(len(events)) + (i - (len(names) - 1) / 2) * width
        ax.bar(x, s["brier_skill"], width=width * 0.9, color=PALETTE[i % len(PALETTE)], label=t(name))
        ax.errorbar(x, s["brier_skill"], yerr=[np.clip(s["brier_skill"] - s["lo"], 0, None),
                                                np.clip(s["hi"] - s["brier_skill"], 0, None)],
                    fmt="none", ecolor="#333333", capsize=3)
    ax.axhline(0, color="#333333", lw=1)
    ax.set_xticks(np.arange(len(events)), [t(e) for e in events])
    ax.set_ylabel(t("brier_skill"))
    ax.legend(loc="upper left")
    ax.set_title(title or t("title_skill"))
    return ax


def _pct_label(p: float) -> str:
    """A probability as a planner reads it: whole percent, never a false 0 % or 100 %."""
    if p <= 0 or p >= 1:
        return f"{100 * p:.0f}%"
    v = 100 * p
    return "<1%" if v < 1 else ">99%" if v > 99 else f"{v:.0f}%"


def plot_waterfall(attribution, *, ax: Axes | None = None, title: str | None = None,
                   percent: bool = True) -> Axes:
    """Waterfall of a change split into steps (:class:`~forecasting.evaluation.changes.Attribution`, or a
    table with ``step``, ``start``, ``end``): the value before (grey), each step as a bar
    floating from its start to its end (blue up, vermillion down, labelled with its delta),
    and the value after (black).

    ``percent`` shows a probability in percent and the deltas in percentage points.
    """
    from ..evaluation.changes import Attribution

    if not isinstance(attribution, Attribution):
        attribution = Attribution(attribution)
    ax = _axes(ax)
    d = attribution.table
    k = 100.0 if percent else 1.0
    steps = [t(s) for s in d["step"]]
    labels = [attribution.before_label or t("before"), *steps, attribution.after_label or t("after")]
    x = np.arange(len(labels))
    start, end, delta = k * d["start"].to_numpy(), k * d["end"].to_numpy(), k * d["delta"].to_numpy()
    span = max(np.abs(np.r_[start, end]).max(), 1e-12)
    ax.bar(x[0], start[0], color="#999999", width=0.7)
    ax.bar(x[-1], end[-1], color="#000000", width=0.7)
    # a step too small to see still gets a sliver, so every step has a bar
    heights = np.maximum(np.abs(delta), span * 0.004)
    colors = np.where(delta >= 0, FORECAST_COLOR, GOAL_COLOR)
    ax.bar(x[1:-1], heights, bottom=np.minimum(start, end), color=colors, width=0.7)
    levels = np.r_[start[0], end]
    for i, level in enumerate(levels):
        ax.plot([x[i] + 0.35, x[i + 1] - 0.35], [level, level], color="#555555", lw=1, ls=":")
    fmt = (lambda v: f"{v:+.1f}" if abs(v) < 1 else f"{v:+.0f}") if percent else (lambda v: f"{v:+.3g}")
    for xi, s, e, v in zip(x[1:-1], start, end, delta):
        ax.text(xi, max(s, e) + span * 0.02, fmt(v), ha="center", va="bottom", fontsize=14)
    ends = [_pct_label(d["start"].iloc[0]), _pct_label(d["end"].iloc[-1])] if percent else \
        [f"{start[0]:.3g}", f"{end[-1]:.3g}"]
    for xi, v, label in zip((x[0], x[-1]), (start[0], end[-1]), ends):
        ax.text(xi, v + span * 0.02, label, ha="center", va="bottom", fontsize=14,
                fontweight=plt.rcParams["axes.titleweight"])
    ax.set_xticks(x, labels, rotation=20 if len(labels) > 5 else 0, ha="right" if len(labels) > 5 else "center")
    ax.set_ylim(min(0, np.r_[start, end].min() * 1.1), span * 1.15)
    if percent:
        ax.set_ylabel(t("percent_axis"))
    what = target_label(attribution.label) if attribution.label else t("probability")
    ax.set_title(title or t("title_waterfall", what=what, before=ends[0], after=ends[1]))
    ax.grid(axis="x", visible=False)
    return ax


def plot_changes(changes, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """What changed in the ledger between two quarters (:class:`~forecasting.evaluation.changes.QuarterChanges`):
    one bar per kind of event, split by stage — the stage reached for new projects, stage
    moves, revisions and provincial changes; the stage lost from for losses."""
    from ..evaluation.changes import KINDS
    from ..data.schema import ALL_STAGES

    ax = _axes(ax)
    e = changes.events
    stage = e["stage"].where(e["kind"] != "lost", e["before"])
    table = pd.crosstab(e["kind"], stage).reindex(index=list(KINDS), fill_value=0)
    table = table.reindex(columns=[s for s in ALL_STAGES if s in table.columns], fill_value=0)
    y = np.arange(len(KINDS))[::-1]
    left = np.zeros(len(KINDS))
    for i, s in enumerate(table.columns):
        vals = table[s].to_numpy()
        ax.barh(y, vals, left=left, color=PALETTE[i % len(PALETTE)], label=t(s), height=0.6)
        left += vals
    for yi, n in zip(y, left):
        ax.text(n, yi, f" {int(n)}", va="center", fontsize=15)
    ax.set_yticks(y, [t(f"change_{k}") for k in KINDS])
    ax.set_xlabel(t("events"))
    ax.set_xlim(0, max(left.max(), 1) * 1.12)
    if len(table.columns):
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=min(len(table.columns), 4))
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True, alpha=0.3)
    n = table.sum(axis=1)
    summary = t("summary_changes", new=int(n["new"]), stage=int(n["stage"]), lost=int(n["lost"]))
    ax.set_title(title or t("title_changes", prev=changes.prev, curr=changes.curr, summary=summary))
    return ax


def plot_attention(table: pd.DataFrame, *, column: str = "gain_counted", n: int = 10, year: int | None = None,
                   min_bn: float = 0.5, title: str | None = None) -> "Figure":
    """The ``n`` projects of :func:`~forecasting.whatif.attention.attention_list` gaining most counted events if a quarter
    sooner, with twice their Monte Carlo error as whiskers; a project whose groundbreaking
    cannot count (below ``min_bn``, the year's ``groundbreakings_min_bn``) is marked in its label."""
    d = table.nlargest(n, column).iloc[::-1]
    fig, ax = plt.subplots(figsize=SLIDE)
    labels = []
    for _, r in d.iterrows():
        amount = f"{10 * r['investment_bn']:.0f}亿元" if language() == "zh" else f"{r['investment_bn']:.1f} bn"
        label = f"{r['project_id']} · {shorten(r['name'], 30)} ({amount}, {t(r['stage'])})"
        if not r["counts_for_groundbreakings"]:
            label += " · " + text("whatif.not_counted_label", min_bn=min_bn, min_yi=10 * min_bn)
        labels.append(label)
    y = np.arange(len(d))
    se = d.get(f"{column}_se")
    ax.barh(y, d[column], color=FORECAST_COLOR,
            xerr=None if se is None else 2 * se.fillna(0).to_numpy(), ecolor="#555555", capsize=3)
    ax.set_yticks(y, labels, fontsize=12)
    ax.set_xlabel(text("whatif.attention_axis"))
    ax.grid(axis="x", visible=True, alpha=0.3)
    ax.grid(axis="y", visible=False)
    if title is None:
        title = text("whatif.attention_title", year=year if year is not None else "")
    ax.set_title(title)
    return fig
