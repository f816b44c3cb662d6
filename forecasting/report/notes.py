"""Sentences the notebooks print about *this* district, worked out from its data.

The notebooks' prose (``forecasting/catalogue/notebooks.toml``) is the same for every data
folder; what is true only of one district is said here, from the district and its
tables: whose data the report is on (:func:`data_note`), how its complete years compare with
the public ranges (:func:`range_note`), the reverse staffing question's answer
(:func:`needed_line`), and the toolkit's warnings as a planner reads them
(:func:`warning_line`, installed in a notebook by :func:`readable_warnings`: each said once,
its units by their labels once :func:`show_data_note` has named the district).
"""
from __future__ import annotations

import re
import sys
import warnings
from typing import Mapping

import pandas as pd

from ..errors import ForecastingWarning, SparseDataWarning
from ..texts import text
from .style import language as current_language
from .style import t

__all__ = ["data_note", "illustrative", "needed_line", "range_note", "readable_warnings", "show_data_note",
           "show_tier_candidates", "tier_candidates", "warning_line"]

#: What a district's name says when its data is simulated (the generators name theirs so).
_ILLUSTRATIVE = re.compile(r"illustrative|simulated|synthetic|示例|模拟", re.IGNORECASE)


def _lang(language: str | None) -> str:
    return language or current_language()


def illustrative(name: str | None) -> bool:
    """Whether a district's name says its data is simulated ("… (illustrative data)").

    Examples
    --------
    >>> illustrative("Hailing District, Taizhou (illustrative data)"), illustrative("海陵区")
    (True, False)
    """
    return bool(name) and bool(_ILLUSTRATIVE.search(str(name)))


def data_note(district, language: str | None = None, *, area: str = "notebooks") -> str:
    """The line under a notebook's title (``area="brief"``: the brief's footnote) saying whose
    data it is: simulated data says so; any other district is named as ``district.toml`` names it.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> data_note(SimpleNamespace(name="Another district"), "en")
    '*Data: Another district.*'
    """
    name = getattr(district, "name", district)
    if illustrative(name):
        return text(f"{area}.illustrative", language=_lang(language))
    return text(f"{area}.data_of", language=_lang(language), name=name)


def show_data_note(district, language: str | None = None) -> None:
    """Display :func:`data_note` as Markdown (a notebook's second cell); from then on the
    notebook's warnings name the district's units by their labels (:func:`readable_warnings`)."""
    from IPython.display import Markdown, display

    _SHOWN["district"] = district
    display(Markdown(data_note(district, language)))


def range_note(yearly: pd.DataFrame, figures=None, *, language: str | None = None) -> str:
    """How the complete years of ``yearly`` (:func:`~forecasting.report.overview.yearly_counts`)
    compare with the public ranges, in a sentence: which counts lie outside and in which
    years, or that every one lies inside, or that no year is complete yet (then nothing is
    compared: a partial year says nothing about a yearly range).

    Examples
    --------
    >>> from forecasting.data.public_figures import PUBLIC_FIGURES
    >>> yearly = pd.DataFrame({"complete": [True, False], "signed": [90, 10]}, index=[2023, 2024])
    >>> range_note(yearly, {"signed": PUBLIC_FIGURES["signed"]}, language="en")
    'Outside the public ranges in a complete year: Signed (2023: 90; range 100–150).'
    """
    from ..data.public_figures import PUBLIC_FIGURES

    figures = PUBLIC_FIGURES if figures is None else figures
    lang = _lang(language)
    complete = yearly[yearly["complete"].astype(bool)]
    if complete.empty:
        return text("notebooks.01_no_complete_year", language=lang)
    sep = text("whatif.list_separator", language=lang)
    outside = []
    for column, r in figures.items():
        out = complete[~complete[column].between(r.low, r.high)][column]
        if len(out):
            years = sep.join(f"{y}: {int(v):,}" for y, v in out.items())
            outside.append(text("notebooks.01_outside_one", language=lang, count=t(column, language=lang),
                                years=years, low=f"{r.low:,g}", high=f"{r.high:,g}"))
    span = f"{complete.index[0]}" if len(complete) == 1 else f"{complete.index[0]}–{complete.index[-1]}"
    if not outside:
        return text("notebooks.01_all_inside", language=lang, years=span)
    return text("notebooks.01_outside", language=lang, counts=text("notebooks.01_outside_sep", language=lang)
                .join(outside))


#: The columns of a size tier's candidate table (notebook 02), ``{p}`` the tier's probability.
TIER_COLUMNS = ("project_id", "name", "unit", "stage", "investment_bn", "{p}", "{p}_lo", "{p}_hi", "counts_toward",
                "counting_note")


