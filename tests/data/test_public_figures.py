"""The public figures' ranges: each sourced, and a ledger's complete years checked against them."""
from __future__ import annotations

import pandas as pd
import pytest

from forecasting.data.public_figures import PUBLIC_FIGURES, PublicRange, within_public_ranges


def test_every_range_is_ordered_and_names_its_source():
    assert list(PUBLIC_FIGURES) == ["new_leads", "signed", "groundbreakings_all", "groundbreakings", "provincial_major"]
    for r in PUBLIC_FIGURES.values():
        assert r.low < r.high and "DOMAIN.md" in r.source
    assert (PUBLIC_FIGURES["groundbreakings"].low, PUBLIC_FIGURES["groundbreakings"].high) == (12, 20)


def test_only_complete_years_count_and_both_ends_are_inside():
    figures = {"signed": PublicRange(100, 150, "s"), "groundbreakings": PublicRange(12, 20, "g")}
    yearly = pd.DataFrame({"complete": [True, True, False], "signed": [100, 150, 3],
                           "groundbreakings": [12, 21, 0]}, index=[2022, 2023, 2024])
    got = within_public_ranges(yearly, figures)
    assert got.to_dict() == {"signed": True, "groundbreakings": False}
    assert got.dtype == bool


def test_the_bundled_ledger_is_within_the_public_ranges(bundled_history):
    from forecasting.report.overview import yearly_counts

    assert within_public_ranges(yearly_counts(bundled_history)).all()


def test_a_table_without_a_count_is_a_sentence():
    with pytest.raises(KeyError, match="the yearly table has no column new_leads, signed"):
        within_public_ranges(pd.DataFrame({"complete": [True], "groundbreakings": [15]}),
                             {k: PUBLIC_FIGURES[k] for k in ("new_leads", "signed", "groundbreakings")})
