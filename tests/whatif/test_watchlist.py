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
