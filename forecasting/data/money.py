"""Checking a snapshot's amount column: its unit of money, the amounts in billion CNY, their plausibility.

:func:`money_unit` tells whether a header is the amount column and which unit it names;
:func:`check_amounts` converts a column's cells to billion CNY (by the column's unit, or by a
cell's 亿/万 suffix when the header names none) and reports every breach: a suffix other than
the column's unit, an amount not above 0, a column whose median betrays another unit
(DATA.md), an amount implausible for one project.
"""
from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pandas as pd

from ..errors import Breach
from .schema import MAX_PLAUSIBLE_BN, MONEY_ALIASES
from .vocabulary import BN_PER, DIVISOR, amounts, fold_header as _key, foreign_currency

_YI_COLUMN_MEDIAN = 1_000.0  # a 亿元 column whose median is above this holds 万元
_WAN_COLUMN_MEDIAN = 100.0  # a 万元 column whose median is below this (0.001 bn) holds 亿元
#: The name of each unit of money in messages.
UNIT_NAME = {"bn": "billion CNY", "亿元": "亿元", "万元": "万元", "元": "元"}

_MONEY_OF: dict[str, str | None] = {_key(a): u for a, (u, _) in MONEY_ALIASES.items()}
#: 计划总投资(亿元), also 项目总投资（万元）, 计划总投资(亿), 计划总投资/万元, 计划总投资(单位：万元), folded.
_MONEY_HEADER = re.compile(r"(?:项目)?(计划总投资额?|总投资额?|计划投资额?|投资额|投资总额)"
                           r"(?:(?:\(|/)(?:单位:?)?(?:人民币)?(亿元|万元|元|亿|万)(?:人民币)?\)?)?")
#: An amount header naming a foreign currency: 计划总投资(亿美元), 投资额(万港元), investment_usd …
_AMOUNT_WORD = re.compile(r"投资|investment|amount|金额")
_SHORT_UNIT = {"亿": "亿元", "万": "万元"}
#: 约5亿, 5亿左右, 5亿多, 5余亿, 5-10亿, 5~10亿, 5至10亿: not one amount.
_VAGUE = re.compile(r"^\s*(约|大约|近|超|逾)|左右|以上|以下|多\s*(亿|万)?(元)?\s*$|余|\d\s*(-|~|～|—|–|至|到)\s*\d")


def money_unit(header: str) -> tuple[bool, str | None]:
    """Whether a header is the amount column, and the unit it names (``None``: none)."""
    key = _key(header)
    if key in _MONEY_OF:
        return True, _MONEY_OF[key]
    m = _MONEY_HEADER.fullmatch(key)
    return (True, _SHORT_UNIT.get(m.group(2), m.group(2))) if m else (False, None)



def foreign_money(header: str) -> str | None:
    """The foreign currency an amount header names (``计划总投资(亿美元)`` -> ``美元``), or ``None``."""
    key = _key(header)
    return foreign_currency(key) if _AMOUNT_WORD.search(key) else None


