"""The arguments every sub-command shares: each bad value is a sentence, never a traceback."""
from __future__ import annotations

import argparse

import pytest

from forecasting.cli.args import (EXIT_DATA, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, UsageError, check_out, data_dir,
                                  positive_int, quarter, seed)


def test_exit_statuses_are_those_of_cli_md():
    assert (EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_INTERNAL) == (0, 1, 2, 3)


def test_quarter():
    assert quarter("2024Q1") == "2024Q1"
    assert quarter("2024q1") == quarter("2024-Q1") == "2024Q1"  # on main: "'2024q1' is not a quarter …"
    with pytest.raises(argparse.ArgumentTypeError, match=r"'2024-1' is not a quarter written YYYYQn, such as 2024Q1"):
        quarter("2024-1")


@pytest.mark.parametrize("text,message", [("0", "'0' must be at least 1"), ("-3", "'-3' must be at least 1"),
                                          ("2.5", "'2.5' is not a whole number"), ("many", "'many' is not a whole number")])
def test_positive_int_refuses(text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        positive_int(text)


def test_a_negative_seed_is_a_usage_sentence():
    # on main --seed -1 ran the fit, then stopped with "internal error (ValueError: expected non-negative integer)"
    assert seed("7") == 7 and seed("0") == 0
    with pytest.raises(argparse.ArgumentTypeError, match=r"'-1' is negative; a seed is a whole number ≥ 0, such as 7"):
        seed("-1")
    with pytest.raises(argparse.ArgumentTypeError, match=r"'x' is not a whole number"):
        seed("x")


def test_positive_int_reads():
    assert positive_int("2000") == 2000 and positive_int(" 7 ") == 7


def test_data_dir_must_be_a_folder(tmp_path):
    assert data_dir(str(tmp_path)) == tmp_path
    (tmp_path / "file.csv").write_text("x")
    for path in (tmp_path / "file.csv", tmp_path / "absent"):
        with pytest.raises(argparse.ArgumentTypeError, match="is not a folder \\(expected a data folder as in DATA.md\\)"):
            data_dir(str(path))


def test_out_may_not_lie_in_the_data_folder_or_be_a_file(tmp_path):
    data = tmp_path / "data"
    (data / "ledger").mkdir(parents=True)
    (tmp_path / "notes.txt").write_text("x")
    check_out(tmp_path / "fc", data)  # beside the data folder: fine
    check_out(tmp_path / "data_out", data)  # a name that only starts like it: fine
    for out in (data, data / "ledger", data / "ledger" / "run"):
        with pytest.raises(UsageError, match="lies inside the data folder .*; choose a folder outside it, such as data_out"):
            check_out(out, data)
    with pytest.raises(UsageError, match="is a file; choose a folder for the outputs"):
        check_out(tmp_path / "notes.txt", data)
