"""The sub-commands (CLI.md): validate, forecast, scenario, optimize, backtest, report.

Each registers itself in :data:`COMMANDS` with :func:`command`; :mod:`forecasting.cli.main`
builds the parser from it.
"""
from __future__ import annotations

import argparse
import sys
from typing import Callable

from ..texts import count
from .args import EXIT_INTERNAL, EXIT_OK, UsageError, data_dir, positive_int, quarter, seed

COMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = {}


def command(name: str, add_arguments: Callable[[argparse.ArgumentParser], None]):
    """Register a sub-command: ``add_arguments`` declares it, the decorated function runs it."""

    def register(run: Callable[[argparse.Namespace], int]):
        COMMANDS[name] = (add_arguments, run)
        return run

    return register


def _validate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", type=data_dir, help="the data folder (DATA.md)")
    p.add_argument("--explain", action="store_true",
                   help="print, per snapshot, the sheet and header row read, each column's mapping and unit, "
                        "and the value mappings used")


@command("validate", _validate_args)
def _validate(args: argparse.Namespace) -> int:
    from ..data.validate import load_data

    if getattr(args, "explain", False):
        from ..data.validate import explain_folder

        print("\n".join(explain_folder(args.data)))
    folder = load_data(args.data)
    print(folder.summary())
    return EXIT_OK


def _as_of_history(args: argparse.Namespace):
    from ..data.validate import load_data
    from ..history.histories import History

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
    p.add_argument("data", type=data_dir, help="the data folder (DATA.md)")
    p.add_argument("--as-of", required=True, type=quarter, help="use snapshots up to this quarter (YYYYQn)")
    p.add_argument("--year", type=int, help="target year (default: the as-of quarter's year)")
    p.add_argument("--draws", type=positive_int, default=20_000,
                   help="simulated years (default 20,000: every p_meet to about half a point of Monte Carlo error)")
    p.add_argument("--seed", type=seed, default=0, help="random seed (same data and seed, same numbers)")
    p.add_argument("--out", required=True, help="output folder")


@command("forecast", _forecast_args)
def _forecast(args: argparse.Namespace) -> int:
    """Forecast each project and each target of the year."""
    from pathlib import Path

    from ..forecast.contract import project_columns
    from ..simulation.outcomes import OutcomeModel
    from ..output import staged, write_csv

    history = _as_of_history(args)
    year = _year(history, args.year)
    fc = OutcomeModel().fit(history).forecast(year, n_draws=args.draws, rng=args.seed)
    cols = project_columns(history.district.targets_for(year))
    extra = [c for c in fc.projects.columns if c not in cols]
    with staged(Path(args.out)) as tmp:
        write_csv(fc.projects[cols + extra], tmp / "projects.csv")
        write_csv(fc.targets, tmp / "targets.csv")
    all_p = fc.p_meet("all")
    print(f"forecast {year} as of {history.as_of}: {count(len(fc.projects), 'project')}; "
          f"P(all targets met) = {all_p:.0%}. Written to {args.out}/", file=sys.stdout)
    return EXIT_OK


def _scenario_args(p: argparse.ArgumentParser) -> None:
    _forecast_args(p)
    p.add_argument("--scenario", required=True, help="the what-if, a TOML file (see README)")


@command("scenario", _scenario_args)
def _scenario(args: argparse.Namespace) -> int:
    """Forecast under a what-if, beside today's plans."""
    from pathlib import Path

    from ..forecast.contract import project_columns
    from ..simulation.outcomes import OutcomeModel
    from ..output import staged, write_csv
    from ..simulation.portfolio import compare
    from ..whatif.scenario_file import read_scenario

    history = _as_of_history(args)
    year = _year(history, args.year)
    scenario = read_scenario(args.scenario, history.district, history.latest, as_of=history.as_of_date)
    forecaster = OutcomeModel().fit(history)
    base = forecaster.simulator(year, n_draws=args.draws, rng=args.seed)
    what_if = forecaster.simulator(year, n_draws=args.draws, rng=args.seed, adjustments=scenario.adjustments())
    sim = what_if.run()
    comparison = compare(base.run(), sim)
    cols = project_columns(history.district.targets_for(year))
    with staged(Path(args.out)) as tmp:
        write_csv(what_if.project_probabilities()[cols], tmp / "projects.csv")
        write_csv(sim.targets(), tmp / "targets.csv")
        write_csv(comparison, tmp / "comparison.csv")
    row = comparison.set_index("target").loc["all"]
    print(f"scenario {scenario.name!r}, {year} as of {history.as_of}: P(all targets met) "
          f"{row['baseline_p_meet']:.0%} today, {row['scenario_p_meet']:.0%} under the scenario. Written to {args.out}/")
    return EXIT_OK


