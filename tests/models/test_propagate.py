"""Exact propagation through the hazards, against the known answer of constant hazards."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecasting.data.schema import UNIT_TYPES
from forecasting.models.propagate import project_state, propagate
from forecasting.models.design import N_STAGES, Design
from forecasting.models.progression import ProgressionResults

P_ADVANCE = 0.1
MONTHS = 12


@pytest.fixture(scope="module")
def constant(bundled_history):
    """A progression model whose monthly advance probability is 0.1 in every stage, whatever
    the covariates, and which loses nothing (every effect zero, loss log-odds −30)."""
    h = bundled_history.upto("2023Q4")
    d = h.district
    design = Design(list(d.sectors), d.unit_ids, list(UNIT_TYPES), [2022, 2023], knots={})
    na, nl = design.advance_names(), design.lost_names()
    pa, pl = pd.Series(0.0, index=na), pd.Series(0.0, index=nl)
    for k in range(N_STAGES):
        pa[f"{k}:const"] = np.log(P_ADVANCE / (1 - P_ADVANCE))
        pl[f"{k}:const"] = -30.0
    as_of_month = int(h.as_of_date.year * 12 + h.as_of_date.month - 1)
    res = ProgressionResults(pa, pl, pd.DataFrame(np.eye(len(na)), index=na, columns=na),
                             pd.DataFrame(np.eye(len(nl)), index=nl, columns=nl), 0.0, design, as_of_month, 0)
    state = project_state(h.projects, h.as_of_date)
    return res, state


def _run(res, state, **kw):
    return propagate(res, state, last_month=res.as_of_month + MONTHS, params_advance=res.params_advance.to_numpy()[None],
                     params_lost=res.params_lost.to_numpy()[None], years=np.zeros((1, 2)), **kw)


def test_constant_hazards_give_the_binomial_answer(constant):
    """With a constant monthly probability ``p`` and no losses, a project enters the next stage
    within 12 months with probability ``1 − (1 − p)¹²`` and the one after with
    ``P(Binomial(12, p) ≥ 2)`` (a stage entered in a month can be left from the next)."""
    res, state = constant
    prop = _run(res, state)
    k0 = state["stage_idx"].to_numpy()
    first, last = res.as_of_month + 1, res.as_of_month + MONTHS
    nxt = np.array([prop.p_enter(k + 1, first, last)[0, i] for i, k in enumerate(k0)])
    np.testing.assert_allclose(nxt, 1 - (1 - P_ADVANCE) ** MONTHS, atol=1e-5)
    two = k0 <= N_STAGES - 2
    after = np.array([prop.p_enter(k + 2, first, last)[0, i] for i, k in zip(np.flatnonzero(two), k0[two])])
    np.testing.assert_allclose(after, stats.binom.sf(1, MONTHS, P_ADVANCE), atol=1e-5)


def test_a_hazard_multiplier_scales_the_odds(constant):
    res, state = constant
    prop = _run(res, state, hazard_multiplier=np.full(N_STAGES, 2.0))
    odds = 2 * P_ADVANCE / (1 - P_ADVANCE)
    p = odds / (1 + odds)
    k0 = state["stage_idx"].to_numpy()
    got = np.array([prop.p_enter(k + 1, res.as_of_month + 1, res.as_of_month + MONTHS)[0, i]
                    for i, k in enumerate(k0)])
    np.testing.assert_allclose(got, 1 - (1 - p) ** MONTHS, atol=1e-5)


def test_the_state_is_each_open_projects_stage(constant, bundled_history):
    _, state = constant
    P = bundled_history.upto("2023Q4").projects.set_index("project_id")
    from forecasting.history.episodes import OPEN_STAGES

    stages = P.loc[state["project_id"], "stage"].to_numpy()
    assert list(np.array(OPEN_STAGES)[state["stage_idx"].to_numpy()]) == list(stages)
    assert set(P.index[P["stage"].isin(OPEN_STAGES)]) == set(state["project_id"])


def test_the_progression_models_predict_verb_is_the_propagation(constant):
    """``ProgressionResults.predict_flows`` gives what the engine computes, from the as-of month
    or from a later start, at the estimates or under draws."""
    res, state = constant
    np.testing.assert_array_equal(res.predict_flows(state, last_month=res.as_of_month + MONTHS).enter,
                                  _run(res, state).enter)
    rng = np.random.default_rng(0)
    pa, pl = rng.normal(0, 0.1, (3, len(res.params_advance))), rng.normal(0, 0.1, (3, len(res.params_lost)))
    pa, pl = pa + res.params_advance.to_numpy(), pl + res.params_lost.to_numpy()
    years = rng.normal(0, 0.3, (3, 3))
    start, last = res.as_of_month + 4, res.as_of_month + 20
    verb = res.predict_flows(state, start=start, last_month=last, params=(pa, pl), years=years,
                             occupancy_months=(start + 2,))
    engine = propagate(res, state, start=start, last_month=last, params_advance=pa, params_lost=pl, years=years,
                       occupancy_months=(start + 2,))
    np.testing.assert_array_equal(verb.enter, engine.enter)
    np.testing.assert_array_equal(verb.months, np.arange(start + 1, last + 1))
    np.testing.assert_array_equal(verb.occupancy_at[start + 2], engine.occupancy_at[start + 2])
    assert verb.enter.shape[:2] == (3, len(state))


def test_a_negotiation_entered_in_the_horizon_is_not_lost_before_the_next_snapshot(constant):
    """A lead's fitted advance counts only negotiations a snapshot showed, so one entered after
    the as-of date (a quarter end) is not lost before the next quarter end: however high the
    negotiation loss hazard, a lead signs within that quarter with the lossless
    ``P(Binomial(3, p) >= 2)``; a project already negotiating meets the loss at once."""
    res, state = constant
    pl = res.params_lost.copy()
    pl["1:const"] = 0.0  # monthly log-odds of loss 0: a third lost each month otherwise
    def run(last):  # noqa: E306
        return propagate(res, state, last_month=res.as_of_month + last, params_advance=res.params_advance.to_numpy()[None],
                         params_lost=pl.to_numpy()[None], years=np.zeros((1, 2)))
    k0 = state["stage_idx"].to_numpy()
    first = res.as_of_month + 1
    lead, neg = np.flatnonzero(k0 == 0), np.flatnonzero(k0 == 1)
    assert lead.size and neg.size and res.as_of_month % 3 == 2
    prop = run(3)
    np.testing.assert_allclose(prop.p_enter(2, first, first + 2)[0, lead], stats.binom.sf(1, 3, P_ADVANCE), atol=1e-5)
    odds = P_ADVANCE / (1 - P_ADVANCE)
    stay = 1 / (1 + odds + 1.0)
    want = sum(stay ** (t - 1) * odds * stay for t in (1, 2, 3))
    np.testing.assert_allclose(prop.p_enter(2, first, first + 2)[0, neg], want, atol=1e-5)
    # after the quarter end the loss reaches the lead's negotiations too
    six = run(6).p_enter(2, first, first + 5)[0, lead]
    assert (six < stats.binom.sf(1, 6, P_ADVANCE) - 0.03).all()


def test_odds_beyond_single_precision_give_certain_moves_not_nans(constant):
    """A duration slope extrapolated to a long stay can put the monthly log-odds of advancing
    past ``log`` of single precision's largest number (about 88.7; generator B's district 209
    reached 92 with a draw of a thinly estimated approval slope): the engine then works in
    double precision, so an approved project moves on with the exact probability
    ``1 − Π (1 − p_t)`` instead of the odds overflowing to infinity (and the mass to NaN)."""
    res, state = constant
    pa = res.params_advance.copy()
    pa["3:d"] = 120.0  # approved: log-odds const + 10 × months in the stage
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        prop = propagate(res, state, last_month=res.as_of_month + MONTHS, params_advance=pa.to_numpy()[None],
                         params_lost=res.params_lost.to_numpy()[None], years=np.zeros((1, 2)))
    assert np.isfinite(prop.enter).all() and prop.enter.min() > -1e-12, prop.enter.min()
    approved = np.flatnonzero(state["stage_idx"].to_numpy() == 3)
    assert approved.size
    months = res.as_of_month + np.arange(1, MONTHS + 1)
    d = np.clip(months[None, :] - state["entry_month"].to_numpy()[approved, None], 1, 120)
    eta = pa["3:const"] + 10.0 * d
    assert eta.max() > 89  # beyond single precision
    stay = np.prod(1 - 1 / (1 + np.exp(-eta)), axis=1)
    got = prop.p_enter(4, months[0], months[-1])[0, approved]
    np.testing.assert_allclose(got, 1 - stay, atol=1e-9)


def test_single_and_double_precision_agree(constant, monkeypatch):
    """The single-precision engine (the usual one) gives the double-precision probabilities
    to about 1e-6."""
    import forecasting.models.propagate as engine

    res, state = constant
    rng = np.random.default_rng(1)
    pa = res.params_advance.to_numpy() + rng.normal(0, 0.3, (4, len(res.params_advance)))
    pl = np.maximum(res.params_lost.to_numpy(), -4.0) + rng.normal(0, 0.3, (4, len(res.params_lost)))
    kw = dict(last_month=res.as_of_month + 15, params_advance=pa, params_lost=pl, years=rng.normal(0, 0.3, (4, 3)),
              occupancy_months=(res.as_of_month + 9,))
    single = propagate(res, state, **kw)
    monkeypatch.setattr(engine, "SINGLE_LOG_BOUND", -np.inf)
    double = propagate(res, state, **kw)
    assert single.occupancy_at[res.as_of_month + 9].dtype == np.float64
    assert double.enter.sum() > 100
    np.testing.assert_allclose(single.enter, double.enter, atol=2e-6)
    np.testing.assert_allclose(single.occupancy_at[res.as_of_month + 9], double.occupancy_at[res.as_of_month + 9],
                               atol=2e-6)
