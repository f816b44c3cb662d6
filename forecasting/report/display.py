"""Tables as planners read them: names instead of ids, headers in the report's language.

Every table a notebook shows or an Excel sheet holds passes through :func:`readable`:
units and sectors get the labels ``district.toml`` gives them (``label``/``label_zh`` and
``[sector_labels]``), stages, targets and flags their names in the language, and the
column headers theirs from the catalogue (``forecasting/catalogue/columns.toml``). The
numbers are untouched.
"""
from __future__ import annotations

import re
from typing import Iterable

import pandas as pd

from ..texts import entries, text
from .style import language as current_language
from .style import shorten, target_label

#: Columns whose values are stages, targets, or ids of the district's units and sectors.
STAGE_COLUMNS = ("stage", "before", "after")
UNIT_COLUMNS = ("unit",)
SECTOR_COLUMNS = ("sector",)
TARGET_COLUMNS = ("target",)
#: Columns whose values are words the label catalogue knows (flags, kinds, steps, methods).
WORD_COLUMNS = ("flag", "kind", "step", "forecaster", "direction", "event", "provincial", "generator", "package")
#: Longest project name a table shows (the Excel forecast keeps names whole).
NAME_WIDTH = 38
_TARGETS = re.compile(r"^(groundbreakings|provincial_major|all|tier_.+)$")
_INTERVAL = re.compile(r"^(p_.+)_(lo|hi)$")
_TIER_P = re.compile(r"^p_(tier_.+)$")


def _lang(language: str | None) -> str:
    return language or current_language()


def table_number(value: float) -> str:
    """A number as a notebook's table shows it (pandas' ``display.float_format``, set by
    :func:`~forecasting.report.style.use_style`): at most three decimals and no trailing
    zeros, so a count or goal reads "20" and an amount "9.4", never e-notation or "-0".

    Examples
    --------
    >>> [table_number(v) for v in (20.0, 1850.0, 9.4, 0.35812, 1e-05, -0.0528, -1e-04)]
    ['20', '1,850', '9.4', '0.358', '0', '-0.053', '0']
    """
    shown = f"{value:,.3f}".rstrip("0").rstrip(".")
    return "0" if shown == "-0" else shown


def unit_name(district, unit_id: str, language: str | None = None) -> str:
    """A unit's label in the language (its id when ``district`` is ``None`` or has none)."""
    return district.unit_label(unit_id, _lang(language)) if district is not None else str(unit_id)


def sector_name(district, sector: str, language: str | None = None) -> str:
    """A sector's label in the language: ``[sector_labels]``, else the catalogue's name."""
    if district is not None and sector in district.sector_labels:
        return district.sector_label(sector, _lang(language))
    return _word(sector, language)


def _word(value, language: str | None) -> str:
    from .style import LABELS

    if not isinstance(value, str):
        return value
    if value in LABELS:
        en, zh = LABELS[value]
        return zh if _lang(language) == "zh" else en
    if _TARGETS.match(value):
        return target_label(value, language=_lang(language))
    return value


def header(column: object, language: str | None = None) -> object:
    """The readable header of one column name (unknown names come back unchanged).

    Examples
    --------
    >>> header("p_groundbreaking_lo", "en")
    'P(breaks ground this year), low (5 %)'
    >>> header("p_tier_5bn", "zh")
    '年内签约进入50亿级签约项目的概率'
    """
    if not isinstance(column, str):
        return column
    lang = _lang(language)
    cols = entries("columns")
    if column in ("counts_toward", "counting_note"):  # the watch lists' columns (not the template)
        return cols[f"{column}_column"][lang]
    if column in cols:
        return cols[column][lang]
    m = _INTERVAL.match(column)
    if m:
        return text(f"columns.interval_{m.group(2)}", language=lang, what=header(m.group(1), lang))
    m = _TIER_P.match(column)
    if m:
        return text("columns.p_tier", language=lang, tier=target_label(m.group(1), language=lang))
    if column.startswith("counts_"):
        return text("columns.counts_toward", language=lang, target=target_label(column[7:], language=lang))
    return _word(column, lang)


