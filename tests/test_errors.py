"""The toolkit's errors: a breach located to file, row and column; many breaches grouped by
cause and ordered so a planner reads the file-level problems first."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from forecasting.errors import (Breach, ConvergenceWarning, DataError, ForecastingWarning, RowBreaches,
                                ShortHistoryWarning, SparseDataWarning, relpath)


def test_a_breach_reads_file_row_column_then_what_was_expected():
    assert str(Breach("ledger/2024Q1.csv", 5, "stage", "'x' is not a stage", "one of lead, signed")) == \
        "ledger/2024Q1.csv:5:stage: 'x' is not a stage (expected one of lead, signed)"
    assert str(Breach("effort.csv", None, None, "file is empty")) == "effort.csv::: file is empty"


def test_data_errors_put_missing_id_columns_first_then_files_then_rows_without_repeats():
    located = Breach("ledger/2024Q1.csv", 3, "stage", "bad stage")
    later = Breach("ledger/2024Q1.csv", 9, "stage", "bad stage")
    other_missing = Breach("effort.csv", None, "staff", "required column is missing")
    id_missing = Breach("ledger/2024Q2.csv", None, "project_id", "required column is missing")
    sheet = Breach("ledger/2024Q1.xlsx[汇总]", 2, "stage", "bad stage")
    err = DataError([later, located, sheet, other_missing, located, id_missing])
    assert err.breaches == [id_missing, other_missing, located, later, sheet]
    assert str(err).splitlines()[0] == "5 problems in the data:"
    assert str(DataError([located])).splitlines()[0] == "1 problem in the data:"
    assert isinstance(err, ValueError)


def test_one_filter_silences_every_warning_of_the_toolkit():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=ForecastingWarning)
        for w in (SparseDataWarning, ConvergenceWarning, ShortHistoryWarning):
            warnings.warn("x", w)
        warnings.warn("kept", UserWarning)
    assert [str(w.message) for w in caught] == ["kept"]


def test_a_path_is_shown_as_the_planner_typed_it(tmp_path):
    folder = tmp_path / "data"
    assert relpath(folder / "ledger" / "2024Q1.csv", folder) == "data/ledger/2024Q1.csv"
    assert relpath("/elsewhere/x.csv", folder) == "/elsewhere/x.csv"


def test_row_breaches_group_a_cause_into_one_line_with_its_values_and_first_rows():
    rows = np.arange(2, 2 + 12)  # spreadsheet rows of twelve records
    values = ["进行中"] * 8 + ["x"] * 3 + ["ok"]
    rb = RowBreaches("ledger/2024Q1.csv", rows, {"stage": "阶段"})
    bad = np.array([v != "ok" for v in values])
    rb.add(bad, "stage", lambda i: f"{values[i]!r} is not a stage", "a stage", many="have unknown stages",
           value=lambda i: values[i])
    rb.add(np.arange(12) == 11, "amount", "not a number", None)
    assert [str(b) for b in rb.out] == [
        "ledger/2024Q1.csv:2:阶段: 11 rows have unknown stages: '进行中' ×8 (rows 2, 3, 4, …), 'x' ×3 (rows 10, 11, 12)"
        " (expected a stage)",
        "ledger/2024Q1.csv:13:amount: not a number",
    ]


def test_row_breaches_from_several_sheets_get_a_line_per_sheet():
    rows = np.array([2, 3, 2])
    rb = RowBreaches("book.xlsx", rows, {}, labels=["book.xlsx[a]", "book.xlsx[a]", "book.xlsx[b]"])
    rb.add([True, True, True], "stage", "bad", None)
    assert [(b.file, b.row, b.message) for b in rb.out] == [
        ("book.xlsx[a]", 2, "bad (and 1 more row: row 3)"), ("book.xlsx[b]", 2, "bad")]


def test_nothing_to_report_adds_nothing():
    rb = RowBreaches("f.csv", np.arange(3), {})
    rb.add([False, False, False], "x", "bad", None)
    assert rb.out == []
    with pytest.raises(ValueError):
        raise DataError(rb.out + [Breach("f.csv", None, None, "empty")])


def test_a_notebook_shows_a_data_error_as_its_sentences_not_a_traceback(capsys):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.run_cell("from forecasting.errors import Breach, DataError\n"
                       "raise DataError([Breach('data/ledger/2024Q1.csv', 5, '进度', \"unknown stage '进行中'\")])")
    finally:
        InteractiveShell.clear_instance()
    out = capsys.readouterr()
    shown = out.out + out.err
    assert "Traceback" not in shown and "raise DataError" not in shown
    assert shown.splitlines()[-2:] == ["data/ledger/2024Q1.csv:5:进度: unknown stage '进行中'",
                                       "1 problem in the data; fix the files named above and run the cell again."]
