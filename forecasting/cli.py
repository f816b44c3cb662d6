"""The ``forecasting`` command (``shared/spec/CLI.md``).

Exit status: 0 success, 1 invalid input data, 2 wrong usage. Errors reach stderr as
sentences, never as a traceback; outputs are written atomically.
"""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Callable, Sequence

from .errors import DataError, ForecastingWarning
from .quarters import is_quarter

EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class UsageError(Exception):
    """The command was called wrongly (exit status 2)."""


def _quarter(text: str) -> str:
    if not is_quarter(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a quarter written YYYYQn, such as 2024Q1")
    return text


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _data_dir(text: str) -> Path:
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is not a folder (expected a data folder as in DATA.md)")
    return path


COMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = {}


def command(name: str, add_arguments: Callable[[argparse.ArgumentParser], None]):
    """Register a sub-command: ``add_arguments`` declares it, the decorated function runs it."""

    def register(run: Callable[[argparse.Namespace], int]):
        COMMANDS[name] = (add_arguments, run)
        return run

    return register


def _validate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", type=_data_dir, help="the data folder (DATA.md)")
    p.add_argument("--explain", action="store_true",
                   help="print, per snapshot, the sheet and header row read, each column's mapping and unit, "
                        "and the value mappings used")


@command("validate", _validate_args)
def _validate(args: argparse.Namespace) -> int:
    from .datafolder import load_data

    if getattr(args, "explain", False):
        from .validate import explain_folder

        print("\n".join(explain_folder(args.data)))
    folder = load_data(args.data)
    print(folder.summary())
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="forecasting",
        description="Forecasts for the investment-attraction pipeline (see README.md).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    _load_commands()
    for name, (add_arguments, run) in COMMANDS.items():
        p = sub.add_parser(name, help=(run.__doc__ or "").strip().splitlines()[0] if run.__doc__ else None)
        add_arguments(p)
        p.set_defaults(run=run)
    return parser


def _load_commands() -> None:
    """Import the modules whose commands register themselves here."""
    from importlib import import_module

    for module in ("forecasting.commands",):
        try:
            import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage sentence
        return EXIT_USAGE if exc.code not in (0, None) else EXIT_OK
    warnings.simplefilter("default", ForecastingWarning)
    warnings.formatwarning = lambda msg, cat, *a, **k: f"warning: {msg}\n"
    try:
        return args.run(args)
    except DataError as exc:
        for breach in exc.breaches:
            print(str(breach), file=sys.stderr)
        n = len(exc.breaches)
        print(f"forecasting: {n} problem{'s' if n != 1 else ''} in the data; nothing was written.", file=sys.stderr)
        return EXIT_DATA
    except UsageError as exc:
        print(f"forecasting: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("forecasting: interrupted; nothing was written.", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug of ours: still a sentence, never a traceback
        print(
            f"forecasting: internal error ({type(exc).__name__}: {exc}). Nothing was written. "
            "Please report this with the command you ran.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
