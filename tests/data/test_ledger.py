"""Reading and checking one ledger snapshot: the canonical table, and every breach of a file at once."""
from __future__ import annotations

import pandas as pd
import pytest

from forecasting.data.cells import read_cells
from forecasting.data.ledger import check_snapshot, read_snapshot


def test_check_snapshot_collects_every_breach(valid_district):
    cells = pd.DataFrame({"project_id": ["A", "A", ""], "name": ["n", "n", "n"], "sector": ["x", "other", "other"],
                          "unit": ["branch_1", "nope", "branch_1"], "investor": ["i", "i", "i"],
                          "phase": ["1", "1", "0"], "investment_bn": ["1", "-1", "1"],
                          "stage": ["lead", "lead", "signed"], "first_seen": ["2023-01-01"] * 3,
                          "provincial": ["none", "none", "designated"]}, index=[2, 3, 4])
    snap = check_snapshot(cells, valid_district, label="f.csv", as_of=pd.Timestamp("2023-12-31"))
    where = sorted((b.row or 0, b.column) for b in snap.breaches)
    assert where == [(0, "signed_date"), (2, "sector"), (3, "investment_bn"), (3, "project_id"),
                     (3, "unit"), (4, "phase"), (4, "project_id"), (4, "provincial_year")]


def test_unreadable_files_are_sentences(tmp_path):
    path = tmp_path / "2022Q4.csv"
    path.write_bytes(b"\x80\xff\x80 a,b\n")  # neither UTF-8 nor GB18030
    with pytest.raises(ValueError, match="neither UTF-8 nor GBK"):
        read_cells(path)
    snap = read_snapshot(path, None, label="data/ledger/2022Q4.csv")
    assert snap.table is None and [str(b) for b in snap.breaches] == [
        'data/ledger/2022Q4.csv::: is neither UTF-8 nor GBK/GB18030 text; save it as "CSV UTF-8" or as .xlsx']
    with pytest.raises(ValueError, match="neither a .csv"):
        read_cells(tmp_path / "x.txt")
