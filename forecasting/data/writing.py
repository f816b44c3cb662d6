"""Writing a canonical ledger table as a snapshot file (the inverse of reading it)."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .schema import CHINESE_HEADER, LEDGER_COLUMNS, MONEY_ALIASES

_MONEY_HEADER: dict[str, str] = {"亿元": "计划总投资(亿元)", "万元": "计划总投资(万元)"}
#: Decimals kept when writing an amount in each unit, so that write -> read gives it back.
_MONEY_DECIMALS: dict[str, int] = {"亿元": 11, "万元": 7}


def _amount_text(x: float) -> str:
    """An amount as a planner would type it: ``25`` rather than ``25.0``, every digit kept."""
    if pd.isna(x):
        return ""
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))


def write_snapshot(table: pd.DataFrame, path: Path | str, *, chinese: bool = False,
                   money: str = "亿元") -> Path:
    """Write a canonical ledger table as a snapshot file that :func:`read_snapshot` reads back.

    Parameters
    ----------
    table : a canonical table (columns :data:`~forecasting.data.schema.LEDGER_COLUMNS`; others
        are left out).
    path : ``.csv`` (UTF-8, ISO date text) or ``.xlsx`` (date cells), chosen by the suffix.
    chinese : write the Chinese alias headers, with the amount in ``money`` under
        计划总投资(亿元) or 计划总投资(万元).
    money : ``"亿元"`` or ``"万元"``; used only with ``chinese=True``.

    Returns
    -------
    Path
        ``path``. The file is written whole or not at all.

    Examples
    --------
    >>> import tempfile
    >>> from forecasting.data.ledger import read_snapshot
    >>> snap = read_snapshot("data/ledger/2019Q1.csv", None)
    >>> out = write_snapshot(snap.table, Path(tempfile.mkdtemp()) / "2019Q1.xlsx", chinese=True)
    >>> read_snapshot(out, None).table["investment_bn"].equals(snap.table["investment_bn"])
    True
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValueError(f"{path.name}: a snapshot is written as .csv or .xlsx")
    if chinese and money not in _MONEY_HEADER:
        raise ValueError(f"money must be 亿元 or 万元, not {money!r}")
    out = table[list(LEDGER_COLUMNS)].copy()
    unit = money if chinese else "bn"
    factor = dict(MONEY_ALIASES.values())[unit]
    if chinese:  # x * 10 carries float noise; the decimals kept still give x back on reading
        out["investment_bn"] = (out["investment_bn"].astype(float) * factor).round(_MONEY_DECIMALS[unit])
    if chinese:
        out = out.rename(columns={**CHINESE_HEADER, "investment_bn": _MONEY_HEADER[money]})
    tmp = path.with_name(f".{path.stem}.partial{path.suffix}")
    try:
        if suffix == ".xlsx":
            for c in out.columns:
                if pd.api.types.is_datetime64_any_dtype(out[c]):
                    out[c] = pd.Series([d.date() if pd.notna(d) else None for d in out[c]], dtype=object)
                else:
                    out[c] = out[c].astype(object).where(out[c].notna(), None)
            out.to_excel(tmp, index=False, engine="openpyxl")
        else:
            for c in out.columns:
                if pd.api.types.is_datetime64_any_dtype(out[c]):
                    out[c] = out[c].dt.strftime("%Y-%m-%d")
            amount = out.columns[list(LEDGER_COLUMNS).index("investment_bn")]
            out[amount] = out[amount].map(_amount_text)
            out.to_csv(tmp, index=False, lineterminator="\n", encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
