"""The simulation studies' tables read both generators side by side."""
from __future__ import annotations

import pandas as pd

from forecasting.evaluation import studies
from forecasting.report.display import readable


def test_tables_stack_both_generators(tmp_path):
    row = {"forecaster": "outcome_model", "origins": "Q4 (next year)", "target": "groundbreakings", "n": 30,
           "coverage_p10_p90": 0.8, "pit_coverage_80": 0.79, "rms_standardised_error": 1.0, "mean_error": 0.1}
    for g in ("package", "b"):
        pd.DataFrame([row, {**row, "forecaster": "stage_weighted"}]).to_csv(tmp_path / f"target_coverage_{g}.csv",
                                                                           index=False)
    t = studies.target_calibration(tmp_path)
    assert set(t.index.get_level_values("generator")) == {"a", "b"}
    assert len(t) == 2  # the model's rows only
    # shown to planners as the two generators, not as "Model" (the package's forecasting model)
    assert list(readable(t, language="en").index.get_level_values(0)) == ["Generator A", "Generator B"]


def test_missing_results_say_which_file_is_absent_and_what_fills_it(tmp_path):
    for table, files, script in ((studies.target_calibration, "target_coverage_package.csv, target_coverage_b.csv",
                                  "target_calibration.py"),
                                 (studies.p_meet_reliability, "p_meet_reliability_package.csv, "
                                  "p_meet_reliability_b.csv", "target_calibration.py"),
                                 (studies.skill_against_ceiling, "skill_study.csv", "skill_study.py")):
        t = table(tmp_path)
        assert list(t.columns) == ["note"] and len(t) == 1
        assert t["note"].iloc[0] == (f"No results yet: {files} is absent in {tmp_path}. Run `python "
                                     f"benchmarks/{script}` to fill this table.")
    zh = studies.not_run(tmp_path, ["skill_study.csv"], "skill_study.py", language="zh")["note"].iloc[0]
    assert zh.startswith("尚无结果") and "benchmarks/skill_study.py" in zh


def test_the_stored_results_are_read(tmp_path):
    """The repository's results folder holds every study (notebook 05 shows them)."""
    assert "note" not in studies.skill_against_ceiling().columns
    assert "note" not in studies.target_calibration().columns
    assert "note" not in studies.p_meet_reliability().columns
