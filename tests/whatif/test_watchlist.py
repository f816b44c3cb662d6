"""The watch lists: every list marks the projects that cannot count toward a target, and ranks by probability."""
from __future__ import annotations

import warnings

import numpy as np

from forecasting.texts import set_language
from forecasting.whatif.watchlist import most_likely, outlook

YEAR = 2023


def test_every_watch_list_marks_the_projects_that_cannot_count(fitted_2023q2):
    set_language("en")  # the labels are checked in English
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = outlook(fitted_2023q2, YEAR, rng=0)
    min_bn = fitted_2023q2.history.district.targets_for(YEAR).groundbreakings_min_bn
    small = table["investment_bn"] < min_bn
    assert (table["counts_for_groundbreakings"] == ~small).all()
    assert table.loc[small, "label"].str.endswith(f"not counted (< {min_bn:g} bn)").all()
    assert not table.loc[~small, "label"].str.contains("not counted").any()
    # a small project never lists groundbreakings among what it counts toward
    assert not table.loc[small, "counts_toward"].str.contains("Groundbreakings").any()
    top = most_likely(table, "groundbreaking", n=30)
    assert {"counts_for_groundbreakings", "counts_toward", "counting_note"} <= set(top.columns)
    counted = most_likely(table, "groundbreaking", n=30, counted_only=True)
    assert counted["counts_for_groundbreakings"].all()
    assert np.all(counted["p_groundbreaking"].to_numpy()[:-1] >= counted["p_groundbreaking"].to_numpy()[1:])


def _one_big_signed_project(history, year=2024):
    """The bundled ledger's HL1700042 (10.1 bn, signed in 2017) as notebook 02's at-risk list
    held it as of 2024Q1: nearly no chance of breaking ground, none of counting toward a tier."""
    import pandas as pd

    assert history.latest.set_index("project_id").loc["HL1700042", "stage"] == "signed"
    return pd.DataFrame({"project_id": ["HL1700042", "HL2301905"], "investment_bn": [10.117, 15.24],
                         "p_groundbreaking": [0.0004, 0.2], "p_tier_10bn": [0.0, 0.0002], "p_tier_5bn": [0.0, 0.0],
                         "p_provincial": [0.0, 0.0], "open_groundbreaking": [True, True]})


def test_a_project_counting_toward_nothing_says_why(bundled_history):
    # notebook 02 showed the signed 10 bn project's "Counts toward" as "none", and nothing else
    from forecasting.whatif.watchlist import counts_toward

    table = _one_big_signed_project(bundled_history)
    en = counts_toward(bundled_history, 2024, table, language="en").iloc[0]
    assert en["counts_toward"] == "none"
    assert en["counting_note"] == ("signed before 2024: cannot count toward a size tier; "
                                   "less than a 0.1 % chance of breaking ground in 2024")
    zh = counts_toward(bundled_history, 2024, table, language="zh").iloc[0]
    assert zh["counting_note"] == "2024年前已签约：不能计入签约档位；2024年开工的概率不足0.1%"


def test_a_tier_no_project_can_reach_is_said_in_a_sentence(bundled_history):
    from forecasting.report.notes import tier_candidates as shown
    from forecasting.whatif.watchlist import tier_candidates

    table = _one_big_signed_project(bundled_history)
    assert tier_candidates(table, "10bn").empty  # a chance under one in a thousand is none
    table.loc[1, "p_tier_10bn"] = 0.3
    assert tier_candidates(table, "10bn")["project_id"].tolist() == ["HL2301905"]
    table.loc[1, "p_tier_10bn"] = 0.0
    for col in ("p_tier_10bn", "p_tier_5bn"):
        for end in ("lo", "hi"):
            table[f"{col}_{end}"] = 0.0
    table = table.assign(name="x", unit="branch_1", stage="signed", counts_toward="none", counting_note="")
    en = [p.data for p in shown(table, bundled_history.district, 2024, language="en")]
    assert en == ["10 bn signings: no open project is large enough, and far enough along, to count toward "
                  "this target in 2024.",
                  "5 bn signings: no open project is large enough, and far enough along, to count toward "
                  "this target in 2024."]
    zh = shown(table, bundled_history.district, 2024, language="zh")[0].data
    assert zh == "100亿级签约项目：没有在推项目的规模和进度足以计入2024年的这一目标。"
