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


def _breach_order(b: Breach) -> tuple:
    return (b.file, b.row if b.row is not None else -1, b.column or "", b.message)


class ForecastingWarning(UserWarning):
    """Base class of every warning this toolkit raises, so one filter silences them all."""


class SparseDataWarning(ForecastingWarning):
    """A category has too little history; its estimate borrows from the pooled one."""


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
