"""Drawing simulated years: known answers for the indicators and monthly counts, one code
path for year-end and monthly counts, and the inverse-CDF counts against scipy."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.data.district import Targets, Tier
from forecasting.simulation.arrivals import ArrivalCells
from forecasting.simulation.rows import RowEvents, thresholds
from forecasting.simulation.sampling import (DESIGNATION_MONTH, by_month, monthly_hits, row_indicators,
                                             simulate_arrivals, simulate_rows, tier_bands, tier_inside,
                                             uniform_chunks)

BANDED = Targets(2024, 20, 3, (Tier("10bn", 10.0, 1), Tier("5bn", 5.0, 2, max_bn=10.0)), groundbreakings_min_bn=0.5)
CUMULATIVE = Targets(2024, 20, 3, (Tier("10bn", 10.0, 1), Tier("5bn", 5.0, 2)), groundbreakings_min_bn=0.5)


def _events(n_draws=2, n_rows=5, seed=0) -> RowEvents:
    """Random but coherent row events: cumulative probabilities by month, clearing
    probabilities falling with the threshold."""
    rng = np.random.default_rng(seed)
    cum = lambda: np.sort(rng.random((n_draws, n_rows, 12)), axis=-1) * rng.random((n_draws, n_rows, 1))  # noqa: E731
    clears = np.sort(rng.random((n_draws, n_rows, 2)), axis=-1)[..., ::-1]
    return RowEvents(np.array([f"p{i}" for i in range(n_rows)]), cum(), cum(), clears.copy(),
                     rng.random((n_draws, n_rows)) * 0.5, rng.random(n_rows) < 0.7)


def test_uniform_chunks_cover_the_years_in_order_within_the_memory_bound():
    R = 200_000  # 24e6 cells / (R × 12 months) = 10 simulated years per chunk
    chunks = list(uniform_chunks(R, 25, np.random.default_rng(4)))
    assert [(lo, m) for lo, m, *_ in chunks] == [(0, 10), (10, 10), (20, 5)]
    lo, m, U, V, W = chunks[0]
    assert U.shape == V.shape == W.shape == (10, R)
    ref = np.random.default_rng(4)
    for X in (U, V):  # U, then V, then W, chunk by chunk: five fresh years and their mirror images
        half = ref.random((5, R))
        np.testing.assert_array_equal(X, np.concatenate([half, 1.0 - half]))
    small = list(uniform_chunks(3, 7, np.random.default_rng(1)))
    assert len(small) == 1 and small[0][1] == 7
    U = small[0][2]
    np.testing.assert_array_equal(U[4:], 1.0 - U[:3])  # odd: the middle year is fresh


def test_antithetic_years_resolve_a_tier_better_than_independent_ones():
    """Eight large open projects that sign with probability 0.2–0.8 and reach the tier with
    0.4–0.9 (what decides a size tier): the chance that at least 2 reach it, estimated from
    200 simulated years, over 300 seeds. The estimate is unbiased both ways (against the
    exact Poisson-binomial tail), and the antithetic years' spread is clearly below the
    independent years'."""
    from scipy import stats

    rng = np.random.default_rng(11)
    ps, pt = rng.uniform(0.2, 0.8, 8), rng.uniform(0.4, 0.9, 8)
    q = ps * pt
    pmf = np.array([1.0])
    for qi in q:
        pmf = np.convolve(pmf, [1 - qi, qi])
    exact = pmf[2:].sum()

    def estimate(U, V):
        return ((U < ps) & (V < pt)).sum(axis=1) >= 2

    anti, iid = [], []
    for seed in range(300):
        ((_, _, U, V, _),) = uniform_chunks(8, 200, np.random.default_rng(seed))
        anti.append(estimate(U, V).mean())
        g = np.random.default_rng(10_000 + seed)
        iid.append(estimate(g.random((200, 8)), g.random((200, 8))).mean())
    anti, iid = np.array(anti), np.array(iid)
    for est in (anti, iid):
        assert abs(est.mean() - exact) < 4 * est.std() / np.sqrt(est.size)
    assert anti.std() < 0.9 * iid.std()
    assert stats.levene(anti, iid).pvalue < 0.01


def test_monthly_hits_count_each_event_in_the_first_month_its_cumulative_chance_passes_u():
    cum = np.zeros((3, 12))
    cum[0, :] = 0.1  # January
    cum[1, 3:] = 0.6  # April
    cum[2, :] = np.linspace(0.0, 0.9, 12)  # never reaches 0.95
    U = np.array([[0.05, 0.5, 0.95], [0.5, 0.05, 0.01]])
    out = monthly_hits(U, cum, np.ones_like(U, bool))
    np.testing.assert_array_equal(out[0], [1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2])
    # second year: row 0 misses (0.5 > 0.1), row 1 in April, row 2 once its chance passes 0.01 (February)
    np.testing.assert_array_equal(out[1], [0, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2])
    masked = monthly_hits(U, cum, np.array([[True, False, True], [True, True, False]]))
    np.testing.assert_array_equal(masked[:, -1], [1, 1])


