"""The ceiling on generator B: a forecaster handed its true parameters and realised past.

For each open project it computes the probability of signing, breaking ground, landing in
each size tier and being designated provincial major within the target year, integrating
over everything still unknown at the as-of date:

* the investor's latent type (fast / steady / stalling), through its posterior given the
  project's whole path so far (each stage's duration, the current stage's elapsed time);
* the current year's climate, through its posterior given every project's time in the year
  so far and the year's lead counts (quadrature on the AR(1) predictive's mixture nodes), and
  the next year's from the AR(1) given each current-year node;
* the remaining stage durations given the elapsed time (closed-form Weibull and exponential
  survival on each scenario's clocks), the later stages by exact kernels on a quarter-month
  grid (entries placed at interval midpoints: the only approximation, well below 0.005);
* the signing amount's revision, pull and rounding (exact, :func:`p_amount_at_least`);
* the provincial rule: the K ~ Poisson largest eligible projects, ties split at random.

At a December origin the eligible set is known and the provincial probability exact; from
earlier origins it is an approximation (independent eligibility, ranks on expected amounts).
Nothing after the as-of date is used: true instants after it are treated as unknown.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..forecast.contract import Forecast, finish_projects, independent_targets, poisson_binomial_pmf
from ..history.histories import History
from .process_b import (
    Knots, cell_multipliers, clocks, climate_innovation_nodes, month_rates, p_amount_at_least,
    type_probabilities,
)
from .generator_b import SimulationB, eligible_at, inflow_mean_b

_T_COLS = ("t_first", "t_neg", "t_signed", "t_approved", "t_ground")


@dataclass
class OracleB:
    """Forecaster with generator B's truth: ``OracleB(sim).fit(history).forecast(year)``.

    Parameters
    ----------
    sim : the simulation the history came from (true parameters, realised past climates and
        true paths up to the as-of date are used; nothing after it).
    n_nodes : Gauss–Hermite nodes per mixture component of the as-of year's climate.
    n_nodes_next : the same for the next year's climate (only for forecasts of next year
        from an origin before December; the targets are smooth in it).
    steps_per_month : resolution of the propagation grid.
    """

    sim: SimulationB
    n_nodes: int = 6
    n_nodes_next: int = 3
    steps_per_month: int = 4
    name: str = "oracle"

    def fit(self, history: History) -> "_FittedOracleB":
        return _FittedOracleB(self, history)


class _FittedOracleB:
    def __init__(self, oracle: OracleB, history: History):
        self.o, self.history, self.sim = oracle, history, oracle.sim
        self.p = oracle.sim.params
        self.t0 = oracle.sim.t0
        self.as_of = history.as_of_date
        self.T0 = float((self.as_of - self.t0).days + 1)  # the instant just after the as-of day
        self.scale, self.loss = cell_multipliers(self.p)

    def _day(self, year: int) -> float:
        return float((pd.Timestamp(f"{year}-01-01") - self.t0).days)

    # ------------------------------------------------------------------ the past
    def _truth_so_far(self) -> pd.DataFrame:
        P = self.sim.projects
        T = P[P["t_first"] < self.T0].copy()
        for c in _T_COLS[1:] + ("t_lost",):
            T[c] = T[c].where(T[c] < self.T0, np.inf)
        T["k_now"] = np.isfinite(T[list(_T_COLS)].to_numpy()).sum(axis=1) - 1
        T["lost_now"] = np.isfinite(T["t_lost"].to_numpy())
        T["size_signed_now"] = T["size_signed"].where(np.isfinite(T["t_signed"]))
        return T.reset_index(drop=True)

    def _loglik(self, T: pd.DataFrame, knots: Knots, climates: np.ndarray) -> np.ndarray:
        """``scenario x project x type`` log-likelihood of every spell in stages 0-3 so far."""
        p = self.p
        t = T[list(_T_COLS)].to_numpy()
        lost_t = T["t_lost"].to_numpy()
        n = len(T)
        ll = np.zeros((len(climates), n, 3))
        cum_a, cum_l = clocks(p, knots, climates)  # S x stage x (M+1)
        ra, rl = month_rates(p, knots, climates)  # S x stage x M
        cell = T["cell"].to_numpy()
        for s in range(4):
            e = t[:, s]
            ok = np.isfinite(e)
            adv = ok & np.isfinite(t[:, s + 1])
            lost = ok & ~adv & np.isfinite(lost_t) & (T["k_now"].to_numpy() == s)
            x = np.where(adv, t[:, s + 1], np.where(lost, lost_t, self.T0))
            idx = np.flatnonzero(ok)
            e, x, a_, l_ = e[idx], x[idx], adv[idx], lost[idx]
            mi = np.clip(np.searchsorted(knots.day, x, side="right") - 1, 0, knots.month.size - 1)
            m = self.scale[cell[idx], :, s]  # n x 3
            lam = self.loss[cell[idx], :, s]
            sh = p.adv_shape[s]
            for j in range(len(climates)):
                v = np.interp(x, knots.day, cum_a[j, s]) - np.interp(e, knots.day, cum_a[j, s])
                w = np.interp(x, knots.day, cum_l[j, s]) - np.interp(e, knots.day, cum_l[j, s])
                r = np.maximum(v, 1e-12)[:, None] / m
                val = -(r**sh) - lam * w[:, None]
                val += np.where(a_[:, None], np.log(sh / m) + (sh - 1) * np.log(r) + np.log(ra[j, s, mi])[:, None], 0.0)
                val += np.where(l_[:, None], np.log(lam) + np.log(rl[j, s, mi])[:, None], 0.0)
                ll[j, idx] += val
        return ll

    def _inflow_loglik(self, year: int, c_nodes: np.ndarray) -> np.ndarray:
        """Log-likelihood of the year's lead counts so far, for each climate node."""
        p = self.p
        eff = self.sim.effort
        eff = eff[(eff["quarter"].str[:4].astype(int) == year) & (eff["quarter"] <= self.history.as_of)]
        if eff.empty:
            return np.zeros(len(c_nodes))
        P = self.sim.projects
        counts = P[P["t_first"] < self.T0].groupby(["quarter", "unit"]).size()
        n = counts.reindex(pd.MultiIndex.from_frame(eff[["quarter", "unit"]])).fillna(0).to_numpy()
        mu0 = inflow_mean_b(p, eff, pd.Series(0.0, index=[year]))
        keep = mu0 > 0
        n, mu0 = n[keep], mu0[keep]
        gx, gw = np.polynomial.hermite_e.hermegauss(20)
        gw = gw / gw.sum()
        out = np.zeros(len(c_nodes))
        for j, c in enumerate(c_nodes):
            lam = mu0[:, None] * np.exp(p.climate_inflow_load * c + p.inflow_noise_sd * gx[None, :])
            out[j] = np.log((stats.poisson.pmf(n[:, None], lam) * gw).sum(axis=1)).sum()
        return out

    # ------------------------------------------------------------------ forecasting
    def forecast(self, year: int, *, n_draws: int = 0, rng=0) -> Forecast:
        probs = self.project_probabilities(year)
        projects = finish_projects(self.history, year, probs)
        return Forecast(self.history.as_of, year, projects, independent_targets(self.history, year, projects),
                        forecaster=self.o.name)

    def project_probabilities(self, year: int) -> pd.DataFrame:
        p = self.p
        T = self._truth_so_far()
        u1 = (self.t0 + pd.Timedelta(days=self.T0)).year  # first year not fully past
        tiers = self.history.district.targets_for(year).tiers
        open_ = (T["k_now"].to_numpy() < 5) & ~T["lost_now"].to_numpy()
        out = pd.DataFrame({"project_id": T.loc[open_, "project_id"].to_numpy()})
        n_open = int(open_.sum())
        if year < u1:
            for col in ["p_signed", "p_groundbreaking", *[f"p_tier_{t.name}" for t in tiers], "p_provincial"]:
                out[col] = 0.0
            return out
        if year > u1 + 1:
            raise ValueError(f"the oracle forecasts at most the year after the as-of year ({u1 + 1}), not {year}")
        knots = Knots.build(self.t0, year + 1)
        c_past = self.sim.year_effects.reindex(knots.year).to_numpy().copy()
        c_prev = float(self.sim.year_effects[u1 - 1])
        innov, iw = climate_innovation_nodes(p, self.o.n_nodes)
        innov2, iw2 = climate_innovation_nodes(p, self.o.n_nodes_next)
        c1 = p.climate_phi * c_prev + innov
        # posterior of this year's climate and of every project's type, for each node
        clim1 = np.where(knots.year[None, :] >= u1, c1[:, None], c_past[None, :])
        ll = self._loglik(T, knots, clim1)  # node x project x type
        prior = type_probabilities(p, T["size_lead"].to_numpy())
        lmax = ll.max(axis=2, keepdims=True)
        joint = prior[None] * np.exp(ll - lmax)
        marg = joint.sum(axis=2)
        log_post = np.log(iw) + (np.log(marg) + lmax[..., 0]).sum(axis=1) + self._inflow_loglik(u1, c1)
        post1 = np.exp(log_post - log_post.max())
        post1 /= post1.sum()
        w_type = (joint / marg[..., None])[:, open_]  # node x open project x type

        scen = []  # (weight, node index of c1, climate per month)
        for i in range(c1.size):
            if year == u1:
                scen.append((post1[i], i, np.where(knots.year >= u1, c1[i], c_past)))
            else:
                for c2, w2 in zip(p.climate_phi * c1[i] + innov2, iw2):
                    scen.append((post1[i] * w2, i, np.where(knots.year > u1, c2, np.where(knots.year == u1, c1[i], c_past))))
        To = T[open_].reset_index(drop=True)
        res = self._propagate(To, knots, scen, w_type, year)
        out["p_signed"], out["p_groundbreaking"] = res["signed"], res["ground"]
        k_now = To["k_now"].to_numpy()
        size_now = To["size_now"].to_numpy()
        for tier in tiers:
            band = p_amount_at_least(p, size_now, tier.min_bn, k_now == 0)
            if tier.max_bn is not None:
                band = band - p_amount_at_least(p, size_now, tier.max_bn, k_now == 0)
            out[f"p_tier_{tier.name}"] = np.where(k_now < 2, res["signed"] * np.clip(band, 0, 1), 0.0)
        out["p_provincial"] = self._provincial(T, To, open_, res, year)
        assert len(out) == n_open
        return out

    def _propagate(self, T: pd.DataFrame, knots: Knots, scen: list, w_type: np.ndarray, year: int) -> dict:
        p = self.p
        n = len(T)
        d_end, d_year = self._day(year + 1), self._day(year)
        # grid: month starts from T0 to d_end, each month cut into equal steps
        starts = knots.day[(knots.day >= self.T0) & (knots.day <= d_end)]
        g = np.unique(np.concatenate([
            np.linspace(a, b, self.o.steps_per_month + 1) for a, b in zip(starts[:-1], starts[1:])] + [[self.T0]]))
        G = g.size - 1
        mid = 0.5 * (g[:-1] + g[1:])
        in_year = g[:-1] >= d_year
        before_des = g[1:] <= d_year  # entered before the provincial eligibility instant
        A_idx = np.arange(G)
        St = np.where(A_idx[None, :] > A_idx[:, None], g[:-1][None, :], mid[:, None])  # a x l
        En = np.broadcast_to(g[1:][None, :], (G, G))
        Ce = 0.5 * (St + En)
        upper = A_idx[None, :] >= A_idx[:, None]
        k_now = T["k_now"].to_numpy()
        cell = T["cell"].to_numpy()
        t_entry = T[list(_T_COLS)].to_numpy()[np.arange(n), np.minimum(k_now, 4)]
        signed = np.zeros(n); ground = np.zeros(n); sig_before = np.zeros(n); gr_before = np.zeros(n)
        for weight, i1, clim in scen:
            cum_a, cum_l = clocks(p, knots, clim)
            wt = w_type[i1] * weight  # project x type
            ent = {}  # stage -> (project x type x G) mass entering it
            for s in range(4):
                # the projects now in stage s: their remaining time, given survival to T0
                sel = k_now == s
                if s in ent or sel.any():
                    if sel.any():
                        e = t_entry[sel]
                        m = self.scale[cell[sel], :, s][..., None]
                        lam = self.loss[cell[sel], :, s][..., None]
                        a_e = np.interp(e, knots.day, cum_a[s])[:, None, None]
                        a_g = np.interp(g, knots.day, cum_a[s])[None, None, :]
                        surv = np.exp(-((np.maximum(a_g - a_e, 0) / m) ** p.adv_shape[s]))
                        l_t = np.interp(np.concatenate([[self.T0], mid]), knots.day, cum_l[s])
                        stay = np.exp(-lam * (l_t[1:] - l_t[0])[None, None, :])
                        out_s = (surv[..., :-1] - surv[..., 1:]) / surv[..., :1] * stay
                    nxt = np.zeros((n, 3, G))
                    if s in ent:
                        nxt += self._through(ent[s], s, cum_a, cum_l, knots, St, En, Ce, mid, upper, cell)
                    if sel.any():
                        nxt[sel] += out_s
                    ent[s + 1] = nxt
            if 2 in ent:
                signed += (wt * ent[2][..., in_year].sum(-1)).sum(-1)
                sig_before += (wt * ent[2][..., before_des].sum(-1)).sum(-1)
            if 4 in ent:
                ground += (wt * ent[4][..., in_year].sum(-1)).sum(-1)
                gr_before += (wt * ent[4][..., before_des].sum(-1)).sum(-1)
        return {"signed": signed, "ground": ground, "signed_before": sig_before, "ground_before": gr_before}

    def _through(self, mass, s, cum_a, cum_l, knots, St, En, Ce, mid, upper, cell) -> np.ndarray:
        """Mass leaving stage ``s`` (entered at interval midpoints) by exact per-cell kernels."""
        p = self.p
        A = lambda x: np.interp(x, knots.day, cum_a[s])  # noqa: E731
        L = lambda x: np.interp(x, knots.day, cum_l[s])  # noqa: E731
        a_mid = A(mid)[:, None]
        dv0, dv1 = A(St) - a_mid, A(En) - a_mid
        dl = L(Ce) - L(mid)[:, None]
        out = np.zeros_like(mass)
        for c in np.unique(cell):
            rows = cell == c
            for k in range(3):
                m, lam, sh = self.scale[c, k, s], self.loss[c, k, s], p.adv_shape[s]
                K = (np.exp(-((np.maximum(dv0, 0) / m) ** sh)) - np.exp(-((np.maximum(dv1, 0) / m) ** sh))) * np.exp(-lam * dl)
                out[rows, k] = mass[rows, k] @ np.where(upper, K, 0.0)
        return out

    def _provincial(self, T: pd.DataFrame, To: pd.DataFrame, open_: np.ndarray, res: dict, year: int) -> np.ndarray:
        """P(designated in January of ``year``): the top-K (K ~ Poisson) of those eligible on 1 January."""
        p = self.p
        D = self._day(year)
        kmax = 60
        pk = stats.poisson.pmf(np.arange(kmax), p.provincial_rate)
        designated_before = T["designated_year"].fillna(9999).to_numpy() < year
        if self.T0 >= D:  # the eligible set is known: exact, ties in random order
            if self.as_of >= pd.Timestamp(f"{year}-01-01"):
                return np.zeros(len(To))  # the list is out or coming from what is known; settled anyway
            el = eligible_at(p, T, D) & ~designated_before
            size = T["size_signed"].to_numpy()
            out = np.zeros(len(T))
            for i in np.flatnonzero(el):
                above = int((el & (size > size[i])).sum())
                ties = int((el & (size == size[i])).sum())
                slots = np.clip((np.arange(kmax) - above) / ties, 0.0, 1.0)
                out[i] = (pk * slots).sum()
            return out[open_]
        # approximate: independent eligibility, ranked on today's (expected) amount
        k_now = To["k_now"].to_numpy()
        focus = To["sector"].isin(("new_energy", "auto_parts", "smart_appliances", "photovoltaics", "smart_grid")).to_numpy()
        size_now = To["size_now"].to_numpy()
        big = np.where(k_now >= 2, (size_now >= p.provincial_min_bn).astype(float),
                       p_amount_at_least(p, size_now, p.provincial_min_bn, k_now == 0))
        in_stage = np.where(k_now >= 4, 0.0, np.where(k_now >= 2, 1.0, res["signed_before"])
                            - np.where(k_now >= 4, 0.0, res["ground_before"]))
        q = np.clip(in_stage, 0, 1) * big * focus * ~designated_before[open_]
        key = np.where(k_now >= 2, size_now, size_now * 0.75)
        out = np.zeros(len(To))
        for i in np.flatnonzero(q > 1e-6):
            pmf = poisson_binomial_pmf(q[(key > key[i]) & (q > 1e-6)])
            cdf_above = np.cumsum(np.pad(pmf, (0, kmax)))[:kmax]  # P(N_above <= j)
            # selected iff N_above < K
            out[i] = q[i] * (pk[1:] * cdf_above[:kmax - 1]).sum()
        return out
