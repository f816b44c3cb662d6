"""One look for every chart of the toolkit: slide-sized, large type, colour-blind-safe.

Call :func:`use_style` once (a notebook's first cell); every ``plot_*`` function then draws
in it. ``language="zh"`` registers a CJK font shipped by the ``mplfonts`` package (installed
with the toolkit) so Chinese labels render without a system font.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

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


def use_style(language: Literal["en", "zh"] = "en") -> None:
    """Set the toolkit's chart style for this session."""
    _LANG["language"] = language
    family = ["DejaVu Sans"]
    if language == "zh":
        name = cjk_font()
        if name:
            family = [name, "DejaVu Sans"]
    mpl.rcParams.update({
        "figure.figsize": SLIDE,
        "figure.dpi": 100,
        "savefig.dpi": 150,
        "savefig.bbox": "tight",
        "font.family": "sans-serif",
        "font.sans-serif": family,
        "font.size": 16,
        "axes.titlesize": 22,
        "axes.titleweight": "bold",
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


def language() -> str:
    return _LANG["language"]


#: Labels in both languages; ``t("signed")`` gives the current language's.
LABELS = {
    "lead": ("Lead", "线索"),
    "negotiating": ("Negotiating", "洽谈"),
    "signed": ("Signed", "签约"),
    "approved": ("Approved", "供地"),
    "under_construction": ("Under construction", "在建"),
    "operating": ("Operating", "投产"),
    "lost": ("Lost", "终止"),
    "groundbreakings": ("Groundbreakings", "开工项目"),
    "provincial_major": ("Provincial major projects", "省重大项目"),
    "new_leads": ("New leads", "新增线索"),
    "projects": ("Projects", "项目数"),
    "goal": ("Goal", "目标"),
    "so_far": ("Achieved so far", "已完成"),
    "quarter": ("Quarter", "季度"),
    "year": ("Year", "年份"),
    "probability": ("Probability", "概率"),
    "forecast": ("Forecast", "预测"),
}


def t(key: str) -> str:
    """A label in the current language (the key itself when unknown)."""
    if key.startswith("tier_"):
        name = key[5:]
        return f"Signings {name}" if language() == "en" else f"{name}签约项目"
    en, zh = LABELS.get(key, (key, key))
    return zh if language() == "zh" else en
