"""The district's effort and its leads: staff and visits per unit and quarter, the leads they bring.

:func:`ledger_span` gives the time a simulated ledger covers, :func:`simulate_effort` draws
the effort table, :func:`inflow_mean` gives the true expected
leads per unit and quarter, :func:`draw_arrivals` draws the leads with their arrival day,
sector, size at lead, phase and a made-up investor name (:func:`investor_names`).
"""
from __future__ import annotations

import calendar
from typing import Mapping, NamedTuple

import numpy as np
import pandas as pd

from ..data.quarters import quarter_end, quarter_range
from .params import BRANCH_SECTOR, LEADING_COMPANIES, SECTORS, UNITS, TrueParams


class LedgerSpan(NamedTuple):
    """The time a simulated district covers (:func:`ledger_span`)."""

    #: the last quarter simulated
    last: str
    #: day 0 of the simulation, 1 January of the ledger's first year
    t0: pd.Timestamp
    #: the last day simulated, the end of ``last``
    t_end: pd.Timestamp
    #: the years whose shocks are drawn, from the first to the one after ``t_end``
    years: np.ndarray


def ledger_span(ledger_start_year: int, end: str, simulate_until: str | None = None) -> LedgerSpan:
    """The time both generators simulate: from 1 January of ``ledger_start_year`` to the end of
    ``simulate_until`` (default ``end``, the last snapshot's quarter).

    Examples
    --------
    >>> span = ledger_span(2017, "2024Q1")
    >>> span.last, str(span.t0.date()), str(span.t_end.date()), int(span.years[-1])
    ('2024Q1', '2017-01-01', '2024-03-31', 2025)
    """
    last = simulate_until or end
    t_end = quarter_end(last)
    years = np.arange(ledger_start_year, t_end.year + 2)
    return LedgerSpan(last, pd.Timestamp(f"{ledger_start_year}-01-01"), t_end, years)


