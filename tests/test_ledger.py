"""Reading and writing snapshots: every format of DATA.md round-trips to the same table."""
from __future__ import annotations

import pandas as pd
import pytest

from forecasting.generator import simulate_district
from forecasting.ledger import parse_snapshot, read_table, write_snapshot


@pytest.fixture(scope="module")
def snap():
    sim = simulate_district(rng=11, start="2022Q4", end="2022Q4")
    return sim.district, sim.snapshot("2022Q4")


@pytest.mark.parametrize("suffix,chinese,money", [(".csv", False, "亿元"), (".xlsx", False, "亿元"),
                                                   (".csv", True, "亿元"), (".csv", True, "万元"),
                                                   (".xlsx", True, "万元")])
def test_round_trip(tmp_path, snap, suffix, chinese, money):
    district, table = snap
    path = write_snapshot(table, tmp_path / f"2022Q4{suffix}", chinese=chinese, money=money)
    back, breaches = parse_snapshot(read_table(path), label="x", district=district,
                                    as_of=pd.Timestamp("2022-12-31"))
    assert breaches == []
    pd.testing.assert_frame_equal(back.drop(columns="_row"), table, check_dtype=False, atol=1e-9)


def test_chinese_amounts_are_converted(tmp_path, snap):
    district, table = snap
    path = write_snapshot(table.head(3), tmp_path / "2022Q4.csv", chinese=True, money="万元")
    raw = read_table(path)
    assert "计划总投资(万元)" in raw.columns
    wan = raw["计划总投资(万元)"].astype(float).to_numpy()
    assert wan == pytest.approx(table["investment_bn"].head(3).to_numpy() * 100_000)
    back, _ = parse_snapshot(raw, label="x", district=district, as_of=None)
    assert back["investment_bn"].to_numpy() == pytest.approx(table["investment_bn"].head(3).to_numpy())


def test_not_utf8_is_a_sentence(tmp_path):
    path = tmp_path / "2022Q4.csv"
    path.write_bytes("项目编号\n".encode("gbk"))
    with pytest.raises(ValueError, match="not UTF-8"):
        read_table(path)