def tier_candidates(table: pd.DataFrame, district, year: int, *, n: int = 5, language: str | None = None) -> list:
    """Per size tier of ``year``, what notebook 02 shows: the ``n`` projects most likely to
    sign in it (:func:`~forecasting.whatif.watchlist.tier_candidates`, as :func:`readable`
    tables), or, when no open project has a chance of it, a sentence saying so (Markdown).

    ``table`` is :func:`~forecasting.whatif.watchlist.outlook`'s."""
    from IPython.display import Markdown

    from ..texts import target_label
    from ..whatif.watchlist import tier_candidates as candidates
    from .display import readable

    lang = _lang(language)
    out: list = []
    for tier in district.targets_for(year).tiers:
        top = candidates(table, tier.name, n=n)
        p = f"p_tier_{tier.name}"
        if len(top):
            out.append(readable(top, district, language=lang, columns=[c.format(p=p) for c in TIER_COLUMNS]))
        else:
            out.append(Markdown(text("notebooks.02_tier_none", language=lang, year=year,
                                     tier=target_label(f"tier_{tier.name}", language=lang))))
    return out


def show_tier_candidates(table: pd.DataFrame, district, year: int, *, n: int = 5,
                         language: str | None = None) -> None:
    """Display :func:`tier_candidates` (notebook 02's size tiers), a table or a sentence per tier."""
    from IPython.display import display

    for part in tier_candidates(table, district, year, n=n, language=language):
        display(part)


def needed_line(need, names: Mapping[str, str] | None = None, *, language: str | None = None) -> str:
    """The reverse staffing question's answer (:func:`~forecasting.whatif.needed.staff_needed`)
    in the report's language, units by their labels (``names``: id -> label), the
    probabilities as percentages."""
    lang = _lang(language)
    names = names or {}
    sep = text("whatif.list_separator", language=lang)
    where = sep.join(text("notebooks.04_needed_in", language=lang, n=k, unit=_before_number(names.get(u, u), lang))
                     for u, k in need.added.items() if k) or text("notebooks.04_beyond_none", language=lang)
    key = "notebooks.04_needed_reached" if need.reached else "notebooks.04_needed_not_reached"
    people = text("notebooks.04_needed_person" if need.n_added == 1 else "notebooks.04_needed_people", language=lang)
    return text(key, language=lang, n=need.n_added, people=people, where=where, value=f"{need.value:.1%}",
                level=f"{need.level:.1%}")


def _before_number(label: str, language: str) -> str:
    """A label the Chinese text puts a number right after ("甲组10人"): a Latin one ending in a
    letter or digit gets a space, or "Team A10人" reads as "Team A10"."""
    return f"{label} " if language == "zh" and label[-1:].isascii() and label[-1:].isalnum() else label


def warning_line(message: object, category: type, language: str | None = None, *, district=None) -> str | None:
    """A toolkit warning (a :class:`~forecasting.errors.ForecastingWarning`) as one line a
    planner reads: "Note: …", without the file, line and source code Python prints, and with
    ``district``'s unit ids replaced by their labels in the language (an id inside a file's
    key, ``[effort.branch_4]``, stays). ``None`` for any other warning (shown as Python shows it).

    Examples
    --------
    >>> from forecasting.data.district import read_district
    >>> warning_line("no staffed quarter yet for center_beijing", SparseDataWarning, "en",
    ...              district=read_district("data/district.toml"))
    'Note: no staffed quarter yet for Beijing Innovation Centre'
    >>> warning_line("a warning of another library", UserWarning) is None
    True
    """
    if not (isinstance(category, type) and issubclass(category, ForecastingWarning)):
        return None
    lang = _lang(language)
    message = str(message).strip()
    if district is not None and district.unit_ids:
        ids = "|".join(re.escape(u) for u in sorted(district.unit_ids, key=len, reverse=True))
        message = re.sub(rf"(?<![\w.])({ids})(?!\w)", lambda m: district.unit_label(m.group(1), lang), message)
    return text("notebooks.warning_note", language=lang, message=message)


def readable_warnings() -> None:
    """In a notebook: print the toolkit's warnings as :func:`warning_line` gives them (on the
    cell's output, not as a red error block); other warnings keep Python's form. Every
    notebook's first cell calls it (through :func:`~forecasting.report.style.use_style`)."""
    if warnings.showwarning is _show:  # installed already (every notebook's first cell calls it)
        return
    _ORIGINAL["showwarning"] = warnings.showwarning
    warnings.showwarning = _show


#: Python's own ``warnings.showwarning``, kept for the warnings that are not the toolkit's.
_ORIGINAL: dict = {}
#: The notebook's district (:func:`show_data_note`) and the warning lines it has shown: a model
#: fitted again (every backtest origin, each quarter of notebook 06) warns again, and a
#: planner reads a note once.
_SHOWN: dict = {"district": None, "lines": set()}


def _show(message, category, filename, lineno, file=None, line=None):
    line_ = warning_line(message, category, district=_SHOWN["district"])
    if line_ is None:
        return _ORIGINAL["showwarning"](message, category, filename, lineno, file, line)
    if line_ not in _SHOWN["lines"]:
        _SHOWN["lines"].add(line_)
        print(line_, file=sys.stdout)
