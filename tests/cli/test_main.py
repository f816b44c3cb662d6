"""The command's parser and the way errors reach the planner: exit statuses and sentences, no traceback."""
from __future__ import annotations

import pytest

from forecasting.cli import main as cli_main
from forecasting.cli.args import UsageError
from forecasting.cli.commands import COMMANDS
from forecasting.errors import Breach, DataError


def test_the_parser_has_every_sub_command_of_cli_md():
    assert set(COMMANDS) >= {"validate", "forecast", "scenario", "optimize", "backtest", "report"}
    parser = cli_main.build_parser()
    args = parser.parse_args(["validate", "data"])
    assert args.command == "validate" and args.run is COMMANDS["validate"][1]


@pytest.mark.parametrize("argv", [[], ["nonsense"], ["forecast"], ["forecast", "data", "--as-of", "2024-1"]])
def test_wrong_usage_exits_2_with_the_usage(argv, capsys):
    assert cli_main.main(argv) == 2
    assert "usage: forecasting" in capsys.readouterr().err


def test_help_exits_0(capsys):
    assert cli_main.main(["--help"]) == 0
    assert "validate" in capsys.readouterr().out


def _with_command(monkeypatch, run):
    monkeypatch.setitem(cli_main.COMMANDS, "boom", (lambda p: None, run))


@pytest.mark.parametrize("error,status,lines", [
    (DataError([Breach("data/effort.csv", 3, "staff", "'x' is not a number ≥ 0"),
                Breach("data/district.toml", None, None, "file is missing")]), 1,
     ["data/district.toml::: file is missing", "data/effort.csv:3:staff: 'x' is not a number ≥ 0",
      "forecasting: 2 problems in the data; nothing was written."]),
    (UsageError("--year 2030 has no targets"), 2, ["forecasting: --year 2030 has no targets"]),
    (KeyboardInterrupt(), 130, ["forecasting: interrupted; nothing was written."]),
    (ZeroDivisionError("division by zero"), 3,
     ["forecasting: internal error (ZeroDivisionError: division by zero). Nothing was written. "
      "Please report this with the command you ran."]),
])
def test_errors_become_sentences_and_exit_statuses(monkeypatch, capsys, error, status, lines):
    def run(args):
        raise error

    _with_command(monkeypatch, run)
    assert cli_main.main(["boom"]) == status
    captured = capsys.readouterr()
    assert captured.err.splitlines() == lines and "Traceback" not in captured.err and captured.out == ""


def test_a_forecasting_warning_is_one_line(monkeypatch):
    import warnings

    from forecasting.errors import ShortHistoryWarning

    def run(args):
        warnings.warn("one snapshot cannot tell losses before it", ShortHistoryWarning)
        return 0

    _with_command(monkeypatch, run)
    monkeypatch.setattr(warnings, "formatwarning", warnings.formatwarning)  # main sets its own; undone after
    with pytest.warns(ShortHistoryWarning, match="one snapshot cannot tell"):
        assert cli_main.main(["boom"]) == 0
    assert warnings.formatwarning("one snapshot cannot tell losses before it", ShortHistoryWarning,
                                  "x.py", 1) == "warning: one snapshot cannot tell losses before it\n"


def test_an_out_folder_inside_the_data_folder_is_refused_before_any_work(tmp_path, capsys):
    from conftest import make_valid_folder

    data = make_valid_folder(tmp_path / "data")
    before = sorted(p.relative_to(data) for p in data.rglob("*"))
    assert cli_main.main(["forecast", str(data), "--as-of", "2024Q1", "--draws", "10",
                          "--out", str(data / "ledger")]) == 2
    assert "lies inside the data folder" in capsys.readouterr().err
    assert sorted(p.relative_to(data) for p in data.rglob("*")) == before  # nothing added to the input
    assert cli_main.main(["validate", str(data)]) == 0


def _fresh(code: str, env: dict) -> str:
    import os
    import subprocess
    import sys

    base = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    run = subprocess.run([sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True,
                         check=True)
    return run.stdout.strip()


def test_the_command_runs_blas_on_one_thread_unless_told_otherwise():
    code = "import os, forecasting.cli.main; print(os.environ.get('OPENBLAS_NUM_THREADS'))"
    assert _fresh(code, {}) == "1"
    assert _fresh(code, {"OPENBLAS_NUM_THREADS": "2"}) == "2"
    assert _fresh(code, {"OMP_NUM_THREADS": "3"}) == "None"  # the planner's setting is theirs
    assert _fresh(code, {"OPENBLAS_NUM_THREADS": ""}) == "1"  # an empty setting is none
    # a program that loaded numpy first keeps its BLAS as it is
    assert _fresh("import numpy, os, forecasting.cli.main; print(os.environ.get('OPENBLAS_NUM_THREADS'))",
                  {}) == "None"
