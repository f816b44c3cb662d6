"""The ceiling: a forecaster handed the generator's true parameters.

For each open project it computes the probability of each event within the target year
from the true monthly hazards, integrating over everything still unknown at the as-of
date:

* the project's own pace (frailty ``z``), through its posterior given the path it has
  taken so far (each earlier stage's duration and how long the current one has lasted);
* this year's conditions (``u``), through their posterior given every project's months so
  far this year, and next year's from their prior;
* the rest of the current stage given that it has lasted this long (exact propagation).

Integrals over ``z`` and ``u`` use Gauss–Hermite nodes; the signing amount's revision and
bunching are integrated by Monte Carlo with a fixed seed. No model fitted on the ledger
can beat it on average: its skill over the stage-weighted baseline is what is achievable
on the simulated data.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.schema import ENTRY_COLUMN, STAGES
from ..forecast.contract import Forecast, finish_projects, independent_targets
from ..history.episodes import OPEN_STAGES, month_index
from ..history.histories import History
from .generator import Simulation
from .lifecycle import signing_amount
from .params import FOCUS_SECTORS, TrueParams

N_OPEN = len(OPEN_STAGES)
_TRUE_ENTRY = tuple(ENTRY_COLUMN[s] for s in STAGES)


def _gh(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights for E[f(X)], X ~ N(0, 1)."""
    x, w = np.polynomial.hermite_e.hermegauss(n)
    return x, w / w.sum()


