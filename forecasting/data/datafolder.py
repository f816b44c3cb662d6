"""A data folder (``shared/spec/DATA.md``) read, validated and held in memory.

:func:`~forecasting.data.validate.load_data` reads ``district.toml``, ``effort.csv`` and every ``ledger/YYYYQn.{csv,xlsx}``,
checks every rule of the contract (within each file and across snapshots) and either
returns a :class:`DataFolder` or raises :class:`~forecasting.errors.DataError` listing every
breach at once. It never writes into the folder.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..texts import count as _count
from .district import District


@dataclass(frozen=True)
class DataFolder:
    """A validated data folder.

    Attributes
    ----------
    path : the folder.
    district : the parsed ``district.toml``.
    effort : one row per (quarter, unit): ``quarter`` (``YYYYQn`` text), ``unit``,
        ``staff`` (float), ``visits`` (int), ``budget_m`` (float), sorted by quarter and unit.
    snapshots : quarter (``YYYYQn``) -> canonical ledger table, in quarter order. Columns are
        :data:`forecasting.data.schema.LEDGER_COLUMNS`: text columns as ``str``, ``phase`` int,
        ``investment_bn`` float (billion CNY, whatever the file's unit), the date columns
        ``datetime64[ns]`` with ``NaT`` where empty, ``provincial_year`` nullable ``Int64``.
    files : quarter -> the snapshot's file name, for messages.
    """

    path: Path
    district: District
    effort: pd.DataFrame
    snapshots: dict[str, pd.DataFrame]
    files: dict[str, str]

    @property
    def quarters(self) -> list[str]:
        """The snapshot quarters, oldest first."""
        return list(self.snapshots)

    def summary(self) -> str:
        """One line: quarters, projects, units (what ``forecasting validate`` prints)."""
        qs = self.quarters
        latest = self.snapshots[qs[-1]]
        return (
            f"{self.path}: valid. " + (f"1 quarter ({qs[0]}), " if len(qs) == 1 else
                                       f"{len(qs)} quarters ({qs[0]}–{qs[-1]}), ")
            + f"{_count(len(latest), 'project')} in {qs[-1]}, {_count(len(self.district.units), 'unit')}, "
            f"{_count(len(self.district.sectors), 'sector')}."
        )

