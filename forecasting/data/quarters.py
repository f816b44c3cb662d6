"""Quarters written ``YYYYQn``, their end dates and arithmetic (thin over ``pandas.Period``)."""
from __future__ import annotations

import re

import pandas as pd

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


def is_quarter(text: str) -> bool:
    """Whether ``text`` is a quarter written ``YYYYQn``."""
    return bool(_QUARTER.match(str(text)))


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
