"""The parameter draws: every draw is a draw, antithetic around the fit, and a subset is a subset."""
from __future__ import annotations

import numpy as np

from forecasting.models.progression import N_STAGES
from forecasting.simulation.draws import ParameterDraws, draw_parameters

YEAR = 2023


def test_every_draw_is_a_draw(outcome_results):
    """No draw is the mode and no year's conditions are fixed at zero."""
    d = draw_parameters(outcome_results, YEAR + 1, 40, np.random.default_rng(0))
    est = outcome_results.progression.params_advance.to_numpy()
    assert not np.isclose(d.advance, est[None, :]).all(axis=1).any()
    np.testing.assert_allclose(d.advance.mean(axis=0), est, atol=1e-9)  # antithetic pairs
    assert (d.years != 0).all() and (d.years_lost != 0).all() and (d.inflow_shock != 0).all()
    assert len(np.unique(d.years[:, -1, -1])) == 40 and len(np.unique(d.years[:, -1, 0])) == 40


def test_the_draws_span_the_years_from_the_as_of_to_the_target_and_repeat_with_the_seed(outcome_results):
    d = draw_parameters(outcome_results, YEAR + 2, 6, np.random.default_rng(1))
    assert d.n == 6 and d.first_year == 2023
    assert d.years.shape == (6, 3, N_STAGES) and d.years_lost.shape == d.inflow_shock.shape == (6, 3)
    again = draw_parameters(outcome_results, YEAR + 2, 6, np.random.default_rng(1))
    for name in ("advance", "lost", "years", "size", "nominate", "designate", "inflow", "inflow_shock", "years_lost"):
        np.testing.assert_array_equal(getattr(d, name), getattr(again, name), err_msg=name)


def test_take_keeps_the_chosen_draws_of_every_part():
    rng = np.random.default_rng(0)
    d = ParameterDraws(rng.random((4, 3)), rng.random((4, 2)), rng.random((4, 2, N_STAGES)), 2023, rng.random((4, 5)),
                       rng.random((4, 2)), rng.random((4, 2)), None, rng.random((4, 2)), years_lost=None)
    idx = np.array([3, 0])
    sub = d.take(idx)
    assert sub.n == 2 and sub.first_year == 2023
    np.testing.assert_array_equal(sub.advance, d.advance[idx])
    np.testing.assert_array_equal(sub.years, d.years[idx])
    np.testing.assert_array_equal(sub.inflow_shock, d.inflow_shock[idx])
    assert sub.inflow is None and sub.years_lost is None
