"""The brief's findings: written by the notebooks, read back; the adapters from the what-if tables check their input."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from conftest import BRIEF_TARGETS as TARGETS, brief_leverage as leverage, brief_tornado as tornado
from forecasting.report.findings import (levers_from_tornado, projects_from_attention, projects_from_leverage,
                                         read_findings, record)


def test_record_writes_json_and_reads_back(tmp_path):
    assert record(None, "targets", targets=TARGETS) is None  # a notebook run by hand: nothing written
    assert not list(tmp_path.iterdir())
    record(tmp_path, "targets", targets=TARGETS, year=np.int64(2024), p=np.float64(0.5), ok=np.bool_(True))
    raw = json.loads((tmp_path / "brief" / "targets.json").read_text(encoding="utf-8"))
    assert raw["values"] == {"year": 2024, "p": 0.5, "ok": True}
    assert raw["frames"]["targets"][-1]["goal"] is None  # NaN as null, valid JSON
    back = read_findings(tmp_path / "brief")["targets"]
    pd.testing.assert_frame_equal(back.frames["targets"], TARGETS, check_dtype=False)
    assert not list((tmp_path / "brief").glob("*.tmp"))


def test_record_refuses_a_bad_name_and_reading_a_broken_file_names_it(tmp_path):
    with pytest.raises(ValueError, match="findings name"):
        record(tmp_path, "../x", targets=TARGETS)
    (tmp_path / "brief").mkdir()
    (tmp_path / "brief" / "targets.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match=r"targets\.json is not readable"):
        read_findings(tmp_path / "brief")
    assert read_findings(tmp_path / "nowhere") == {}


def test_adapters_check_their_tables():
    with pytest.raises(ValueError, match="tornado table has columns"):
        levers_from_tornado(pd.DataFrame({"lever": ["x"]}))
    with pytest.raises(ValueError, match="no rows for target 'tier_9bn'"):
        levers_from_tornado(tornado(), target="tier_9bn")
    with pytest.raises(ValueError, match="no 'gain_x'"):
        projects_from_leverage(leverage(), "gain_x")
    five = levers_from_tornado(tornado(), target="tier_5bn")
    assert set(five["objective"]) == {"p_meet:tier_5bn"} and five["gain"].tolist() == pytest.approx([0.2] * 4)


def test_adapters_read_the_objective_aware_tornado_and_the_attention_list():
    levers = pd.DataFrame({"lever": ["a", "b"], "objective": "shortfall", "low": [9.8, 9.6], "high": [9.5, 9.7],
                           "low_gain": [-0.1, 0.1], "low_gain_se": [0.01, 0.02], "high_gain": [0.2, -0.0],
                           "high_gain_se": [0.03, 0.01]})
    out = levers_from_tornado(levers)
    assert out["lever"].tolist() == ["a", "b"] and out["gain"].tolist() == pytest.approx([0.3, 0.1])
    assert out["gain_se"].tolist() == pytest.approx([0.03, 0.02]) and set(out["objective"]) == {"shortfall"}
    att = pd.DataFrame({"project_id": ["p1", "p2"], "name": ["x", "y"], "gain_counted": [0.01, 0.07],
                        "gain_counted_se": [0.001, 0.002]})
    proj = projects_from_attention(att)
    assert proj["project_id"].tolist() == ["p2", "p1"] and set(proj["objective"]) == {"counted"}
    with pytest.raises(ValueError, match="gain_counted"):
        projects_from_attention(att.drop(columns="gain_counted"))
