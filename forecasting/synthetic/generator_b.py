"""A second, independent synthetic district: continuous-time, semi-Markov, with yearly climates.

Built from the public figures of ``DOMAIN.md`` only, to judge the toolkit's models on data
they were not designed beside. Its forms differ from :mod:`forecasting.synthetic.generator`:

* **Durations.** Each stage's advance time is Weibull in *operational* time and races an
  exponential loss time (:class:`~forecasting.synthetic.process_b.ParamsB` cites the figures).
  Events land on real instants; several stages can pass within one month.
* **Year conditions.** A yearly climate ``c_y`` follows an AR(1) with heavy-tailed
  (two-component normal) innovations. It is an accelerated-failure-time factor: stage ``s``'s
  clock runs ``exp(load_s c_y)`` times faster in year ``y`` (different loadings per stage),
  the loss rate is multiplied by ``exp(-loss_load_s c_y)``, and lead inflow by
  ``exp(inflow_load c_y)``: a boom year lifts new leads, signings and groundbreakings together.
  Clocks also carry a monthly season (Spring Festival, year-end push, March groundbreakings).
* **Heterogeneity.** Each investor is fast, steady or stalling (a finite mixture whose
  probabilities depend on the announced size); the type scales every stage's duration and
  loss rate.
* **Inflow.** Poisson-lognormal leads per unit and quarter with a per-unit staff elasticity.
* **Size.** Lognormal body with a Pareto tail; a noisy restatement at negotiation; at signing a
  realisation factor (mostly Beta(7, 3), "60-80 % realised"); amounts in ``[0.85 T, T)`` are
  written as exactly ``T`` for round ``T`` and the rest rounded as ledgers do.
* **Provincial list.** Each January the province designates the district's ``K ~ Poisson``
  largest eligible projects (signed or approved at 31 December, focus sector, >= 1 bn);
  those eligible appear as ``candidate`` in the December snapshot.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.schema import ENTRY_COLUMN, STAGES
from .process_b import (
    N_OPEN, Knots, ParamsB, cell_multipliers, cells, clocks, innovation_sds, round_amount,
    signing_amount, type_probabilities,
)
from .arrivals import investor_names, ledger_span, simulate_effort
from .generator import Simulation
from .params import FOCUS_SECTORS, SECTORS, UNITS, bundled_district

_ENTRY_COLS = tuple(ENTRY_COLUMN[s] for s in STAGES[1:])
_STAGE_NAMES = ("lead", "negotiating", "signed", "approved", "under_construction")


def default_params_b() -> ParamsB:
    """The true parameters of generator B (each is justified in :class:`ParamsB`)."""
    return ParamsB()


@dataclass(frozen=True)
class SimulationB(Simulation):
    """A :class:`~forecasting.synthetic.generator.Simulation` whose ``year_effects`` are the climates ``c_y``.

    ``projects`` also holds the hidden truth: ``inv_type`` (0 fast, 1 steady, 2 stalling),
    ``cell``, the continuous instants ``t_neg`` ... ``t_oper``, ``t_lost`` (days since ``t0``),
    ``lost_from``; ``t0`` is 1 January of the ledger's first year.
    """

    t0: pd.Timestamp = pd.Timestamp("2017-01-01")


def simulate_climate(p: ParamsB, years: np.ndarray, rng: np.random.Generator) -> pd.Series:
    """AR(1) climate with scale-mixture-normal innovations, started from its stationary law."""
    s1, s2 = innovation_sds(p)
    wide = rng.random(len(years)) < p.climate_tail_prob
    eps = rng.standard_normal(len(years)) * np.where(wide, s2, s1)
    c = np.zeros(len(years))
    for i in range(len(years)):
        c[i] = (p.climate_phi * c[i - 1] if i else 0.0) + (eps[i] if i else eps[i] / np.sqrt(1 - p.climate_phi**2))
    return pd.Series(c, index=years, name="climate")


def inflow_mean_b(p: ParamsB, effort: pd.DataFrame, climate: pd.Series) -> np.ndarray:
    """Expected leads per effort row, before the unit-quarter noise (zero without staff)."""
    staff = effort["staff"].to_numpy(float)
    visits = effort["visits"].to_numpy(float)
    q = effort["quarter"].str[-1].astype(int).to_numpy() - 1
    year = effort["quarter"].str[:4].astype(int).to_numpy()
    base = effort["unit"].map(p.inflow_base).to_numpy(float)
    elas = effort["unit"].map(p.inflow_elasticity).to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_mu = (base + elas * np.log(staff)
                  + p.inflow_visits * np.log(np.where(staff > 0, visits / staff, 12.0) / 12.0)
                  + np.asarray(p.inflow_season)[q] + p.climate_inflow_load * climate.reindex(year).to_numpy())
    return np.where(staff > 0, np.exp(log_mu), 0.0)


def simulate_district_b(
    params: ParamsB | None = None,
    *,
    start: str = "2019Q1",
    end: str = "2024Q1",
    ledger_start_year: int = 2017,
    simulate_until: str | None = None,
    rng: np.random.Generator | int | None = 0,
) -> SimulationB:
    """Simulate generator B's district from ``ledger_start_year``; snapshots ``start``–``end``.

    Parameters
    ----------
    params : true parameters; :func:`default_params_b` when omitted.
    start, end : first and last quarter whose snapshot the ledger holds.
    ledger_start_year : the ledger holds every lead since 1 January of this year.
    simulate_until : simulate up to the end of this quarter (default ``end``); later than
        ``end`` gives the truth after the last snapshot.
    rng : a ``numpy.random.Generator`` or a seed.

    Examples
    --------
    >>> sim = simulate_district_b(rng=1)
    >>> sim.snapshot("2024Q1")["stage"].isin(["lead", "signed", "lost"]).all()
    False
    """
    p = params or default_params_b()
    rng = np.random.default_rng(rng)
    last, t0, t_end, years = ledger_span(ledger_start_year, end, simulate_until)
    horizon = float((t_end - t0).days + 1)  # nothing is simulated at or after this instant
    climate = simulate_climate(p, years, rng)
    effort = simulate_effort(f"{ledger_start_year}Q1", last, rng=rng)
    rows = _arrivals(p, effort, climate, t0, rng)
    knots = Knots.build(t0, t_end.year + 1)
    rows = _progress(p, rows, climate, knots, horizon, t0, rng)
    rows = _provincial(p, rows, t0, t_end, rng)
    return SimulationB(p, bundled_district(), rows, climate, p.climate_inflow_load * climate, effort, start, end, t0)


def _arrivals(p: ParamsB, effort: pd.DataFrame, climate: pd.Series, t0: pd.Timestamp,
              rng: np.random.Generator) -> pd.DataFrame:
    mu = inflow_mean_b(p, effort, climate) * np.exp(rng.normal(0.0, p.inflow_noise_sd, len(effort)))
    n = rng.poisson(mu)
    rows = effort.loc[effort.index.repeat(n), ["quarter", "unit"]].reset_index(drop=True)
    k = len(rows)
    qs = pd.PeriodIndex(rows["quarter"], freq="Q")
    q_start = (qs.start_time - t0).days.to_numpy(float)
    q_len = (qs.end_time.normalize() - qs.start_time).days.to_numpy(float) + 1
    t_first = q_start + rng.random(k) * q_len
    rows["t_first"] = t_first
    rows["first_seen"] = t0 + pd.to_timedelta(np.floor(t_first), unit="D")
    utype = rows["unit"].map({u.id: u.type for u in UNITS}).to_numpy()
    rows["unit_type"] = utype
    # sectors: a branch mostly its own; centres a broad mix; the campaign focus sectors (l.5-9)
    sector = rng.choice(SECTORS, size=k, p=[0.17, 0.17, 0.17, 0.17, 0.12, 0.2])
    own = rows["unit"].map({f"branch_{i + 1}": s for i, s in enumerate(SECTORS[:5])}).to_numpy(dtype=object)
    sector = np.where((utype == "branch") & (rng.random(k) < 0.75), own, sector)
    sector = np.where(utype == "campaign", rng.choice(SECTORS[:5], size=k), sector)
    rows["sector"] = sector
    # announced size: lognormal body, Pareto tail, >= 0.1 bn (the ledger's floor, DATA.md)
    camp = utype == "campaign"
    size = np.zeros(k)
    todo = np.ones(k, bool)
    while todo.any():
        m = int(todo.sum())
        tail = rng.random(m) < p.size_tail_prob
        body = 10 ** rng.normal(p.size_body_log10_mean, p.size_body_log10_sd, m)
        par = p.size_tail_min * rng.random(m) ** (-1.0 / p.size_tail_alpha)
        draw = np.minimum(np.where(tail, par, body), 300.0) * np.where(camp[todo], p.size_campaign_factor, 1.0)
        size[todo] = draw
        todo = size < 0.1
    rows["size_lead"] = round_amount(size)
    ph = rows["unit_type"].map(p.phase2_prob).to_numpy(float)
    rows["phase"] = np.where(rng.random(k) < ph, rng.choice([2, 2, 2, 3], size=k), 1)
    rows["investor"] = investor_names(rows, rng)
    rows = rows.sort_values("t_first", kind="stable").reset_index(drop=True)
    rows.insert(0, "project_id", [f"HB{d:%y}{i:05d}" for i, d in enumerate(rows["first_seen"], 1)])
    return rows


def _invert(cum: np.ndarray, day: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The instant at which the cumulative clock ``cum`` (at knots ``day``) reaches ``target``."""
    t = np.interp(target, cum, day)
    return np.where(target <= cum[-1], t, np.inf)