def _optimize_args(p: argparse.ArgumentParser) -> None:
    _forecast_args(p)
    p.set_defaults(draws=4000)
    p.add_argument("--staff-total", required=True, type=positive_int, help="people to distribute across the units")
    p.add_argument("--objective", default=None, metavar="OBJECTIVE",
                   help="what the staffing is judged by: all (P(all targets met)), p_meet:TARGET, count:TARGET "
                        "(expected count), shortfall (expected shortfall against the goals, lower is better) or "
                        "at_least:TARGET:K (P(count >= K)); default: all when P(all targets met) is at least 5 %%, "
                        "otherwise shortfall. this-year and next-year (the default objective for --year or the "
                        "year after) are kept from earlier versions")
    p.add_argument("--min", action="append", default=[], metavar="UNIT=N", help="a unit's minimum staff (repeatable)")
    p.add_argument("--max", action="append", default=[], metavar="UNIT=N", help="a unit's maximum staff (repeatable)")
    p.add_argument("--max-evals", type=positive_int, default=400, help="budget of simulated allocations (default 400)")


def _pct(p: float) -> str:
    """A probability in percent, with a second decimal below 1 % (so 0.03 % is not 0.0 %)."""
    return f"{p:.2%}" if 0 < p < 0.01 else f"{p:.1%}"


def _bounds(items: list[str], units: list[str], flag: str) -> dict[str, int]:
    out = {}
    for item in items:
        unit, _, n = item.partition("=")
        if unit not in units or not n.isdigit():
            raise UsageError(f"{flag} {item!r}: expected UNIT=N with UNIT one of {', '.join(units)}")
        out[unit] = int(n)
    return out


