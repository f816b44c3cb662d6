"""One look for every chart of the toolkit: slide-sized, large type, colour-blind-safe.

Call :func:`use_style` once (a notebook's first cell); every ``plot_*`` function then draws
in it. ``language="zh"`` registers a CJK font shipped by the ``mplfonts`` package (installed
with the toolkit) so Chinese labels render without a system font.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal, Sequence

import matplotlib as mpl
from matplotlib import font_manager

#: Okabe–Ito palette (colour-blind safe), in the order the charts use it.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"]
GOAL_COLOR = "#D55E00"
SO_FAR_COLOR = "#009E73"
FORECAST_COLOR = "#0072B2"
SLIDE = (13.33, 7.5)  # 16:9 inches
HALF = (6.67, 7.5)

_LANG: dict[str, str] = {"language": "en"}


def cjk_font() -> str | None:
    """Register and return the name of a CJK font (Noto Sans CJK SC from ``mplfonts``)."""
    try:
        import mplfonts
    except ImportError:  # pragma: no cover - installed with the toolkit
        return None
    root = Path(mplfonts.__file__).parent / "fonts"
    for path in sorted(root.glob("NotoSansCJKsc-Regular.*")) + sorted(root.glob("*CJK*")):
        font_manager.fontManager.addfont(str(path))
        return font_manager.FontProperties(fname=str(path)).get_name()
    return None


#: Environment variable read by :func:`use_style`: the inline figure formats a report run
#: wants (``"png,svg"``). :func:`forecasting.report.build_report` sets it for the kernels it
#: starts, so the stored notebooks keep PNG only (nbval compares SVG text exactly).
FORMATS_ENV = "FORECASTING_FIGURE_FORMATS"


def use_style(language: Literal["en", "zh"] = "en", *, figure_formats: Sequence[str] | None = None) -> None:
    """Set the toolkit's chart style for this session.

    Parameters
    ----------
    language : ``"zh"`` draws every label in Chinese with a CJK font (from ``mplfonts``).
    figure_formats : when running in a Jupyter kernel, the formats each figure is displayed
        in (``("png", "svg")`` makes every chart output carry both). Default: the
        comma-separated list in the ``FORECASTING_FIGURE_FORMATS`` environment variable,
        else the kernel's own setting (PNG) is left alone.

    Examples
    --------
    >>> use_style("zh"); t("signed")
    '签约'
    >>> use_style("en"); t("signed")
    'Signed'
    """
    if language not in ("en", "zh"):
        raise ValueError(f'language must be "en" or "zh", not {language!r}')
    _LANG["language"] = language
    family, weight = ["DejaVu Sans"], "bold"
    if language == "zh":
        name = cjk_font()
        if name:
            family = [name, "DejaVu Sans"]
            # mplfonts ships the regular face only: ask for bold and matplotlib logs a
            # fallback for every title; the titles' size sets them apart instead
            weight = "bold" if _has_bold(name) else "normal"
    mpl.rcParams.update({
        "figure.figsize": SLIDE,
        "figure.dpi": 100,
        "savefig.dpi": 150,
        "savefig.bbox": "tight",
        "font.family": "sans-serif",
        "font.sans-serif": family,
        "font.size": 16,
        "axes.titlesize": 22,
        "axes.titleweight": weight,
        "axes.titlelocation": "left",
        "axes.labelsize": 17,
        "xtick.labelsize": 15,
        "ytick.labelsize": 15,
        "legend.fontsize": 15,
        "legend.frameon": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.grid.axis": "y",
        "grid.alpha": 0.3,
        "axes.prop_cycle": mpl.cycler(color=PALETTE),
        "axes.unicode_minus": False,
        "svg.hashsalt": "forecasting",
        "svg.fonttype": "none",
    })
    if figure_formats is None and os.environ.get(FORMATS_ENV):
        figure_formats = [f.strip() for f in os.environ[FORMATS_ENV].split(",") if f.strip()]
    if figure_formats:
        _inline_formats(tuple(figure_formats))


def _inline_formats(formats: tuple[str, ...]) -> None:
    """Make a Jupyter kernel display each figure in every one of ``formats``.

    The equivalent of ``%config InlineBackend.figure_formats = [...]``: set on the inline
    backend's configuration (which the backend re-reads when pyplot is first imported) and
    on the live display formatters. Without a kernel (a script, the tests) it does nothing.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return
    from matplotlib_inline.backend_inline import set_matplotlib_formats
    from matplotlib_inline.config import InlineBackend

    cfg = InlineBackend.instance()
    # no creation date in the SVG: the same report twice gives the same files
    cfg.print_figure_kwargs = {**cfg.print_figure_kwargs, "metadata": {"Date": None}}
    cfg.figure_formats = set(formats)
    set_matplotlib_formats(*formats)
    from .slides import register_chart_titles  # each figure's title, for the report's slides

    register_chart_titles(shell)


def _has_bold(family: str) -> bool:
    return any(f.name == family and f.weight in ("bold", 700, "heavy", 800, 900) for f in font_manager.fontManager.ttflist)


def language() -> str:
    """The language :func:`use_style` set last (``"en"`` or ``"zh"``)."""
    return _LANG["language"]


