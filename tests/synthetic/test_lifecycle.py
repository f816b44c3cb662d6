"""The synthetic projects' lives: dates in order, amounts as the agreement writes them, the provincial list's calendar."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.synthetic.lifecycle import signing_amount
from forecasting.synthetic.params import default_params, with_params

MILESTONES = ("first_seen", "negotiating_date", "signed_date", "approved_date", "groundbreaking_date", "operating_date")


@pytest.fixture(scope="module")
def projects(sim_history) -> pd.DataFrame:
    sim, _ = sim_history
    return sim.projects


def test_milestones_never_decrease_and_a_loss_comes_last(projects):
    prev = projects["first_seen"]
    for col in MILESTONES[1:]:
        d = projects[col]
        assert (d.isna() | (d >= prev)).all(), col
        assert (d.isna() | projects[MILESTONES[MILESTONES.index(col) - 1]].notna()).all()  # no stage skipped
        prev = d.fillna(prev)
    lost = projects["lost_date"].notna()
    assert not (lost & projects["operating_date"].notna()).any()  # operating is never lost
    last = projects[list(MILESTONES[:-1])].max(axis=1)
    assert (projects.loc[lost, "lost_date"] >= last[lost]).all()
    assert set(projects.loc[lost, "lost_from"]) <= {"lead", "negotiating", "signed", "approved", "under_construction"}


def test_amounts_are_revised_on_entering_negotiation_and_at_signing(projects):
    signed = projects["signed_date"].notna()
    assert (projects.loc[signed, "size_now"] == projects.loc[signed, "size_signed"]).all()
    assert projects.loc[~signed, "size_signed"].isna().all()
    assert (projects["size_now"] >= 0.1).all()


def test_the_signing_amount_is_rounded_shrunk_and_bunched_above_thresholds():
    p = default_params()
    size = np.full(20_000, 0.95)
    out = signing_amount(p, size, np.random.default_rng(0))
    assert (out >= 0.1).all() and np.allclose(out, np.round(out, 3))
    revised = signing_amount(with_params(p, bunching_prob=0.0), size, np.random.default_rng(0))
    assert np.mean(revised == 0.95) == pytest.approx(1 - p.revision_sign_prob, abs=0.02)  # 30 % kept as they were
    assert np.mean(np.log(revised / 0.95)) < 0  # revisions mostly shrink (revision mean < 0)
    # amounts just below a round threshold are pulled to just above it
    bunched = with_params(p, revision_sign_prob=0.0, bunching_prob=1.0)
    pulled = signing_amount(bunched, np.full(1000, 0.9), np.random.default_rng(1))
    assert ((pulled >= 1.0) & (pulled <= 1.05)).all()
    kept = signing_amount(with_params(p, revision_sign_prob=0.0, bunching_prob=0.0), np.full(10, 0.9),
                          np.random.default_rng(1))
    assert (kept == 0.9).all()


def test_the_province_nominates_in_october_and_designates_in_january(projects):
    p = default_params()
    des = projects["designated_year"].dropna().astype(int)
    assert len(des) > 0
    mask = projects.loc[des.index, "nominated_mask"].to_numpy(np.int64)
    assert ((mask >> (des.to_numpy() - 1 - 2000)) & 1 == 1).all()  # nominated the October before
    assert (projects.loc[des.index, "size_now"] >= p.nominate_min_bn).all()
    signed_before = projects.loc[des.index, "signed_date"] < pd.to_datetime((des - 1).astype(str) + "-10-01")
    assert signed_before.all()
