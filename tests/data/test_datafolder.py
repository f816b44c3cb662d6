"""A validated data folder in memory: its quarters and the one-line summary ``validate`` prints."""
from __future__ import annotations

import dataclasses

import pytest

from forecasting.data.datafolder import DataFolder
from forecasting.data.validate import load_data


def test_the_folder_holds_every_snapshot_in_quarter_order(valid_folder):
    folder = load_data(valid_folder)
    assert isinstance(folder, DataFolder)
    assert folder.quarters == ["2023Q3", "2023Q4", "2024Q1"]
    assert folder.files == {q: f"{q}.csv" for q in folder.quarters}
    assert [len(s) for s in folder.snapshots.values()] == [7, 8, 9]
    assert folder.summary() == (f"{valid_folder}: valid. 3 quarters (2023Q3–2024Q1), 9 projects in 2024Q1, "
                                "9 units, 6 sectors.")


def test_the_folder_is_frozen(valid_folder):
    folder = load_data(valid_folder)
    with pytest.raises(dataclasses.FrozenInstanceError):
        folder.path = valid_folder.parent


def test_a_one_snapshot_folder_is_summarised_in_the_singular(valid_folder):
    # `forecasting validate` said "valid. 1 quarters (2024Q1–2024Q1), …" on a new office's folder
    for q in ("2023Q3", "2023Q4"):
        (valid_folder / "ledger" / f"{q}.csv").unlink()
    effort = (valid_folder / "effort.csv").read_text(encoding="utf-8").splitlines()
    (valid_folder / "effort.csv").write_text("\n".join(r for r in effort if not r.startswith("2023")) + "\n",
                                             encoding="utf-8")
    assert load_data(valid_folder).summary() == (f"{valid_folder}: valid. 1 quarter (2024Q1), 9 projects in "
                                                 "2024Q1, 9 units, 6 sectors.")