#: Amounts in billion yuan; a Chinese table shows them in 亿元 (hundred million), as planners write them.
AMOUNT_COLUMNS = ("investment_bn", "investment_before", "investment_after")


def _values(frame: pd.DataFrame, district, language: str) -> pd.DataFrame:
    out = frame.copy()
    if language == "zh":
        for col in AMOUNT_COLUMNS:
            if col in out.columns and pd.api.types.is_numeric_dtype(out[col]):
                out[col] = out[col] * 10
    for col in out.columns:
        if pd.api.types.is_bool_dtype(out[col]):
            yes, no = text("labels.yes", language=language), text("labels.no", language=language)
            out[col] = out[col].map({True: yes, False: no})
            continue
        if not isinstance(col, str) or not (pd.api.types.is_object_dtype(out[col])
                                             or pd.api.types.is_string_dtype(out[col])):
            continue
        if col in UNIT_COLUMNS:
            out[col] = out[col].map(lambda u: unit_name(district, u, language) if isinstance(u, str) else u)
        elif col in SECTOR_COLUMNS:
            out[col] = out[col].map(lambda s: sector_name(district, s, language) if isinstance(s, str) else s)
        elif col in STAGE_COLUMNS + TARGET_COLUMNS + WORD_COLUMNS:
            out[col] = out[col].map(lambda v: _word(v, language))
        elif col == "name":
            out[col] = out[col].map(lambda v: shorten(v, NAME_WIDTH) if isinstance(v, str) else v)
        elif col == "value":
            out[col] = out[col].map(lambda v: _factor_value(v, language, district))
    if "unit_label" in out.columns and "unit" in out.columns:
        out = out.drop(columns="unit_label")  # the unit column now carries the label
    return out


_MONTHS = re.compile(r"^(\d+) months?$")
_BN = re.compile(r"^(\d+(?:\.\d+)?) bn$")
_PACE = re.compile(r"^(-?\d+(?:\.\d+)?) months per stage$")


_UNIT_FACTOR = re.compile(r"^(\S+) \((\w+)\)$")


def _factor_value(value, language: str, district=None):
    """The ``value`` column of :meth:`OutcomeResults.explain <forecasting.simulation.fitted.OutcomeResults.explain>` in the
    language; the unit factor's "campaign_top10 (campaign)" as the unit's label."""
    if not isinstance(value, str):
        return value
    if district is not None and (m := _UNIT_FACTOR.match(value)) and m.group(1) in district.unit_ids:
        return unit_name(district, m.group(1), language)
    if language != "zh":
        return _word(value, language)
    if m := _MONTHS.match(value):
        return f"{m.group(1)}个月"
    if m := _BN.match(value):
        return f"{float(m.group(1)) * 10:.1f}亿元"
    if m := _PACE.match(value):
        return f"每阶段{m.group(1)}个月"
    return _word(value, language)


def _index(index: pd.Index, district, language: str) -> pd.Index:
    name = index.name
    if name in UNIT_COLUMNS:
        values = [unit_name(district, v, language) for v in index]
    elif name in SECTOR_COLUMNS:
        values = [sector_name(district, v, language) for v in index]
    elif name in WORD_COLUMNS:  # values, not column names: the kind "stage" is a stage move, not "Stage"
        values = [_word(v, language) for v in index]
    else:
        values = [header(v, language) if name is None or name not in ("project_id", "year") else v for v in index]
    return pd.Index(values, name=header(name, language) if name is not None else None)


