"""Row events: coherent in-year probabilities under every draw, held still until a row
starts, moved by hazard shifts, and zeroed where the year has already decided."""
from __future__ import annotations

import numpy as np
import pytest

from forecasting.data.district import Targets, Tier
from forecasting.forecast.contract import settled_probabilities
from forecasting.simulation.adjustments import Adjustments, hazard_shifts, ledger_rows
from forecasting.simulation.draws import draw_parameters
from forecasting.simulation.rows import row_events, thresholds, zero_settled

YEAR = 2023


@pytest.fixture(scope="module")
def ledger(outcome_results):
    draws = draw_parameters(outcome_results, YEAR, 8, np.random.default_rng(0))
    state, frame, start, mult = ledger_rows(outcome_results, YEAR, Adjustments())
    return draws, state, frame, row_events(outcome_results, state, frame, YEAR, draws, start=start, log_multiplier=mult)


def test_thresholds_are_every_tier_bound_once_in_order():
    t = Targets(2024, 1, 1, (Tier("a", 10.0, 1), Tier("b", 5.0, 1, max_bn=10.0), Tier("c", 1.0, 1, max_bn=20.0)))
    np.testing.assert_array_equal(thresholds(t), [1.0, 5.0, 10.0, 20.0])
    assert thresholds(Targets(2024, 1, 1)).size == 0


def test_the_ledgers_events_are_coherent_probabilities(outcome_results, ledger):
    draws, state, frame, ev = ledger
    D, R = draws.n, len(state)
    assert ev.cum_signed.shape == ev.cum_ground.shape == (D, R, 12)
    assert ev.ids.tolist() == state["project_id"].tolist()
    for cum in (ev.cum_signed, ev.cum_ground):
        assert (cum >= 0).all() and (cum <= 1 + 1e-12).all()
        assert (np.diff(cum, axis=-1) >= -1e-12).all()  # cumulative by month
    th = thresholds(outcome_results.history.district.targets_for(YEAR))
    assert ev.clears.shape == (D, R, th.size)
    assert (np.diff(ev.clears, axis=-1) <= 1e-12).all()  # a higher bound is cleared less often
    assert (ev.provincial >= 0).all() and (ev.provincial <= 1).all()
    min_bn = outcome_results.history.district.targets_for(YEAR).groundbreakings_min_bn
    np.testing.assert_array_equal(ev.counted, frame["investment_bn"].to_numpy() >= min_bn)
    assert ev.pool.shape == (D, 2)
    # the draws differ, so do the rows' chances
    assert np.ptp(ev.cum_ground[:, :, -1].sum(axis=1)) > 0


def test_a_row_is_held_still_until_its_start(outcome_results, ledger):
    draws, state, frame, ev = ledger
    october = YEAR * 12 + 9
    later = row_events(outcome_results, state, frame, YEAR, draws, start=np.full(len(state), october))
    assert not later.cum_signed[:, :, :9].any() and not later.cum_ground[:, :, :9].any()
    assert later.cum_ground[:, :, -1].sum() < ev.cum_ground[:, :, -1].sum()


def test_faster_approval_raises_the_years_groundbreakings(outcome_results, ledger):
    draws, state, frame, ev = ledger
    mult = hazard_shifts(state["sector"].to_numpy(), Adjustments(approval_speed=2.0))
    faster = row_events(outcome_results, state, frame, YEAR, draws, log_multiplier=mult)
    assert faster.cum_ground[:, :, -1].sum() > ev.cum_ground[:, :, -1].sum() * 1.05
    np.testing.assert_allclose(faster.clears, ev.clears)  # the amount at signing does not depend on speed


def test_zero_settled_removes_what_the_year_has_decided_and_the_scenarios_losses(outcome_results, ledger):
    draws, state, frame, ev = ledger
    ev = ev.take(np.arange(len(ev.ids)))  # a copy to change (fancy indexing copies)
    before = ev.cum_ground.copy()
    settled = settled_probabilities(outcome_results.history, YEAR).set_index("project_id").reindex(ev.ids)
    done = settled["p_groundbreaking"].notna().to_numpy()
    gone = ev.ids[~done][0]
    zero_settled(ev, outcome_results.history, YEAR, Adjustments(lost=frozenset({gone})))
    assert not ev.cum_ground[:, done].any()
    lost = ev.ids == gone
    assert not ev.cum_signed[:, lost].any() and not ev.cum_ground[:, lost].any() and not ev.provincial[:, lost].any()
    keep = ~done & ~lost
    np.testing.assert_array_equal(ev.cum_ground[:, keep], before[:, keep])
    assert before[:, keep].any()


def test_take_keeps_the_chosen_rows(ledger):
    *_, ev = ledger
    rows = np.array([4, 1])
    sub = ev.take(rows)
    assert sub.ids.tolist() == ev.ids[rows].tolist()
    np.testing.assert_array_equal(sub.cum_signed, ev.cum_signed[:, rows])
    np.testing.assert_array_equal(sub.clears, ev.clears[:, rows])
    np.testing.assert_array_equal(sub.counted, ev.counted[rows])
    assert sub.pool is ev.pool
