"""Rebuilt project histories, and an as-of view that cannot peek."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.history.histories import History, target_counts


def test_upto_sees_nothing_later(sim_history):
    _, full = sim_history
    h = full.upto("2021Q2")
    assert h.as_of == "2021Q2" and h.quarters[-1] == "2021Q2"
    assert h.effort["quarter"].max() == "2021Q2"
    for col in ("first_seen", "signed_date", "groundbreaking_date", "lost_date"):
        assert (h.projects[col].dropna() <= h.as_of_date).all()
    with pytest.raises(ValueError, match="no snapshot"):
        full.upto("2030Q1")


def test_rebuilt_paths_match_the_truth(sim_history):
    sim, full = sim_history
    P = full.projects.set_index("project_id")
    T = sim.projects.set_index("project_id").loc[P.index]
    signed = P["investment_signed"].notna()
    assert np.allclose(P.loc[signed, "investment_signed"], T.loc[signed, "size_signed"])
    # negotiation dates are only bracketed by the quarterly snapshots: within about a quarter
    both = P["negotiating_date"].notna() & T["negotiating_date"].notna()
    err = (P.loc[both, "negotiating_date"] - T.loc[both, "negotiating_date"]).dt.days.abs()
    assert err.median() < 46
    lost = P["stage"].eq("lost")
    assert (P.loc[lost, "lost_from"] == T.loc[lost, "lost_from"]).mean() > 0.9


def test_target_counts_match_the_truth(sim_history):
    sim, full = sim_history
    t = sim.district.targets_for(2022)
    T = sim.projects
    counts = target_counts(full.projects, 2022, t)
    g = T["groundbreaking_date"].dt.year.eq(2022) & (T["size_now"] >= t.groundbreakings_min_bn)
    assert counts["groundbreakings"] == g.sum()
    assert counts["provincial_major"] == T["designated_year"].eq(2022).sum()
    s = T["signed_date"].dt.year.eq(2022)
    assert counts["tier_10bn"] == (s & (T["size_signed"] >= 10)).sum()
