"""The ``forecasting`` command (``shared/spec/CLI.md``): the parser and the way errors reach the planner.

Exit status: 0 success, 1 invalid input data, 2 wrong usage. Errors reach stderr as
sentences, never as a traceback; outputs are written atomically.
"""
from __future__ import annotations

import argparse
import os
import sys
import warnings
from typing import Sequence

if "numpy" not in sys.modules and not (os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")):
    # The command's matrices are at most a few hundred wide: more BLAS threads gain little on an
    # idle machine and cost several times the fit's time on a busy one (threads waiting on each
    # other for a core; README "Speed and memory"). The numbers are the same.
    os.environ["OPENBLAS_NUM_THREADS"] = "1"

from ..errors import DataError, ForecastingWarning
from .args import EXIT_DATA, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, UsageError, check_out
from .commands import COMMANDS


def build_parser() -> argparse.ArgumentParser:
    """The parser of every sub-command in :data:`~forecasting.cli.commands.COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog="forecasting",
        description="Forecasts for the investment-attraction pipeline (see README.md).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, (add_arguments, run) in COMMANDS.items():
        p = sub.add_parser(name, help=(run.__doc__ or "").strip().splitlines()[0] if run.__doc__ else None)
        add_arguments(p)
        p.set_defaults(run=run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage sentence
        return EXIT_USAGE if exc.code not in (0, None) else EXIT_OK
    warnings.simplefilter("default", ForecastingWarning)
    warnings.formatwarning = lambda msg, cat, *a, **k: f"warning: {msg}\n"
    try:
        if getattr(args, "out", None) is not None:
            check_out(args.out, getattr(args, "data", None))
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
