"""Which open projects deserve a planner's attention: the events that count toward a
target each would add if it moved a quarter sooner.

A target counts projects — groundbreakings of projects of at least the year's
``groundbreakings_min_bn``, signings inside a size tier's band, provincial designations —
so the list ranks projects by the expected number of those *counted* events gained when
the project is ``months`` further along its path. That gain is exact and free of
simulation noise: the project alone is propagated twice (from today and from ``months``
earlier) under every parameter draw, and the difference of its own event probabilities is
averaged over the draws. Its Monte Carlo error is what remains of the parameter draws'
spread (the same clustered formula as ``targets.csv``'s ``p_meet_mc_se``).

Beside it, the gain in the year's objective (:func:`~forecasting.whatif.levers.choose_objective`:
P(all targets met), or the expected shortfall when that is out of reach) is computed with
common random numbers — in every simulated year only that project's events are redrawn on
its faster path — and reported with its paired Monte Carlo error.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..forecast.contract import clustered_se
from ..simulation.adjustments import Adjustments
from ..simulation.arrivals import template_set
from ..simulation.outcomes import Forecaster
from ..simulation.rows import row_events, zero_settled
from ..simulation.sampling import row_indicators, uniform_chunks
from ..simulation.rows import thresholds as tier_thresholds
from ..texts import text
from .objectives import Objective


def _expected_events(ev, targets, th: np.ndarray) -> np.ndarray:
    """``draw × row × target``: each row's probability of counting toward each target."""
    D, R = ev.cum_signed.shape[:2]
    out = np.zeros((D, R, len(targets.names)))
    out[:, :, 0] = ev.cum_ground[:, :, -1] * ev.counted[None, :]
    signed = ev.cum_signed[:, :, -1]
    for j, tier in enumerate(targets.tiers):
        inside = ev.clears[:, :, int(np.searchsorted(th, tier.min_bn))]
        if tier.max_bn is not None:
            inside = inside - ev.clears[:, :, int(np.searchsorted(th, tier.max_bn))]
        out[:, :, 1 + j] = signed * np.clip(inside, 0.0, 1.0)
    out[:, :, -1] = ev.provincial
    return out


