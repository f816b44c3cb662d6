"""The package district's oracle: the truth's probabilities, settled where the past settles them."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from forecasting.history.histories import History
from forecasting.synthetic.generator import simulate_district
from forecasting.synthetic.oracle import Oracle


@pytest.fixture(scope="module")
def forecasts():
    out = []
    for seed in (1, 2):
        sim = simulate_district(rng=seed, end="2023Q4")
        h = History(sim.district, sim.effort, sim.snapshots()).upto("2022Q4")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = Oracle(sim).fit(h)
            out.append((sim, h, fit.project_probabilities(2023), fit.forecast(2023)))
    return out


def test_probabilities_are_probabilities_for_every_open_project(forecasts):
    for sim, h, pr, fc in forecasts:
        assert list(pr.columns) == ["project_id", "p_signed", "p_groundbreaking", "p_tier_10bn", "p_tier_5bn",
                                    "p_provincial"]
        v = pr.drop(columns="project_id").to_numpy()
        assert np.all((v >= 0) & (v <= 1))
        assert (pr["p_tier_10bn"] <= pr["p_signed"] + 1e-12).all()  # a tier needs a signing
        latest = h.latest.set_index("project_id").loc[pr["project_id"]]
        started = latest["stage"].isin(["under_construction", "operating"]).to_numpy()
        assert (pr.loc[started, "p_groundbreaking"] == 0).all()  # started before 2023: no 2023 start to come
        assert (fc.as_of, fc.year) == ("2022Q4", 2023)
        p_all = fc.targets.set_index("target")["p_meet"]
        assert ((p_all >= 0) & (p_all <= 1)).all() and p_all["all"] <= p_all.drop("all").min() + 1e-12


def test_the_expected_counts_match_what_happened(forecasts):
    """The oracle knows the true hazards: its expected 2023 signings and starts are the realised
    ones within binomial error and the unknown year effect (4 sd plus 15 %)."""
    for sim, _, pr, _ in forecasts:
        truth = sim.projects.set_index("project_id").loc[pr["project_id"]]
        for col, date in (("p_signed", "signed_date"), ("p_groundbreaking", "groundbreaking_date")):
            happened = truth[date].dt.year.eq(2023).sum()
            p = pr[col].to_numpy()
            sd = np.sqrt((p * (1 - p)).sum())
            assert abs(happened - p.sum()) < 4 * sd + 0.15 * p.sum(), (col, happened, p.sum())
