"""The outcome model: fitted results that stay as fitted, the forecasting verbs as one code
path through the simulator, and the explanation of a project's monthly chance."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from forecasting.simulation.outcomes import OutcomeModel, OutcomeResults
from forecasting.simulation.portfolio import PortfolioSimulator

YEAR = 2023


def test_fit_gives_results_that_stay_as_fitted(outcome_results):
    assert isinstance(outcome_results, OutcomeResults)
    assert outcome_results.n_param_draws == 8 and outcome_results.history.as_of == "2023Q2"
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome_results.inflow = None
    before = set(vars(outcome_results))
    outcome_results.simulator(YEAR, n_draws=200, rng=1).run()
    assert set(vars(outcome_results)) <= before | {"state"}  # only the derived as-of state is kept
    changed = dataclasses.replace(outcome_results, inflow=None)
    assert changed.inflow is None and outcome_results.inflow is not None


def test_the_verbs_are_the_simulators(outcome_results):
    sim = outcome_results.simulator(YEAR, n_draws=500, rng=2)
    assert isinstance(sim, PortfolioSimulator) and sim.results is outcome_results and sim.n_draws == 500
    direct = PortfolioSimulator(outcome_results, YEAR, n_draws=500, rng=2).run()
    pd.testing.assert_frame_equal(outcome_results.simulate(YEAR, n_draws=500, rng=2).counts, direct.counts)
    fc = outcome_results.forecast(YEAR, n_draws=500, rng=2)
    assert fc.as_of == "2023Q2" and fc.year == YEAR and fc.forecaster == "outcome_model"
    pd.testing.assert_frame_equal(fc.targets, direct.targets())


def test_projects_table_is_the_simulations_own_probabilities(outcome_results):
    """One code path: the forecast's projects.csv, the per-project call and the ledger part
    of the simulation agree (the ledger's expected count is the column's sum)."""
    fc = outcome_results.forecast(YEAR, n_draws=6000, rng=4)
    alone = outcome_results.project_probabilities(YEAR, n_draws=6000, rng=4)
    pd.testing.assert_frame_equal(fc.projects, alone)
    simulator = outcome_results.simulator(YEAR, n_draws=6000, rng=4)
    sim = simulator.run()
    from forecasting.forecast.contract import settled_probabilities

    settled = settled_probabilities(outcome_results.history, YEAR).set_index("project_id").reindex(fc.projects["project_id"])
    big = fc.projects["investment_bn"].to_numpy() >= outcome_results.history.district.targets_for(YEAR).groundbreakings_min_bn
    open_ = settled["p_groundbreaking"].isna().to_numpy() & big
    expected = fc.projects.loc[open_, "p_groundbreaking"].sum()
    ev = simulator.ledger_events
    weight = np.bincount(simulator.which, minlength=simulator.n_param_draws) / simulator.n_draws
    assert expected == pytest.approx(float(weight @ ev.cum_ground[:, ev.counted, -1].sum(axis=1)), rel=1e-9)
    # the realised Bernoulli draws scatter around it by their Monte Carlo error only
    assert sim.sources.loc["groundbreakings", "ledger"] == pytest.approx(expected, abs=4 * np.sqrt(expected / 6000) + 0.05)
    assert (fc.projects["p_groundbreaking_lo"] <= fc.projects["p_groundbreaking"] + 1e-12).all()
    assert (fc.projects["p_groundbreaking"] <= fc.projects["p_groundbreaking_hi"] + 1e-12).all()


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
    # after signing the unit no longer matters, the pace through the earlier stages does
    later = outcome_results.explain(st.loc[st["stage_idx"] == 3, "project_id"].iloc[0])
    assert "pace in earlier stages" in later.index and "unit" not in later.index
    assert later.loc["pace in earlier stages", "value"].endswith("months per stage")
    with pytest.raises(KeyError, match="is not open in the 2023Q2 ledger"):
        outcome_results.explain("NOPE")


def test_the_model_without_new_leads_fits_no_inflow(bundled_history):
    res = OutcomeModel(n_param_draws=4, new_leads=False).fit(bundled_history.upto("2022Q4"))
    assert res.inflow is None and res.n_param_draws == 4
    assert res.simulator(2023, n_draws=100, rng=0).cells is None
