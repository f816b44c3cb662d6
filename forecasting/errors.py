"""Errors and warnings of the toolkit.

Built-in exceptions where they describe the problem; one error type of ours for bad data,
carrying file, row and column, raised where found and turned into sentences once, at the
command-line and notebook boundary.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable


@dataclass(frozen=True, order=True)
class Breach:
    """One breach of the data contract, located to a file, a row and a column.

    ``row`` is the line a planner sees in a spreadsheet: the header is row 1, the first
    project row 2. ``row`` and ``column`` are ``None`` for breaches of a whole file.
    """

    file: str
    row: int | None
    column: str | None
    message: str
    expected: str | None = None

    def __str__(self) -> str:
        where = ":".join(
            [self.file, "" if self.row is None else str(self.row), self.column or ""]
        )
        text = f"{where}: {self.message}"
        if self.expected:
            text += f" (expected {self.expected})"
        return text


class DataError(ValueError):
    """The data folder breaks the contract. ``breaches`` holds every breach found."""

    def __init__(self, breaches: Iterable[Breach]):
        self.breaches: list[Breach] = sorted(set(breaches), key=_breach_order)
        n = len(self.breaches)
        head = f"{n} problem{'s' if n != 1 else ''} in the data"
        super().__init__(head + ":\n" + "\n".join(str(b) for b in self.breaches))

    def _render_traceback_(self) -> list[str]:
        """What IPython (a notebook) shows instead of a traceback: the sentences, one per breach,
        as the command line prints them; the planner fixes the file, not our code."""
        n = len(self.breaches)
        return [str(b) for b in self.breaches] + [
            f"{n} problem{'s' if n != 1 else ''} in the data; fix the files named above and run the cell again."]


def _breach_order(b: Breach) -> tuple:
    """File-level problems of every file first (a missing id column first of all, then other
    missing columns), then the located ones; by file, then by row."""
    missing = b.row is None and b.message.startswith("required column is missing")
    rank = 0 if missing and b.column == "project_id" else 1 if missing else 2
    return (b.row is not None, rank, _file_key(b.file), b.row if b.row is not None else -1, b.column or "",
            b.message)


def _file_key(file: str) -> tuple[str, str]:
    """``x.xlsx[汇总]`` sorts with ``x.xlsx``."""
    base, _, sheet = file.partition("[")
    return base, sheet


class ForecastingWarning(UserWarning):
    """Base class of every warning this toolkit raises, so one filter silences them all."""


class SparseDataWarning(ForecastingWarning):
    """A category has too little history; its estimate borrows from the pooled one."""


class ConvergenceWarning(ForecastingWarning):
    """A fit or a numerical search stopped before meeting its tolerance; its numbers are the
    last iterate's, not a converged estimate."""


class ShortHistoryWarning(ForecastingWarning):
    """The folder holds too few snapshots for part of the model: what cannot be learnt
    (losses and revisions before the first snapshot, when leads entered negotiation,
    quarter-to-quarter changes) is said, and a fit with nothing to learn from falls back
    to a stated prior."""


class ExtrapolationWarning(ForecastingWarning):
    """A result relies on inputs outside the range seen in the history."""


def relpath(path: Path | str, root: Path | str | None = None) -> str:
    """The path as a planner typed it: relative to ``root`` when inside it."""
    p = Path(path)
    if root is not None:
        try:
            return str(p.relative_to(Path(root).parent))
        except ValueError:
            pass
    return str(p)


#: Distinct values, and rows of each, named in one grouped line.
_SHOW_VALUES, _SHOW_ROWS = 5, 3


class RowBreaches:
    """Collects the breaches of one file's rows, one line per cause (DATA.md "Messages").

    A cause found in a single row reads as it always has (``FILE:ROW:COLUMN: 'x' is not a
    date``); found in many rows it is one line at the first of them naming how many rows,
    the distinct values with their counts and first rows: ``FILE:5:stage: 2,219 rows have
    unknown stages: '进行中' ×2,000 (rows 5, 6, 7, …), 'x' ×219 (rows …)``.
    """

    def __init__(self, label: str, rows, headers: dict[str, str], labels=None):
        self.label, self.rows, self.headers = label, rows, headers
        self.labels = labels  # the file label of each row, when rows come from several sheets
        self.out: list[Breach] = []

    def add(self, mask, column: str, message, expected: str | None, *, many: str | None = None,
            value=None) -> None:
        """Report the rows where ``mask`` holds. ``message`` (text, or a function of the row
        position) describes one row; ``many`` the rows together ("have unknown stages");
        ``value`` (a function of the row position) gives the value to list per row."""
        import numpy as np

        idx = np.flatnonzero(np.asarray(mask, dtype=bool))
        if not len(idx):
            return
        name = self.headers.get(column, column)
        if self.labels is not None:  # one line per sheet
            groups: dict[str, list[int]] = {}
            for i in idx:
                groups.setdefault(self.labels[i], []).append(int(i))
            for label, part in groups.items():
                self._one(label, np.array(part), name, message, expected, many, value)
        else:
            self._one(self.label, idx, name, message, expected, many, value)

    def _one(self, label, idx, name, message, expected, many, value) -> None:
        first = int(idx[0])
        if len(idx) == 1 or many is None:
            text = message(first) if callable(message) else message
            if len(idx) > 1:
                text += f" (and {len(idx) - 1:,} more row{'s' if len(idx) > 2 else ''}: {_rows(self.rows[idx[1:]])})"
            self.out.append(Breach(label, int(self.rows[first]), name, text, expected))
            return
        head = f"{len(idx):,} rows {many}"
        if value is None:
            text = f"{head} ({_rows(self.rows[idx])})"
        else:
            by: dict[str, list[int]] = {}
            for i in idx:
                by.setdefault(str(value(int(i))), []).append(int(self.rows[i]))
            ranked = sorted(by.items(), key=lambda kv: (-len(kv[1]), kv[1][0]))
            parts = [f"{v!r} ×{len(r):,} ({_rows(r)})" for v, r in ranked[:_SHOW_VALUES]]
            if len(ranked) > _SHOW_VALUES:
                rest = sum(len(r) for _, r in ranked[_SHOW_VALUES:])
                parts.append(f"{len(ranked) - _SHOW_VALUES:,} other values ×{rest:,}")
            text = f"{head}: " + ", ".join(parts)
        self.out.append(Breach(label, int(self.rows[first]), name, text, expected))


def _rows(rows) -> str:
    rows = [int(r) for r in rows]
    shown = ", ".join(str(r) for r in rows[:_SHOW_ROWS])
    return ("row " if len(rows) == 1 else "rows ") + shown + (", …" if len(rows) > _SHOW_ROWS else "")
