"""Atomic output: a failed run leaves nothing half-written, and workbooks open in Excel."""
from __future__ import annotations

import pandas as pd
import pytest

from forecasting.output import staged, write_csv, write_xlsx


def test_a_failed_run_leaves_the_output_folder_as_it_was(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "targets.csv").write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with staged(out) as tmp:
            (tmp / "targets.csv").write_text("new\n", encoding="utf-8")
            (tmp / "projects.csv").write_text("new\n", encoding="utf-8")
            raise RuntimeError("the simulation failed half-way")
    assert sorted(p.name for p in out.iterdir()) == ["targets.csv"]
    assert (out / "targets.csv").read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no staging folder left behind


def test_a_finished_run_replaces_every_file_and_keeps_subfolders(tmp_path):
    out = tmp_path / "run"
    with staged(out) as tmp:
        (tmp / "charts").mkdir()
        (tmp / "charts" / "a.png").write_bytes(b"png")
        write_csv(pd.DataFrame({"x": [1.0, None], "y": ["a", "b"]}), tmp / "t.csv")
    assert (out / "t.csv").read_bytes() == b"x,y\n1,a\n,b\n"
    assert (out / "charts" / "a.png").read_bytes() == b"png"


@pytest.mark.parametrize("name, why", [("a" * 32, "31"), ("a/b", "does not allow"), ("", "non-empty")])
def test_sheet_names_excel_refuses_are_refused_before_anything_is_written(tmp_path, name, why):
    path = tmp_path / "book.xlsx"
    with pytest.raises(ValueError, match=why):
        write_xlsx({name: pd.DataFrame({"x": [1]})}, path)
    assert not path.exists()


def test_sheet_names_differing_only_in_case_are_refused(tmp_path):
    with pytest.raises(ValueError, match="only in case"):
        write_xlsx({"Targets": pd.DataFrame({"x": [1]}), "targets": pd.DataFrame({"x": [2]})}, tmp_path / "b.xlsx")


def test_a_workbook_round_trips_its_tables(tmp_path):
    frame = pd.DataFrame({"target": ["groundbreakings", "tier_5bn"], "p_meet": [0.25, 0.5], "mean": [11.4, 1.7]})
    path = write_xlsx({"targets": frame}, tmp_path / "b.xlsx")
    back = pd.read_excel(path, sheet_name="targets")
    pd.testing.assert_frame_equal(back, frame)


def test_an_out_that_is_a_file_leaves_no_staging_folder_behind(tmp_path):
    out = tmp_path / "run"
    out.write_text("a file, not a folder")
    with pytest.raises(FileExistsError):
        with staged(out) as tmp:
            (tmp / "a.csv").write_text("x\n1\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no .run.* folder with a.csv left
    assert out.read_text() == "a file, not a folder"


def test_a_workbook_shows_counts_whole_and_amounts_with_two_decimals(tmp_path):
    # the Targets sheet showed goals of 20.000 and Monte Carlo errors of 0.001
    from openpyxl import load_workbook

    table = pd.DataFrame({"goal": [20.0, 1.0, float("nan")], "investment_bn": [10.117, 0.157, 2.0],
                          "p_meet": [0.2, 1.0, 0.0], "n": [3, 0, 1]})
    out = write_xlsx({"t": table}, tmp_path / "t.xlsx")
    ws = load_workbook(out)["t"]
    formats = {ws.cell(row=1, column=j).value: ws.cell(row=2, column=j).number_format for j in range(1, 5)}
    assert formats == {"goal": "#,##0", "investment_bn": "#,##0.00", "p_meet": "0.0%", "n": "General"}
    assert ws.cell(row=2, column=2).value == 10.117  # stored unrounded
