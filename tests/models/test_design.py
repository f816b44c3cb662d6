"""The progression hazards' design: names, priors and matrices agree with each other."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.models.design import (EB_BLOCKS, N_STAGES, PRE, PRIOR_SD, Design, build_matrices, covariates,
                                       duration_effect, eb_block)
from forecasting.models.splines import duration_basis

DESIGN = Design(["ev", "pv"], ["branch_1", "campaign_top10"], ["branch", "center", "campaign"], [2021, 2022],
                knots={0: np.array([0.5, 1.5, 2.5, 3.5])})


def _rows() -> pd.DataFrame:
    return pd.DataFrame({
        "stage_idx": [0, 1, 2, 3, 4], "duration": [1, 5, 12, 30, 2], "logsize_pre": np.log([1.0, 2, 3, 4, 5]),
        "logsize_post": np.log([1.5, 2.5, 3.5, 4.5, 5.5]), "phase2": [0.0, 1, 0, 1, 0], "pace": [0.0, 1, 2, 1, 0],
        "sector": ["ev", "pv", "ev", "other", "pv"], "unit": ["branch_1", "campaign_top10", "branch_1", "x", "branch_1"],
        "unit_type": ["branch", "campaign", "branch", "center", "branch"], "cal_month": [0, 1, 2, 3, 11],
        "year": [2021, 2022, 2021, 2022, 2023],
    })


def test_the_matrices_have_one_column_per_name_and_each_row_its_own_stage():
    Xa, Xl = build_matrices(_rows(), DESIGN)
    names = DESIGN.advance_names()
    assert Xa.shape == (5, len(names)) and Xl.shape == (5, len(DESIGN.lost_names()))
    A = Xa.toarray()
    for i, k in enumerate(_rows()["stage_idx"]):
        assert A[i, names.index(f"{k}:const")] == 1.0
        assert all(A[i, names.index(f"{s}:const")] == 0.0 for s in range(N_STAGES) if s != k)
    # stage 0 has a spline: its duration columns are the duration basis
    cols = [names.index(n) for n in DESIGN.duration_names(0)]
    np.testing.assert_allclose(A[0, cols], duration_basis(np.array([1]), DESIGN.knots[0])[0])
    # an unknown sector, unit or year is all zeros (the pooled estimate)
    assert A[3, [names.index(f"sector_post:{s}") for s in DESIGN.sectors]].sum() == 0.0
    assert A[4, [names.index(f"year:{y}") for y in DESIGN.years]].sum() == 0.0
    # sector before signing only in the pre-signing stages
    assert A[1, names.index("sector_pre:pv")] == 1.0 and 1 in PRE
    assert A[2, names.index("sector_post:ev")] == 1.0 and A[2, names.index("sector_pre:ev")] == 0.0


def test_prior_spreads_follow_the_blocks():
    names = ["0:const", "sector_pre:ev", "unit:branch_1", "unit_type:branch", "season:3", "year:2021", "0:rcs1"]
    sd = Design.prior_sd(names)
    np.testing.assert_allclose(sd, [PRIOR_SD["fixed"], PRIOR_SD["sector"], PRIOR_SD["unit"], PRIOR_SD["unit_type"],
                                    PRIOR_SD["season"], PRIOR_SD["year"], PRIOR_SD["spline"]])
    assert Design.prior_sd(["year:2021"], {"year": 0.07})[0] == 0.07
    assert Design.prior_sd(["year:2021"], {"year_lost": 0.07}, lost=True)[0] == 0.07
    np.testing.assert_allclose(Design.weights(["year:2021"], 0.5), [2.0])


@pytest.mark.parametrize("name, block", [("year:2020", "year"), ("lost:year:2020", "year_lost"),
                                         ("unit:branch_1", "unit"), ("3:rcs2", "spline"), ("season:1", None),
                                         ("0:const", None)])
def test_eb_block(name, block):
    assert eb_block(name) == block
    assert block is None or block in EB_BLOCKS.values()


def test_the_duration_effect_is_the_basis_times_the_coefficients():
    names = DESIGN.advance_names()
    rng = np.random.default_rng(0)
    p = pd.Series(rng.normal(size=len(names)), index=names)
    d = np.array([1, 6, 24])
    B = duration_basis(d, DESIGN.knots[0])
    expect = B @ p[DESIGN.duration_names(0)].to_numpy()
    np.testing.assert_allclose(duration_effect(p, names, DESIGN, 0, d), expect)
    draws = np.vstack([p.to_numpy(), 2 * p.to_numpy()])
    np.testing.assert_allclose(duration_effect(draws, names, DESIGN, 0, d), np.vstack([expect, 2 * expect]))


def test_covariates_use_the_first_and_the_signed_amounts():
    P = pd.DataFrame({"project_id": ["a", "b"], "sector": ["ev", "pv"], "unit": ["branch_1", "branch_1"],
                      "unit_type": ["branch", "branch"], "phase": [1, 2], "investment_bn": [2.0, 3.0],
                      "investment_first": [np.nan, 1.0], "investment_signed": [4.0, np.nan]})
    c = covariates(P)
    np.testing.assert_allclose(c["logsize_pre"], np.log([2.0, 1.0]))
    np.testing.assert_allclose(c["logsize_post"], np.log([4.0, 3.0]))
    assert list(c["phase2"]) == [0.0, 1.0] and list(c.index) == ["a", "b"]
