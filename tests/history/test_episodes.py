"""Spells and person-month rows: every row sits in the month its event happened."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.history.episodes import interval_person_months, month_index, person_months, spells
from forecasting.history.histories import History, load_history
from forecasting.models.progression import fit_progression

BUNDLED = Path(__file__).resolve().parents[2] / "data"
AS_OF = pd.Timestamp("2023-12-31")
AS_OF_M = int(month_index(pd.Series([AS_OF]))[0])


def _spell(pid, entry, exit_, outcome, stage_idx=2):
    return {"project_id": pid, "stage": "signed", "stage_idx": stage_idx, "entry_month": entry,
            "exit_month": exit_, "outcome": outcome, "pace": 0.0, "n_prior": 0}


@pytest.fixture
def table() -> pd.DataFrame:
    m = AS_OF_M
    return pd.DataFrame([
        _spell("same_adv", m - 5, m - 5, "advance"),   # entered and advanced in one month
        _spell("same_lost", m - 3, m - 3, "lost"),     # entered and lost in one month
        _spell("asof_adv", m, m, "advance"),           # both in the as-of month
        _spell("long_adv", m - 4, m - 1, "advance"),   # three months at risk
        _spell("open_old", m - 2, m, "open"),          # open, entered two months ago
        _spell("open_new", m, m, "open"),              # open, entered in the as-of month
    ])


def test_same_month_exit_sits_in_its_month_at_duration_one(table):
    rows = person_months(table).set_index("project_id")
    for pid in ("same_adv", "same_lost", "asof_adv"):
        r = rows.loc[[pid]]
        assert len(r) == 1
        assert r["month"].iloc[0] == table.set_index("project_id").loc[pid, "exit_month"]
        assert r["duration"].iloc[0] == 1
    assert rows.loc["same_lost", "lost"] == 1.0 and rows.loc["same_adv", "advance"] == 1.0
    assert rows.loc["asof_adv", "year"] == AS_OF.year and rows.loc["asof_adv", "cal_month"] == 11


def test_later_exits_and_open_spells_keep_months_after_entry(table):
    rows = person_months(table)
    long = rows[rows["project_id"] == "long_adv"]
    assert list(long["month"]) == [AS_OF_M - 3, AS_OF_M - 2, AS_OF_M - 1]
    assert list(long["duration"]) == [1, 2, 3]
    assert list(long["advance"]) == [0.0, 0.0, 1.0]
    assert list(rows.loc[rows["project_id"] == "open_old", "month"]) == [AS_OF_M - 1, AS_OF_M]
    assert not (rows["project_id"] == "open_new").any()
    assert rows["month"].max() <= AS_OF_M
    # the duration index is months since entry, at least 1: the forecast uses the same
    assert ((rows["duration"] == np.maximum(rows["month"] - rows["entry_month"], 1))).all()


def test_interval_rows_of_same_month_negotiations_stay_in_their_month():
    m = AS_OF_M
    s = pd.DataFrame([
        {**_spell("P1", m - 6, m - 2, "advance", 0), "stage": "lead"},
        {**_spell("P1", m - 2, m, "advance", 1), "stage": "negotiating"},   # signed in the as-of month
        {**_spell("P1", m, m, "advance", 2), "stage": "signed"},            # and approved in it
    ])
    windows = pd.DataFrame({"project_id": ["P1"], "lo": [m - 4], "hi": [m]})
    rows = interval_person_months(s, windows)
    assert rows["month"].max() <= m
    signed = rows[rows["stage_idx"] == 2]
    assert list(signed["month"]) == [m] and list(signed["duration"]) == [1]
    # the negotiation copy entered in the as-of month advances in it
    neg = rows[(rows["stage_idx"] == 1) & (rows["entry_month"] == m)]
    assert list(neg["month"]) == [m] and np.isclose(neg["weight"], 1 / 5).all()
    w = rows[rows["stage_idx"] == 1]
    assert np.isclose((w["advance"] * w["weight"]).sum(), 1.0)


def test_a_project_first_seen_negotiating_may_have_entered_negotiation_in_its_first_month():
    """First seen in month ``f`` already negotiating, signed in ``f + 4``: the snapshots allow an
    entry into negotiation in any of ``f .. f + 3``. Each candidate gets a quarter: one copy of
    the negotiation spell per month, four in all, and the lead stage advances with a quarter
    in the first month (at duration 1, in that month, as an exit in the entry month is counted)
    and a quarter in each of the next three."""
    f = AS_OF_M - 8
    s = pd.DataFrame([
        {**_spell("P1", f, f + 2, "advance", 0), "stage": "lead"},          # imputed midpoint
        {**_spell("P1", f + 2, f + 4, "advance", 1), "stage": "negotiating"},
        {**_spell("P1", f + 4, AS_OF_M, "open", 2), "stage": "signed"},
    ])
    windows = pd.DataFrame({"project_id": ["P1"], "lo": [f], "hi": [f + 3]})
    rows = interval_person_months(s, windows)
    neg = rows[rows["stage_idx"] == 1]
    assert sorted(neg["entry_month"].unique()) == [f, f + 1, f + 2, f + 3]
    assert np.isclose(neg.groupby("entry_month")["weight"].first(), 0.25).all()
    lead = rows[rows["stage_idx"] == 0].sort_values("month")
    assert list(lead["month"]) == [f, f + 1, f + 2, f + 3]
    assert list(lead["duration"]) == [1, 1, 2, 3]
    # the share of candidates entering in each month: a quarter each, and all of it in the end
    np.testing.assert_allclose(lead["weight"] * lead["advance"], 0.25)
    np.testing.assert_allclose(lead["weight"], [0.25, 0.75, 0.5, 0.25])
    assert rows["month"].max() <= AS_OF_M


def _with_december_rushes(h: History, n: int = 4) -> History:
    """The as-of snapshot with ``n`` signed projects approved and broken ground in its last month."""
    snaps = dict(h.snapshots)
    last = snaps[h.as_of].copy()
    pick = last.index[(last["stage"] == "signed") & (last["signed_date"] < "2023-12-01")][:n]
    assert len(pick) == n
    last.loc[pick, "approved_date"] = pd.Timestamp("2023-12-12")
    last.loc[pick, "groundbreaking_date"] = pd.Timestamp("2023-12-20")
    last.loc[pick, "stage"] = "under_construction"
    snaps[h.as_of] = last
    return History(h.district, h.effort, snaps)


def test_fit_has_no_year_without_data_after_same_month_spells_at_the_boundary():
    h = _with_december_rushes(load_history(BUNDLED).upto("2023Q4"))
    sp = spells(h.projects, h.as_of_date)
    same = sp[(sp["outcome"] == "advance") & (sp["entry_month"] == sp["exit_month"]) & (sp["exit_month"] == AS_OF_M)]
    assert len(same) >= 4
    res = fit_progression(h)
    assert max(res.design.years) == AS_OF.year
    assert f"year:{AS_OF.year + 1}" not in res.params_advance.index


def test_negotiation_months_start_after_the_first_snapshot_showing_them():
    """A negotiation first shown in the snapshot of month ``m - 6`` keeps its months after it
    only; one never shown (signed between snapshots) loses all; leads keep every month."""
    from types import SimpleNamespace

    from forecasting.history.episodes import seen_negotiation_months

    m = AS_OF_M
    s = pd.DataFrame([
        {**_spell("seen", m - 10, m - 1, "lost", 1), "stage": "negotiating"},
        {**_spell("never", m - 5, m - 4, "advance", 1), "stage": "negotiating"},
        {**_spell("never", m - 9, m - 5, "advance", 0), "stage": "lead"},
    ])
    rows = person_months(s)
    snap = lambda k: pd.Timestamp(year=(m - k) // 12, month=(m - k) % 12 + 1, day=28)  # noqa: E731
    long = pd.DataFrame({"project_id": ["other", "seen", "seen", "never", "never"],
                         "stage": ["lead", "negotiating", "negotiating", "lead", "signed"],
                         "date": [snap(12), snap(6), snap(3), snap(6), snap(3)]})
    kept = seen_negotiation_months(rows, SimpleNamespace(long=long))
    seen = kept[kept["project_id"] == "seen"]
    assert list(seen["month"]) == list(range(m - 5, m))  # after m - 6, to the loss in m - 1
    assert seen["lost"].sum() == 1.0
    assert not ((kept["project_id"] == "never") & (kept["stage_idx"] == 1)).any()
    assert len(kept[kept["stage_idx"] == 0]) == len(rows[rows["stage_idx"] == 0])
    # up to the ledger's first snapshot nothing could have shown a negotiation: those months
    # stay (with one snapshot they are the only evidence on negotiation)
    first = long[long["project_id"] != "other"]
    kept = seen_negotiation_months(rows, SimpleNamespace(long=first))
    seen = kept[kept["project_id"] == "seen"]
    assert list(seen["month"]) == list(range(m - 9, m))  # its spell's rows begin in m - 9
    never = kept[(kept["project_id"] == "never") & (kept["stage_idx"] == 1)]
    assert list(never["month"]) == []  # its negotiation began after the first snapshot (m - 6)
