"""The simulation studies' results (``benchmarks/``), as tables for notebook 05 and the README.

The studies run on districts simulated by two generators written independently
(:mod:`forecasting.synthetic.generator`, :mod:`forecasting.synthetic.generator_b`); every claim about the
model is read on both, side by side. A study that has not run gives a one-row table saying
which file is absent and which benchmark fills it (:func:`not_run`), not an empty table.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..texts import text

#: Where the benchmarks write their results, relative to the repository.
RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"
GENERATORS = {"package": "package's generator", "b": "second generator"}
#: How the tables name each generator ("a" is the package's own: its label is "Generator A";
#: "package" alone would read as the forecasting package's model).
TABLE_KEY = {"package": "a", "b": "b"}


def skill_against_ceiling(results: Path | str = RESULTS) -> pd.DataFrame:
    """Per generator, origins and event (signed, groundbreaking): each forecaster's Brier skill
    over the spreadsheet and ECE, and the model's and the peer's skill as a share of that
    generator's oracle (``benchmarks/skill_study.py``); :func:`not_run` when the study has not run."""
    path = Path(results) / "skill_study.csv"
    if not path.exists():
        return not_run(results, ["skill_study.csv"], "skill_study.py")
    s = pd.read_csv(path)
    if "generator" not in s:
        s["generator"] = "package"
    s = s[s["event"].isin(["signed", "groundbreaking"])].assign(generator=lambda d: d["generator"].map(TABLE_KEY))
    wide = s.pivot_table(index=["generator", "origins", "event"], columns="forecaster",
                         values=["bss", "share_of_oracle", "ece"])
    drop = [c for c in wide.columns if c[0] == "share_of_oracle" and c[1] in ("stage_weighted", "oracle")]
    return wide.drop(columns=drop)


def target_calibration(results: Path | str = RESULTS) -> pd.DataFrame:
    """Per generator, origins and target, the model's count ranges against what happened:
    coverage of [p10, p90], randomised-PIT coverage of the central 80 % and the RMS
    standardised error (``benchmarks/target_calibration.py``); :func:`not_run` when not run."""
    t = _per_generator(results, "target_coverage")
    if t.empty:
        return not_run(results, [f"target_coverage_{g}.csv" for g in GENERATORS], "target_calibration.py")
    t = t[t["forecaster"] == "outcome_model"]
    return t.set_index(["generator", "origins", "target"])[
        ["n", "coverage_p10_p90", "pit_coverage_80", "rms_standardised_error", "mean_error"]]


def p_meet_reliability(results: Path | str = RESULTS) -> pd.DataFrame:
    """Per generator and p_meet bin: the model's mean forecast against the share met
    (``benchmarks/target_calibration.py``); :func:`not_run` when not run."""
    t = _per_generator(results, "p_meet_reliability")
    if t.empty:
        return not_run(results, [f"p_meet_reliability_{g}.csv" for g in GENERATORS], "target_calibration.py")
    return t[t["forecaster"] == "outcome_model"].set_index(["generator", "bin"])[
        ["n", "mean_p_meet", "share_met", "gap"]]


def not_run(results: Path | str, files: list[str], script: str, *, language: str | None = None) -> pd.DataFrame:
    """A one-row table (column ``note``) saying that a study's result files are absent from
    ``results`` and which benchmark script writes them.

    Examples
    --------
    >>> not_run("benchmarks/results", ["skill_study.csv"], "skill_study.py", language="en")["note"].iloc[0]
    'No results yet: skill_study.csv is absent in benchmarks/results. Run `python benchmarks/skill_study.py` to fill this table.'
    """
    return pd.DataFrame({"note": [text("studies.not_run", language=language, files=", ".join(files),
                                       folder=str(results), script=script)]})


def _per_generator(results: Path | str, stem: str) -> pd.DataFrame:
    """``STEM_<generator>.csv`` of every generator that has one, stacked with a ``generator`` column."""
    frames = [pd.read_csv(Path(results) / f"{stem}_{g}.csv").assign(generator=TABLE_KEY[g])
              for g in GENERATORS if (Path(results) / f"{stem}_{g}.csv").exists()]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


__all__ = ["skill_against_ceiling", "target_calibration", "p_meet_reliability", "not_run", "RESULTS", "GENERATORS", "TABLE_KEY"]