def _progress(p: ParamsB, rows: pd.DataFrame, climate: pd.Series, knots: Knots, horizon: float,
              t0: pd.Timestamp, rng: np.random.Generator) -> pd.DataFrame:
    """Race each stage's Weibull advance (operational time) against its loss (vectorised)."""
    k = len(rows)
    c_month = climate.reindex(knots.year).to_numpy()
    cum_a, cum_l = clocks(p, knots, c_month)  # stage x (M+1)
    size_lead = rows["size_lead"].to_numpy(float)
    prob = type_probabilities(p, size_lead)
    inv_type = (rng.random(k)[:, None] > np.cumsum(prob, axis=1)).sum(axis=1)
    fast = (rows["unit_type"].eq("campaign") | (rows["phase"] >= 2)).to_numpy()
    other = rows["sector"].eq("other").to_numpy()
    cell = cells(p, size_lead, fast, other)
    scale, loss = cell_multipliers(p)
    t_entry = np.full((k, N_OPEN + 1), np.inf)
    t_entry[:, 0] = rows["t_first"].to_numpy()
    t_lost = np.full(k, np.inf)
    lost_from = np.full(k, -1)
    for s in range(N_OPEN):
        e = t_entry[:, s]
        live = np.isfinite(e) & ~np.isfinite(t_lost)
        idx = np.flatnonzero(live)
        m = scale[cell[idx], inv_type[idx], s]
        lam = loss[cell[idx], inv_type[idx], s]
        w = (-np.log(rng.random(idx.size))) ** (1.0 / p.adv_shape[s])
        t_adv = _invert(cum_a[s], knots.day, np.interp(e[idx], knots.day, cum_a[s]) + m * w)
        t_los = _invert(cum_l[s], knots.day, np.interp(e[idx], knots.day, cum_l[s]) - np.log(rng.random(idx.size)) / lam)
        adv = (t_adv < t_los) & (t_adv < horizon)
        gone = ~adv & (t_los < horizon)
        t_entry[idx[adv], s + 1] = t_adv[adv]
        t_lost[idx[gone]] = t_los[gone]
        lost_from[idx[gone]] = s

    out = rows.copy()
    out["inv_type"] = inv_type
    out["cell"] = cell
    for j, col in enumerate(("t_neg", "t_signed", "t_approved", "t_ground", "t_oper"), start=1):
        out[col] = t_entry[:, j]
    out["t_lost"] = t_lost
    for j, col in enumerate(_ENTRY_COLS, start=1):
        out[col] = _to_dates(t_entry[:, j], t0)
    out["lost_date"] = _to_dates(t_lost, t0)
    out["lost_from"] = pd.Series(np.where(lost_from >= 0, np.array(_STAGE_NAMES)[np.maximum(lost_from, 0)], None),
                                 dtype=object)
    # amounts: restated on entering negotiation, agreed at signing
    size_neg = np.full(k, np.nan)
    neg = np.isfinite(t_entry[:, 1])
    rev = rng.random(k) < p.neg_revise_prob
    restated = round_amount(size_lead * np.where(rev, np.exp(rng.normal(0.0, p.neg_revise_sd, k)), 1.0))
    size_neg[neg] = restated[neg]
    signed = np.isfinite(t_entry[:, 2])
    agreed = signing_amount(p, restated, rng)
    size_signed = np.where(signed, agreed, np.nan)
    out["size_neg"], out["size_signed"] = size_neg, size_signed
    out["size_now"] = np.where(signed, size_signed, np.where(neg, size_neg, size_lead))
    return out


