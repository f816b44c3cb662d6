"""The baselines: share tables of what became of projects in each stage, looked up per project."""
from __future__ import annotations

import pytest

from forecasting.errors import ShortHistoryWarning
from forecasting.forecast.baselines import StageQuarterRate, StageWeighted
from forecasting.forecast.contract import TARGET_COLUMNS, Forecast, Forecaster, project_columns


@pytest.mark.parametrize("baseline", [StageWeighted, StageQuarterRate])
def test_a_baseline_speaks_the_forecast_contract(bundled_history, baseline):
    h = bundled_history.upto("2022Q2")
    assert isinstance(baseline(), Forecaster)
    f = baseline().fit(h).forecast(2022)
    assert isinstance(f, Forecast) and f.as_of == "2022Q2" and f.year == 2022 and f.forecaster == baseline.name
    assert list(f.projects.columns) == project_columns(h.district.targets_for(2022))
    probs = f.projects.drop(columns=["project_id", "stage", "investment_bn"])
    assert probs.apply(lambda c: c.between(0, 1).all()).all()
    assert list(f.targets.columns) == TARGET_COLUMNS


def test_the_share_is_the_past_quarters_outcome_share(bundled_history):
    """An open project's P(signed) is the share of projects in its stage at past quarter-ends
    that signed by their year end: lower for a lead than for a project in negotiation."""
    f = StageWeighted().fit(bundled_history.upto("2022Q2")).forecast(2022)
    settled_out = f.projects["stage"].isin(["signed", "approved", "under_construction", "operating", "lost"])
    by_stage = f.projects[~settled_out].groupby("stage")["p_signed"]
    assert by_stage.nunique().max() == 1  # one number per stage
    assert by_stage.first()["lead"] < by_stage.first()["negotiating"]


def test_a_history_with_nothing_to_count_from_says_so(bundled_history):
    h = bundled_history.upto(bundled_history.quarters[0])
    with pytest.warns(ShortHistoryWarning, match="nothing to count from"):
        f = StageWeighted().fit(h).forecast(int(h.as_of[:4]))
    open_ = f.projects["stage"].isin(["lead", "negotiating"])
    assert open_.any() and (f.projects.loc[open_, "p_signed"] == 0.0).all()