def attention_list(forecaster: Forecaster, year: int, *, months: int = 3, objective: Objective | str | None = None,
                   n_draws: int = 8000, rng=0, language: str | None = None) -> pd.DataFrame:
    """Every open project with the counted events it would gain if ``months`` sooner.

    Parameters
    ----------
    forecaster : a fitted :class:`~forecasting.simulation.outcomes.Forecaster` (``OutcomeModel().fit(history)``).
    year : the target year.
    months : how much further along (3: a quarter sooner).
    objective : what the second ranking is judged by (:func:`~forecasting.whatif.levers.choose_objective`;
        ``None``: P(all targets met) when at least 5 %, else the expected shortfall).
    n_draws : simulated years for the objective's gain.
    rng : seed (the simulation's; the same seed gives the same numbers).
    language : for ``counts_toward`` and ``reason`` (default: the current style's).

    Returns
    -------
    One row per open project, the largest ``gain_counted`` first: ``project_id``, ``name``,
    ``unit``, ``stage``, ``months_in_stage``, ``investment_bn``;
    ``counts_for_groundbreakings``, ``counts_toward``, ``counting_note`` (see
    :func:`~forecasting.whatif.watchlist.counts_toward`); the project's own probabilities in the
    year as it stands, ``p_signed``, ``p_groundbreaking`` (whether or not it counts),
    ``p_TARGET`` (counting toward each target) and ``expected_counted`` (their sum);
    ``gain_TARGET`` per target and ``gain_counted`` (their sum, the expected counted events
    gained) with ``gain_counted_se``; ``objective``, ``objective_label``,
    ``objective_reason``, ``gain_objective`` (positive = better) and ``gain_objective_se``;
    ``reason``, a short sentence (stage and time in it, what it can count toward, the gain).

    Examples
    --------
    >>> from forecasting import load_history, OutcomeModel  # doctest: +SKIP
    >>> forecaster = OutcomeModel().fit(load_history("data").upto("2024Q1"))  # doctest: +SKIP
    >>> attention_list(forecaster, 2024).head(10)  # doctest: +SKIP
    """
    from ..texts import t
    from .watchlist import counts_toward
    from .levers import choose_objective
    from .objectives import objective_label

    results = forecaster.results
    h = results.history
    sim = forecaster.simulator(year, n_draws=n_draws, rng=rng)
    base = sim.run(monthly=False)
    obj, reason = choose_objective(base, objective, language=language)
    targets, names = sim.targets, sim.targets.names
    goals = targets.goals
    ev = sim.ledger_events
    state = results.state.copy()
    frame = h.projects.set_index("project_id").loc[state["project_id"]].reset_index()
    state["entry_month"] = state["entry_month"] - months
    fast = row_events(results, state, frame, year, sim.draws, start=np.full(len(state), results.as_of_month - months),
                      pool=ev.pool)
    zero_settled(fast, h, year, Adjustments())
    th = tier_thresholds(targets)
    R, D, S = len(ev.ids), sim.n_param_draws, sim.n_draws

    # the counted events: exact per draw, averaged over the draws as the simulated years use them
    which = sim.which
    clusters = which // 2
    n_c = np.bincount(clusters)
    mix = np.zeros((n_c.size, D))  # cluster × draw: the draw's share of the cluster's years
    np.add.at(mix, (clusters, which), 1.0)
    mix = mix[n_c > 0] / n_c[n_c > 0, None]
    weight = np.bincount(which, minlength=D) / S
    now_ev = _expected_events(ev, targets, th)
    fast_ev = _expected_events(fast, targets, th)
    delta = fast_ev - now_ev  # draw × row × target
    gain_t = np.einsum("d,drt->rt", weight, delta)
    p_now = np.einsum("d,drt->rt", weight, now_ev)
    p_fast = np.einsum("d,drt->rt", weight, fast_ev)
    gain_counted_se = clustered_se(np.einsum("cd,dr->cr", mix, delta.sum(axis=2)), np.ones(len(mix)))

    # the objective: common random numbers, only this project's events redrawn
    counts = base.counts[names].to_numpy()
    base_value = obj.of_counts(counts, names, goals)
    sums = np.zeros((n_c.size, R))
    for d in range(D):
        years = np.flatnonzero(which == d)
        if not years.size:
            continue
        for lo, m, U, V, W in uniform_chunks(R, years.size, np.random.default_rng(sim.row_seeds[d])):
            idx = years[lo:lo + m]
            step = (row_indicators(fast, d, U, V, W, sim.thresholds, targets).astype(np.int16)
                    - row_indicators(ev, d, U, V, W, sim.thresholds, targets).astype(np.int16))
            moved = obj.of_counts(counts[idx][:, None, :] + step, names, goals)  # year × row
            sums[d // 2] += obj.sign * (moved - base_value[idx][:, None]).sum(axis=0)
    gain_obj = sums.sum(axis=0) / S
    # as Objective.gain counts it (contract.mc_se): by pair of draws, and by template set
    sets = None if base.template_sets is None else template_set(2 * np.arange(n_c.size), D)
    gain_obj_se = clustered_se(sums, n_c, sets)

    P = frame
    out = pd.DataFrame({"project_id": ev.ids, "name": P["name"].to_numpy(), "unit": P["unit"].to_numpy(),
                        "stage": P["stage"].to_numpy(),
                        "months_in_stage": (results.as_of_month - results.state["entry_month"]).to_numpy(),
                        "investment_bn": P["investment_bn"].to_numpy(float)})
    weight_sum = lambda a: weight @ a  # noqa: E731
    out["p_signed"] = weight_sum(ev.cum_signed[:, :, -1])
    out["p_groundbreaking"] = weight_sum(ev.cum_ground[:, :, -1])
    # what it can count toward: a chance now or a quarter sooner
    chances = pd.DataFrame({"project_id": ev.ids, "investment_bn": out["investment_bn"],
                            "p_groundbreaking": np.maximum(weight_sum(ev.cum_ground[:, :, -1]),
                                                           weight_sum(fast.cum_ground[:, :, -1])),
                            "p_provincial": np.maximum(p_now[:, -1], p_fast[:, -1])})
    for j, tier in enumerate(targets.tiers):
        chances[f"p_tier_{tier.name}"] = np.maximum(p_now[:, 1 + j], p_fast[:, 1 + j])
    marks = counts_toward(h, year, chances, language=language)
    out = pd.concat([out, marks.set_index(out.index)], axis=1)
    for j, n in enumerate(names):
        out[f"p_{n}"] = p_now[:, j]
    out["expected_counted"] = p_now.sum(axis=1)
    for j, n in enumerate(names):
        out[f"gain_{n}"] = gain_t[:, j]
    out["gain_counted"] = gain_t.sum(axis=1)
    out["gain_counted_se"] = gain_counted_se
    out["objective"] = obj.key
    out["objective_label"] = objective_label(obj, language=language)
    out["objective_reason"] = reason
    out["gain_objective"] = gain_obj
    out["gain_objective_se"] = gain_obj_se
    sep = text("whatif.reason_separator", language=language)
    reasons = []
    for _, r in out.iterrows():
        stage = t(r["stage"]).lower() if (language or _lang()) == "en" else t(r["stage"])
        months_in = int(r["months_in_stage"])
        parts = [text("whatif.reason_stage" if months_in > 1 else "whatif.reason_stage_one", language=language,
                      stage=stage, months=months_in) if months_in > 0
                 else text("whatif.reason_stage_new", language=language, stage=stage)]
        if r["counts_toward"] != text("whatif.counts_none", language=language):
            parts.append(text("whatif.reason_counts", language=language, targets=r["counts_toward"]))
        else:
            parts.append(text("whatif.reason_counts_none", language=language, year=year))
        if r["counting_note"]:
            parts.append(r["counting_note"])
        if r["gain_counted"] > 0.005:
            parts.append(text("whatif.reason_gain", language=language, gain=r["gain_counted"]))
        reasons.append(sep.join(parts))
    out["reason"] = reasons
    return out.sort_values(["gain_counted", "gain_objective", "project_id"], ascending=[False, False, True]
                           ).reset_index(drop=True)


def _lang() -> str:
    from ..texts import language

    return language()


__all__ = ["attention_list"]
