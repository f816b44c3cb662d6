"""The outcome model and its forecaster: ``fit`` gives a forecaster holding results that stay
as fitted, and the forecasting verbs are one code path through the simulator."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from conftest import BUNDLED
from forecasting.simulation.outcomes import Forecaster, OutcomeModel, OutcomeResults
from forecasting.simulation.portfolio import PortfolioSimulator

YEAR = 2023


def test_fit_gives_a_forecaster_holding_the_results(outcome_forecaster):
    fc = outcome_forecaster
    assert isinstance(fc, Forecaster) and isinstance(fc.results, OutcomeResults)
    assert fc.n_param_draws == 8 and fc.name == OutcomeModel.name
    assert fc.history is fc.results.history and fc.history.as_of == "2023Q2"
    pd.testing.assert_frame_equal(fc.state, fc.results.state)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fc.n_param_draws = 9
    before = set(vars(fc.results))
    fc.simulator(YEAR, n_draws=200, rng=1).run()
    assert set(vars(fc.results)) <= before | {"state"}  # a simulation keeps nothing in the results


def test_the_verbs_are_the_simulators(outcome_forecaster):
    fc = outcome_forecaster
    sim = fc.simulator(YEAR, n_draws=500, rng=2)
    assert isinstance(sim, PortfolioSimulator) and sim.results is fc.results
    assert sim.n_draws == 500 and sim.n_param_draws == 8
    assert fc.simulator(YEAR, n_draws=50, rng=2, n_param_draws=4).n_param_draws == 4
    direct = PortfolioSimulator(fc.results, YEAR, n_draws=500, rng=2, n_param_draws=8).run()
    pd.testing.assert_frame_equal(fc.simulate(YEAR, n_draws=500, rng=2).counts, direct.counts)
    forecast = fc.forecast(YEAR, n_draws=500, rng=2)
    assert forecast.as_of == "2023Q2" and forecast.year == YEAR and forecast.forecaster == "outcome_model"
    pd.testing.assert_frame_equal(forecast.targets, direct.targets())


def test_projects_table_is_the_simulations_own_probabilities(outcome_forecaster):
    """One code path: the forecast's projects.csv, the per-project call and the ledger part
    of the simulation agree (the ledger's expected count is the column's sum)."""
    fc = outcome_forecaster
    forecast = fc.forecast(YEAR, n_draws=6000, rng=4)
    alone = fc.project_probabilities(YEAR, n_draws=6000, rng=4)
    pd.testing.assert_frame_equal(forecast.projects, alone)
    simulator = fc.simulator(YEAR, n_draws=6000, rng=4)
    sim = simulator.run()
    from forecasting.forecast.contract import settled_probabilities

    projects = forecast.projects
    settled = settled_probabilities(fc.history, YEAR).set_index("project_id").reindex(projects["project_id"])
    big = projects["investment_bn"].to_numpy() >= fc.history.district.targets_for(YEAR).groundbreakings_min_bn
    open_ = settled["p_groundbreaking"].isna().to_numpy() & big
    expected = projects.loc[open_, "p_groundbreaking"].sum()
    ev = simulator.ledger_events
    weight = np.bincount(simulator.which, minlength=simulator.n_param_draws) / simulator.n_draws
    assert expected == pytest.approx(float(weight @ ev.cum_ground[:, ev.counted, -1].sum(axis=1)), rel=1e-9)
    # the realised Bernoulli draws scatter around it by their Monte Carlo error only
    assert sim.sources.loc["groundbreakings", "ledger"] == pytest.approx(expected, abs=4 * np.sqrt(expected / 6000) + 0.05)
    assert (projects["p_groundbreaking_lo"] <= projects["p_groundbreaking"] + 1e-12).all()
    assert (projects["p_groundbreaking"] <= projects["p_groundbreaking_hi"] + 1e-12).all()


def test_the_forecast_is_the_commands(bundled_history, tmp_path):
    """``forecasting forecast`` writes the forecaster's numbers: same data and seed, same bytes."""
    import warnings

    from forecasting.cli.main import main
    from forecasting.forecast.contract import project_columns
    from forecasting.output import write_csv

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["forecast", str(BUNDLED), "--as-of", "2023Q2", "--seed", "5", "--draws", "400",
                     "--out", str(tmp_path / "cli")]) == 0
        forecast = OutcomeModel().fit(bundled_history.upto("2023Q2")).forecast(2023, n_draws=400, rng=5)
    cols = project_columns(bundled_history.district.targets_for(2023))
    write_csv(forecast.projects[cols + [c for c in forecast.projects.columns if c not in cols]], tmp_path / "projects.csv")
    write_csv(forecast.targets, tmp_path / "targets.csv")
    for name in ("projects.csv", "targets.csv"):
        assert (tmp_path / name).read_bytes() == (tmp_path / "cli" / name).read_bytes()


def test_the_forecaster_on_another_ledger_keeps_the_estimates(bundled_history, outcome_forecaster):
    """The quarter attribution's steps: the same estimates, every project starting from the
    later ledger's as-of month (no refit, nothing in the original changed)."""
    later = bundled_history.upto("2023Q3")
    moved = outcome_forecaster.on(later)
    assert moved.results.progression is outcome_forecaster.results.progression
    assert moved.history is later and outcome_forecaster.history.as_of == "2023Q2"
    assert moved.results.as_of_month == outcome_forecaster.results.as_of_month + 3
    assert moved.n_param_draws == outcome_forecaster.n_param_draws
    assert len(moved.state) != len(outcome_forecaster.state) or not moved.state.equals(outcome_forecaster.state)


def test_the_model_without_new_leads_fits_no_inflow(bundled_history):
    fc = OutcomeModel(n_param_draws=4, new_leads=False).fit(bundled_history.upto("2022Q4"))
    assert fc.results.inflow is None and fc.n_param_draws == 4
    assert fc.simulator(2023, n_draws=100, rng=0).cells is None
