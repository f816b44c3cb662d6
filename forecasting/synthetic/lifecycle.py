"""The life of every synthetic project: its monthly progression, its revisions, the provincial list.

:func:`progress_projects` moves every project through the stages month by month under the
true hazards (revising its amount on entering negotiation and at signing, with
:func:`signing_amount`); :func:`provincial_list` nominates signed projects in October and
designates some of them in January.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.schema import ENTRY_COLUMN, STAGES
from .params import FOCUS_SECTORS, OPEN_STAGES, TrueParams


def progress_projects(
    params: TrueParams, rows: pd.DataFrame, u: pd.Series, n_months: int, t0: pd.Timestamp,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Move every project through the stages, month by month (vectorised over projects)."""
    k = len(rows)
    n_open = len(OPEN_STAGES)
    hz = [params.hazards[s] for s in OPEN_STAGES]
    alpha, kappa, mu, gamma, lam, b_size, b_ph2, d_size = (
        np.array([getattr(h, a) for h in hz])
        for a in ("alpha", "kappa", "mu", "gamma", "lam", "beta_size", "beta_phase2", "delta_size")
    )
    season = np.array([h.season for h in hz])  # (stage, month)
    pre = np.array([s in ("lead", "negotiating") for s in OPEN_STAGES])

    first = rows["first_seen"]
    arrive_m = ((first.dt.year - t0.year) * 12 + first.dt.month - 1).to_numpy()
    z = rng.normal(0.0, params.frailty_sd, k)
    sector_eff = rows["sector"].map(params.sector_effect).fillna(0.0).to_numpy()
    unit_eff = rows["unit_type"].map(params.unit_type_effect).fillna(0.0).to_numpy()
    phase2 = (rows["phase"].to_numpy() >= 2).astype(float)

    stage = np.zeros(k, int)
    entered = arrive_m.copy()  # month the current stage was entered
    entry_month = np.full((k, len(STAGES)), -1)
    entry_month[:, 0] = arrive_m
    lost_month = np.full(k, -1)
    lost_from = np.full(k, -1)
    size = rows["size_lead"].to_numpy(float).copy()
    size_neg = np.full(k, np.nan)
    size_signed = np.full(k, np.nan)

    for m in range(n_months):
        year = t0.year + m // 12
        cal_month = m % 12
        act = np.flatnonzero((arrive_m < m) & (stage < n_open) & (lost_month < 0))
        if act.size == 0:
            continue
        s = stage[act]
        d = (m - entered[act]).astype(float)
        logsize = np.log(size[act])
        eta_a = (
            alpha[s] + kappa[s] * np.log(d) + mu[s] * d + b_size[s] * logsize
            + b_ph2[s] * phase2[act] + season[s, cal_month] + u[year] + z[act]
            + np.where(pre[s], sector_eff[act] + unit_eff[act], 0.5 * sector_eff[act])
        )
        eta_l = gamma[s] + lam[s] * np.log(d) + d_size[s] * logsize - params.frailty_lost_loading * z[act]
        ea, el = np.exp(eta_a), np.exp(eta_l)
        denom = 1.0 + ea + el
        draw = rng.random(act.size)
        adv = draw < ea / denom
        lost = ~adv & (draw < (ea + el) / denom)
        moved = act[adv]
        stage[moved] += 1
        entered[moved] = m
        entry_month[moved, stage[moved]] = m
        gone = act[lost]
        lost_month[gone] = m
        lost_from[gone] = stage[gone]
        # revisions on entering negotiation and at signing
        neg = moved[stage[moved] == 1]
        rev = neg[rng.random(neg.size) < params.revision_neg_prob]
        size[rev] = size[rev] * np.exp(rng.normal(params.revision_neg_mean, params.revision_neg_sd, rev.size))
        size[neg] = np.maximum(np.round(size[neg], 3), 0.1)
        size_neg[neg] = size[neg]
        sig = moved[stage[moved] == 2]
        size[sig] = signing_amount(params, size[sig], rng)
        size_signed[sig] = size[sig]

    out = rows.copy()
    out["frailty"] = z
    for j, st in enumerate(STAGES):
        if st == "lead":
            continue
        col = ENTRY_COLUMN[st]
        out[col] = _dates_from_months(entry_month[:, j], t0, rng)
    out["lost_date"] = _dates_from_months(lost_month, t0, rng)
    out["lost_from"] = pd.Series(np.where(lost_from >= 0, np.array(STAGES)[np.maximum(lost_from, 0)], None), dtype=object)
    # a date drawn inside a month may fall before the previous milestone's day: keep order
    prev = out["first_seen"]
    for col in ("negotiating_date", "signed_date", "approved_date", "groundbreaking_date", "operating_date"):
        out[col] = out[col].where(out[col].isna() | (out[col] >= prev), prev)
        prev = out[col].fillna(prev)
    last_date = out[["first_seen", "negotiating_date", "signed_date", "approved_date", "groundbreaking_date"]].max(axis=1)
    out["lost_date"] = out["lost_date"].where(out["lost_date"].isna() | (out["lost_date"] >= last_date), last_date)
    out["size_neg"] = size_neg
    out["size_signed"] = size_signed
    out["size_now"] = size
    return out