#: Labels in both languages; ``t("signed")`` gives the current language's. A label may hold
#: ``{placeholders}`` that :func:`t` fills from its keyword arguments.
LABELS: dict[str, tuple[str, str]] = {
    # stages
    "lead": ("Lead", "线索"),
    "negotiating": ("Negotiating", "洽谈"),
    "signed": ("Signed", "签约"),
    "approved": ("Approved", "供地"),
    "under_construction": ("Under construction", "在建"),
    "operating": ("Operating", "投产"),
    "lost": ("Lost", "终止"),
    # targets and counted events
    "groundbreakings": ("Groundbreakings", "开工项目"),
    "groundbreakings_all": ("Groundbreakings, any size", "开工项目（全部规模）"),
    "groundbreaking": ("Groundbreaking", "开工"),
    "provincial_major": ("Provincial major projects", "省重大项目"),
    "provincial": ("Provincial major", "省重大项目"),
    "all": ("All targets", "全部目标"),
    # sectors of the bundled district (a district's own sector names pass through unchanged)
    "new_energy": ("New energy", "新能源"),
    "auto_parts": ("Auto parts", "汽车零部件"),
    "smart_appliances": ("Smart appliances", "智能家电"),
    "photovoltaics": ("Photovoltaics", "光伏"),
    "smart_grid": ("Smart grid", "智能电网"),
    "other": ("Other", "其他"),
    # forecasters
    "stage_weighted": ("Stage-weighted spreadsheet", "阶段加权表"),
    "stage_quarter_rate": ("Stage and quarter base rate", "阶段季度基准率"),
    "outcome_model": ("Forecast model", "预测模型"),
    # axes, legends, ticks
    "new_leads": ("New leads", "新增线索"),
    "projects": ("Projects", "项目数"),
    "goal": ("Goal", "目标"),
    "goal_value": ("Goal {goal}", "目标 {goal}"),
    "half": ("half", "一半"),
    "so_far": ("Achieved so far", "已完成"),
    "n_of_goal": ("{so_far} of {goal}", "{so_far}/{goal}"),
    "quarter": ("Quarter", "季度"),
    "year": ("Year", "年份"),
    "probability": ("Probability", "概率"),
    "forecast": ("Forecast", "预测"),
    "perfectly_calibrated": ("perfectly calibrated", "完全校准"),
    "forecast_probability": ("forecast probability", "预测概率"),
    "observed_share": ("observed share", "实际发生比例"),
    "brier_skill": ("Brier skill vs stage-weighted", "相对阶段加权表的Brier技能分"),
    "percentage_points": ("percentage points", "百分点"),
    "percent_axis": ("Probability, % (steps in percentage points)", "概率（%，各步骤为百分点）"),
    "before": ("Before", "变化前"),
    "after": ("After", "变化后"),
    "events": ("Events", "事件数"),
    # chart titles (they state the finding)
    "title_funnel": ("{n} open projects in the pipeline", "在推项目共{n}个"),
    "title_mix": ("Most open projects: {top}", "在推项目最多：{top}"),
    "title_flow": ("Quarterly flow through the pipeline", "各季度项目流量"),
    "title_progress": ("{year} so far: {met} of {n} targets already met", "{year}年至今：{n}项目标已完成{met}项"),
    "title_skill": ("Skill over the planners' spreadsheet, with 90 % intervals", "相对阶段加权表的预测技能（90%区间）"),
    "title_waterfall": ("{what}: {before} → {after}", "{what}：{before} → {after}"),
    "title_changes": ("{prev} → {curr}: {summary}", "{prev} → {curr}：{summary}"),
    "summary_changes": ("{new} new, {stage} moved on, {lost} lost", "新增{new}个，推进{stage}个，终止{lost}个"),
    "change": ("Change", "变化"),
    # what changed between two snapshots (forecasting.changes)
    "change_new": ("New projects", "新增项目"),
    "change_stage": ("Stage moves", "阶段推进"),
    "change_revision": ("Investment revisions", "投资额调整"),
    "change_lost": ("Losses", "项目终止"),
    "change_provincial": ("Provincial list changes", "省重大项目变化"),
    "none": ("None", "无"),
    "candidate": ("Candidate", "候选"),
    "designated": ("Designated", "已列入"),
    # attribution steps (forecasting.refresh)
    "a quarter passed": ("a quarter passed", "时间推移"),
    "new projects": ("new projects", "新增项目"),
    "progress": ("progress", "项目进展"),
    "losses": ("losses", "项目终止"),
    "model refit": ("model refit", "模型更新"),
}

_TIER = re.compile(r"^(\d+(?:\.\d+)?)\s*bn$", re.IGNORECASE)


def t(key: str, **values: object) -> str:
    """A label in the current language, with ``{placeholders}`` filled from ``values``.

    An unknown key comes back as it is: a district's own names (project names, unit labels,
    a sector the table does not know) are shown as the ledger writes them.

    Examples
    --------
    >>> use_style("en")
    >>> t("title_funnel", n=12)
    '12 open projects in the pipeline'
    >>> t("Lingxin battery cell plant")
    'Lingxin battery cell plant'
    """
    if key.startswith("tier_"):
        return target_label(key)
    en, zh = LABELS.get(key, (key, key))
    text = zh if language() == "zh" else en
    return text.format(**values) if values else text


def target_label(name: str) -> str:
    """The display name of a target (``targets.csv``'s ``target`` column) in the current language.

    ``groundbreakings``, ``provincial_major`` and ``all`` have fixed names; ``tier_NAME``
    reads an amount in its name (``tier_10bn`` → "10 bn signings", "100亿级签约项目"),
    and any other tier name is shown as written.

    Examples
    --------
    >>> use_style("en")
    >>> [target_label(n) for n in ["groundbreakings", "tier_10bn", "tier_5bn", "provincial_major", "all"]]
    ['Groundbreakings', '10 bn signings', '5 bn signings', 'Provincial major projects', 'All targets']
    """
    if not name.startswith("tier_"):
        return t(name)
    tier = name[5:]
    zh = language() == "zh"
    m = _TIER.match(tier)
    if m:
        bn = float(m.group(1))
        return f"{bn * 10:g}亿级签约项目" if zh else f"{bn:g} bn signings"
    return f"{tier}签约项目" if zh else f"Signings, {tier}"
