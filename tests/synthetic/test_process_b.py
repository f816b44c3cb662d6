"""The second district's process pieces: ledger rounding, the signing amount and its exact law, investor types."""
from __future__ import annotations

import numpy as np
import pytest

from forecasting.synthetic.process_b import (
    PULL_THRESHOLDS,
    ParamsB,
    cells,
    p_amount_at_least,
    round_amount,
    signing_amount,
    type_probabilities,
)


@pytest.mark.parametrize("x,rounded", [(0.004, 0.1), (0.123, 0.12), (0.996, 1.0), (4.26, 4.3), (12.3, 12.5),
                                       (12.2, 12.0)])
def test_ledger_rounding(x, rounded):
    assert round_amount(np.array([x]))[0] == rounded


def test_the_exact_law_of_the_signing_amount_matches_its_draws():
    """``p_amount_at_least`` for a project in negotiation is P(signing_amount >= lo), exactly:
    against 200,000 draws it agrees within 4 binomial standard errors."""
    p = ParamsB()
    rng = np.random.default_rng(0)
    for size, lo in ((0.9, 1.0), (4.5, 5.0), (12.0, 10.0), (0.6, 0.5)):
        draws = signing_amount(p, np.full(200_000, size), rng)
        mc = np.mean(draws >= lo)
        exact = p_amount_at_least(p, np.array([size]), lo, np.array([False]))[0]
        assert abs(mc - exact) < 4 * np.sqrt(exact * (1 - exact) / 200_000) + 1e-4, (size, lo, mc, exact)


def test_pulled_amounts_land_on_round_thresholds():
    p = ParamsB()
    draws = signing_amount(p, np.full(50_000, 4.6), np.random.default_rng(1))
    assert np.mean(draws == 5.0) > 0.05 and 5.0 in PULL_THRESHOLDS
    assert (draws >= 0.1).all()


def test_investor_types_are_a_distribution_and_cells_cover_sixteen():
    p = ParamsB()
    probs = type_probabilities(p, np.array([0.1, 0.3, 3.0, 30.0]))
    assert probs.shape == (4, 3) and np.allclose(probs.sum(axis=1), 1.0)
    c = cells(p, np.array([0.1, 100.0]), np.array([0, 1]), np.array([1, 1]))
    assert c.min() >= 0 and c.max() <= 15 and c[1] > c[0]