def test_a_tier_is_inside_its_clearing_probabilities():
    th = thresholds(BANDED)
    np.testing.assert_array_equal(th, [5.0, 10.0])
    clears = np.array([[0.6, 0.2]])  # P(amount >= 5 bn), P(amount >= 10 bn)
    V = np.array([[0.1], [0.2], [0.59], [0.6]])
    band, top = BANDED.tiers[1], BANDED.tiers[0]
    np.testing.assert_array_equal(tier_inside(V, clears, th, band)[:, 0], [False, True, True, False])
    np.testing.assert_array_equal(tier_inside(V, clears, th, top)[:, 0], [True, False, False, False])
    np.testing.assert_array_equal(tier_inside(V, clears, th, CUMULATIVE.tiers[1])[:, 0], [True, True, True, False])


def test_tier_bands_are_the_disjoint_bands_each_tier_is_made_of():
    assert [b.tolist() for b in tier_bands(BANDED)] == [[1], [0]]
    assert [b.tolist() for b in tier_bands(CUMULATIVE)] == [[1], [0, 1]]


def test_row_indicators_follow_their_definition():
    ev = _events()
    th = thresholds(BANDED)
    U, V, W = (np.random.default_rng(s).random((50, 5)) for s in (1, 2, 3))
    out = row_indicators(ev, 1, U, V, W, th, BANDED)
    assert out.shape == (50, 5, 4)
    np.testing.assert_array_equal(out[:, :, 0], ev.counted[None] & (U < ev.cum_ground[1][None, :, -1]))
    signed = U < ev.cum_signed[1][None, :, -1]
    np.testing.assert_array_equal(out[:, :, 1], signed & (V < ev.clears[1][None, :, 1]))
    np.testing.assert_array_equal(out[:, :, 2], signed & (V < ev.clears[1][None, :, 0]) & (V >= ev.clears[1][None, :, 1]))
    np.testing.assert_array_equal(out[:, :, 3], W < ev.provincial[1][None])


def test_simulated_rows_end_where_their_indicators_say_and_never_go_down():
    """One code path: the year-end counts are the indicators' sums on the same uniforms."""
    ev = _events(n_rows=40, seed=5)
    th = thresholds(BANDED)
    paths = simulate_rows(ev, 0, 300, th, BANDED, np.random.default_rng(9))
    assert paths.shape == (300, 12, 4)
    ((_, _, U, V, W),) = uniform_chunks(40, 300, np.random.default_rng(9))
    np.testing.assert_array_equal(paths[:, -1, :], row_indicators(ev, 0, U, V, W, th, BANDED).sum(axis=1))
    assert (np.diff(paths, axis=1) >= 0).all()
    # designations are counted from the month the list is published, all at once
    assert (paths[:, :DESIGNATION_MONTH, -1] == 0).all()
    assert (paths[:, DESIGNATION_MONTH:, -1] == paths[:, -1:, -1]).all()
    assert paths[:, -1, -1].sum() > 0
    empty = ev.take(np.array([], int))
    assert not simulate_rows(empty, 0, 5, th, BANDED, np.random.default_rng(0)).any()


def test_by_month_spreads_counts_over_their_months_and_keeps_the_totals():
    k = np.array([[3, 0], [1, 5]])
    pmonth = np.zeros((2, 12))
    pmonth[0, 3] = 1.0  # the first cell's events all in April
    pmonth[1, :] = 1 / 12
    out = by_month(k, pmonth, np.random.default_rng(0))
    np.testing.assert_array_equal(out[:, -1], k.sum(axis=1))
    assert (np.diff(out, axis=1) >= 0).all()
    assert (out[0, :3] == 0).all() and out[0, 3] == 3
    assert not by_month(np.zeros((2, 2), int), pmonth, np.random.default_rng(0)).any()



