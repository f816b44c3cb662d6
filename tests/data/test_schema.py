"""The contract's vocabulary: stages, columns, aliases, each fact consistent with the others."""
from __future__ import annotations

from forecasting.data.schema import (
    ALL_STAGES,
    CHINESE_HEADER,
    DATE_COLUMNS,
    ENTRY_COLUMN,
    HEADER_ALIASES,
    LEDGER_COLUMNS,
    MILESTONE_DATES,
    MONEY_ALIASES,
    REQUIRED_COLUMNS,
    STAGE_DATE,
    STAGE_RANK,
    STAGES,
)


def test_stages_in_order_with_lost_apart():
    assert STAGES == ("lead", "negotiating", "signed", "approved", "under_construction", "operating")
    assert ALL_STAGES[-1] == "lost" and "lost" not in STAGES
    assert [STAGE_RANK[s] for s in STAGES] == list(range(6))


def test_dates_follow_the_stages():
    assert MILESTONE_DATES == ("first_seen", "signed_date", "approved_date", "groundbreaking_date", "operating_date")
    assert DATE_COLUMNS == MILESTONE_DATES + ("lost_date",)
    assert STAGE_DATE["negotiating"] is None
    assert ENTRY_COLUMN["negotiating"] == "negotiating_date"  # the history derives it
    assert all(ENTRY_COLUMN[s] == STAGE_DATE[s] for s in STAGES if STAGE_DATE[s] is not None)


def test_columns_required_are_ledger_columns_and_dates_are_columns():
    assert set(REQUIRED_COLUMNS) <= set(LEDGER_COLUMNS)
    assert set(DATE_COLUMNS) <= set(LEDGER_COLUMNS)
    assert len(set(LEDGER_COLUMNS)) == len(LEDGER_COLUMNS) == 16


def test_every_ledger_column_but_the_amount_has_one_chinese_header():
    assert set(HEADER_ALIASES.values()) == set(LEDGER_COLUMNS) - {"investment_bn"}
    assert CHINESE_HEADER["groundbreaking_date"] == "开工日期" and CHINESE_HEADER["provincial"] == "省重大项目"
    assert all(HEADER_ALIASES[CHINESE_HEADER[c]] == c for c in CHINESE_HEADER)


def test_money_aliases_divide_to_billion():
    assert MONEY_ALIASES["计划总投资(亿元)"] == ("亿元", 10.0)
    assert MONEY_ALIASES["计划总投资(万元)"] == ("万元", 100_000.0)
    assert MONEY_ALIASES["investment_bn"] == ("bn", 1.0)
