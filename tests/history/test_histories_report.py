"""The whole meeting report on folders the bundled data is not: one snapshot, other ids.

Issue 14's end-to-end check, kept apart from ``test_histories.py`` because it is the
suite's slowest (about 5 of its minutes: every curated notebook, twice): ``scripts/test``
spreads test modules over two workers, so a module of its own can run beside the rest.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from forecasting.cli.main import main

from .test_histories import END, make_folder


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("issue14_report")
    # three years of renamed snapshots: the backtest still has origins (2023Q1-Q3) to score
    return {"one": make_folder(root / "one", keep=1), "renamed": make_folder(root / "renamed", keep=13, rename=True)}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["renamed", "one"])
def test_report_runs_every_notebook(name, folders, tmp_path, capfd):
    out = tmp_path / "report"
    rc = main(["report", str(folders[name]), "--as-of", END, "--out", str(out), "--draws", "200", "--no-progress"])
    err = capfd.readouterr().err  # file-descriptor level: the kernels' output too
    assert rc == 0, err
    # nothing a planner should not see: no traceback, no kernel or papermill chatter
    for noise in ("Traceback", "IPKernelApp", "Unable to parse", "unknown parameter"):
        assert noise not in err, err
    assert len(list(out.glob("*.html"))) >= 7  # six pages and the index
