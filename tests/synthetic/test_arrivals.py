"""The synthetic effort and leads: staff as stated, leads as many as the true inflow says."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.synthetic.arrivals import draw_arrivals, inflow_mean, investor_names, ledger_span, simulate_effort
from forecasting.synthetic.params import LEADING_COMPANIES, UNITS, default_params


@pytest.fixture(scope="module")
def effort() -> pd.DataFrame:
    return simulate_effort("2019Q1", "2023Q4", rng=np.random.default_rng(4))


def test_effort_covers_every_unit_and_quarter(effort):
    assert len(effort) == 20 * len(UNITS)
    assert effort["quarter"].is_monotonic_increasing
    beijing = effort[effort["unit"] == "center_beijing"]
    assert (beijing.loc[beijing["quarter"] < "2023Q1", ["staff", "budget_m"]] == 0).all().all()  # opened Feb 2023
    staffed = effort[effort["staff"] > 0]
    assert staffed["staff"].between(2, 20).all() and (staffed["visits"] > 0).all()


def test_the_ledger_span_runs_from_the_first_january_to_the_last_quarter_simulated():
    span = ledger_span(2016, "2024Q1", "2025Q3")
    assert span.last == "2025Q3"
    assert span.t0 == pd.Timestamp("2016-01-01") and span.t_end == pd.Timestamp("2025-09-30")
    np.testing.assert_array_equal(span.years, np.arange(2016, 2027))  # a shock for the year after the last too
    default = ledger_span(2017, "2024Q1")  # simulated up to the last snapshot's quarter
    assert default.last == "2024Q1" and default.t_end == pd.Timestamp("2024-03-31")
    np.testing.assert_array_equal(default.years, np.arange(2017, 2026))


def test_staff_scale_multiplies_a_units_staff():
    a = simulate_effort("2020Q1", "2020Q4", rng=np.random.default_rng(1))
    b = simulate_effort("2020Q1", "2020Q4", rng=np.random.default_rng(1), staff_scale={"branch_1": 2.0})
    one = a["unit"] == "branch_1"
    np.testing.assert_array_equal(b.loc[one, "staff"], np.maximum(1.0, np.round(a.loc[one, "staff"] * 2.0)))
    np.testing.assert_array_equal(b.loc[~one, "staff"], a.loc[~one, "staff"])


def test_inflow_mean_known_answer_and_zero_without_staff():
    p = default_params()
    rows = pd.DataFrame({"quarter": ["2022Q2", "2022Q2"], "unit": ["branch_1", "center_beijing"],
                         "staff": [8.0, 0.0], "visits": [96, 0]})
    got = inflow_mean(p, rows)
    expect = np.exp(p.inflow_base["branch_1"] + p.inflow_elasticity["branch_1"] * np.log(8.0)
                    + p.inflow_visits * np.log(96 / 8 / 12) + p.inflow_season[1])
    assert got[0] == pytest.approx(expect, rel=1e-12) and got[1] == 0.0
    shock = pd.Series({2022: 0.1})
    assert inflow_mean(p, rows, shock)[0] == pytest.approx(expect * np.exp(0.1), rel=1e-12)


def test_leads_are_as_many_as_the_inflow_says(effort):
    p = default_params()
    no_shock = pd.Series(0.0, index=range(2019, 2025))
    rows = draw_arrivals(p, effort, no_shock, np.random.default_rng(2))
    expect = inflow_mean(p, effort, no_shock).sum()
    assert abs(len(rows) - expect) < 4 * np.sqrt(expect * (1 + expect / len(effort) / p.inflow_shape))
    assert rows["project_id"].is_unique and rows["first_seen"].is_monotonic_increasing
    assert (rows["size_lead"] >= 0.1).all()
    quarter = rows["first_seen"].dt.to_period("Q").astype(str)
    assert (quarter == rows["quarter"]).all()  # each lead arrives inside its quarter
    assert rows.loc[rows["unit_type"] == "campaign", "sector"].isin(p.size_sector_shift.keys() - {"other"}).all()


def test_campaign_leads_are_leading_companies():
    rows = pd.DataFrame({"sector": ["new_energy", "other", "photovoltaics"],
                         "unit_type": ["campaign", "branch", "center"]})
    names = investor_names(rows, np.random.default_rng(0))
    assert names[0] in LEADING_COMPANIES
    assert names[1].split(" ")[1] == "Industrial" and names[2].split(" ")[1] == "Solar"