def _to_dates(t: np.ndarray, t0: pd.Timestamp) -> pd.Series:
    ok = np.isfinite(t)
    days = np.floor(np.where(ok, t, 0.0)).astype(int)
    return pd.Series(t0 + pd.to_timedelta(days, unit="D")).where(ok)


def eligible_at(p: ParamsB, projects: pd.DataFrame, t: float) -> np.ndarray:
    """Eligible for the provincial list at instant ``t`` (days): signed or approved, focus, >= 1 bn."""
    signed = projects["t_signed"].to_numpy() < t
    not_started = ~(projects["t_ground"].to_numpy() < t)
    alive = ~(projects["t_lost"].to_numpy() < t)
    focus = projects["sector"].isin(FOCUS_SECTORS).to_numpy()
    big = projects["size_signed"].to_numpy() >= p.provincial_min_bn
    return signed & not_started & alive & focus & np.nan_to_num(big, nan=False).astype(bool)


def _provincial(p: ParamsB, projects: pd.DataFrame, t0: pd.Timestamp, t_end: pd.Timestamp,
                rng: np.random.Generator) -> pd.DataFrame:
    """Each January: the K ~ Poisson largest eligible-at-31-December projects are designated."""
    out = projects.copy()
    k = len(out)
    nominated = np.zeros(k, dtype=np.int64)
    designated = np.full(k, -1)
    size = out["size_signed"].to_numpy(float)
    for year in range(t0.year, t_end.year):
        t = float((pd.Timestamp(f"{year + 1}-01-01") - t0).days)
        el = eligible_at(p, out, t) & (designated < 0)
        nominated = np.where(el, nominated | (1 << (year - 2000)), nominated)
        K = rng.poisson(p.provincial_rate)
        idx = np.flatnonzero(el)
        order = idx[np.lexsort((rng.random(idx.size), -size[idx]))]  # ties in random order
        designated[order[:K]] = year + 1
    out["nominated_mask"] = nominated
    out["designated_year"] = pd.array(np.where(designated >= 0, designated, pd.NA), dtype="Int64")
    return out
