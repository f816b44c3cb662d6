"""The public figures a Hailing-sized district's yearly counts should fall within, with their source.

DOMAIN.md gathers published figures (Chinese government and press pages, 2019–2026) and
judgements from them; :data:`PUBLIC_FIGURES` turns them into a range per yearly count of
:func:`forecasting.report.overview.yearly_counts`, each with the reading that gives it, and
:func:`within_public_ranges` says whether every complete year of a ledger falls inside. They
are ranges to check a ledger's realism against (notebook 01), not truths.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

import pandas as pd

__all__ = ["LEADS_SIGNING", "PUBLIC_FIGURES", "PublicRange", "within_public_ranges"]


@dataclass(frozen=True)
class PublicRange:
    """A yearly count's plausible range, both ends included, and where it comes from.

    Attributes
    ----------
    low, high : the range's ends.
    source : the DOMAIN.md figures behind it, and whether they are seen or estimated.
    """

    low: float
    high: float
    source: str


#: Share of leads that sign, lowest and highest (DOMAIN.md, How projects progress, l.38–39;
#: estimate): 25–35 % of leads reach negotiation and 35–50 % of those sign.
LEADS_SIGNING = (0.25 * 0.35, 0.35 * 0.50)

_SIGNED = PublicRange(100, 150, "estimate: Hailing signed 28 of Taizhou's 254 projects of at least 0.1 bn in "
                      "2019Q1 and plans 160 for 2026 (DOMAIN.md, Scale, l.16–19; seen)")

#: Yearly count (a column of ``yearly_counts``) -> its range from DOMAIN.md's public figures.
PUBLIC_FIGURES: dict[str, PublicRange] = {
    # as many leads as the signings need: the fewest signings at the best conversion, the most at the worst
    "new_leads": PublicRange(math.floor(_SIGNED.low / LEADS_SIGNING[1]), math.ceil(_SIGNED.high / LEADS_SIGNING[0]),
                             "estimate: 100–150 signings a year (DOMAIN.md, Scale, l.16–19) when 9–18 % of leads "
                             "sign, 25–35 % reaching negotiation and 35–50 % of those signing (DOMAIN.md, How "
                             "projects progress, l.38–39; estimate)"),
    "signed": _SIGNED,
    "groundbreakings_all": PublicRange(40, 70, "estimate: Hailing started 10 of Taizhou's 104 projects in 2019Q1, "
                                       "about a tenth of the city (DOMAIN.md, Scale, l.18–19; seen)"),
    "groundbreakings": PublicRange(12, 20, "estimate: a Hailing-sized district starts roughly 12–20 projects of at "
                                   "least 0.5 bn a year, from Taizhou's ~140 a year in 2020–22 (DOMAIN.md, Scale, "
                                   "l.20–22)"),
    "provincial_major": PublicRange(1, 4, "estimate: the 2024 goal adds three Jiangsu provincial major projects "
                                    "(DOMAIN.md, The 2024 goals, l.9; seen)"),
}


def within_public_ranges(yearly: pd.DataFrame, figures: Mapping[str, PublicRange] = PUBLIC_FIGURES) -> pd.Series:
    """Whether every complete year's count lies within its public range, per count.

    Parameters
    ----------
    yearly : one row per year with a boolean ``complete`` column and a column per count
        (``forecasting.report.overview.yearly_counts``).
    figures : count -> its range; :data:`PUBLIC_FIGURES` by default.

    Returns
    -------
    pandas.Series
        Boolean per count, in the order of ``figures``: ``True`` when every complete year is
        inside the range (also when no year is complete).

    Raises
    ------
    KeyError
        When ``yearly`` lacks ``complete`` or a count of ``figures``, naming the column.

    Examples
    --------
    >>> yearly = pd.DataFrame({"complete": [True, False], "signed": [120, 10]})
    >>> within_public_ranges(yearly, {"signed": PUBLIC_FIGURES["signed"]}).to_dict()
    {'signed': True}
    """
    missing = [c for c in ("complete", *figures) if c not in yearly.columns]
    if missing:
        raise KeyError(f"the yearly table has no column {', '.join(missing)}; expected the columns of yearly_counts")
    complete = yearly[yearly["complete"]]
    return pd.DataFrame({c: complete[c].between(r.low, r.high) for c, r in figures.items()}).all()
