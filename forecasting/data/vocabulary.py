"""The values a planner writes and what they mean (DATA.md "Real exports"): codes, Chinese
words and district names for stages, statuses, phases, sectors and units; amounts with a
亿/万 suffix; year-first dates written as text or as Excel serial numbers.

Every mapping works on the distinct values of a column (a ledger has thousands of rows but
few distinct values) and reports what it mapped, for ``forecasting validate --explain``.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np
import pandas as pd

from .schema import ALL_STAGES, PROVINCIAL_STATUS


def fold(text: object) -> str:
    """Text reduced for matching: full-width forms folded (NFKC), padding dropped, lower case."""
    return unicodedata.normalize("NFKC", str(text)).strip().lower()


def fold_header(text: object) -> str:
    """A header reduced for matching: also every space and line break dropped, and the star
    (``*项目编号``, ``进度※``) that templates put on required columns."""
    return re.sub(r"[\s*※]+", "", fold(text))


#: Chinese stage words of DATA.md.
STAGE_WORDS: dict[str, str] = {
    "线索": "lead", "在谈": "negotiating", "洽谈": "negotiating", "已签约": "signed", "签约": "signed",
    "已供地": "approved", "供地": "approved", "在建": "under_construction", "开工": "under_construction",
    "已开工": "under_construction", "已投产": "operating", "投产": "operating", "竣工投产": "operating",
    "终止": "lost", "已终止": "lost",
    "洽谈中": "negotiating", "在谈中": "negotiating", "建设中": "under_construction", "在建中": "under_construction",
}
PROVINCIAL_WORDS: dict[str, str] = {"否": "none", "无": "none", "候选": "candidate", "是": "designated"}
PHASE_WORDS: dict[str, str] = {"一期": "1", "二期": "2", "三期": "3", "四期": "4", "五期": "5"}


@dataclass
class Mapping:
    """Names -> codes for one column: the codes themselves, built-in words, district names."""

    codes: tuple[str, ...]
    names: dict[str, str] = field(default_factory=dict)  # folded name -> code

    @classmethod
    def of(cls, codes: Iterable[str], *tables: dict[str, str]) -> "Mapping":
        codes = tuple(codes)
        names = {fold(c): c for c in codes}
        for table in tables:
            for name, code in table.items():
                if name and code in codes:
                    names.setdefault(fold(name), code)
        return cls(codes, names)

    def apply(self, col: pd.Series) -> tuple[pd.Series, Counter]:
        """The codes of a column ('' where empty, the text itself where unknown) and the
        mappings used (written text -> code, with counts), identities left out."""
        values, inverse = np.unique(col.to_numpy(dtype=str), return_inverse=True)
        mapped = np.array([self.names.get(fold(v), v) if v else v for v in values], dtype=object)
        out = pd.Series(mapped[inverse], index=col.index, dtype=object)
        counts = np.bincount(inverse, minlength=len(values))
        used = Counter({f"{v} → {m}": int(n) for v, m, n in zip(values, mapped, counts) if v != m})
        return out, used


def stage_mapping(extra: dict[str, str] | None = None) -> Mapping:
    return Mapping.of(ALL_STAGES, STAGE_WORDS, extra or {})


def provincial_mapping() -> Mapping:
    return Mapping.of(PROVINCIAL_STATUS, PROVINCIAL_WORDS)


def phase_text(col: pd.Series) -> tuple[pd.Series, Counter]:
    """一期/二期/… as 1/2/…, full-width digits folded; other text as written."""
    values, inverse = np.unique(col.to_numpy(dtype=str), return_inverse=True)
    mapped = np.array([PHASE_WORDS.get(fold(v), fold(v) if v else v) for v in values], dtype=object)
    counts = np.bincount(inverse, minlength=len(values))
    used = Counter({f"{v} → {m}": int(n) for v, m, n in zip(values, mapped, counts) if v != m})
    return pd.Series(mapped[inverse], index=col.index, dtype=object), used


_FLOAT_ID = re.compile(r"\d+\.0+")
_SCIENTIFIC = re.compile(r"[+-]?\d(?:\.\d+)?e\+?\d+", re.IGNORECASE)


def project_ids(col: pd.Series) -> tuple[pd.Series, Counter, np.ndarray]:
    """Project ids as a planner means them: full-width letters and digits folded (``ＨＬ2301905``
    is ``HL2301905``), and ``2301905.0`` read as ``2301905`` when every id of the column is so
    written (a program wrote numeric ids as decimals). Also which cells are numbers in
    scientific notation (``2.30191E+06``, as Excel shows a long id), whose digits are lost."""
    values, inverse = np.unique(col.to_numpy(dtype=str), return_inverse=True)
    folded = np.array([unicodedata.normalize("NFKC", v).strip() for v in values], dtype=object)
    filled = folded[folded != ""]
    if len(filled) and all(_FLOAT_ID.fullmatch(v) for v in filled):
        folded = np.array([v.split(".")[0] for v in folded], dtype=object)
    counts = np.bincount(inverse, minlength=len(values))
    used: Counter = Counter()
    for v, m, n in zip(values, folded, counts):
        if v != m:
            used["project_id: decimal ids read as whole numbers (2301905.0 → 2301905)" if "." in v and "." not in m
                 else "project_id: full-width letters and digits folded"] += int(n)
    sci = np.array([bool(_SCIENTIFIC.fullmatch(v)) for v in folded], dtype=bool)[inverse]
    return pd.Series(folded[inverse], index=col.index, dtype=object), used, sci


# ------------------------------------------------------------------------------- amounts
#: A unit of money -> billion CNY per one of it.
BN_PER: dict[str, float] = {"bn": 1.0, "亿元": 0.1, "万元": 1e-5, "元": 1e-9}
DIVISOR: dict[str, float] = {"bn": 1.0, "亿元": 10.0, "万元": 100_000.0, "元": 1e9}
_SUFFIX = {"亿": "亿元", "亿元": "亿元", "万": "万元", "万元": "万元", "元": "元"}
_AMOUNT = re.compile(r"((?:[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|[+-]?\.\d+)(?:e[+-]?\d+)?)\s*(亿元|亿|万元|万|元)?",
                     re.IGNORECASE)


#: A foreign currency named in a header, a cell or a currency column (folded text).
_FOREIGN = re.compile(r"美元|美金|港元|港币|欧元|日元|英镑|澳元|加元|新加坡元|韩元|外币|usd|us\$|hkd|eur|jpy|gbp|\$|€|£")
#: What may stand around an amount in yuan: ¥/￥, 人民币, RMB, CNY (as a prefix or a suffix).
_CNY = re.compile(r"^(?:¥|人民币|rmb|cny)|(?:人民币|rmb|cny)$", re.IGNORECASE)
#: A currency column's values that mean yuan.
CNY_NAMES = frozenset({"人民币", "rmb", "cny", "元", "人民币元", "¥"})


def foreign_currency(text: str) -> str | None:
    """The foreign currency a text names (``'1亿美元'`` -> ``'美元'``, ``'USD 100m'`` -> ``'usd'``), or ``None``."""
    m = _FOREIGN.search(fold(text))
    return m.group(0) if m else None


def parse_amount(text: str) -> tuple[float, str | None]:
    """``'12.5亿'`` -> (12.5, '亿元'); ``'1,200'`` -> (1200.0, None); not a number -> (nan, None).
    A ¥ sign or 人民币/RMB/CNY around the amount is read (``'￥3亿'``, ``'3亿元人民币'``)."""
    m = _AMOUNT.fullmatch(_CNY.sub("", re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))))
    if not m:
        return np.nan, None
    return float(m.group(1).replace(",", "")), _SUFFIX.get(m.group(2) or "")


def amounts(col: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Each cell's number and its suffix's unit ('' without a suffix), per distinct value."""
    values, inverse = np.unique(col.to_numpy(dtype=str), return_inverse=True)
    parsed = [parse_amount(v) for v in values]
    num = np.array([p[0] for p in parsed], dtype=float)[inverse]
    unit = np.array([p[1] or "" for p in parsed], dtype=object)[inverse]
    return pd.Series(num, index=col.index), pd.Series(unit, index=col.index, dtype=object)


