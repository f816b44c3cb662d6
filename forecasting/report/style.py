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

# the report's language and the labels live with the text catalogue, below the report layer
from ..texts import LABELS, language, set_language, t, target_label

__all__ = ["FORECAST_COLOR", "FORMATS_ENV", "GOAL_COLOR", "HALF", "LABELS", "PALETTE", "SLIDE", "SO_FAR_COLOR", "amount",
           "cjk_font", "language", "series_color", "set_language", "shorten", "t", "target_label", "use_style"]

#: Twelve colours that stay apart, in the order the charts use them: the Okabe–Ito palette
#: (colour-blind safe) first, then four of Paul Tol's muted scheme (wine, teal, olive,
#: indigo) for charts with more series — nine units plus a total keep distinct colours.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000",
           "#882255", "#44AA99", "#999933", "#332288"]
GOAL_COLOR = "#D55E00"
SO_FAR_COLOR = "#009E73"
FORECAST_COLOR = "#0072B2"
SLIDE = (13.33, 7.5)  # 16:9 inches
HALF = (6.67, 7.5)

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
#: wants (``"png,svg"``). :func:`forecasting.report.meeting.build_report` sets it for the kernels it
#: starts, so the stored notebooks keep PNG only (nbval compares SVG text exactly).
FORMATS_ENV = "FORECASTING_FIGURE_FORMATS"


def use_style(language: Literal["en", "zh"] = "en", *, figure_formats: Sequence[str] | None = None) -> None:
    """Set the toolkit's chart style for this session (in a Jupyter kernel also the toolkit's
    warnings as one line each and tables' numbers as :func:`~forecasting.report.display.table_number`
    shows them).

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
    set_language(language)
    family, weight = ["DejaVu Sans"], "bold"
    if language == "zh":
        name = cjk_font()
        if name:
            family = [name, "DejaVu Sans"]
            # mplfonts ships the regular face only: ask for bold and matplotlib logs a
            # fallback for every title; the titles' size sets them apart instead
            weight = "bold" if _has_bold(name) else "normal"
            if weight == "normal":
                # a chart's explicit bold (a suptitle, a bar's value) falls back to the regular
                # face as intended; matplotlib's "findfont: Failed to find font weight bold"
                # line, printed under every such chart of a Chinese report, says nothing to a planner
                import logging

                logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
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
    if _in_kernel():  # the toolkit's warnings as one readable line, not Python's file:line block
        import pandas as pd

        from .display import table_number
        from .notes import readable_warnings

        readable_warnings()
        pd.set_option("display.float_format", table_number)  # "20", not "20.000"; never "1e-05"
    if figure_formats is None and os.environ.get(FORMATS_ENV):
        figure_formats = [f.strip() for f in os.environ[FORMATS_ENV].split(",") if f.strip()]
    if figure_formats:
        _inline_formats(tuple(figure_formats))


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def _inline_formats(formats: tuple[str, ...]) -> None:
    """Make a Jupyter kernel display each figure in every one of ``formats``.

    The equivalent of ``%config InlineBackend.figure_formats = [...]``: set on the inline
    backend's configuration (which the backend re-reads when pyplot is first imported) and
    on the live display formatters. Without a kernel (a script, the tests) it does nothing.
    """
    if not _in_kernel():
        return
    from IPython import get_ipython

    shell = get_ipython()
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


def series_color(i: int) -> str:
    """The colour of the ``i``-th series of a chart: twelve distinct, then they repeat."""
    return PALETTE[i % len(PALETTE)]


_WIDE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")


def shorten(name: object, width: int = 32) -> str:
    """``name`` cut to at most ``width`` characters at a word boundary, with an ellipsis.

    English names are cut between words (``textwrap.shorten``); Chinese text, which has no
    spaces, is cut between characters. A name that fits comes back unchanged.

    Examples
    --------
    >>> shorten("Hongbang Industrial Co., Ltd. Industrial park phase 2", 36)
    'Hongbang Industrial Co., Ltd. …'
    >>> shorten("海陵区新能源电池储能产业园二期项目", 10)
    '海陵区新能源电池储…'
    """
    import textwrap

    text = " ".join(str(name).split())
    if len(text) <= width:
        return text
    if _WIDE.search(text) and " " not in text[:width]:
        return text[: width - 1] + "…"
    cut = textwrap.shorten(text, width=width, placeholder=" …")
    if cut == "…" or cut.strip() == "…":  # one word longer than the width
        return text[: width - 1] + "…"
    return cut


def amount(bn: float) -> str:
    """An investment amount as the language writes it: ``"2.5 bn"``, ``"25亿元"``."""
    if language() == "zh":
        return t("amount_bn", amount=f"{bn * 10:.0f}" if bn >= 1 else f"{bn * 10:.1f}")
    return t("amount_bn", amount=f"{bn:.1f}")
