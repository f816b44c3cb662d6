"""Reading and checking effort.csv."""
from __future__ import annotations

from forecasting.data.effort import read_effort


def test_read_effort(valid_folder, valid_district):
    effort, breaches = read_effort(valid_folder / "effort.csv", valid_district, quarters=["2023Q3", "2024Q1"])
    assert breaches == []
    assert list(effort.columns) == ["quarter", "unit", "staff", "visits", "budget_m"]
    assert effort["staff"].dtype == "float64" and effort["visits"].dtype == "int64"
    assert effort["quarter"].is_monotonic_increasing and len(effort) == 27
