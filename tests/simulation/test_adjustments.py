"""A scenario's changes in the simulation's terms: known hazard shifts, and the ledger's rows
moved, resized and added as asked (and only those)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.data.schema import STAGES
from forecasting.models.progression import N_STAGES
from forecasting.simulation.adjustments import APPROVAL_STAGES, Adjustments, hazard_shifts, ledger_rows, prospect_rows

YEAR = 2023


@pytest.mark.parametrize("adj", [
    Adjustments(effort={"branch_1": {"staff": 3.0}}), Adjustments(approval_speed=1.5),
    Adjustments(slip_months={"P1": 2}), Adjustments(lost=frozenset({"P1"})), Adjustments(resize={"P1": 2.0}),
    Adjustments(prospects=pd.DataFrame([{"unit": "branch_1", "sector": "other", "stage": "lead",
                                         "investment_bn": 1.0}])),
    Adjustments(sector_effect={"other": 0.3}),
], ids=["effort", "speed", "slip", "lost", "resize", "prospects", "sector"])
def test_any_change_is_not_the_baseline(adj):
    assert Adjustments().is_baseline
    assert not adj.is_baseline


def test_no_change_is_the_baseline():
    assert Adjustments(approval_speed=1.0, prospects=pd.DataFrame(), sector_effect={"other": 0.0}).is_baseline


def test_hazard_shifts_are_the_log_speed_on_the_approval_steps_and_a_sectors_year_on_its_rows():
    sectors = np.array(["new_energy", "other", "new_energy"])
    assert not hazard_shifts(sectors, Adjustments()).any()
    assert [STAGES[k] for k in APPROVAL_STAGES] == ["signed", "approved"]
    shift = hazard_shifts(sectors, Adjustments(approval_speed=2.0, sector_effect={"new_energy": -0.25}))
    assert shift.shape == (3, N_STAGES)
    expected = np.zeros((3, N_STAGES))
    expected[:, list(APPROVAL_STAGES)] = np.log(2.0)
    expected[[0, 2], :] -= 0.25
    np.testing.assert_allclose(shift, expected)


def test_ledger_rows_move_and_resize_only_the_named_projects(outcome_results):
    base_state, base_frame, base_start, base_mult = ledger_rows(outcome_results, YEAR, Adjustments())
    as_of = outcome_results.progression.as_of_month
    assert (base_start == as_of).all() and not base_mult.any()
    pd.testing.assert_frame_equal(base_state, outcome_results.state)
    ids = base_state["project_id"].to_numpy()
    slip, resize = ids[0], ids[1]
    adj = Adjustments(slip_months={slip: 4}, resize={resize: 7.5})
    state, frame, start, _ = ledger_rows(outcome_results, YEAR, adj)
    moved = ids == slip
    assert start[moved].tolist() == [as_of + 4] and (start[~moved] == as_of).all()
    assert (state["entry_month"] - base_state["entry_month"]).tolist() == [4 if m else 0 for m in moved]
    grown = ids == resize
    assert frame.loc[grown, "investment_bn"].tolist() == [7.5]
    assert state.loc[grown, ["logsize_pre", "logsize_post"]].to_numpy() == pytest.approx(np.log(7.5))
    pd.testing.assert_frame_equal(frame[~grown].reset_index(drop=True), base_frame[~grown].reset_index(drop=True))
    # the fitted results are not touched
    pd.testing.assert_frame_equal(outcome_results.state, base_state)


def test_prospects_enter_at_their_stage_by_the_as_of_month(outcome_results):
    prospects = pd.DataFrame([
        {"unit": "branch_4", "sector": "photovoltaics", "stage": "negotiating", "investment_bn": 8.0},
        {"unit": "center_beijing", "sector": "other", "stage": "approved", "investment_bn": 2.0,
         "entered": "2022-01-15"},
    ])
    adj = Adjustments(prospects=prospects, sector_effect={"other": 0.5})
    state, frame, start, mult = prospect_rows(outcome_results, prospects, adj)
    assert frame["project_id"].tolist() == ["prospect:1", "prospect:2"]
    assert frame["unit_type"].tolist() == ["branch", "center"]
    assert state["stage_idx"].tolist() == [STAGES.index("negotiating"), STAGES.index("approved")]
    as_of = outcome_results.progression.as_of_month
    assert state["entry_month"].tolist() == [as_of, 2022 * 12]
    assert np.isnan(frame.loc[0, "investment_signed"]) and frame.loc[1, "investment_signed"] == 2.0
    assert (start == as_of).all()
    np.testing.assert_allclose(mult, hazard_shifts(np.array(["photovoltaics", "other"]), adj))


def test_a_prospect_moves_at_a_typical_projects_pace(outcome_results):
    """A prospect's earlier path is unknown: it gets the (lower) median pace of the open
    projects at its stage, so a prospect that copies such a ledger project (same stage,
    entry month, amount, phase and sector) propagates exactly like it; with pace 0 it moved
    faster than any project the history shows (half a month per earlier stage)."""
    from forecasting.simulation.adjustments import typical_pace

    st = outcome_results.state
    P = outcome_results.history.projects.set_index("project_id")
    signed = STAGES.index("signed")
    pace = typical_pace(st, signed)
    at = st[st["stage_idx"] == signed]
    assert at["pace_now"].min() <= pace <= at["pace_now"].max()
    assert pace == pytest.approx(np.median(at["pace_now"]), abs=0.2)
    same = at[np.isclose(at["pace_now"], pace)]
    same = same[np.isclose(P.loc[same["project_id"], "investment_signed"].to_numpy(float),
                           P.loc[same["project_id"], "investment_bn"].to_numpy(float))]
    x = same.iloc[0]
    row = P.loc[x["project_id"]]
    prospects = pd.DataFrame([{"unit": row["unit"], "sector": row["sector"], "stage": "signed",
                               "investment_bn": float(row["investment_bn"]), "phase": int(row["phase"]),
                               "entered": row["signed_date"]}])
    state, _, _, _ = prospect_rows(outcome_results, prospects, Adjustments(prospects=prospects))
    cols = ["stage_idx", "entry_month", "pace_now", "phase2", "logsize_post"]
    np.testing.assert_allclose(state.loc[0, cols].to_numpy(float), x[cols].to_numpy(float))
    prog = outcome_results.progression
    last = prog.as_of_month + 12
    both = pd.concat([st[st["project_id"] == x["project_id"]], state[st.columns]], ignore_index=True)
    flows = prog.predict_flows(both, last_month=last)
    p = flows.p_enter(STAGES.index("under_construction"), prog.as_of_month + 1, last)[0]
    assert p[1] == pytest.approx(p[0], rel=1e-9)
    assert typical_pace(st, 0) == 0.0