class _Hazards:
    """The generator's true linear predictors, vectorised."""

    def __init__(self, params: TrueParams):
        hz = [params.hazards[s] for s in OPEN_STAGES]
        for name in ("alpha", "kappa", "mu", "gamma", "lam", "beta_size", "beta_phase2", "delta_size"):
            setattr(self, name, np.array([getattr(h, name) for h in hz]))
        self.season = np.array([h.season for h in hz])
        self.pre = np.array([s in ("lead", "negotiating") for s in OPEN_STAGES])
        self.params = params

    def static(self, frame: pd.DataFrame, logsize: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``project × stage`` parts of eta_adv and eta_lost without duration, season, year, z."""
        p = self.params
        sector = frame["sector"].map(p.sector_effect).fillna(0.0).to_numpy()[:, None]
        unit = frame["unit_type"].map(p.unit_type_effect).fillna(0.0).to_numpy()[:, None]
        phase2 = (frame["phase"].to_numpy() >= 2).astype(float)[:, None]
        eta_a = (self.alpha + self.beta_size * logsize + self.beta_phase2 * phase2
                 + np.where(self.pre, sector + unit, 0.5 * sector))
        eta_l = self.gamma + self.delta_size * logsize
        return eta_a, eta_l

    def duration(self, d: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        d = np.maximum(d, 1).astype(float)
        return self.kappa[k] * np.log(d) + self.mu[k] * d, self.lam[k] * np.log(d)


@dataclass
class Oracle:
    """Forecaster with the truth: ``Oracle(sim).fit(history).forecast(year)``.

    Parameters
    ----------
    sim : the simulation the history came from (its true parameters and realised past
        year effects are used; nothing about the future is).
    n_z, n_u : Gauss–Hermite nodes for the frailty and for each unknown year effect.
    """

    sim: Simulation
    n_z: int = 11
    n_u: int = 7
    n_size_draws: int = 2000
    name: str = "oracle"

    def fit(self, history: History) -> "_FittedOracle":
        return _FittedOracle(self, history)


class _FittedOracle:
    def __init__(self, oracle: Oracle, history: History):
        self.o = oracle
        self.history = history
        self.params = oracle.sim.params
        self.hz = _Hazards(self.params)
        self.as_of = history.as_of_date
        self.as_of_m = int(month_index(pd.Series([self.as_of]))[0])

    # ------------------------------------------------------------ what is known so far
    def _truth_so_far(self) -> pd.DataFrame:
        """The true paths cut at the as-of date (what has happened, including the true
        negotiation dates a ledger does not record)."""
        T = self.o.sim.projects
        T = T[T["first_seen"] <= self.as_of].copy()
        for c in _TRUE_ENTRY[1:] + ("lost_date",):
            T[c] = T[c].where(T[c] <= self.as_of)
        entry = np.column_stack([month_index(T[c]) for c in _TRUE_ENTRY])
        reached = entry >= 0
        T["k_now"] = reached[:, :N_OPEN + 1].sum(axis=1) - 1  # 0..5
        T["lost_m"] = month_index(T["lost_date"])
        T["entry_now"] = entry[np.arange(len(T)), T["k_now"].to_numpy()]
        self._entry = entry
        return T.reset_index(drop=True)

    def _loglik(self, T: pd.DataFrame, z: np.ndarray, u_cur: np.ndarray) -> np.ndarray:
        """``project × z node × u node`` log-likelihood of each project's months so far."""
        hz, p = self.hz, self.params
        entry = self._entry
        n = len(T)
        # person-months of every project so far (true monthly resolution)
        spell_k, spell_p, start, stop, event = [], [], [], [], []
        lost_m = T["lost_m"].to_numpy()
        for k in range(N_OPEN):
            e, nxt = entry[:, k], entry[:, k + 1]
            reached = e >= 0
            adv = reached & (nxt >= 0)
            lost = reached & ~adv & (lost_m >= 0)
            stop_m = np.where(adv, nxt, np.where(lost, lost_m, self.as_of_m))
            idx = np.flatnonzero(reached)
            spell_k.append(np.full(idx.size, k)); spell_p.append(idx)
            start.append(e[idx]); stop.append(stop_m[idx])
            event.append(np.where(adv[idx], 1, np.where(lost[idx], 2, 0)))
        spell_k, spell_p = np.concatenate(spell_k), np.concatenate(spell_p)
        start, stop, event = np.concatenate(start), np.concatenate(stop), np.concatenate(event)
        n_rows = np.maximum(stop - start, 0)
        rep = np.repeat(np.arange(spell_k.size), n_rows)
        within = np.arange(rep.size) - np.repeat(np.cumsum(n_rows) - n_rows, n_rows)
        d = within + 1
        month = start[rep] + d
        k = spell_k[rep]
        pid = spell_p[rep]
        last = d == n_rows[rep]
        out = np.where(last, event[rep], 0)
        logsize = np.log(np.where(k >= 2, T["size_signed"].to_numpy()[pid],
                                  np.where(k == 1, T["size_neg"].to_numpy()[pid], T["size_lead"].to_numpy()[pid])))
        sa, sl = hz.static(T.iloc[pid], np.zeros((pid.size, 1)))
        sa = sa[np.arange(pid.size), k] + hz.beta_size[k] * logsize
        sl = sl[np.arange(pid.size), k] + hz.delta_size[k] * logsize
        da, dl = hz.duration(d, k)
        year = month // 12
        u_known = self.o.sim.year_effects.reindex(year).fillna(0.0).to_numpy()
        cur = year == self.as_of_m // 12
        base_a = sa + da + hz.season[k, month % 12] + np.where(cur, 0.0, u_known)
        base_l = sl + dl
        ll = np.zeros((n, z.size, u_cur.size))
        for j, zj in enumerate(z):
            ea = base_a + zj
            el = base_l - p.frailty_lost_loading * zj
            for i_u, u in enumerate(u_cur):
                eta_a = ea + np.where(cur, u, 0.0)
                lse = np.logaddexp(0.0, np.logaddexp(eta_a, el))
                lp = np.where(out == 1, eta_a, np.where(out == 2, el, 0.0)) - lse
                ll[:, j, i_u] = np.bincount(pid, weights=lp, minlength=n)
        return ll

    # ------------------------------------------------------------ forecasting
    def forecast(self, year: int, *, n_draws: int = 0, rng=0) -> Forecast:
        probs = self.project_probabilities(year)
        projects = finish_projects(self.history, year, probs)
        return Forecast(self.history.as_of, year, projects, independent_targets(self.history, year, projects),
                        forecaster=self.o.name)

    def project_probabilities(self, year: int) -> pd.DataFrame:
        p = self.params
        T = self._truth_so_far()
        zx, zw = _gh(self.o.n_z)
        z = zx * p.frailty_sd
        ux, uw = _gh(self.o.n_u)
        cur_year = self.as_of_m // 12
        u_cur = ux * p.year_sd
        ll = self._loglik(T, z, u_cur)
        # posterior of this year's conditions from everyone's months so far this year
        log_marg = np.log(np.einsum("ijk,j->ik", np.exp(ll - ll.max(axis=(1, 2), keepdims=True)), zw)) \
            + ll.max(axis=(1, 2))[:, None]
        log_post_u = np.log(uw) + log_marg.sum(axis=0)
        post_u = np.exp(log_post_u - log_post_u.max())
        post_u /= post_u.sum()
        # each project's frailty posterior given its own path, for each u node
        w = np.exp(ll - ll.max(axis=1, keepdims=True)) * zw[None, :, None]
        w /= w.sum(axis=1, keepdims=True)  # project × z × u
        open_ = T["k_now"].to_numpy() < N_OPEN
        open_ &= T["lost_m"].to_numpy() < 0
        Topen = T[open_].reset_index(drop=True)
        w = w[open_] * post_u[None, None, :]  # joint weights project × z × u_cur

        # horizon years: the current year's effect (posterior nodes), later ones (prior nodes)
        years = list(range(cur_year, year + 1))
        result = self._propagate(Topen, z, u_cur, ux * p.year_sd, uw, w, years, year)
        out = pd.DataFrame({"project_id": Topen["project_id"].to_numpy()})
        out["p_signed"], out["p_groundbreaking"] = result["signed"], result["ground"]
        for tier in self.history.district.targets_for(year).tiers:
            out[f"p_tier_{tier.name}"] = self._tier(Topen, result["signed"], tier.min_bn, tier.max_bn)
        out["p_provincial"] = self._provincial(Topen, result, year)
        return out

    def _propagate(self, T, z, u_cur, u_next, uw_next, w, years, year) -> dict:
        """Exact propagation for each (z, u_cur, u_next) node, then weighted."""
        hz, p = self.hz, self.params
        n = len(T)
        k0 = T["k_now"].to_numpy()
        e0 = T["entry_now"].to_numpy()
        size_now = T["size_now"].to_numpy()
        mean_rev = p.revision_sign_prob * p.revision_sign_mean
        logsize = np.log(size_now)[:, None] + np.where(np.arange(N_OPEN)[None, :] >= 2,
                                                        np.where(k0[:, None] < 2, mean_rev, 0.0), 0.0)
        sa, sl = hz.static(T, logsize)
        start = self.as_of_m
        last = year * 12 + 11
        H = max(last - start, 0)
        cur_year = start // 12
        next_nodes = len(u_next) if year > cur_year else 1
        sept = (year - 1) * 12 + 8
        signed = np.zeros(n)
        ground = np.zeros(n)
        eligible_sept = np.zeros(n)
        for j, zj in enumerate(z):
            for i_u, uc in enumerate(u_cur):
                for i_n in range(next_nodes):
                    un = u_next[i_n] if year > cur_year else 0.0
                    wn = uw_next[i_n] if year > cur_year else 1.0
                    weight = w[:, j, i_u] * wn
                    mass = np.zeros((n, N_OPEN, H + 1))
                    mass[np.arange(n), k0, 0] = 1.0
                    entry = np.concatenate([[0], start + np.arange(1, H + 1)])
                    s_in = np.zeros(n)
                    g_in = np.zeros(n)
                    el_sept = 1.0 if sept < start else None
                    for h in range(1, H + 1):
                        m = start + h
                        ent = np.broadcast_to(entry[None, :h], (n, h)).copy()
                        ent[:, 0] = e0
                        d = np.maximum(m - ent, 1)
                        kk = np.arange(N_OPEN)[None, :, None]
                        da = hz.kappa[kk] * np.log(d[:, None, :]) + hz.mu[kk] * d[:, None, :]
                        dl = hz.lam[kk] * np.log(d[:, None, :])
                        u = uc if m // 12 == cur_year else un
                        eta_a = sa[:, :, None] + da + hz.season[:, m % 12][None, :, None] + u + zj
                        eta_l = sl[:, :, None] + dl - p.frailty_lost_loading * zj
                        ea, el = np.exp(eta_a), np.exp(eta_l)
                        den = 1 + ea + el
                        cur = mass[:, :, :h]
                        adv = cur * ea / den
                        lost = cur * el / den
                        mass[:, :, :h] = cur - adv - lost
                        flow = adv.sum(axis=-1)
                        mass[:, 1:, h] += flow[:, :-1]
                        if year * 12 <= m <= last:
                            s_in += flow[:, 1]
                            g_in += flow[:, 3]
                        if m == sept:
                            el_sept = mass[:, 2:, :].sum(axis=(1, 2))
                    signed += weight * s_in
                    ground += weight * g_in
                    if el_sept is not None and not np.isscalar(el_sept):
                        eligible_sept += weight * el_sept
        return {"signed": signed, "ground": ground, "eligible_sept": eligible_sept,
                "sept_in_horizon": sept >= start}

    def _tier(self, T, p_signed, lo, hi) -> np.ndarray:
        """P(signed in year) × P(signing amount in band), the amount's revision by Monte Carlo."""
        p = self.params
        rng = np.random.default_rng(12345)
        k0 = T["k_now"].to_numpy()
        size = T["size_now"].to_numpy()
        S = self.o.n_size_draws
        amt = np.repeat(size[:, None], S, axis=1)
        at_lead = k0 == 0
        rev = rng.random(amt.shape) < p.revision_neg_prob
        shock = np.exp(rng.normal(p.revision_neg_mean, p.revision_neg_sd, amt.shape))
        amt = np.where(at_lead[:, None] & rev, np.maximum(np.round(amt * shock, 3), 0.1), amt)
        signed_amt = signing_amount(p, amt.ravel(), rng).reshape(amt.shape)
        inside = signed_amt >= lo
        if hi is not None:
            inside &= signed_amt < hi
        return np.where(k0 < 2, p_signed * inside.mean(axis=1), 0.0)

    def _provincial(self, T, result, year) -> np.ndarray:
        p = self.params
        size = T["size_now"].to_numpy()
        focus = T["sector"].isin(FOCUS_SECTORS).to_numpy().astype(float)
        p_nom = 1 / (1 + np.exp(-(p.nominate_intercept + p.nominate_size * np.log(size / 2) + p.nominate_focus * focus)))
        p_nom = np.where(size >= p.nominate_min_bn, p_nom, 0.0)
        p_des = 1 / (1 + np.exp(-(p.designate_intercept + p.designate_size * np.log(size / 2))))
        nominated = ((np.right_shift(T["nominated_mask"].to_numpy(np.int64), year - 1 - 2000) & 1) == 1)
        if self.as_of >= pd.Timestamp(f"{year - 1}-10-01"):
            return np.where(nominated, p_des, 0.0)
        if result["sept_in_horizon"]:
            return result["eligible_sept"] * p_nom * p_des
        return np.zeros(len(T))
