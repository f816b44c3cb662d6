"""The vocabulary of the data contract (``shared/spec/DATA.md``): stages, columns, aliases.

Everything that names a column, a stage or a unit of money lives here, so the reader,
the validator, the histories and the models all speak the same words.
"""
from __future__ import annotations

STAGES: tuple[str, ...] = (
    "lead",
    "negotiating",
    "signed",
    "approved",
    "under_construction",
    "operating",
)
"""The forward stages, in order. ``lost`` may follow any stage before ``operating``."""

LOST = "lost"
ALL_STAGES: tuple[str, ...] = STAGES + (LOST,)
STAGE_RANK: dict[str, int] = {s: i for i, s in enumerate(STAGES)}

#: The milestone date reached on entering each stage (``negotiating`` has none in the ledger).
STAGE_DATE: dict[str, str | None] = {
    "lead": "first_seen",
    "negotiating": None,
    "signed": "signed_date",
    "approved": "approved_date",
    "under_construction": "groundbreaking_date",
    "operating": "operating_date",
}
#: The ledger's milestone date columns, in stage order.
MILESTONE_DATES: tuple[str, ...] = tuple(c for c in STAGE_DATE.values() if c is not None)
#: The column holding the date each stage was entered, in a history's project table (and a
#: synthetic district's): the ledger's milestone dates, and ``negotiating_date``, which the
#: history derives from the snapshots since the ledger has no such column.
ENTRY_COLUMN: dict[str, str] = {s: c if c is not None else f"{s}_date" for s, c in STAGE_DATE.items()}
DATE_COLUMNS: tuple[str, ...] = MILESTONE_DATES + ("lost_date",)

PROVINCIAL_STATUS: tuple[str, ...] = ("none", "candidate", "designated")

REQUIRED_COLUMNS: tuple[str, ...] = (
    "project_id",
    "name",
    "sector",
    "unit",
    "investor",
    "phase",
    "investment_bn",
    "stage",
    "first_seen",
    "provincial",
)
LEDGER_COLUMNS: tuple[str, ...] = (
    "project_id",
    "name",
    "sector",
    "unit",
    "investor",
    "phase",
    "investment_bn",
    "stage",
    "first_seen",
    "signed_date",
    "approved_date",
    "groundbreaking_date",
    "operating_date",
    "lost_date",
    "provincial",
    "provincial_year",
)

#: Chinese header aliases. Money aliases map to (column, divisor to billion CNY).
HEADER_ALIASES: dict[str, str] = {
    "项目编号": "project_id",
    "项目名称": "name",
    "行业": "sector",
    "责任单位": "unit",
    "投资方": "investor",
    "期数": "phase",
    "进度": "stage",
    "入库日期": "first_seen",
    "签约日期": "signed_date",
    "供地日期": "approved_date",
    "开工日期": "groundbreaking_date",
    "投产日期": "operating_date",
    "终止日期": "lost_date",
    "省重大项目": "provincial",
    "省重大项目年度": "provincial_year",
}
#: The Chinese header of each canonical column (the inverse of :data:`HEADER_ALIASES`).
CHINESE_HEADER: dict[str, str] = {v: k for k, v in HEADER_ALIASES.items()}
MONEY_ALIASES: dict[str, tuple[str, float]] = {
    "计划总投资(亿元)": ("亿元", 10.0),
    "计划总投资(万元)": ("万元", 100_000.0),
    "investment_bn": ("bn", 1.0),
    "investment_yi": ("亿元", 10.0),
    "investment_wan": ("万元", 100_000.0),
}

EFFORT_COLUMNS: tuple[str, ...] = ("quarter", "unit", "staff", "visits", "budget_m")
UNIT_TYPES: tuple[str, ...] = ("branch", "center", "campaign")

#: Plausible bounds for one project's planned investment, billion CNY.
MAX_PLAUSIBLE_BN = 1_000.0
MIN_LEDGER_BN = 0.1
