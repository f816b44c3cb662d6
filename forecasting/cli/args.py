"""What every sub-command shares: exit statuses, the usage error, argument types."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..data.quarters import read_quarter

EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class UsageError(Exception):
    """The command was called wrongly (exit status 2)."""


def quarter(text: str) -> str:
    """An argument written ``YYYYQn`` (argparse type); ``2024q1`` and ``2024-Q1`` are read too."""
    q = read_quarter(text)
    if q is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a quarter written YYYYQn, such as 2024Q1")
    return q


def seed(text: str) -> int:
    """A random seed: a whole number ≥ 0 (argparse type)."""
    value = _whole(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is negative; a seed is a whole number ≥ 0, such as 7")
    return value


def positive_int(text: str) -> int:
    """A whole number of at least 1 (argparse type)."""
    value = _whole(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def data_dir(text: str) -> Path:
    """An existing folder, the data folder of DATA.md (argparse type)."""
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is not a folder (expected a data folder as in DATA.md)")
    return path


def check_out(out: str | Path, data: Path | None = None) -> None:
    """Refuse an output folder that would change the input: the data folder itself or a
    folder inside it (a stray ``projects.csv`` in ``ledger/`` makes the folder invalid), or
    an existing file. Checked before any work, so a wrong ``--out`` costs nothing.

    Raises
    ------
    UsageError
        Saying which folder to choose instead.

    Examples
    --------
    >>> check_out("/tmp/forecast", Path("data"))
    >>> check_out("data/out", Path("data"))
    Traceback (most recent call last):
    ...
    forecasting.cli.args.UsageError: --out data/out lies inside the data folder data; choose a folder outside it, such as data_out
    """
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise UsageError(f"--out {out} is a file; choose a folder for the outputs")
    if data is None:
        return
    root, target = data.resolve(), path.resolve()
    if target == root or root in target.parents:
        raise UsageError(f"--out {out} lies inside the data folder {data}; choose a folder outside it, "
                         f"such as {root.name}_out")