def numbers(col: pd.Series) -> pd.Series:
    """Numbers with full-width digits or thousands separators (no suffix); NaN otherwise."""
    num, unit = amounts(col)
    return num.where(unit == "")


# --------------------------------------------------------------------------------- dates
_YMD = re.compile(r"(\d{4})\s*(?:[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?)"
                  r"(?:(?:\s+|T)\d{1,2}(?::\d{1,2}){1,2}(?:\.\d+)?)?")
_MONTH = re.compile(r"(\d{4})\s*(?:[-/.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月?)")
_DAY_FIRST = re.compile(r"(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{2}|\d{4})(?:\s+.*)?")
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")
_COMPACT = re.compile(r"((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
#: Serial numbers taken as Excel dates: 1950-01-01 .. 2100-01-01.
_SERIAL_RANGE = (18264, 73051)


def parse_date(text: str) -> tuple[pd.Timestamp | None, str | None, str | None]:
    """(date, problem, advice) for one cell: a date, or why it is not one and what to write."""
    t = unicodedata.normalize("NFKC", text).strip()
    m = _YMD.fullmatch(t)
    if m:
        y, mo, d = m.group(1), m.group(2) or m.group(4), m.group(3) or m.group(5)
        try:
            return pd.Timestamp(dt.date(int(y), int(mo), int(d))), None, None
        except ValueError:
            return None, "no such day", "a real day, YYYY-MM-DD"
    m = _COMPACT.fullmatch(t)
    if m:  # 20240315, as some systems export a date
        try:
            return pd.Timestamp(dt.date(*map(int, m.groups()))), None, None
        except ValueError:
            return None, "no such day", "a real day, YYYY-MM-DD"
    if _SERIAL.fullmatch(t):
        days = float(t)
        if _SERIAL_RANGE[0] <= days < _SERIAL_RANGE[1]:
            return pd.Timestamp(_EXCEL_EPOCH + dt.timedelta(days=int(days))), None, None
        return None, "not a date", "YYYY-MM-DD or an Excel date cell"
    m = _MONTH.fullmatch(t)
    if m:
        y, mo = m.group(1), m.group(2) or m.group(3)
        return None, "a month without a day", f"the exact day, such as {y}-{int(mo):02d}-15"
    m = _SHORT_YEAR.fullmatch(t)
    if m:  # 24-3-15: a two-digit year, first as Chinese dates are written, unless the day comes first
        a, sep, b, c = m.groups()
        first = _real(2000 + int(a), int(b), int(c))
        if first and (len(c) == 1 or int(a) > 31):
            return None, "a two-digit year", f"the year in full, such as {first}"
        if first and sep in "-.":
            other = _real(2000 + int(c), int(b), int(a)) if len(c) == 2 else None
            return None, "a two-digit year", (f"the year in full: {first} if the year comes first"
                                              + (f", {other} if the day does" if other else ""))
    m = _DAY_FIRST.fullmatch(t)
    if m:
        a, b, y = m.groups()
        y = y if len(y) == 4 else "20" + y
        if int(a) > 12:
            guess = f"{y}-{int(b):02d}-{int(a):02d}"
        else:
            guess = f"{y}-{int(b):02d}-{int(a):02d} or {y}-{int(a):02d}-{int(b):02d}"
        return None, "an ambiguous day-first date", f"year first, YYYY-MM-DD, such as {guess}"
    return None, "not a date", "YYYY-MM-DD or an Excel date cell"


_SHORT_YEAR = re.compile(r"(\d{2})\s*([-/.])\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?:\s+.*)?")


def _real(y: int, m: int, d: int) -> str | None:
    """``YYYY-MM-DD`` of a day that exists, else ``None``."""
    try:
        return dt.date(y, m, d).isoformat()
    except ValueError:
        return None


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_days(text: np.ndarray) -> np.ndarray:
    """Which cells are written ``YYYY-MM-DD``: ``_ISO.fullmatch`` of each, on the code points
    of the ten-character cells at once (the regular expression only for those with
    non-ASCII characters, where ``\\d`` also takes other scripts' digits)."""
    text = np.asarray(text, dtype=str)
    out = np.zeros(text.shape, dtype=bool)
    ten = np.flatnonzero(np.char.str_len(text) == 10)
    if ten.size:
        codes = text[ten].astype("U10").view(np.uint32).reshape(-1, 10)
        digit = (codes >= 48) & (codes <= 57)
        out[ten] = digit[:, [0, 1, 2, 3, 5, 6, 8, 9]].all(axis=1) & (codes[:, 4] == 45) & (codes[:, 7] == 45)
        wide = ten[(codes > 127).any(axis=1)]
        out[wide] = [_ISO.fullmatch(t) is not None for t in text[wide]]
    return out


def dates(col: pd.Series) -> tuple[pd.Series, pd.Series, dict[str, str]]:
    """Dates of a column (NaT where empty or not a date), the problem of each bad cell
    (''), and for each problem the advice to give."""
    text = col.to_numpy(dtype=str)
    iso = iso_days(text)
    out = pd.to_datetime(pd.Series(np.where(iso, text, None)), format="%Y-%m-%d", errors="coerce")
    out = out.astype("datetime64[ns]").to_numpy().copy()
    problem = np.full(len(text), "", dtype=object)
    advice: dict[str, str] = {}
    rest = ~iso | pd.isna(out)
    rest &= text != ""
    if rest.any():
        values, inverse = np.unique(text[rest], return_inverse=True)
        parsed = [parse_date(v) for v in values]
        got = pd.DatetimeIndex([p[0] if p[0] is not None else pd.NaT for p in parsed]).as_unit("ns").to_numpy()
        why = np.array([p[1] or "" for p in parsed], dtype=object)
        for p in parsed:
            if p[1]:
                advice.setdefault(p[1], p[2] or "")
        out[rest] = got[inverse]
        problem[rest] = why[inverse]
    return (pd.Series(out, index=col.index, dtype="datetime64[ns]"),
            pd.Series(problem, index=col.index, dtype=object), advice)
