"""What every sub-command shares: exit statuses, the usage error, argument types."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..data.quarters import is_quarter

EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class UsageError(Exception):
    """The command was called wrongly (exit status 2)."""


def quarter(text: str) -> str:
    """An argument written ``YYYYQn`` (argparse type)."""
    if not is_quarter(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a quarter written YYYYQn, such as 2024Q1")
    return text


def positive_int(text: str) -> int:
    """A whole number of at least 1 (argparse type)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def data_dir(text: str) -> Path:
    """An existing folder, the data folder of DATA.md (argparse type)."""
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is not a folder (expected a data folder as in DATA.md)")
    return path