@command("optimize", _optimize_args)
def _optimize(args: argparse.Namespace) -> int:
    """Distribute a staff total across the units to make the year's targets most likely (or,
    when they are out of reach, the shortfall against them smallest)."""
    from pathlib import Path

    import pandas as pd

    from ..whatif.allocate import allocate
    from ..whatif.objectives import parse_objective
    from ..whatif.search import check_bounds
    from ..simulation.outcomes import OutcomeModel
    from ..output import staged, write_csv
    from ..whatif.levers import NOISE_Z, StaffObjective, allocation_note, objective_line

    spelled = args.objective
    legacy = spelled in ("this-year", "next-year")
    objective = None
    if spelled is not None and not legacy:
        try:
            objective = parse_objective(spelled)
        except ValueError as exc:
            raise UsageError(f"--objective: {exc}") from None
    history = _as_of_history(args)
    year = _year(history, args.year) + (1 if spelled == "next-year" else 0)
    if year not in history.district.targets:
        raise UsageError(f"district.toml has no [targets.{year}] table for --objective {spelled}")
    units = history.district.unit_ids
    minimum, maximum = _bounds(args.min, units, "--min"), _bounds(args.max, units, "--max")
    try:  # before the fit: bounds no allocation can respect are a usage error, not an internal one
        check_bounds(units, args.staff_total, minimum or None, maximum or None)
    except ValueError as exc:
        raise UsageError(f"--staff-total {args.staff_total} with --min/--max: {exc}") from None
    forecaster = OutcomeModel().fit(history)
    try:
        staff = StaffObjective(forecaster.simulator(year, n_draws=args.draws, rng=args.seed), objective,
                               language="en")
    except ValueError as exc:  # a target the year does not have
        raise UsageError(f"--objective {spelled}: {exc}") from None
    now = staff.current
    # common random numbers: two allocations differ only where their simulated years do, so
    # a climbing step must win at least two simulated years' worth; the recommendation must
    # then beat today's by more than twice its paired Monte Carlo error
    res = allocate(staff, now, args.staff_total, minimum=minimum or None, maximum=maximum or None,
                   seen_range={u: forecaster.results.inflow.staff_range(u) for u in units}, greedy_start=False,
                   tol=2.0 / args.draws, max_evals=args.max_evals, noise_z=NOISE_Z)
    # against today's staffing as it is (when the total differs, the allocator's own
    # never-worse guarantee is against today's rescaled to the total)
    table = res.summary()
    table["staff_now"] = [now[u] for u in table["unit"]]
    table["change"] = table["staff_best"] - table["staff_now"]
    table.insert(4, "objective", staff.objective.key)  # after unit, staff_now, staff_best, change
    table = table.rename(columns={"marginal": "marginal_gain", "marginal_se": "marginal_gain_se"})
    before, after = staff.p_meet(now), staff.p_meet(res.best)
    table["marginal_p_meet_all"] = [float(staff.p_meet({**res.best, u: res.best[u] + 1})["all"] - after["all"])
                                    for u in table["unit"]]
    value_now, se_now = staff.value(now)
    value_best, se_best = staff.value(res.best)
    table["objective_now"], table["objective_now_se"] = value_now, se_now
    table["objective_best"], table["objective_best_se"] = value_best, se_best
    for target in after.index:
        table[f"change_p_meet_{target}"] = float(after[target] - before[target])
    mean_now, mean_best = staff.run(now).counts.mean(), staff.run(res.best).counts.mean()
    for target in mean_now.index:  # where the objective's change comes from, in projects
        table[f"change_mean_{target}"] = float(mean_best[target] - mean_now[target])
    with staged(Path(args.out)) as tmp:
        write_csv(pd.DataFrame(table), tmp / "allocation.csv")
    # against today's as it is, like the numbers beside it and the table's change column
    moved = ", ".join(f"{u} {int(c):+d}" for u, c in zip(table["unit"], table["change"]) if c) or "no change"
    print(f"optimize {year} targets as of {history.as_of} with {args.staff_total} staff: {moved}; "
          f"{staff.label} {staff.format(value_now)} ± {staff.format(se_now)} -> "
          f"{staff.format(value_best)} ± {staff.format(se_best)}"
          + (f"; P(all targets met) {_pct(before['all'])} -> {_pct(after['all'])}" if staff.objective.key != "all" else "")
          + (f"; beyond past staffing: {', '.join(res.extrapolated)}" if res.extrapolated else "") + ".")
    print(objective_line(staff, language="en"))
    print(allocation_note(res, staff, language="en"))
    print(f"Written to {args.out}/")
    return EXIT_OK


