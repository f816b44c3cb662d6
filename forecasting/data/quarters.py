"""Quarters written ``YYYYQn``, their end dates and arithmetic (thin over ``pandas.Period``)."""
from __future__ import annotations

import re
import unicodedata

import pandas as pd

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
#: A quarter as offices write it: 2024Q1, 2024q1, 2024-Q1, 2024 Q1, Q1 2024, 2024年1季度, 2024年第一季度.
_WRITTEN = re.compile(r"(\d{4})\s*[-_/]?\s*q([1-4])|q([1-4])\s*[-_/]?\s*(\d{4})"
                      r"|(\d{4})\s*年\s*第?\s*([1-4一二三四])\s*季度?", re.IGNORECASE)


def is_quarter(text: str) -> bool:
    """Whether ``text`` is a quarter written ``YYYYQn``."""
    return bool(_QUARTER.match(str(text)))


def read_quarter(text: str) -> str | None:
    """A quarter as written by hand (see ``_WRITTEN``; full-width digits too) as ``YYYYQn``, or ``None``."""
    m = _WRITTEN.fullmatch(unicodedata.normalize("NFKC", str(text)).strip())
    if not m:
        return None
    year = m.group(1) or m.group(4) or m.group(5)
    n = m.group(2) or m.group(3) or m.group(6)
    return f"{year}Q{'一二三四'.index(n) + 1 if n in '一二三四' else n}"


def parse_quarter(text: str) -> pd.Period:
    """``"2024Q1"`` -> ``Period('2024Q1', 'Q-DEC')``; ``ValueError`` on anything else."""
    if not is_quarter(text):
        raise ValueError(f"{text!r} is not a quarter written YYYYQn, such as 2024Q1")
    return pd.Period(str(text), freq="Q-DEC")


def quarter_end(quarter: str | pd.Period) -> pd.Timestamp:
    """The as-of date of a quarter: its last day (midnight)."""
    q = parse_quarter(quarter) if isinstance(quarter, str) else quarter
    return q.end_time.normalize()


def quarter_of(date: pd.Timestamp) -> str:
    """The quarter a date falls in, as ``YYYYQn``."""
    return str(pd.Timestamp(date).to_period("Q-DEC"))


def shift(quarter: str, n: int) -> str:
    """The quarter ``n`` quarters after (``n < 0``: before) ``quarter``."""
    return str(parse_quarter(quarter) + n)


def quarter_range(first: str, last: str) -> list[str]:
    """Every quarter from ``first`` to ``last`` inclusive."""
    return [str(p) for p in pd.period_range(parse_quarter(first), parse_quarter(last), freq="Q-DEC")]
