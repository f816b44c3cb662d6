"""The mix of new leads: resampled from each unit's past leads, pooled with its type's."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.models.leadmix import LeadMix
from forecasting.synthetic.generator import SECTORS


def test_lead_mix_resembles_each_units_leads(inflow_fitted):
    """The campaign's leads are larger than the centres' (the generator shifts their log10
    size by +0.3 and -0.08), it sources only focus sectors, and every draw is a valid lead."""
    sim, _, res = inflow_fitted
    mix = res.mix
    camp = mix.sample("campaign_top10", 4000, rng=5)
    centre = mix.sample("center_shanghai", 4000, rng=6)
    assert np.log(camp["investment_bn"]).mean() > np.log(centre["investment_bn"]).mean() + 0.4
    assert set(camp["sector"]) <= set(SECTORS[:5])
    for draw, unit, utype in ((camp, "campaign_top10", "campaign"), (centre, "center_shanghai", "center")):
        assert list(draw.columns) == ["unit", "unit_type", "sector", "phase", "investment_bn"]
        assert (draw["unit"] == unit).all() and (draw["unit_type"] == utype).all()
        assert set(draw["sector"]) <= set(sim.district.sectors)
        assert (draw["investment_bn"] >= 0.1).all() and (draw["phase"] >= 1).all()
        assert draw["investment_bn"].nunique() > 0.95 * len(draw)  # jittered, not repeated


def test_lead_mix_borrows_by_the_stated_weight():
    """A unit with 30 own leads (all "other") among 90 of its type draws its own with
    probability w = 30 / (30 + 30) = 1/2, and from the whole type otherwise: P(other) =
    1/2 + 1/2 · 30/90 = 2/3 (4000 draws: standard error 0.0075, tolerance 4 of them)."""
    leads = pd.DataFrame({
        "unit": ["branch_1"] * 30 + ["branch_2"] * 60 + ["campaign_top10"] * 5,
        "unit_type": ["branch"] * 90 + ["campaign"] * 5,
        "sector": ["other"] * 30 + ["new_energy"] * 60 + ["photovoltaics"] * 5,
        "phase": 1, "investment_bn": 1.0,
    })
    types = {"branch_1": "branch", "branch_2": "branch", "branch_3": "branch",
             "campaign_top10": "campaign", "center_nanjing": "center"}
    mix = LeadMix(leads, types)
    own = mix.sample("branch_1", 4000, rng=7)
    assert (own["sector"] == "other").mean() == pytest.approx(2 / 3, abs=0.03)
    assert (mix.sample("branch_3", 500, rng=8)["sector"] != "photovoltaics").all()  # its type only
    assert set(mix.sample("center_nanjing", 500, rng=9)["sector"]) == {"other", "new_energy", "photovoltaics"}
    with pytest.raises(ValueError, match="unknown unit"):
        mix.sample("branch_9", 1, rng=0)


def test_weighted_templates_stand_for_the_whole_mix_with_far_less_luck(bundled_history):
    """The templates' weighted mean estimates the mix's exact mean of anything (here the
    shares of leads of at least 5 bn, the tiers' raw material, and of at least 0.5 bn, the
    groundbreaking target's size); over seeds it varies far less than a plain resample of
    the same size does."""
    mix = LeadMix.from_history(bundled_history)
    for unit in ("campaign_top10", "branch_1"):
        idx, p = mix.probabilities(unit)
        assert p.sum() == pytest.approx(1.0) and (p > 0).all()
        x = mix.leads["investment_bn"].to_numpy()[idx]
        exact = np.array([p @ (x >= 5.0), p @ (x >= 0.5)])
        est, plain = [], []
        for seed in range(40):
            t = mix.templates(unit, 24, rng=seed)
            assert len(t) == 24 and (t["weight"] > 0).all() and set(t["unit"]) == {unit}
            w, v = t["weight"].to_numpy() / t["weight"].sum(), t["investment_bn"].to_numpy()
            est.append([w @ (v >= 5.0), w @ (v >= 0.5)])
            s = mix.sample(unit, 24, rng=seed)["investment_bn"].to_numpy()
            plain.append([(s >= 5.0).mean(), (s >= 0.5).mean()])
        est, plain = np.array(est), np.array(plain)
        assert exact[0] > 0.01  # big leads do come
        assert est.mean(axis=0) == pytest.approx(exact, rel=0.15, abs=0.005)
        assert est[:, 0].std() < 0.5 * plain[:, 0].std()
        assert est[:, 1].std() < 0.75 * plain[:, 1].std()
