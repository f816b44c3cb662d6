"""The sub-commands beyond ``validate`` (CLI.md): forecast, backtest."""
from __future__ import annotations

import argparse
import sys

from .cli import EXIT_OK, UsageError, _data_dir, _positive_int, _quarter, command


def _as_of_history(args: argparse.Namespace):
    from .datafolder import load_data
    from .history import History

    folder = load_data(args.data)
    if args.as_of not in folder.snapshots:
        raise UsageError(
            f"there is no snapshot for {args.as_of} in {args.data}/ledger "
            f"(snapshots run {folder.quarters[0]}–{folder.quarters[-1]})")
    return History.from_folder(folder).upto(args.as_of)


def _year(history, year: int | None) -> int:
    year = year or history.as_of_date.year
    if year < history.as_of_date.year:
        raise UsageError(f"--year {year} is before the as-of quarter {history.as_of}; use the backtest for past years")
    if year not in history.district.targets:
        raise UsageError(f"district.toml has no [targets.{year}] table; add the year's targets or choose another --year")
    return year


def _forecast_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", type=_data_dir, help="the data folder (DATA.md)")
    p.add_argument("--as-of", required=True, type=_quarter, help="use snapshots up to this quarter (YYYYQn)")
    p.add_argument("--year", type=int, help="target year (default: the as-of quarter's year)")
    p.add_argument("--draws", type=_positive_int, default=2000, help="simulated years (default 2000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (same data and seed, same numbers)")
    p.add_argument("--out", required=True, help="output folder")


@command("forecast", _forecast_args)
def _forecast(args: argparse.Namespace) -> int:
    """Forecast each project and each target of the year."""
    from pathlib import Path

    from .forecast import project_columns
    from .outcomes import OutcomeModel
    from .output import staged, write_csv

    history = _as_of_history(args)
    year = _year(history, args.year)
    fc = OutcomeModel().fit(history).forecast(year, n_draws=args.draws, rng=args.seed)
    cols = project_columns(history.district.targets_for(year))
    extra = [c for c in fc.projects.columns if c not in cols]
    with staged(Path(args.out)) as tmp:
        write_csv(fc.projects[cols + extra], tmp / "projects.csv")
        write_csv(fc.targets, tmp / "targets.csv")
    all_p = fc.p_meet("all")
    print(f"forecast {year} as of {history.as_of}: {len(fc.projects)} projects; "
          f"P(all targets met) = {all_p:.0%}. Written to {args.out}/", file=sys.stdout)
    return EXIT_OK


def _backtest_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", type=_data_dir, help="the data folder (DATA.md)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--param-draws", type=_positive_int, default=20,
                   help="parameter draws per model forecast (default 20; more is slower)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


@command("backtest", _backtest_args)
def _backtest(args: argparse.Namespace) -> int:
    """Rolling-origin evaluation of the model and the baselines."""
    from pathlib import Path

    from .backtest import origins, run_backtest
    from .baselines import StageQuarterRate, StageWeighted
    from .datafolder import load_data
    from .history import History
    from .outcomes import OutcomeModel

    history = History.from_folder(load_data(args.data))
    pairs = origins(history)
    if not pairs:
        raise UsageError("the history is too short to backtest: it needs three years of snapshots "
                         "and at least one complete target year after the first two")
    res = run_backtest(history, [StageWeighted(), StageQuarterRate(), OutcomeModel(n_param_draws=args.param_draws)],
                       pairs=pairs, rng=args.seed, progress=not args.no_progress)
    res.write(Path(args.out))
    skill = res.scores()
    model = skill[skill["forecaster"] == "outcome_model"].set_index("event")["brier_skill"]
    print(f"backtest: {len(pairs)} origins; Brier skill of the model over the stage-weighted baseline: "
          + ", ".join(f"{e} {v:+.2f}" for e, v in model.items()) + f". Written to {args.out}/")
    return EXIT_OK


def _report_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", type=_data_dir, help="the data folder (DATA.md)")
    p.add_argument("--as-of", required=True, type=_quarter, help="the quarter to report on (YYYYQn)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--language", choices=("en", "zh"), default="en", help="chart labels (default en)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-progress", action="store_true")


@command("report", _report_args)
def _report(args: argparse.Namespace) -> int:
    """Run the curated notebooks and write the meeting report."""
    from pathlib import Path

    from .datafolder import load_data
    from .report import build_report

    folder = load_data(args.data)  # invalid data stops here, before any notebook runs
    if args.as_of not in folder.snapshots:
        raise UsageError(f"there is no snapshot for {args.as_of} (snapshots run {folder.quarters[0]}–{folder.quarters[-1]})")
    build_report(Path(args.data), args.as_of, Path(args.out), language=args.language, seed=args.seed,
                 progress=not args.no_progress)
    print(f"report for {args.as_of} written to {args.out}/ (open index.html)")
    return EXIT_OK