def simulate_effort(
    first: str,
    last: str,
    *,
    rng: np.random.Generator,
    staff_scale: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Staff, visits and budget per unit and quarter, varying over time.

    Staff vary around each unit's usual size (a mean-reverting walk with occasional
    reorganisations), so that the effect of
    effort on inflow can be estimated; the Beijing centre opened in February 2023 and has
    no staff before 2023Q1.
    """
    quarters = quarter_range(first, last)
    base = {"branch": 8.0, "center": 4.0, "campaign": 6.0}
    rows = []
    for unit in UNITS:
        # mean-reverting around the unit's usual size, with occasional reorganisations
        shocks = rng.normal(0, 0.1, len(quarters))
        shocks += np.where(rng.random(len(quarters)) < 0.06, rng.normal(0, 0.3, len(quarters)), 0.0)
        dev = np.zeros(len(quarters))
        for i in range(len(quarters)):
            dev[i] = (0.85 * dev[i - 1] if i else 0.0) + shocks[i]
        level = np.log(base[unit.type]) + dev
        staff = np.clip(np.round(np.exp(level)), 2, 20)
        if staff_scale and unit.id in staff_scale:
            staff = np.maximum(1.0, np.round(staff * staff_scale[unit.id]))
        if unit.id == "center_beijing":
            staff = np.where(np.array([q < "2023Q1" for q in quarters]), 0.0, staff)
        per_staff = 12.0 * np.exp(np.cumsum(rng.normal(0, 0.06, len(quarters))) + rng.normal(0, 0.1, len(quarters)))
        visits = np.round(staff * per_staff).astype(int)
        budget = np.round(staff * 0.35 * np.exp(rng.normal(0, 0.3, len(quarters))), 2)
        rows.append(pd.DataFrame({
            "quarter": quarters, "unit": unit.id, "staff": staff, "visits": visits,
            "budget_m": np.where(staff > 0, budget, 0.0),
        }))
    out = pd.concat(rows, ignore_index=True)
    return out.sort_values(["quarter", "unit"], kind="stable").reset_index(drop=True)


def inflow_mean(params: TrueParams, effort: pd.DataFrame, year_shock: pd.Series | None = None) -> np.ndarray:
    """True expected leads per row of ``effort`` (zero where a unit has no staff)."""
    staff = effort["staff"].to_numpy(float)
    visits = effort["visits"].to_numpy(float)
    q = effort["quarter"].str[-1].astype(int).to_numpy() - 1
    year = effort["quarter"].str[:4].astype(int).to_numpy()
    base = effort["unit"].map(params.inflow_base).to_numpy(float)
    elas = effort["unit"].map(params.inflow_elasticity).to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_mu = (
            base + elas * np.log(staff)
            + params.inflow_visits * np.log(np.where(staff > 0, visits / staff, 12.0) / 12.0)
            + np.asarray(params.inflow_season)[q]
        )
    if year_shock is not None:
        log_mu = log_mu + year_shock.reindex(year).fillna(0.0).to_numpy()
    return np.where(staff > 0, np.exp(log_mu), 0.0)


def draw_arrivals(params: TrueParams, effort: pd.DataFrame, v: pd.Series, rng: np.random.Generator) -> pd.DataFrame:
    """The leads of every row of ``effort`` under the yearly inflow shocks ``v``, sorted by arrival,
    with a project id, arrival day, sector, size at lead, phase and investor."""
    mu = inflow_mean(params, effort, v)
    lam = rng.gamma(params.inflow_shape, mu / params.inflow_shape)
    n = rng.poisson(lam)
    rows = effort.loc[effort.index.repeat(n), ["quarter", "unit"]].reset_index(drop=True)
    k = len(rows)
    year = rows["quarter"].str[:4].astype(int).to_numpy()
    qn = rows["quarter"].str[-1].astype(int).to_numpy()
    month = (qn - 1) * 3 + rng.integers(1, 4, k)
    days = np.array([calendar.monthrange(y, m)[1] for y, m in zip(year, month)]) if k else np.zeros(0, int)
    day = np.floor(rng.random(k) * days).astype(int) + 1
    rows["first_seen"] = pd.to_datetime(dict(year=year, month=month, day=day))
    utype = rows["unit"].map({u.id: u.type for u in UNITS}).to_numpy()
    rows["unit_type"] = utype

    # sector: branches mostly their own; centres a broad mix; the campaign focus sectors
    sector = rng.choice(SECTORS, size=k, p=[0.17, 0.17, 0.17, 0.17, 0.12, 0.2])
    own = rows["unit"].map(BRANCH_SECTOR).to_numpy(dtype=object)
    keep_own = (utype == "branch") & (rng.random(k) < 0.8)
    sector = np.where(keep_own, own, sector)
    camp = utype == "campaign"
    sector = np.where(camp, rng.choice(SECTORS[:5], size=k), sector)
    rows["sector"] = sector

    # size at lead: lognormal core with a heavy upper component, above the 0.1 bn floor
    shift = (
        rows["unit_type"].map(params.size_unit_shift).fillna(0.0).to_numpy()
        + rows["sector"].map(params.size_sector_shift).fillna(0.0).to_numpy()
    )
    log10 = np.full(k, -np.inf)
    todo = np.ones(k, bool)
    while todo.any():
        m = int(todo.sum())
        big = rng.random(m) < params.size_big_share * np.where(camp[todo], 3.0, 1.0)
        draw = np.where(
            big,
            rng.normal(params.size_big_mean, params.size_big_sd, m),
            rng.normal(params.size_core_mean, params.size_core_sd, m),
        ) + shift[todo]
        log10[todo] = draw
        todo = log10 < -1.0  # below 0.1 bn: not a ledger project; draw again
    rows["size_lead"] = np.round(10.0**log10, 3)

    ptype = rows["unit_type"].map(params.phase2_prob).to_numpy(float)
    rows["phase"] = np.where(rng.random(k) < ptype, rng.choice([2, 2, 2, 3], size=k), 1)
    rows["investor"] = investor_names(rows, rng)
    rows = rows.sort_values("first_seen", kind="stable").reset_index(drop=True)
    rows.insert(0, "project_id", [f"HL{d:%y}{i:05d}" for i, d in enumerate(rows["first_seen"], 1)])
    return rows


_SYL1 = ("Hua", "Xin", "Tian", "Jin", "Rui", "Heng", "Long", "Guo", "Sheng", "Yuan", "Kai", "Hong",
         "Bo", "Feng", "Run", "Tai", "Ming", "Zhong", "Da", "Jia")
_SYL2 = ("neng", "tong", "xiang", "li", "chen", "hai", "yang", "da", "cheng", "fa", "yu", "bang")
#: The word a project's name gives its sector ("Huaxin New Energy Co., Ltd.").
SECTOR_WORD = {
    "new_energy": "New Energy", "auto_parts": "Auto Parts", "smart_appliances": "Smart Appliances",
    "photovoltaics": "Solar", "smart_grid": "Power Systems", "other": "Industrial",
}


def investor_names(rows: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """A made-up investor name for each row (the second generator draws its own the same way)."""
    k = len(rows)
    stems = np.array([a + b for a in _SYL1 for b in _SYL2])
    stem = stems[rng.integers(0, len(stems), k)]
    kind = rows["sector"].map(SECTOR_WORD).to_numpy(dtype=object)
    names = np.char.add(np.char.add(stem.astype(str), " "), kind.astype(str))
    names = np.char.add(names, np.where(rng.random(k) < 0.5, " Co., Ltd.", " Technology Co."))
    camp = rows["unit_type"].to_numpy() == "campaign"
    names = names.astype(object)
    names[camp] = rng.choice(LEADING_COMPANIES, size=int(camp.sum()))
    return names
