"""The fitted outcome model's parts: immutable, results verbs only, and the explanation of a
project's monthly chance."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from forecasting.models.results import SUMMARY_COLUMNS, SummaryTable
from forecasting.simulation.fitted import OutcomeResults


def test_the_results_stay_as_fitted_and_carry_no_forecasting_verbs(outcome_results):
    assert isinstance(outcome_results, OutcomeResults)
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome_results.inflow = None
    for verb in ("simulate", "simulator", "forecast", "project_probabilities", "n_param_draws"):
        assert not hasattr(outcome_results, verb), verb
    changed = dataclasses.replace(outcome_results, inflow=None)
    assert changed.inflow is None and outcome_results.inflow is not None
    assert list(changed.parts) == ["progression", "size", "provincial", "year_shock"]


def test_params_and_covariance_are_the_parts_side_by_side(outcome_results):
    params, cov = outcome_results.params, outcome_results.cov_params()
    assert list(outcome_results.parts) == ["progression", "size", "provincial", "inflow", "year_shock"]
    assert params.index.is_unique and list(cov.index) == list(params.index) == list(cov.columns)
    i = 0
    for name, part in outcome_results.parts.items():
        n = len(part.params)
        np.testing.assert_array_equal(params.iloc[i:i + n].to_numpy(), part.params.to_numpy())
        assert params.index[i] == f"{name}:{part.params.index[0]}"
        np.testing.assert_array_equal(cov.iloc[i:i + n, i:i + n].to_numpy(), part.cov_params().to_numpy())
        assert not cov.iloc[i:i + n, i + n:].to_numpy().any()  # the parts are fitted apart
        i += n
    assert i == len(params)
    table = outcome_results.summary(alpha=0.1)
    assert isinstance(table, SummaryTable) and list(table.frame.columns) == list(SUMMARY_COLUMNS)
    assert len(table) == len(params) and "fitted on the 2023Q2 ledger" in table.notes
    ci = outcome_results.conf_int(0.1)
    pd.testing.assert_frame_equal(ci, table.frame[["lower", "upper"]])


def test_the_as_of_month_is_the_ledgers(outcome_results, bundled_history):
    assert outcome_results.as_of_month == 2023 * 12 + 5 == outcome_results.progression.as_of_month
    later = dataclasses.replace(outcome_results, history=bundled_history.upto("2023Q4"))
    assert later.as_of_month == 2023 * 12 + 11 and later.progression.as_of_month == 2023 * 12 + 5


def test_explain_says_what_raises_and_lowers_a_projects_monthly_chance(outcome_results):
    st = outcome_results.state
    pid = st.loc[st["stage_idx"] == 0, "project_id"].iloc[0]
    why = outcome_results.explain(pid)
    assert list(why.columns) == ["value", "direction", "odds_factor", "contribution"]
    assert {"time in stage", "investment", "phase", "sector", "unit"} <= set(why.index)
    np.testing.assert_allclose(why["odds_factor"], np.exp(why["contribution"]))
    assert (np.diff(why["contribution"].abs().to_numpy()) <= 1e-12).all()  # the biggest factor first
    assert set(why["direction"]) <= {"raises", "lowers", "neutral"}
    assert (why.loc[why["contribution"] > 0.05, "direction"] == "raises").all()
    assert why.loc["investment", "value"].endswith(" bn")
    months = outcome_results.as_of_month - int(st.loc[st["project_id"] == pid, "entry_month"].iloc[0])
    assert why.loc["time in stage", "value"] == f"{months} months"
    # after signing the unit no longer matters, the pace through the earlier stages does
    later = outcome_results.explain(st.loc[st["stage_idx"] == 3, "project_id"].iloc[0])
    assert "pace in earlier stages" in later.index and "unit" not in later.index
    assert later.loc["pace in earlier stages", "value"].endswith("months per stage")
    with pytest.raises(KeyError, match="is not open in the 2023Q2 ledger"):
        outcome_results.explain("NOPE")