def check_amounts(col: pd.Series, present: np.ndarray, unit: str | None, bad, used: Counter, out: list[Breach],
             label: str, header: str) -> pd.Series:
    """The amounts in billion CNY: by the column's unit, or by a cell's 亿/万 suffix when the
    header names none; a suffix other than the header's unit is a breach saying what to write.

    ``present`` marks the filled cells, ``unit`` is the column's unit (``None``: the header names
    none), ``bad`` is a :class:`~forecasting.errors.RowBreaches` ``add``; conversions are
    counted in ``used`` and column-wide breaches appended to ``out``.
    """
    values, inverse = np.unique(col.to_numpy(dtype=str), return_inverse=True)
    foreign = np.array([foreign_currency(v) for v in values], dtype=object)[inverse]
    abroad = present & pd.notna(foreign)
    bad(abroad, "investment_bn", lambda i: f"{col.iloc[i]!r} is in a foreign currency ({foreign[i]})",
        "amounts in CNY: convert the amount (at the rate of its signing) and write it in the column's unit",
        many="are in a foreign currency", value=lambda i: col.iloc[i])
    present = present & ~abroad
    vague = present & np.array([bool(_VAGUE.search(v)) for v in values], dtype=bool)[inverse]
    bad(vague, "investment_bn", lambda i: f"{col.iloc[i]!r} is an approximate amount or a range",
        "one amount, the figure in the investment agreement or the latest estimate (write 5, not 约5 or 5-10)",
        many="are approximate amounts or ranges", value=lambda i: col.iloc[i])
    present = present & ~vague
    num, suffix = amounts(col)
    has_suffix = (suffix != "").to_numpy()
    if unit is None and present.any():
        if not (has_suffix | ~present).all():
            out.append(Breach(label, None, header, "the header names no unit of money and "
                              f"{int((present & ~has_suffix).sum()):,} amounts have no 亿/万 suffix",
                              "a header naming the unit, such as 计划总投资(亿元), or a 单位：亿元 line above the table"))
    clash = present & has_suffix & (suffix != (unit or "")).to_numpy() & (unit is not None)

    def instead(i: int) -> str:
        value = num.iloc[i] * BN_PER[suffix.iloc[i]] / BN_PER[unit]
        return f"{value:.10g}"

    if unit is not None:
        bad(clash, "investment_bn", lambda i: f"{col.iloc[i]!r} is in {suffix.iloc[i]} but the column is in "
            f"{UNIT_NAME[unit]}: write {instead(i)}", f"amounts in {UNIT_NAME[unit]}, without a suffix, or "
            "a header naming the unit the cells use", many=f"have a suffix other than the column's unit "
            f"({UNIT_NAME[unit]}; write {instead(int(np.flatnonzero(clash)[0]))} for the first)" if clash.any()
            else "", value=lambda i: col.iloc[i])
    own = unit or "bn"
    scale = pd.Series(DIVISOR[own], index=col.index, dtype=float)
    if unit is None:
        scale = scale.where(~has_suffix, suffix.map(lambda s: DIVISOR.get(s, 1.0)).astype(float))
    n_suffix = int((present & has_suffix & ~clash).sum())
    if n_suffix:
        used["investment_bn: amounts with a 亿/万 suffix converted"] += n_suffix
    # 2.14 亿元 / 10 is 0.21400000000000002; rounding at 1e-12 bn (a thousandth of a yuan) cleans it
    bn = num.where(scale == 1.0, (num / scale).round(12))
    bn = bn.where(~clash)
    in_unit = num if unit is not None else bn
    ok = present & ~clash
    out += _amount_breaches(in_unit, bn, ok, own if unit is not None else "bn", bad, lambda i: col.iloc[i],
                            label, header)
    return bn


def _amount_breaches(amount: pd.Series, bn: pd.Series, present: np.ndarray, unit: str, bad, text,
                     label: str, header: str) -> list[Breach]:
    """Amounts above 0, and plausible for the unit their header names (see DATA.md)."""
    bad(present & ~(amount > 0).to_numpy(), "investment_bn", lambda i: f"{text(i)!r} is not an amount above 0",
        f"a number above 0, in {UNIT_NAME[unit]} (a 亿 or 万 suffix, full-width digits and thousands "
        "separators are read)", many="are not amounts above 0", value=text)
    positive = amount[present & (amount > 0).to_numpy()]
    median = float(positive.median()) if len(positive) else np.nan
    column: list[Breach] = []
    if unit == "亿元" and median > _YI_COLUMN_MEDIAN:
        column.append(Breach(label, None, header, f"the median amount is {median:,.0f} 亿元, typical of 万元: "
                             "the column looks like 万元 entered under a 亿元 header",
                             "amounts in 亿元 (1 亿元 = 0.1 bn), or the header 计划总投资(万元)"))
    elif unit == "万元" and median < _WAN_COLUMN_MEDIAN:
        column.append(Breach(label, None, header, f"the median amount is {median:,.4g} 万元, typical of 亿元: "
                             "the column looks like 亿元 entered under a 万元 header",
                             "amounts in 万元 (10,000 万元 = 0.1 bn), or the header 计划总投资(亿元)"))
    elif unit == "bn" and median > MAX_PLAUSIBLE_BN:
        column.append(Breach(label, None, header, f"the median amount is {median:,.0f} bn: the column looks "
                             "like 万元 or 元 entered as billion", "billion CNY, or a header naming the unit "
                             "such as 计划总投资(万元)"))
    else:
        hint = {"bn": "万元 or 元 entered as billion", "亿元": "万元 entered as 亿元",
                "万元": "元 entered as 万元", "元": "a misplaced decimal point"}[unit]

        def message(i: int) -> str:
            size = f"{text(i)} bn" if unit == "bn" else f"{text(i)} {unit} ({bn.iloc[i]:,.0f} bn)"
            return f"{size} is implausible for one project: the value looks like {hint}"

        bad(present & (bn > MAX_PLAUSIBLE_BN).to_numpy(), "investment_bn", message,
            f"at most {MAX_PLAUSIBLE_BN:,.0f} bn per project",
            many=f"hold amounts implausible for one project (over {MAX_PLAUSIBLE_BN:,.0f} bn): they look like "
                 f"{hint}", value=text)
    return column
