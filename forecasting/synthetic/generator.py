"""A synthetic Hailing-like district with known truth.

The generator simulates, month by month, every project of an investment-attraction
pipeline from its arrival as a lead to operation or loss, and writes the quarterly ledger
snapshots, the effort table and ``district.toml`` of a data folder (DATA.md). It is the
source of the bundled illustrative data and of every test and benchmark that needs data
with known truth.

The true process (all rates monthly; ``d`` = whole months spent in the current stage):

* **Inflow.** Leads per unit and quarter are negative binomial with mean
  ``exp(a_u + e_u log(staff) + b_v log(visits per staff / 12) + season_q + v_y)``; ``e_u`` is the
  unit's elasticity to staff, ``v_y`` a yearly inflow shock. A unit with no staff brings none.
* **Progression.** In each month a project in stage ``s`` advances, is lost or stays, by a
  multinomial logit with linear predictors

  ``eta_adv = alpha_s + kappa_s log d + mu_s d + sector + unit type + beta_size_s log(size)``
  ``           + beta_phase2_s [phase >= 2] + season_s[month] + u_year + z_i``
  ``eta_lost = gamma_s + lambda_s log d + delta_s log(size) - rho z_i``

  so durations are not memoryless (``kappa``, ``mu``, ``lambda``), projects differ beyond the
  covariates (frailty ``z_i ~ N(0, frailty_sd²)``: faster projects are also less often lost),
  and good or bad years move every project at once (``u_year ~ N(0, year_sd²)``).
* **Size.** A lead's planned investment is lognormal with a heavy upper component, larger
  for the top-10 campaign; the amount is revised on entering negotiation and at signing
  (mostly downwards, Student-t tails), and signed amounts bunch just above round thresholds.
* **Provincial list.** In October, signed-or-later projects of about 1 bn or more are
  nominated (``provincial = candidate``) with a logistic probability rising with size and
  focus sector; in January the province designates some of them for the new year.

:func:`simulate_district` returns a :class:`Simulation` holding the truth (every project's
frailty, true dates, sizes; the year effects) beside the ledger snapshots it produced.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from ..data.district import District, Targets, Tier, Unit
from ..data.quarters import quarter_end, quarter_range
from ..data.schema import ENTRY_COLUMN, LEDGER_COLUMNS, STAGES

SECTORS = ("new_energy", "auto_parts", "smart_appliances", "photovoltaics", "smart_grid", "other")
FOCUS_SECTORS = frozenset(SECTORS[:5])

UNITS = (
    Unit("branch_1", "branch", "New Energy Attraction Branch", "新能源招商分局"),
    Unit("branch_2", "branch", "Automotive Components Attraction Branch", "汽车零部件招商分局"),
    Unit("branch_3", "branch", "Smart Home Appliances Attraction Branch", "智能家电招商分局"),
    Unit("branch_4", "branch", "Photovoltaics Attraction Branch", "光伏产业招商分局"),
    Unit("branch_5", "branch", "Smart Grid and Energy Management Attraction Branch", "智能电网与能源管理招商分局"),
    Unit("center_beijing", "center", "Beijing Innovation Centre", "北京创新中心"),
    Unit("center_shanghai", "center", "Shanghai Innovation Centre", "上海创新中心"),
    Unit("center_nanjing", "center", "Nanjing Innovation Centre", "南京创新中心"),
    Unit("campaign_top10", "campaign", "Top-10 Leading Companies Campaign", "十大龙头企业专项招商"),
)
#: Report labels of each sector, in English and Chinese.
SECTOR_LABELS: dict[str, dict[str, str]] = {
    "new_energy": {"en": "New energy (batteries and storage)", "zh": "新能源"},
    "auto_parts": {"en": "Automotive components", "zh": "汽车零部件"},
    "smart_appliances": {"en": "Smart home appliances", "zh": "智能家电"},
    "photovoltaics": {"en": "Efficient PV cells and modules", "zh": "高效光伏电池及组件"},
    "smart_grid": {"en": "Smart grid and energy management", "zh": "智能电网及能源管理"},
    "other": {"en": "Other industries", "zh": "其他产业"},
}
#: The sector each branch mostly sources.
BRANCH_SECTOR = {f"branch_{i + 1}": s for i, s in enumerate(SECTORS[:5])}

LEADING_COMPANIES = (
    "Huaxin New Energy Group",
    "Dongsheng Photovoltaic Technology",
    "Jiangnan Smart Grid Holdings",
    "Ruifeng Automotive Systems",
    "Meiyuan Smart Appliances",
    "Tianhe Battery Technology",
    "Zhongke Power Equipment",
    "Xingyuan Solar Materials",
    "Hengtai Auto Parts Group",
    "Lianchuang Home Electronics",
)

#: Stages that a project can leave (operating is absorbing; lost is a separate outcome).
OPEN_STAGES = STAGES[:-1]
LOST_CODE = len(STAGES)  # stage code 6 = lost


@dataclass(frozen=True)
class StageHazard:
    """True monthly hazards out of one stage (see the module docstring)."""

    alpha: float
    kappa: float
    mu: float
    gamma: float
    lam: float
    beta_size: float = 0.0
    beta_phase2: float = 0.0
    delta_size: float = 0.0
    season: tuple[float, ...] = (0.0,) * 12


_GENERIC_SEASON = (-0.25, -0.7, 0.05, 0.05, 0.0, 0.0, -0.05, -0.05, 0.0, 0.0, 0.1, 0.35)
_GROUND_SEASON = (-0.3, -1.0, 0.9, 0.35, 0.1, 0.0, -0.1, -0.1, 0.0, 0.0, 0.0, 0.2)


@dataclass(frozen=True)
class TrueParams:
    """Every parameter of the generating process. ``default_params()`` gives the bundled ones."""

    # inflow: log mean leads per quarter = base + elasticity * log(staff) + ...
    inflow_base: Mapping[str, float]
    inflow_elasticity: Mapping[str, float]
    inflow_visits: float = 0.3
    inflow_season: tuple[float, float, float, float] = (-0.2, 0.05, 0.05, 0.1)
    inflow_year_sd: float = 0.08
    inflow_shape: float = 15.0  # gamma mixing shape of the negative binomial
    # progression
    hazards: Mapping[str, StageHazard] = field(default_factory=dict)
    sector_effect: Mapping[str, float] = field(default_factory=dict)
    unit_type_effect: Mapping[str, float] = field(default_factory=dict)  # lead and negotiating only
    frailty_sd: float = 0.6
    frailty_lost_loading: float = 0.5
    year_sd: float = 0.12
    # sizes (log10 billion CNY)
    size_core_mean: float = -0.55
    size_core_sd: float = 0.36
    size_big_share: float = 0.03
    size_big_mean: float = 0.7
    size_big_sd: float = 0.25
    size_unit_shift: Mapping[str, float] = field(default_factory=dict)  # by unit type
    size_sector_shift: Mapping[str, float] = field(default_factory=dict)
    revision_neg_prob: float = 0.3
    revision_neg_mean: float = -0.03
    revision_neg_sd: float = 0.08
    revision_sign_prob: float = 0.7
    revision_sign_mean: float = -0.12
    revision_sign_scale: float = 0.12
    revision_sign_df: float = 3.0
    bunching_prob: float = 0.6
    bunching_thresholds: tuple[float, ...] = (0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0)
    # phase II
    phase2_prob: Mapping[str, float] = field(default_factory=dict)  # by unit type
    # provincial list
    nominate_intercept: float = -2.4
    nominate_size: float = 1.6  # per log(size / 2 bn)
    nominate_focus: float = 0.7
    nominate_min_bn: float = 0.8
    designate_intercept: float = -0.2
    designate_size: float = 0.8


def default_params() -> TrueParams:
    """The parameters behind the bundled district (tuned to DOMAIN.md's public figures)."""
    hazards = {
        "lead": StageHazard(
            alpha=-2.0, kappa=0.35, mu=-0.07, gamma=-2.7, lam=0.35,
            beta_size=-0.12, delta_size=0.05, season=_GENERIC_SEASON,
        ),
        "negotiating": StageHazard(
            alpha=-2.35, kappa=0.3, mu=-0.06, gamma=-2.9, lam=0.3,
            beta_size=-0.18, beta_phase2=0.35, delta_size=0.08, season=_GENERIC_SEASON,
        ),
        "signed": StageHazard(
            alpha=-2.95, kappa=-0.6, mu=-0.02, gamma=-5.0, lam=0.3,
            beta_size=-0.3, beta_phase2=0.45, delta_size=0.05, season=_GENERIC_SEASON,
        ),
        "approved": StageHazard(
            alpha=-1.7, kappa=-0.15, mu=-0.02, gamma=-4.3, lam=0.2,
            beta_size=-0.25, beta_phase2=0.3, season=_GROUND_SEASON,
        ),
        "under_construction": StageHazard(
            alpha=-6.3, kappa=1.5, mu=0.0, gamma=-7.5, lam=0.0,
            beta_size=-0.1, season=(0.0,) * 11 + (0.3,),
        ),
    }
    return TrueParams(
        inflow_base={
            "branch_1": 0.93, "branch_2": 1.03, "branch_3": 1.13, "branch_4": 0.73,
            "branch_5": 1.13, "center_beijing": 0.78, "center_shanghai": 0.88,
            "center_nanjing": 0.83, "campaign_top10": 1.13,
        },
        inflow_elasticity={
            "branch_1": 0.8, "branch_2": 0.6, "branch_3": 0.5, "branch_4": 0.95,
            "branch_5": 0.7, "center_beijing": 0.5, "center_shanghai": 0.45,
            "center_nanjing": 0.45, "campaign_top10": 0.4,
        },
        hazards=hazards,
        sector_effect={
            "new_energy": 0.1, "auto_parts": 0.0, "smart_appliances": 0.0,
            "photovoltaics": 0.15, "smart_grid": 0.05, "other": -0.25,
        },
        unit_type_effect={"branch": 0.0, "center": -0.35, "campaign": 0.25},
        size_unit_shift={"branch": 0.0, "center": -0.08, "campaign": 0.3},
        size_sector_shift={
            "new_energy": 0.08, "auto_parts": 0.0, "smart_appliances": -0.02,
            "photovoltaics": 0.12, "smart_grid": 0.02, "other": -0.1,
        },
        phase2_prob={"branch": 0.15, "center": 0.04, "campaign": 0.5},
    )


@dataclass(frozen=True)
class Simulation:
    """One simulated district: the truth and the ledger it produced.

    Attributes
    ----------
    params : the true parameters.
    district : the district (units, sectors, targets).
    projects : one row per project with the hidden truth: ``frailty``, the true month-exact
        date of every stage entered (``negotiating_date`` included, which ledgers lack),
        ``lost_date`` and ``lost_from``, sizes ``size_lead``, ``size_neg``, ``size_signed``,
        ``nominated_mask`` (bit ``year - 2000`` set when nominated that October),
        ``designated_year``.
    year_effects : true progression shock ``u_year`` per calendar year.
    inflow_effects : true inflow shock ``v_year`` per calendar year.
    effort : the effort table (every unit, every quarter simulated).
    start, end : first and last snapshot quarter written to the ledger.
    """

    params: TrueParams
    district: District
    projects: pd.DataFrame
    year_effects: pd.Series
    inflow_effects: pd.Series
    effort: pd.DataFrame
    start: str
    end: str

    @property
    def quarters(self) -> list[str]:
        return quarter_range(self.start, self.end)

    def snapshot(self, quarter: str) -> pd.DataFrame:
        """The canonical ledger table as it stood at the end of ``quarter``."""
        return ledger_at(self.projects, quarter_end(quarter))

    def snapshots(self) -> dict[str, pd.DataFrame]:
        return {q: self.snapshot(q) for q in self.quarters}

    def write(
        self,
        path: Path | str,
        *,
        xlsx_quarters: tuple[str, ...] = (),
        chinese_quarters: tuple[str, ...] = (),
        wan_quarters: tuple[str, ...] = (),
    ) -> Path:
        """Write the data folder (district.toml, effort.csv, ledger/) to ``path``.

        Snapshots in ``xlsx_quarters`` are written as .xlsx; those in ``chinese_quarters``
        with the Chinese headers (amounts in 亿元, or in 万元 for ``wan_quarters``).
        """
        from ..data.ledger import write_snapshot

        path = Path(path)
        (path / "ledger").mkdir(parents=True, exist_ok=True)
        (path / "district.toml").write_text(district_toml(self.district), encoding="utf-8")
        eff = self.effort[self.effort["quarter"].isin(self.quarters)]
        eff.to_csv(path / "effort.csv", index=False, lineterminator="\n")
        for q in self.quarters:
            suffix = ".xlsx" if q in xlsx_quarters else ".csv"
            write_snapshot(
                self.snapshot(q),
                path / "ledger" / f"{q}{suffix}",
                chinese=q in chinese_quarters or q in wan_quarters,
                money="万元" if q in wan_quarters else "亿元",
            )
        return path


def bundled_district(targets: Mapping[int, Targets] | None = None) -> District:
    """The illustrative Hailing district: 5 branches, 3 centres, the top-10 campaign."""
    if targets is None:
        targets = {year: _hailing_targets(year) for year in range(2019, 2027)}
    return District(
        name="Hailing District, Taizhou (illustrative data)",
        sectors=SECTORS,
        units=UNITS,
        leading_companies=LEADING_COMPANIES,
        targets=dict(targets),
        sector_labels={k: dict(v) for k, v in SECTOR_LABELS.items()},
    )


def _hailing_targets(year: int) -> Targets:
    return Targets(
        year=year,
        groundbreakings=20,
        groundbreakings_min_bn=0.5,
        provincial_major=3,
        tiers=(Tier("10bn", 10.0, 1), Tier("5bn", 5.0, 2, 10.0)),
    )


def simulate_district(
    params: TrueParams | None = None,
    *,
    start: str = "2019Q1",
    end: str = "2024Q1",
    ledger_start_year: int = 2017,
    simulate_until: str | None = None,
    staff_scale: Mapping[str, float] | None = None,
    year_effects: Mapping[int, float] | None = None,
    rng: np.random.Generator | int | None = 0,
) -> Simulation:
    """Simulate a district from ``ledger_start_year`` and keep snapshots ``start``–``end``.

    Parameters
    ----------
    params : true parameters; :func:`default_params` when omitted.
    start, end : first and last quarter whose snapshot the ledger holds.
    ledger_start_year : the ledger holds every lead since 1 January of this year.
    simulate_until : simulate projects up to the end of this quarter (default ``end``);
        later than ``end`` gives the truth after the last snapshot, for skill studies.
    staff_scale : multiply a unit's staff in every quarter (for known-elasticity tests).
    year_effects : fix the progression shock of some years instead of drawing it.
    rng : a ``numpy.random.Generator`` or a seed.

    Examples
    --------
    >>> sim = simulate_district(rng=1)
    >>> sim.snapshot("2024Q1")["stage"].isin(["lead", "signed", "lost"]).any()
    True
    """
    params = params or default_params()
    rng = np.random.default_rng(rng)
    last = simulate_until or end
    t0 = pd.Timestamp(f"{ledger_start_year}-01-01")
    t_end = quarter_end(last)
    n_months = (t_end.year - t0.year) * 12 + t_end.month  # months 0 .. n_months-1
    years = np.arange(ledger_start_year, t_end.year + 2)
    u = pd.Series(rng.normal(0.0, params.year_sd, len(years)), index=years)
    v = pd.Series(rng.normal(0.0, params.inflow_year_sd, len(years)), index=years)
    if year_effects:
        for y, val in year_effects.items():
            u[y] = val

    effort = simulate_effort(f"{ledger_start_year}Q1", last, rng=rng, staff_scale=staff_scale)
    arrivals = _arrivals(params, effort, v, rng)
    projects = _progress(params, arrivals, u, n_months, t0, rng)
    projects = _provincial(params, projects, n_months, t0, rng)
    district = bundled_district()
    return Simulation(params, district, projects, u, v, effort, start, end)


# --------------------------------------------------------------------------------------
# effort and inflow


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


def _arrivals(params: TrueParams, effort: pd.DataFrame, v: pd.Series, rng: np.random.Generator) -> pd.DataFrame:
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
_KIND = {
    "new_energy": "New Energy", "auto_parts": "Auto Parts", "smart_appliances": "Smart Appliances",
    "photovoltaics": "Solar", "smart_grid": "Power Systems", "other": "Industrial",
}


def investor_names(rows: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """A made-up investor name for each row (the second generator draws its own the same way)."""
    k = len(rows)
    stems = np.array([a + b for a in _SYL1 for b in _SYL2])
    stem = stems[rng.integers(0, len(stems), k)]
    kind = rows["sector"].map(_KIND).to_numpy(dtype=object)
    names = np.char.add(np.char.add(stem.astype(str), " "), kind.astype(str))
    names = np.char.add(names, np.where(rng.random(k) < 0.5, " Co., Ltd.", " Technology Co."))
    camp = rows["unit_type"].to_numpy() == "campaign"
    names = names.astype(object)
    names[camp] = rng.choice(LEADING_COMPANIES, size=int(camp.sum()))
    return names


# --------------------------------------------------------------------------------------
# progression


def _progress(
    params: TrueParams, rows: pd.DataFrame, u: pd.Series, n_months: int, t0: pd.Timestamp,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Move every project through the stages, month by month (vectorised over projects)."""
    k = len(rows)
    n_open = len(OPEN_STAGES)
    hz = [params.hazards[s] for s in OPEN_STAGES]
    alpha, kappa, mu, gamma, lam, b_size, b_ph2, d_size = (
        np.array([getattr(h, a) for h in hz])
        for a in ("alpha", "kappa", "mu", "gamma", "lam", "beta_size", "beta_phase2", "delta_size")
    )
    season = np.array([h.season for h in hz])  # (stage, month)
    pre = np.array([s in ("lead", "negotiating") for s in OPEN_STAGES])

    first = rows["first_seen"]
    arrive_m = ((first.dt.year - t0.year) * 12 + first.dt.month - 1).to_numpy()
    z = rng.normal(0.0, params.frailty_sd, k)
    sector_eff = rows["sector"].map(params.sector_effect).fillna(0.0).to_numpy()
    unit_eff = rows["unit_type"].map(params.unit_type_effect).fillna(0.0).to_numpy()
    phase2 = (rows["phase"].to_numpy() >= 2).astype(float)

    stage = np.zeros(k, int)
    entered = arrive_m.copy()  # month the current stage was entered
    entry_month = np.full((k, len(STAGES)), -1)
    entry_month[:, 0] = arrive_m
    lost_month = np.full(k, -1)
    lost_from = np.full(k, -1)
    size = rows["size_lead"].to_numpy(float).copy()
    size_neg = np.full(k, np.nan)
    size_signed = np.full(k, np.nan)

    for m in range(n_months):
        year = t0.year + m // 12
        cal_month = m % 12
        act = np.flatnonzero((arrive_m < m) & (stage < n_open) & (lost_month < 0))
        if act.size == 0:
            continue
        s = stage[act]
        d = (m - entered[act]).astype(float)
        logsize = np.log(size[act])
        eta_a = (
            alpha[s] + kappa[s] * np.log(d) + mu[s] * d + b_size[s] * logsize
            + b_ph2[s] * phase2[act] + season[s, cal_month] + u[year] + z[act]
            + np.where(pre[s], sector_eff[act] + unit_eff[act], 0.5 * sector_eff[act])
        )
        eta_l = gamma[s] + lam[s] * np.log(d) + d_size[s] * logsize - params.frailty_lost_loading * z[act]
        ea, el = np.exp(eta_a), np.exp(eta_l)
        denom = 1.0 + ea + el
        draw = rng.random(act.size)
        adv = draw < ea / denom
        lost = ~adv & (draw < (ea + el) / denom)
        moved = act[adv]
        stage[moved] += 1
        entered[moved] = m
        entry_month[moved, stage[moved]] = m
        gone = act[lost]
        lost_month[gone] = m
        lost_from[gone] = stage[gone]
        # revisions on entering negotiation and at signing
        neg = moved[stage[moved] == 1]
        rev = neg[rng.random(neg.size) < params.revision_neg_prob]
        size[rev] = size[rev] * np.exp(rng.normal(params.revision_neg_mean, params.revision_neg_sd, rev.size))
        size[neg] = np.maximum(np.round(size[neg], 3), 0.1)
        size_neg[neg] = size[neg]
        sig = moved[stage[moved] == 2]
        size[sig] = signing_amount(params, size[sig], rng)
        size_signed[sig] = size[sig]

    out = rows.copy()
    out["frailty"] = z
    for j, st in enumerate(STAGES):
        if st == "lead":
            continue
        col = ENTRY_COLUMN[st]
        out[col] = _dates_from_months(entry_month[:, j], t0, rng)
    out["lost_date"] = _dates_from_months(lost_month, t0, rng)
    out["lost_from"] = pd.Series(np.where(lost_from >= 0, np.array(STAGES)[np.maximum(lost_from, 0)], None), dtype=object)
    # a date drawn inside a month may fall before the previous milestone's day: keep order
    prev = out["first_seen"]
    for col in ("negotiating_date", "signed_date", "approved_date", "groundbreaking_date", "operating_date"):
        out[col] = out[col].where(out[col].isna() | (out[col] >= prev), prev)
        prev = out[col].fillna(prev)
    last_date = out[["first_seen", "negotiating_date", "signed_date", "approved_date", "groundbreaking_date"]].max(axis=1)
    out["lost_date"] = out["lost_date"].where(out["lost_date"].isna() | (out["lost_date"] >= last_date), last_date)
    out["size_neg"] = size_neg
    out["size_signed"] = size_signed
    out["size_now"] = size
    return out


def signing_amount(params: TrueParams, size: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The amount written into the agreement: mostly shrunk, heavy-tailed, bunched above round numbers."""
    n = size.size
    revise = rng.random(n) < params.revision_sign_prob
    shock = params.revision_sign_mean + params.revision_sign_scale * rng.standard_t(params.revision_sign_df, n)
    out = size * np.exp(np.where(revise, np.clip(shock, -1.5, 1.0), 0.0))
    for t in params.bunching_thresholds:
        near = (out >= 0.85 * t) & (out < t) & (rng.random(n) < params.bunching_prob)
        out = np.where(near, t * (1.0 + rng.uniform(0.0, 0.05, n)), out)
    return np.maximum(np.round(out, 3), 0.1)


def _dates_from_months(months: np.ndarray, t0: pd.Timestamp, rng: np.random.Generator) -> pd.Series:
    """A uniformly drawn day inside each month index (NaT for -1)."""
    ok = months >= 0
    m = np.where(ok, months, 0)
    year = t0.year + m // 12
    month = m % 12 + 1
    start = pd.to_datetime(dict(year=year, month=month, day=np.ones_like(m)))
    days = start.dt.days_in_month.to_numpy()
    offset = np.floor(rng.random(len(m)) * days).astype(int)
    dates = start + pd.to_timedelta(offset, unit="D")
    return dates.where(ok)


# --------------------------------------------------------------------------------------
# provincial list


def _provincial(
    params: TrueParams, projects: pd.DataFrame, n_months: int, t0: pd.Timestamp, rng: np.random.Generator,
) -> pd.DataFrame:
    """Nominate in October (candidate), designate in January of the next year."""
    out = projects.copy()
    k = len(out)
    nominated = np.zeros(k, dtype=np.int64)  # bit (year - 2000) set: nominated that October
    designated = np.full(k, -1)
    size = out["size_now"].to_numpy(float)
    focus = out["sector"].isin(FOCUS_SECTORS).to_numpy().astype(float)
    last_year = (t0 + pd.DateOffset(months=n_months - 1)).year
    for year in range(t0.year, last_year + 1):
        oct1 = pd.Timestamp(f"{year}-10-01")
        if oct1 > t0 + pd.DateOffset(months=n_months):
            break
        signed = out["signed_date"] < oct1
        alive = out["lost_date"].isna() | (out["lost_date"] >= oct1)
        not_op = out["operating_date"].isna() | (out["operating_date"] >= oct1)
        eligible = (signed & alive & not_op).to_numpy() & (designated < 0) & (size >= params.nominate_min_bn)
        eta = params.nominate_intercept + params.nominate_size * np.log(size / 2.0) + params.nominate_focus * focus
        pick = eligible & (rng.random(k) < 1 / (1 + np.exp(-eta)))
        nominated = np.where(pick, nominated | (1 << (year - 2000)), nominated)
        jan = pd.Timestamp(f"{year + 1}-01-01")
        if jan > t0 + pd.DateOffset(months=n_months):
            continue
        still = (out["lost_date"].isna() | (out["lost_date"] >= jan)).to_numpy()
        eta_d = params.designate_intercept + params.designate_size * np.log(size / 2.0)
        des = pick & still & (rng.random(k) < 1 / (1 + np.exp(-eta_d)))
        designated = np.where(des, year + 1, designated)
    out["nominated_mask"] = nominated
    out["designated_year"] = pd.array(np.where(designated >= 0, designated, pd.NA), dtype="Int64")
    return out


# --------------------------------------------------------------------------------------
# snapshots


def ledger_at(projects: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """The canonical ledger table as it stood on ``as_of`` (what a planner saw)."""
    p = projects[projects["first_seen"] <= as_of]
    known = {c: p[c].where(p[c] <= as_of) for c in (
        "negotiating_date", "signed_date", "approved_date", "groundbreaking_date", "operating_date", "lost_date")}
    stage = np.select(
        [known["lost_date"].notna(), known["operating_date"].notna(), known["groundbreaking_date"].notna(),
         known["approved_date"].notna(), known["signed_date"].notna(), known["negotiating_date"].notna()],
        ["lost", "operating", "under_construction", "approved", "signed", "negotiating"],
        default="lead",
    )
    size = np.where(
        known["signed_date"].notna(), p["size_signed"],
        np.where(known["negotiating_date"].notna(), p["size_neg"], p["size_lead"]),
    )
    year, month = as_of.year, as_of.month
    # provincial status: designated from January of its year; candidate from October to the decision
    des = p["designated_year"]
    is_des = des.notna() & (des <= year)
    cand = ~is_des & (month >= 10) & ((np.right_shift(p["nominated_mask"].to_numpy(np.int64), year - 2000) & 1) == 1)
    table = pd.DataFrame({
        "project_id": p["project_id"].astype(str),
        "name": (p["investor"] + " " + p["sector"].map(_KIND) + " project"
                 + np.where(p["phase"] >= 2, " (phase " + p["phase"].astype(str) + ")", "")).astype(str),
        "sector": p["sector"].astype(str),
        "unit": p["unit"].astype(str),
        "investor": p["investor"].astype(str),
        "phase": p["phase"].astype("int64"),
        "investment_bn": np.asarray(size, float),
        "stage": pd.Series(stage, index=p.index).astype(str),
        "first_seen": p["first_seen"],
        "signed_date": known["signed_date"],
        "approved_date": known["approved_date"],
        "groundbreaking_date": known["groundbreaking_date"],
        "operating_date": known["operating_date"],
        "lost_date": known["lost_date"],
        "provincial": np.where(is_des, "designated", np.where(cand, "candidate", "none")),
        "provincial_year": pd.array(np.where(is_des, des, pd.NA), dtype="Int64"),
    })
    for c in ("first_seen", "signed_date", "approved_date", "groundbreaking_date", "operating_date", "lost_date"):
        table[c] = pd.to_datetime(table[c]).astype("datetime64[ns]")
    table["provincial"] = table["provincial"].astype(str)
    return table[list(LEDGER_COLUMNS)].reset_index(drop=True)


def district_toml(district: District) -> str:
    """``district.toml`` text for a district (the inverse of ``read_district``)."""

    def q(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [
        "# Illustrative district generated by forecasting.synthetic.generator (not real data).",
        f"name = {q(district.name)}",
        "sectors = [" + ", ".join(q(s) for s in district.sectors) + "]",
        "leading_companies = [",
        *(f"    {q(c)}," for c in district.leading_companies),
        "]",
        "",
    ]
    for u in district.units:
        lines += ["[[units]]", f"id = {q(u.id)}", f"type = {q(u.type)}", f"label = {q(u.label)}"]
        lines += [f"label_zh = {q(u.label_zh)}", ""] if u.label_zh else [""]
    for s in district.sectors:
        labels = district.sector_labels.get(s, {})
        if labels:
            lines.append(f"[sector_labels.{s}]")
            lines += [f"{key} = {q(labels[lang])}" for lang, key in (("en", "label"), ("zh", "label_zh"))
                      if lang in labels]
            lines.append("")
    for kind, table in district.aliases.items():
        if table:
            lines += [f"[aliases.{kind}]", *(f"{q(k)} = {q(v)}" for k, v in table.items()), ""]
    if district.confirmed_revisions:
        lines += ["[confirmed_revisions]", *(f"{q(k)} = {q(v)}" for k, v in district.confirmed_revisions.items()),
                  ""]
    for year, t in sorted(district.targets.items()):
        lines += [
            f"[targets.{year}]",
            f"groundbreakings = {t.groundbreakings}",
            f"groundbreakings_min_bn = {t.groundbreakings_min_bn}",
            f"provincial_major = {t.provincial_major}",
            f"counted_at = {q(t.counted_at)}",
        ]
        for tier in t.tiers:
            lines += [f"[[targets.{year}.tiers]]", f"name = {q(tier.name)}", f"min_bn = {tier.min_bn}"]
            if tier.max_bn is not None:
                lines.append(f"max_bn = {tier.max_bn}")
            lines.append(f"count = {tier.count}")
        lines.append("")
    return "\n".join(lines)


def with_params(params: TrueParams, **changes) -> TrueParams:
    """A copy of ``params`` with some fields replaced (for tests with another truth)."""
    return replace(params, **changes)
