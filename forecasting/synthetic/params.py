"""The truth of the synthetic district: its parameters and its illustrative units, sectors and targets.

:class:`TrueParams` holds every parameter of the generating process described in
:mod:`forecasting.synthetic.generator` (one :class:`StageHazard` per open stage);
:func:`default_params` gives the bundled district's, :func:`with_params` a variant, and
:func:`bundled_district` the illustrative Hailing district (5 branches, 3 centres, the top-10
campaign) with its yearly targets.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping

from ..data.district import District, Targets, Tier, Unit
from ..data.schema import STAGES

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


def with_params(params: TrueParams, **changes) -> TrueParams:
    """A copy of ``params`` with some fields replaced (for tests with another truth)."""
    return replace(params, **changes)