def readable(frame: pd.DataFrame | pd.Series, district=None, *, language: str | None = None,
             columns: Iterable[str] | None = None) -> pd.DataFrame | pd.Series:
    """``frame`` as planners read it, in ``language`` (default: the style's).

    Unit and sector ids become the district's labels (``district``: a
    :class:`~forecasting.data.district.District`, e.g. ``history.district``; without it the ids
    stay), stages, targets and flags their names, project names are shortened at a word
    boundary, and the headers (columns, index names, row labels that are target or column
    names) come from the catalogue. ``columns`` picks and orders the columns first.

    Examples
    --------
    >>> readable(pd.DataFrame({"stage": ["signed"], "p_signed": [0.5]}), language="zh").columns.tolist()
    ['阶段', '年内签约概率']
    """
    lang = _lang(language)
    if isinstance(frame, pd.Series):
        out = frame.copy()
        if pd.api.types.is_bool_dtype(out):
            out = out.map({True: text("labels.yes", language=lang), False: text("labels.no", language=lang)})
        out.index = _index(out.index, district, lang)
        out.name = header(out.name, lang) if out.name is not None else None
        return out
    out = frame[list(columns)] if columns is not None else frame
    out = _values(out, district, lang)
    if isinstance(out.columns, pd.MultiIndex):
        out.columns = pd.MultiIndex.from_tuples([tuple(header(c, lang) for c in col) for col in out.columns],
                                                names=[header(n, lang) if n else n for n in out.columns.names])
    else:
        out.columns = pd.Index([header(c, lang) for c in out.columns],
                               name=header(out.columns.name, lang) if out.columns.name else None)
    if isinstance(out.index, pd.MultiIndex):
        out.index = pd.MultiIndex.from_arrays(
            [_index(out.index.get_level_values(i), district, lang) for i in range(out.index.nlevels)])
    elif not (isinstance(out.index, pd.RangeIndex) and out.index.name is None):
        out.index = _index(out.index, district, lang)
    return out


#: The columns of :func:`change_table`, ``what`` the change in words.
CHANGE_COLUMNS = ("kind", "project_id", "name", "unit", "sector", "what", "investment_bn")


def change_table(events: pd.DataFrame, district=None, *, language: str | None = None) -> pd.DataFrame:
    """Quarter changes (:attr:`QuarterChanges.events <forecasting.evaluation.changes.QuarterChanges.events>`)
    as planners read them: one row per event with what changed in words (``what``): a new
    project's stage on arrival ("new: Lead"), a stage move ("Negotiating → Signed"), a loss
    ("Signed → Lost"), a revision ("0.339 bn → 0.322 bn, −5 %"; 亿元 in Chinese) or a change on
    the provincial list ("provincial list: Candidate → Designated"), then :func:`readable`.

    Examples
    --------
    >>> e = pd.DataFrame({"kind": ["new", "stage"], "project_id": ["P1", "P2"], "name": ["a", "b"],
    ...                   "unit": ["u", "u"], "sector": ["s", "s"], "stage": ["lead", "signed"],
    ...                   "before": ["", "negotiating"], "after": ["lead", "signed"],
    ...                   "investment_before": [None, None], "investment_after": [None, None],
    ...                   "change_pct": [None, None], "investment_bn": [0.4, 2.0]})
    >>> change_table(e, language="en")["What changed"].tolist()
    ['new: Lead', 'Negotiating → Signed']
    """
    lang = _lang(language)
    say = lambda key, **v: text(f"labels.{key}", language=lang, **v)  # noqa: E731
    zh = lang == "zh"

    def amount(bn: float) -> str:  # three figures below 1 bn (10亿元), where small revisions happen
        return f"{10 * bn:,.{2 if bn < 1 else 1}f}亿元" if zh else f"{bn:,.{3 if bn < 1 else 2}f} bn"

    def what(r) -> str:
        if r["kind"] == "new":
            return say("what_new", stage=_word(r["after"], lang))
        if r["kind"] == "revision":
            return say("what_revision", before=amount(r["investment_before"]), after=amount(r["investment_after"]),
                       pct=f"{r['change_pct']:+.0f}".replace("-", "−"))
        if r["kind"] == "provincial":
            status = lambda s: say("provincial_not_listed") if s == "none" else _word(s, lang)  # noqa: E731
            return say("what_provincial", before=status(r["before"]), after=status(r["after"]))
        return say("what_stage", before=_word(r["before"], lang), after=_word(r["after"], lang))

    out = events.assign(what=[what(r) for _, r in events.iterrows()]) if len(events) else events.assign(what="")
    return readable(out, district, language=lang, columns=CHANGE_COLUMNS)


def unit_labels(district, ids: Iterable[str], language: str | None = None) -> list[str]:
    """The labels of ``ids`` (units), in order."""
    return [unit_name(district, u, language) for u in ids]


__all__ = ["change_table", "header", "readable", "table_number", "sector_name", "unit_labels", "unit_name"]
