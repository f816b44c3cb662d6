"""The quarterly refresh: each target's change in p_meet split into steps that chain and add up."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from forecasting.evaluation.refresh import STEPS, attribute_change, total_change


def test_total_change_is_the_first_start_the_last_end_and_the_sum():
    rows = [("groundbreakings", 0.30, 0.25), ("groundbreakings", 0.25, 0.40), ("all", 0.10, 0.08),
            ("all", 0.08, 0.12)]
    frame = pd.DataFrame([{"target": t, "step": STEPS[i % 2], "start": s, "end": e, "delta": e - s}
                          for i, (t, s, e) in enumerate(rows)])
    got = total_change(frame)
    assert list(got.index) == ["groundbreakings", "all"]  # in the attribution's order
    assert got.loc["groundbreakings"].tolist() == pytest.approx([0.30, 0.40, 0.10])
    assert got.loc["all"].tolist() == pytest.approx([0.10, 0.12, 0.02])


def test_the_steps_are_named_in_the_order_they_are_taken():
    assert STEPS == ("a quarter passed", "new projects", "progress", "losses", "model refit")


@pytest.mark.slow
def test_a_quarter_of_a_simulated_district_splits_into_chained_steps(sim_history):
    _, full = sim_history
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = attribute_change(full, "2023Q3", "2023Q4", 2024, n_draws=300, seed=1)
    assert list(a.columns) == ["target", "step", "start", "end", "delta"]
    targets = list(dict.fromkeys(a["target"]))
    assert targets == [*full.district.targets_for(2024).names, "all"]
    for _, g in a.groupby("target", sort=False):
        assert tuple(g["step"]) == STEPS
        np.testing.assert_array_equal(g["start"].to_numpy()[1:], g["end"].to_numpy()[:-1])  # each starts where the last ended
        assert g["delta"].sum() == pytest.approx(g["end"].iloc[-1] - g["start"].iloc[0], abs=1e-12)
        assert ((g[["start", "end"]] >= 0) & (g[["start", "end"]] <= 1)).all().all()
    # a quarter passing with nothing new can only cost the year's groundbreakings probability
    passed = a[(a["step"] == "a quarter passed") & (a["target"] == "groundbreakings")]
    assert float(passed["delta"].iloc[0]) <= 0
    pd.testing.assert_series_equal(total_change(a)["change"], a.groupby("target", sort=False)["delta"].sum(),
                                   check_names=False)
