"""The new leads' arrival cells: which quarters are still to come, templates grouped by
draw, cell sums that add over any split of the templates, and the template paths kept
beside the results."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import ExtrapolationWarning
from forecasting.simulation.adjustments import Adjustments
from forecasting.simulation.arrivals import (TEMPLATE_SETS, TEMPLATES_PER_UNIT, arrival_cells, arrival_combine,
                                             arrival_sets, arrival_sums, arrival_summary, arrival_template_events,
                                             arrival_template_rows, cell_index, future_quarters, template_set)
from forecasting.simulation.draws import ParameterDraws, draw_parameters

YEAR = 2023


@pytest.mark.parametrize("as_of, year, quarters", [
    ("2023Q2", 2023, ["2023Q3", "2023Q4"]),
    ("2023Q4", 2023, []),
    ("2024Q1", 2023, []),
    ("2023Q4", 2024, ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]),
])
def test_future_quarters_are_those_after_the_as_of_to_the_years_end(as_of, year, quarters):
    assert future_quarters(as_of, year) == quarters


def test_template_sets_keep_antithetic_pairs_together():
    draws = ParameterDraws(*(np.zeros((20, 1)),) * 3, 2023, *(np.zeros((20, 1)),) * 3, None, None)
    group, rngs = arrival_sets(draws, np.random.default_rng(0))
    assert len(rngs) == TEMPLATE_SETS
    assert (group[0::2] == group[1::2]).all()
    assert sorted(set(group.tolist())) == list(range(TEMPLATE_SETS))
    few, rngs = arrival_sets(dataclasses.replace(draws, advance=np.zeros((4, 1))), np.random.default_rng(0))
    assert len(rngs) == 2 and few.tolist() == [0, 0, 1, 1]
    # the simulated years' sets (for the Monte Carlo error) follow the same rule
    assert template_set(np.arange(20), 20).tolist() == group.tolist()
    assert template_set(np.array([3, 0, 2]), 4).tolist() == [1, 0, 1]


def test_combine_puts_each_sets_summaries_back_in_draw_order():
    group = np.array([1, 1, 0, 0, 1, 1])
    part = lambda v, n: (0.3, *(np.full((n, 2), v + j) for j in range(4)))  # noqa: E731
    alpha, *out = arrival_combine(6, group, [part(0.0, 2), part(10.0, 4)])
    assert alpha == 0.3
    np.testing.assert_array_equal(out[0][:, 0], [10, 10, 0, 0, 10, 10])
    np.testing.assert_array_equal(out[3][:, 1], [13, 13, 3, 3, 13, 13])


def test_cell_index_finds_each_templates_unit_and_quarter():
    effort = pd.DataFrame({"unit": ["a", "a", "b"], "quarter": ["2023Q3", "2023Q4", "2023Q3"]})
    frame = pd.DataFrame({"unit": ["b", "a", "a", "a"],
                          "arrival_month": [2023 * 12 + 7, 2023 * 12 + 6, 2023 * 12 + 11, 2023 * 12 + 8]})
    assert cell_index(effort, frame).tolist() == [2, 0, 1, 0]


@pytest.fixture(scope="module")
def templates(outcome_results):
    draws = draw_parameters(outcome_results, YEAR, 8, np.random.default_rng(0))
    quarters = future_quarters(outcome_results.history.as_of, YEAR)
    effort = outcome_results.inflow.future_effort(quarters).reset_index(drop=True)
    frame, state = arrival_template_rows(outcome_results, effort, quarters, np.random.default_rng(1))
    ev = arrival_template_events(outcome_results, YEAR, draws, Adjustments(), frame, state)
    return draws, effort, frame, state, ev


def test_templates_are_leads_in_every_arrival_month(outcome_results, templates):
    draws, effort, frame, state, ev = templates
    units = pd.unique(effort["unit"])
    assert len(frame) == len(units) * TEMPLATES_PER_UNIT * 6  # two quarters of three months
    assert (frame["stage"] == "lead").all() and (state["stage_idx"] == 0).all()
    assert (state["entry_month"].to_numpy() == frame["arrival_month"].to_numpy()).all()
    assert not ev.provincial.any()  # the year's list is decided before they sign
    first = frame["arrival_month"].min()
    early = frame["arrival_month"].to_numpy() == first
    assert ev.cum_signed[:, early, -1].mean() > ev.cum_signed[:, ~early, -1].mean()  # more time, more signings


def test_cell_sums_add_over_any_split_of_the_templates(outcome_results, templates):
    """What the explorer relies on when it recomputes one sector's templates only."""
    draws, effort, frame, state, ev = templates
    whole, total = arrival_sums(effort, frame, ev)
    half = np.arange(len(frame)) % 3 == 0
    a, _ = arrival_sums(effort, frame[half], ev.take(np.flatnonzero(half)))
    b, _ = arrival_sums(effort, frame[~half], ev.take(np.flatnonzero(~half)))
    for w, x, y in zip(whole, a, b):
        np.testing.assert_allclose(x + y, w, rtol=1e-12, atol=1e-15)
    weights = np.bincount(cell_index(effort, frame), weights=frame["weight"], minlength=len(effort))
    np.testing.assert_allclose(total, weights)
    alpha, p_band, p_ground, m_signed, m_ground = arrival_summary(outcome_results, whole, total)
    assert alpha == outcome_results.inflow.alpha
    assert (p_band.sum(axis=-1) <= 1 + 1e-12).all() and (p_ground >= 0).all() and (p_ground <= 1).all()
    np.testing.assert_allclose(m_signed.sum(axis=-1), 1.0)
    np.testing.assert_allclose(m_ground.sum(axis=-1), 1.0)


