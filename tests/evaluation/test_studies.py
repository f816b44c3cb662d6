"""The simulation studies' tables read both generators side by side."""
from __future__ import annotations

import pandas as pd

from forecasting.evaluation import studies


def test_tables_stack_both_generators(tmp_path):
    row = {"forecaster": "outcome_model", "origins": "Q4 (next year)", "target": "groundbreakings", "n": 30,
           "coverage_p10_p90": 0.8, "pit_coverage_80": 0.79, "rms_standardised_error": 1.0, "mean_error": 0.1}
    for g in ("package", "b"):
        pd.DataFrame([row, {**row, "forecaster": "stage_weighted"}]).to_csv(tmp_path / f"target_coverage_{g}.csv",
                                                                           index=False)
    t = studies.target_calibration(tmp_path)
    assert set(t.index.get_level_values("generator")) == {"package", "b"}
    assert len(t) == 2  # the model's rows only


def test_missing_results_give_empty_tables(tmp_path):
    assert studies.target_calibration(tmp_path).empty
    assert studies.p_meet_reliability(tmp_path).empty
    assert studies.skill_against_ceiling(tmp_path).empty