def signing_amount(params: TrueParams, size: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The amount written into the agreement: mostly shrunk, heavy-tailed, bunched above round numbers."""
    n = size.size
    revise = rng.random(n) < params.revision_sign_prob
    shock = params.revision_sign_mean + params.revision_sign_scale * rng.standard_t(params.revision_sign_df, n)
    out = size * np.exp(np.where(revise, np.clip(shock, -1.5, 1.0), 0.0))
    for t in params.bunching_thresholds:
        near = (out >= 0.85 * t) & (out < t) & (rng.random(n) < params.bunching_prob)
        out = np.where(near, t * (1.0 + rng.uniform(0.0, 0.05, n)), out)
    return np.maximum(np.round(out, 3), 0.1)


def _dates_from_months(months: np.ndarray, t0: pd.Timestamp, rng: np.random.Generator) -> pd.Series:
    """A uniformly drawn day inside each month index (NaT for -1)."""
    ok = months >= 0
    m = np.where(ok, months, 0)
    year = t0.year + m // 12
    month = m % 12 + 1
    start = pd.to_datetime(dict(year=year, month=month, day=np.ones_like(m)))
    days = start.dt.days_in_month.to_numpy()
    offset = np.floor(rng.random(len(m)) * days).astype(int)
    dates = start + pd.to_timedelta(offset, unit="D")
    return dates.where(ok)


# --------------------------------------------------------------------------------------
# provincial list


def provincial_list(
    params: TrueParams, projects: pd.DataFrame, n_months: int, t0: pd.Timestamp, rng: np.random.Generator,
) -> pd.DataFrame:
    """Nominate in October (candidate), designate in January of the next year."""
    out = projects.copy()
    k = len(out)
    nominated = np.zeros(k, dtype=np.int64)  # bit (year - 2000) set: nominated that October
    designated = np.full(k, -1)
    size = out["size_now"].to_numpy(float)
    focus = out["sector"].isin(FOCUS_SECTORS).to_numpy().astype(float)
    last_year = (t0 + pd.DateOffset(months=n_months - 1)).year
    for year in range(t0.year, last_year + 1):
        oct1 = pd.Timestamp(f"{year}-10-01")
        if oct1 > t0 + pd.DateOffset(months=n_months):
            break
        signed = out["signed_date"] < oct1
        alive = out["lost_date"].isna() | (out["lost_date"] >= oct1)
        not_op = out["operating_date"].isna() | (out["operating_date"] >= oct1)
        eligible = (signed & alive & not_op).to_numpy() & (designated < 0) & (size >= params.nominate_min_bn)
        eta = params.nominate_intercept + params.nominate_size * np.log(size / 2.0) + params.nominate_focus * focus
        pick = eligible & (rng.random(k) < 1 / (1 + np.exp(-eta)))
        nominated = np.where(pick, nominated | (1 << (year - 2000)), nominated)
        jan = pd.Timestamp(f"{year + 1}-01-01")
        if jan > t0 + pd.DateOffset(months=n_months):
            continue
        still = (out["lost_date"].isna() | (out["lost_date"] >= jan)).to_numpy()
        eta_d = params.designate_intercept + params.designate_size * np.log(size / 2.0)
        des = pick & still & (rng.random(k) < 1 / (1 + np.exp(-eta_d)))
        designated = np.where(des, year + 1, designated)
    out["nominated_mask"] = nominated
    out["designated_year"] = pd.array(np.where(designated >= 0, designated, pd.NA), dtype="Int64")
    return out