def test_arrival_cells_are_kept_beside_the_results_for_the_same_key(outcome_results):
    draws = draw_parameters(outcome_results, YEAR, 8, np.random.default_rng(0))
    kw = dict(rng=np.random.default_rng(5), cache_key=("test", 8))
    cells = arrival_cells(outcome_results, YEAR, draws, Adjustments(), **kw)
    assert cells.mean.shape == (8, len(cells.cells)) and (cells.mean > 0).all()
    # the same key: the same paths, even from another template stream (they are looked up,
    # not redrawn); another key draws its own templates
    other_stream = np.random.default_rng(99)
    again = arrival_cells(outcome_results, YEAR, draws, Adjustments(), rng=other_stream, cache_key=("test", 8))
    np.testing.assert_array_equal(again.p_bin, cells.p_bin)
    other = arrival_cells(outcome_results, YEAR, draws, Adjustments(), rng=other_stream, cache_key=("other", 8))
    assert not np.array_equal(other.p_bin, cells.p_bin)
    # more staff scales the arrivals, not the templates' paths
    with pytest.warns(ExtrapolationWarning, match="branch_4 with 30 staff"):
        more = arrival_cells(outcome_results, YEAR, draws, Adjustments(effort={"branch_4": {"staff": 30.0}}),
                             rng=np.random.default_rng(5), cache_key=("test", 8))
    branch = (more.cells["unit"] == "branch_4").to_numpy()
    assert (more.mean[:, branch] > cells.mean[:, branch]).all()
    np.testing.assert_array_equal(more.p_bin, cells.p_bin)
    assert "_arrival_cache" not in vars(outcome_results)  # nothing written into the fitted results


def test_no_cells_without_an_inflow_model_or_once_the_year_is_over(outcome_results):
    draws = draw_parameters(outcome_results, YEAR, 2, np.random.default_rng(0))
    assert arrival_cells(dataclasses.replace(outcome_results, inflow=None), YEAR, draws, Adjustments(), rng=0) is None
    assert arrival_cells(outcome_results, 2022, draws, Adjustments(), rng=0) is None
