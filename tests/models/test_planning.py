"""Effort planning on a fitted inflow model: future effort, staff ranges, response curves."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import ExtrapolationWarning, SparseDataWarning
from forecasting.models.inflow import fit_inflow


def test_future_effort_carries_the_last_quarter_forward(inflow_fitted):
    _, h, res = inflow_fitted
    out = res.future_effort(["2024Q1", "2024Q2"])
    last = h.effort[h.effort["quarter"] == h.as_of].set_index("unit")
    assert list(out.columns) == ["quarter", "unit", "staff", "visits", "budget_m"]
    assert len(out) == 2 * len(h.district.units)
    for q in ("2024Q1", "2024Q2"):
        got = out[out["quarter"] == q].set_index("unit")
        pd.testing.assert_frame_equal(got[["staff", "visits", "budget_m"]].astype(float),
                                      last.loc[got.index, ["staff", "visits", "budget_m"]].astype(float))


def test_future_effort_overrides(inflow_fitted):
    """Staff changed alone: visits in proportion (they are made by staff), budget held, and
    the expected leads scale by ``2 ** elasticity`` when staff double."""
    _, _, res = inflow_fitted
    base = res.future_effort(["2024Q1"]).set_index("unit")
    s0, v0, b0 = base.loc["branch_1", ["staff", "visits", "budget_m"]]
    lo, hi = res.staff_range("branch_1")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExtrapolationWarning)
        doubled = res.future_effort(["2024Q1"], overrides={"branch_1": {"staff": 2 * s0}}).set_index("unit")
    assert doubled.loc["branch_1", "staff"] == 2 * s0
    assert doubled.loc["branch_1", "visits"] == pytest.approx(2 * v0)
    assert doubled.loc["branch_1", "budget_m"] == b0
    pd.testing.assert_frame_equal(doubled.drop(index="branch_1"), base.drop(index="branch_1"))
    ratio = res.predict_mean(doubled.reset_index()) / res.predict_mean(base.reset_index())
    e = res.elasticities().loc["branch_1", "estimate"]
    assert ratio[list(base.index).index("branch_1")] == pytest.approx(2.0**e)

    given = res.future_effort(["2024Q1"], overrides={"branch_1": {"staff": s0, "visits": 100}})
    assert given.set_index("unit").loc["branch_1", "visits"] == 100
    budget = res.future_effort(["2024Q1"], overrides={"branch_1": {"budget_m": 9.0}}).set_index("unit")
    assert budget.loc["branch_1", ["staff", "visits", "budget_m"]].tolist() == [s0, v0, 9.0]

    with warnings.catch_warnings():
        warnings.simplefilter("error", ExtrapolationWarning)
        res.future_effort(["2024Q1"], overrides={"branch_1": {"staff": hi}})  # seen: no warning
    with pytest.warns(ExtrapolationWarning, match="branch_1"):
        res.future_effort(["2024Q1"], overrides={"branch_1": {"staff": 3 * hi}})
    with pytest.raises(ValueError, match="unknown unit"):
        res.future_effort(["2024Q1"], overrides={"branch_9": {"staff": 3}})
    with pytest.raises(ValueError, match="cannot override"):
        res.future_effort(["2024Q1"], overrides={"branch_1": {"salary": 3}})
    with pytest.raises(ValueError, match="YYYYQn"):
        res.future_effort(["2024-Q1"])


def test_response_curve(inflow_fitted):
    _, _, res = inflow_fitted
    lo, hi = res.staff_range("branch_1")
    grid = np.arange(0.0, 31.0)
    curve = res.response_curve("branch_1", grid, n_draws=300, rng=4)
    assert list(curve.columns) == ["staff", "mean", "lo", "hi", "extrapolated"]
    assert (np.diff(curve["mean"]) > 0).all()
    assert (curve["lo"] <= curve["mean"]).all() and (curve["mean"] <= curve["hi"]).all()
    assert (curve["hi"] - curve["lo"])[1:].gt(0).all()
    expected_flag = (grid > 0) & ((grid < lo) | (grid > hi))
    np.testing.assert_array_equal(curve["extrapolated"].to_numpy(), expected_flag)
    assert not expected_flag.all() and expected_flag.any()

    # with the estimate alone (draw 0), at today's staff it is the expected count next quarter
    nxt = res.future_effort(["2024Q1"])
    s0 = nxt.set_index("unit").loc["branch_1", "staff"]
    point = res.response_curve("branch_1", [s0], quarter="2024Q1", n_draws=1)
    assert point.loc[0, "mean"] == pytest.approx(res.predict_mean(nxt)[list(nxt["unit"]).index("branch_1")])


def test_a_unit_never_staffed_borrows_from_its_type(inflow_fitted):
    """Before 2023 the Beijing centre had no staff: its level is its type's average and its
    elasticity the pooled one, with a warning; any staff is an extrapolation."""
    _, h, _ = inflow_fitted
    with pytest.warns(SparseDataWarning, match="center_beijing"):
        res = fit_inflow(h.upto("2022Q4"))
    e = res.elasticities()
    assert e.loc["center_beijing", "quarters"] == 0
    assert e.loc["center_beijing", "estimate"] == pytest.approx(res.params["log_staff"])
    assert np.isnan(res.staff_range("center_beijing")).all()
    rows = pd.DataFrame({"quarter": "2023Q1", "unit": ["center_beijing", "center_shanghai", "center_nanjing"],
                         "staff": 4.0, "visits": 48.0, "budget_m": 1.4})
    mu = res.predict_mean(rows)
    intercepts = res.params[["unit:center_shanghai", "unit:center_nanjing"]]
    shift = intercepts.mean() - res.params["unit:center_shanghai"]
    slope = res.params["log_staff:center_shanghai"] * (np.log(4.0) - res.design.log_staff_centre)
    assert mu[0] == pytest.approx(mu[1] * np.exp(shift - slope))
    assert res.response_curve("center_beijing", [1, 4], n_draws=20)["extrapolated"].all()