def _backtest_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", type=data_dir, help="the data folder (DATA.md)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--seed", type=seed, default=0)
    p.add_argument("--param-draws", type=positive_int, default=20,
                   help="parameter draws per model forecast (default 20; more is slower)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


@command("backtest", _backtest_args)
def _backtest(args: argparse.Namespace) -> int:
    """Rolling-origin evaluation of the model and the baselines."""
    from pathlib import Path

    from ..evaluation.backtest import origins, origins_note, run_backtest
    from ..forecast.baselines import StageQuarterRate, StageWeighted
    from ..data.validate import load_data
    from ..history.histories import History
    from ..simulation.outcomes import OutcomeModel

    history = History.from_folder(load_data(args.data))
    pairs = origins(history)
    if not pairs:
        raise UsageError(origins_note(history))
    res = run_backtest(history, [StageWeighted(), StageQuarterRate(), OutcomeModel(n_param_draws=args.param_draws)],
                       pairs=pairs, rng=args.seed, progress=not args.no_progress)
    res.write(Path(args.out))
    skill = res.scores()
    model = skill[skill["forecaster"] == "outcome_model"].set_index("event")["brier_skill"]
    print(origins_note(history))
    print(f"backtest: {count(len(pairs), 'origin')}; Brier skill of the model over the stage-weighted baseline: "
          + ", ".join(f"{e} {v:+.2f}" for e, v in model.items()) + f". Written to {args.out}/")
    return EXIT_OK


def _report_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", type=data_dir, help="the data folder (DATA.md)")
    p.add_argument("--as-of", required=True, type=quarter, help="the quarter to report on (YYYYQn)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--language", choices=("en", "zh"), default="en", help="chart labels (default en)")
    p.add_argument("--seed", type=seed, default=0)
    p.add_argument("--draws", type=positive_int, default=None,
                   help="simulated years per forecast (default: each notebook's own, 2,000–20,000)")
    p.add_argument("--previous", type=quarter, default=None,
                   help="the quarter to compare with in the what-changed notebook (default: the one before --as-of)")
    p.add_argument("--notebooks", nargs="+", metavar="NAME", default=None,
                   help="run only these curated notebooks (by number or name, e.g. 01 06)")
    p.add_argument("--no-progress", action="store_true")


#: The target years each curated notebook forecasts, as offsets from the as-of year (05 scores the past).
_NOTEBOOK_YEARS = {"04": (0, 1), "05": ()}


def _report_targets(targets: dict, year: int, notebooks) -> None:
    """A usage error, before any notebook runs, when a chosen notebook needs a year's targets
    that district.toml lacks (otherwise the notebook fails halfway with a KeyError)."""
    need: dict[int, list[str]] = {}
    for nb in notebooks:
        for dy in _NOTEBOOK_YEARS.get(nb.stem[:2], (0,)):
            if year + dy not in targets:
                need.setdefault(year + dy, []).append(nb.stem)
    if need:
        raise UsageError("district.toml has no " + "; no ".join(
            f"[targets.{y}] table, which {', '.join(nbs)} need{'s' if len(nbs) == 1 else ''}"
            for y, nbs in sorted(need.items())) + "; add the targets, or choose the notebooks with --notebooks")


@command("report", _report_args)
def _report(args: argparse.Namespace) -> int:
    """Run the curated notebooks and write the meeting report."""
    from pathlib import Path

    import time

    from ..data.validate import load_data
    from ..report.meeting import ReportError, build_report, curated_notebooks

    folder = load_data(args.data)  # invalid data stops here, before any notebook runs
    if args.as_of not in folder.snapshots:
        raise UsageError(f"there is no snapshot for {args.as_of} (snapshots run {folder.quarters[0]}–{folder.quarters[-1]})")
    if args.previous is not None and (args.previous not in folder.snapshots or args.previous >= args.as_of):
        raise UsageError(f"--previous {args.previous} must be a snapshot before --as-of {args.as_of}")
    notebooks = curated_notebooks()
    if args.notebooks:
        chosen = [nb for nb in notebooks if any(nb.stem == n or nb.stem.startswith(f"{n}_") for n in args.notebooks)]
        unknown = [n for n in args.notebooks if not any(nb.stem == n or nb.stem.startswith(f"{n}_") for nb in notebooks)]
        if unknown:
            raise UsageError(f"no curated notebook {', '.join(unknown)} (there are {', '.join(nb.stem for nb in notebooks)})")
        notebooks = chosen
    _report_targets(folder.district.targets, int(args.as_of[:4]), notebooks)
    extra = {k: v for k, v in (("draws", args.draws), ("previous", args.previous)) if v is not None}
    start = time.perf_counter()
    try:
        written = build_report(Path(args.data), args.as_of, Path(args.out), language=args.language, seed=args.seed,
                               progress=not args.no_progress, notebooks=notebooks, parameters=extra)
    except ReportError as exc:
        print(f"forecasting: {exc}. Nothing was written; run the notebook in Jupyter to see the whole error.",
              file=sys.stderr)
        return EXIT_INTERNAL
    n = sum(p.suffix == ".ipynb" for p in written)
    print(f"report for {args.as_of}: {n} notebook{'s' if n != 1 else ''} in {time.perf_counter() - start:.0f} s, "
          f"written to {args.out}/ (open {Path(args.out) / 'index.html'})")
    return EXIT_OK
