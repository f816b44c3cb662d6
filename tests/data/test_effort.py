"""Reading and checking effort.csv."""
from __future__ import annotations

from forecasting.data.effort import read_effort


def test_read_effort(valid_folder, valid_district):
    effort, breaches = read_effort(valid_folder / "effort.csv", valid_district, quarters=["2023Q3", "2024Q1"])
    assert breaches == []
    assert list(effort.columns) == ["quarter", "unit", "staff", "visits", "budget_m"]
    assert effort["staff"].dtype == "float64" and effort["visits"].dtype == "int64"
    assert effort["quarter"].is_monotonic_increasing and len(effort) == 27


def _effort(tmp_path, text: str, district=None, quarters=()):
    path = tmp_path / "effort.csv"
    path.write_text(text, encoding="utf-8")
    effort, breaches = read_effort(path, district, label="effort.csv", quarters=quarters)
    return effort, [str(b) for b in breaches]


def test_values_are_read_as_numbers_sorted_by_quarter_and_unit(tmp_path):
    effort, breaches = _effort(tmp_path, "quarter,unit,staff,visits,budget_m\n2024q1, b ,2.5,7,0.4\n"
                                         "2023Q4,a,３,12,0\n")
    assert breaches == []
    assert effort.to_dict("list") == {"quarter": ["2023Q4", "2024Q1"], "unit": ["a", "b"], "staff": [3.0, 2.5],
                                      "visits": [12, 7], "budget_m": [0.0, 0.4]}


def test_every_bad_cell_is_located(tmp_path, valid_district):
    _, breaches = _effort(tmp_path, "quarter,unit,staff,visits,budget_m\n2024-1,branch_1,-1,2.5,x\n"
                                    "2024Q1,branch_9,1,1,1\n2024Q1,branch_9,1,1,1\n", valid_district)
    assert breaches == [
        "effort.csv:2:quarter: '2024-1' is not a quarter (expected YYYYQn, such as 2024Q1)",
        "effort.csv:3:unit: unknown unit 'branch_9' (and 1 more row: row 4) (expected a unit id of district.toml)",
        "effort.csv:2:staff: '-1' is not a number ≥ 0 (expected full-time staff, a number ≥ 0)",
        "effort.csv:2:visits: '2.5' is not a whole number ≥ 0 (expected a count of visits, 0 or more)",
        "effort.csv:2:budget_m: 'x' is not a number ≥ 0 (expected million CNY, a number ≥ 0)",
        "effort.csv:4:unit: a second row for branch_9 in 2024Q1 (expected one row per unit and quarter)",
    ]


def test_a_missing_file_column_or_quarter_row_is_a_file_breach(tmp_path, valid_district):
    effort, breaches = read_effort(tmp_path / "nope.csv", None, label="data/effort.csv")
    assert effort.empty and breaches[0].message == "file is missing"
    _, breaches = _effort(tmp_path, "quarter,unit,staff\n2024Q1,branch_1,1\n")
    assert breaches == ["effort.csv::visits: required column is missing (expected a column visits)",
                        "effort.csv::budget_m: required column is missing (expected a column budget_m)"]
    rows = "".join(f"2024Q1,{u},1,1,1\n" for u in valid_district.unit_ids if u != "campaign_top10")
    _, breaches = _effort(tmp_path, "quarter,unit,staff,visits,budget_m\n" + rows, valid_district, ["2024Q1"])
    assert breaches == ["effort.csv::: no row for 2024Q1 for unit campaign_top10 (expected a row for every unit in "
                        "every quarter with a snapshot)"]


def test_units_may_be_written_by_their_label_as_in_the_ledger(valid_folder, valid_district):
    path = valid_folder / "effort.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(",branch_4,", ",Photovoltaics Attraction Branch,"), encoding="utf-8")
    effort, breaches = read_effort(path, valid_district, quarters=["2023Q3", "2023Q4", "2024Q1"])
    assert breaches == []
    assert (effort["unit"] == "branch_4").sum() == 3 and "Photovoltaics Attraction Branch" not in set(effort["unit"])


def test_quarters_written_as_offices_write_them_are_read(tmp_path):
    # on main each was "is not a quarter", and every unit of those quarters was then "no row for …" too
    text = "quarter,unit,staff,visits,budget_m\n" + "".join(
        f"{q},a,1,1,1\n" for q in ("2024年1季度", "2024-Q2", "Q3 2024", "2024年第四季度", "２０２３Ｑ４", "2023 q3"))
    effort, breaches = _effort(tmp_path, text)
    assert breaches == []
    assert list(effort["quarter"]) == ["2023Q3", "2023Q4", "2024Q1", "2024Q2", "2024Q3", "2024Q4"]


def test_a_row_of_sums_under_the_table_is_no_units_effort(tmp_path):
    # on main: "'合计' is not a quarter" and "unknown unit ''"
    effort, breaches = _effort(tmp_path, "quarter,unit,staff,visits,budget_m\n2024Q1,a,2,7,0.4\n2024Q1,b,3,5,1\n"
                                         "合 计,,5,12,1.4\n")
    assert breaches == [] and list(effort["unit"]) == ["a", "b"]
    _, breaches = _effort(tmp_path, "quarter,unit,staff,visits,budget_m\n合计,a,2,7,0.4\n")  # a unit: not a sum
    assert breaches == ["effort.csv:2:quarter: '合计' is not a quarter (expected YYYYQn, such as 2024Q1)"]