def test_by_month_draws_what_a_multinomial_of_every_cell_draws():
    """Drawing only the cells with events gives the very numbers (same stream) of one
    multinomial over every cell, per year's draw (``which``) or with one month profile."""
    rng = np.random.default_rng(4)
    k = rng.poisson(0.4, (300, 7))
    table = rng.dirichlet(np.ones(12), (5, 7))  # draw × cell × month
    which = np.arange(300) % 5
    every = np.random.default_rng(9).multinomial(k, table[which])
    want = np.cumsum(every.sum(axis=1), axis=-1)
    np.testing.assert_array_equal(by_month(k, table, np.random.default_rng(9), which=which), want)
    np.testing.assert_array_equal(by_month(k, table[which], np.random.default_rng(9)), want)
    one = np.cumsum(np.random.default_rng(2).multinomial(k, np.broadcast_to(table[0], k.shape + (12,))).sum(axis=1), -1)
    np.testing.assert_array_equal(by_month(k, table[0], np.random.default_rng(2)), one)

def _cells(mean: np.ndarray) -> ArrivalCells:
    n_draws, n_cells = mean.shape
    p_bin = np.broadcast_to(np.array([0.2, 0.05]), (n_draws, n_cells, 2)).copy()  # 5–10 bn, 10 bn and above
    months = np.full((n_draws, n_cells, 12), 1 / 12)
    return ArrivalCells(pd.DataFrame({"unit": ["a", "b"], "quarter": ["2024Q1", "2024Q2"]}), mean, 0.3, p_bin,
                        np.full((n_draws, n_cells), 0.1), months, months)


def test_more_expected_arrivals_only_add_leads_and_events_in_the_same_simulated_year():
    which = np.arange(2000) % 2
    U = np.random.default_rng(3).random((2000, 2, 2 + 2))
    bands = tier_bands(CUMULATIVE)
    few = simulate_arrivals(_cells(np.array([[4.0, 2.0], [3.0, 1.0]])), np.array([[4.0, 2.0], [3.0, 1.0]]),
                            which, U, bands, None)
    many = simulate_arrivals(_cells(np.array([[8.0, 2.0], [6.0, 1.0]])), np.array([[8.0, 2.0], [6.0, 1.0]]),
                             which, U, bands, None)
    assert (many[:, -1, :] >= few[:, -1, :]).all() and (many[:, -1, 0] > few[:, -1, 0]).any()
    # a cumulative tier never counts fewer than the tier inside it
    assert (few[:, -1, 2] >= few[:, -1, 1]).all()
    # the mean number of counted groundbreakings is the expected arrivals × their chance
    assert few[:, -1, 0].mean() == pytest.approx(0.1 * (4 + 2 + 3 + 1) / 2, rel=0.1)
    # spreading over the months changes the paths, not the year-end counts
    monthly = simulate_arrivals(_cells(np.array([[4.0, 2.0], [3.0, 1.0]])), np.array([[4.0, 2.0], [3.0, 1.0]]),
                                which, U, bands, np.random.default_rng(0))
    np.testing.assert_array_equal(monthly[:, -1, :], few[:, -1, :])
    assert (np.diff(monthly, axis=1) >= 0).all()


@settings(max_examples=60, deadline=None)
@given(mu=st.floats(0.0, 40.0), alpha=st.sampled_from([0.0, 0.05, 0.3, 2.0]),
       n=st.integers(0, 60), p=st.floats(0.0, 1.0), seed=st.integers(0, 10_000))
def test_inverse_cdf_counts_match_scipy(mu, alpha, n, p, seed):
    """The recursions behind the new leads' counts give scipy's quantiles exactly."""
    from scipy import stats

    from forecasting.simulation.sampling import binom_ppf, nb_ppf

    u = np.random.default_rng(seed).random(200)
    ours = nb_ppf(u, np.full(200, mu), alpha)
    if alpha > 0:
        r = 1 / alpha
        ref = stats.nbinom.ppf(u, r, r / (r + mu))
    else:
        ref = stats.poisson.ppf(u, mu)
    assert (np.abs(ours - np.nan_to_num(ref)) <= (1 if mu > 0 else 0)).all()
    assert np.mean(ours == np.nan_to_num(ref)) > 0.97  # off by one only at cdf ties within rounding
    mine = binom_ppf(u, np.full(200, n), np.full(200, p))
    theirs = stats.binom.ppf(u, n, p)
    assert np.mean(mine == theirs) > 0.97 and (np.abs(mine - theirs) <= 1).all()
    assert (mine <= n).all()


def test_inverse_cdf_search_stopping_warns():
    import warnings

    from forecasting.errors import ConvergenceWarning
    from forecasting.simulation.sampling import binom_ppf, invert_cdf

    # a pmf too flat to reach u = 0.5 within the 100,000 steps the search allows
    with pytest.warns(ConvergenceWarning, match="inverse-CDF"):
        k = invert_cdf(np.array([0.5]), np.array([1e-300]), lambda j, i: np.ones(i.size))
    assert k[0] == 100_000
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        assert binom_ppf(np.array([0.5]), np.array([10]), np.array([0.5]))[0] == 5
