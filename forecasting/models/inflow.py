"""The inflow of new leads: how many arrive per unit and quarter, and what they look like.

Leads that are not in the ledger yet matter for any target whose year is not over. Their
count per attraction unit ``u`` and quarter ``t`` is negative binomial (NB2: variance
``mu + alpha mu²``) with

.. math::

    \\log \\mu_{ut} = a_u + (e + d_u)(\\log \\text{staff}_{ut} - c)
        + b_v \\log\\frac{\\text{visits}_{ut}}{m\\,\\text{staff}_{ut}}
        + b_b \\log(1 + \\text{budget}_{ut}) + s_{q(t)} + v_{y(t)}

* ``a_u`` the unit's level; ``e + d_u`` its **elasticity** to staff: the per cent more
  leads per per cent more staff, with visits growing with staff (they are made by staff)
  and the promotion budget held. Staff vary over time in the effort table, so each unit's
  elasticity is identified from its own history. The deviations ``d_u ~ N(0, SLOPE_SD²)``
  are a ridge penalty (as in :mod:`~forecasting.models.progression`): a unit with little
  variation in staff, or few quarters, is pulled towards the pooled elasticity ``e``.
* ``b_v`` outreach intensity (visits per head against ``m``, the history's median) and ``b_b`` the
  promotion budget (``log1p`` keeps a quarter without spend finite). Both stay in the model
  whether or not they help: one that does not is estimated near zero and its uncertainty
  is carried into forecasts, rather than being dropped by a pre-test that would hide it.
* ``s_q`` quarter-of-year season; ``v_y ~ N(0, year_sd²)`` the yearly common shock that
  moves every unit's inflow together (a good or bad year for investment promotion).
* A unit with no staff brings no leads: its expected count is exactly zero, and quarters
  without staff are not fitted.

Estimation. Negative binomial rather than Poisson because leads arrive in clumps that effort
does not explain (a fair, a visiting delegation): the counts vary more than their mean. The
ridge penalties need a penalised likelihood, which statsmodels provides for GLMs
(``PenalizedMixin``, :class:`~forecasting.models.glm.GLMPenalized`; the fit is in :mod:`~forecasting.models.negbin`); its NB family takes ``alpha``
as known, so ``alpha`` is estimated by maximum likelihood given the fitted means, alternating
with the penalised GLM fit until both settle: the alternation of R's ``MASS::glm.nb``, which
reaches the joint maximum.

``year_sd`` is estimated in two stages. First the year effects are fitted freely; the
method of moments on their centred estimates,
``year_sd² = (Σ û_c² − tr(C V)) / (k − 1)`` (``V`` their covariance, ``C`` the centring
matrix, ``k`` the years), removes the part of their spread that sampling noise explains and
is truncated at zero, so it is 0 when the years differ no more than chance allows. Then the
model is refitted with the year effects as random effects of that spread (a ridge penalty
``1 / (2 year_sd²)``): the level ``a_u`` is that of a typical year, and the covariance of
the estimates (the penalised Hessian, as in a Laplace approximation) integrates over the
past years' shocks. A future year's shock is drawn afresh from ``N(0, year_sd²)``.

The arrivals fitted are the leads whose ``first_seen`` falls inside a snapshot quarter:
the first snapshot also holds leads from before the data begin, whose arrival quarter has
no effort row to explain them.

New leads' characteristics come from :class:`LeadMix`: each unit's own past leads, as first
recorded, pooled with its unit type's when the unit has few.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from ..data.quarters import quarter_range, shift
from ..errors import ForecastingWarning, SparseDataWarning
from ..history.histories import History
from ..texts import count
from .evidence import YearEvidence, unshrink
from .glm import mvn
from .leadmix import LeadMix
from .negbin import fit_alternating
from .planning import EFFORT_COLUMNS, EffortPlanning
from .results import ModelResults

#: Prior standard deviation of a unit's elasticity around the pooled one. Elasticities of
#: units doing the same job are expected within about ±0.5 of each other. The spread itself
#: is not estimated: with nine units and staff that move by ±20 % its moment estimate is
#: zero in most simulated districts even when the true spread is 0.18.
SLOPE_SD = 0.25
#: Prior standard deviation of the other coefficients: weak, it only keeps the fit regular.
FIXED_SD = 3.0


# --------------------------------------------------------------------------- arrivals
def arrival_counts(history: History) -> pd.DataFrame:
    """Leads arrived per unit and snapshot quarter, beside that quarter's effort.

    Returns one row per effort row of the snapshot quarters (``quarter``, ``unit``,
    ``staff``, ``visits``, ``budget_m``) with ``arrivals``: the projects whose
    ``first_seen`` falls in that quarter.

    Examples
    --------
    >>> from forecasting import load_history
    >>> int(arrival_counts(load_history("data"))["arrivals"].sum()) > 0
    True
    """
    window = set(quarter_range(history.quarters[0], history.as_of))
    eff = history.effort[history.effort["quarter"].isin(window)]
    cells = eff[["quarter", "unit", *EFFORT_COLUMNS]].reset_index(drop=True)
    P = history.projects
    q = P["first_seen"].dt.to_period("Q-DEC").astype(str)
    n = P.groupby([P["unit"], q]).size().rename("arrivals")
    cells = cells.join(n, on=["unit", "quarter"])
    cells["arrivals"] = cells["arrivals"].fillna(0).astype(int)
    return cells


#: Fewer snapshot quarters than this: arrivals of the quarters before the first snapshot are
#: counted from ``first_seen`` (with the unit's first recorded effort), up to this many in all.
MIN_INFLOW_QUARTERS = 8
#: The pooled elasticity of leads to staff assumed when the effort record is too short to
#: tell it, and its prior sd: a judgement (shared/DOMAIN.md has no figure on it), halfway
#: between staff making no difference (0) and leads in proportion to staff (1), each one sd
#: away, so that neither is ruled out before the data can speak.
ELASTICITY_PRIOR = 0.5
ELASTICITY_PRIOR_SD = 0.5


def _extend_short(history: History, cells: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """For a history of fewer than :data:`MIN_INFLOW_QUARTERS` snapshot quarters, the arrival
    cells of the quarters before the first snapshot, counted from ``first_seen``, with each
    unit's effort held at its first recorded row; and how many quarters were added."""
    from ..errors import ShortHistoryWarning

    n_have = len(set(cells["quarter"]))
    if n_have >= MIN_INFLOW_QUARTERS or cells.empty:
        return cells.assign(imputed_effort=False), 0
    first_q = min(cells["quarter"])
    back = [shift(first_q, -k) for k in range(MIN_INFLOW_QUARTERS - n_have, 0, -1)]
    firsts = cells.sort_values("quarter", kind="stable").groupby("unit", sort=False).first().reset_index()
    P = history.projects
    q = P["first_seen"].dt.to_period("Q-DEC").astype(str)
    n = P.groupby([P["unit"], q]).size().rename("arrivals")
    extra = []
    for b in back:
        e = firsts[["unit", *EFFORT_COLUMNS]].assign(quarter=b)
        extra.append(e.join(n, on=["unit", "quarter"]))
    ext = pd.concat(extra, ignore_index=True)
    ext["arrivals"] = ext["arrivals"].fillna(0).astype(int)
    ext["imputed_effort"] = True
    out = pd.concat([ext[cells.columns.tolist() + ["imputed_effort"]], cells.assign(imputed_effort=False)],
                    ignore_index=True)
    warnings.warn(
        f"new leads: effort.csv and the ledger cover only {count(n_have, 'quarter')}; the arrivals of "
        + (f"the quarter before ({back[0]}) are" if len(back) == 1 else
           f"the {len(back)} quarters before ({back[0]}–{back[-1]}) are") + " counted from "
        "first_seen with each unit's effort held at its first recorded value. Leads lost before the first "
        "snapshot may be missing from it, so the inflow may be understated, and the elasticity to staff is "
        f"the stated prior {ELASTICITY_PRIOR} ± {ELASTICITY_PRIOR_SD} rather than learnt",
        ShortHistoryWarning, stacklevel=3)
    return out, len(back)


# --------------------------------------------------------------------------- design
@dataclass(frozen=True)
class _Design:
    """How effort rows become model columns (the units seen and the centring constants)."""

    units: list[str]  # units with at least one staffed quarter, in district order
    unit_types: dict[str, str]  # every unit of the district -> its type
    log_staff_centre: float
    budget_centre: float
    visits_centre: float  # median visits per head in the history's staffed quarters (m)

    @property
    def names(self) -> list[str]:
        return ([f"unit:{u}" for u in self.units] + ["log_staff"]
                + [f"log_staff:{u}" for u in self.units]
                + ["log_visits_per_staff", "log1p_budget", "season:Q2", "season:Q3", "season:Q4"])

    def matrix(self, rows: pd.DataFrame) -> np.ndarray:
        """Model columns for effort rows; rows without staff get zeros (their mean is 0)."""
        staff = rows["staff"].to_numpy(float)
        on = staff > 0
        safe = np.where(on, staff, 1.0)
        ls = np.where(on, np.log(safe) - self.log_staff_centre, 0.0)
        per_staff = np.maximum(rows["visits"].to_numpy(float) / safe, 1.0)
        lv = np.where(on, np.log(per_staff / self.visits_centre), 0.0)
        lb = np.where(on, np.log1p(rows["budget_m"].to_numpy(float)) - self.budget_centre, 0.0)
        unit = rows["unit"].to_numpy()
        own = (unit[:, None] == np.array(self.units)[None, :]).astype(float)
        intercept = own.copy()
        # a unit never staffed in the history: the mean level of its type's units (or of all)
        for u in set(unit) - set(self.units):
            peers = [j for j, v in enumerate(self.units) if self.unit_types.get(v) == self.unit_types.get(u)]
            peers = peers or list(range(len(self.units)))
            intercept[np.ix_(unit == u, peers)] = 1.0 / len(peers)
        q = rows["quarter"].astype(str).str[-1].astype(int).to_numpy()
        season = (q[:, None] == np.array([2, 3, 4])[None, :]).astype(float)
        X = np.hstack([intercept, ls[:, None], own * ls[:, None], lv[:, None], lb[:, None], season])
        return X * on[:, None]


def _year_matrix(rows: pd.DataFrame, years: list[int]) -> np.ndarray:
    y = rows["quarter"].astype(str).str[:4].astype(int).to_numpy()
    return (y[:, None] == np.array(years)[None, :]).astype(float)


# --------------------------------------------------------------------------- fitting

def fit_inflow(history: History, *, slope_sd: float = SLOPE_SD) -> "InflowResults":
    """Fit the inflow model (module docstring) on the arrivals of an as-of history.

    Parameters
    ----------
    history : the as-of history; its effort table and ledger snapshots.
    slope_sd : prior standard deviation of a unit's elasticity around the pooled one.

    Examples
    --------
    >>> from forecasting import load_history
    >>> res = fit_inflow(load_history("data"))
    >>> bool((res.elasticities()["estimate"] > 0).all())
    True
    """
    cells = arrival_counts(history)
    cells, n_back = _extend_short(history, cells)
    district = history.district
    types = {u.id: u.type for u in district.units}
    staffed = cells[cells["staff"] > 0].reset_index(drop=True)
    if staffed.empty:
        raise ValueError("effort.csv shows no unit with staff in any snapshot quarter, so there is "
                         "nothing to fit lead inflow on; check its staff column")
    stray = int(cells.loc[cells["staff"] <= 0, "arrivals"].sum())
    if stray:
        warnings.warn(
            (f"1 lead arrived in a quarter when effort.csv shows its unit without staff; the inflow model "
             "leaves it out. Check that unit's staff in effort.csv" if stray == 1 else
             f"{stray:,} leads arrived in quarters when effort.csv shows their unit without staff; "
             "the inflow model leaves them out. Check those units' staff in effort.csv"),
            ForecastingWarning, stacklevel=2,
        )
    units = [u for u in district.unit_ids if (staffed["unit"] == u).any()]
    unseen = [u for u in district.unit_ids if u not in units]
    if unseen:
        warnings.warn(
            f"no staffed quarter yet for {', '.join(unseen)}: their new leads use the average "
            "level of their unit type and the pooled elasticity",
            SparseDataWarning, stacklevel=2,
        )
    design = _Design(
        units, types,
        log_staff_centre=float(np.log(staffed["staff"]).mean()),
        budget_centre=float(np.log1p(staffed["budget_m"]).mean()),
        visits_centre=float(np.maximum(staffed["visits"] / staffed["staff"], 1.0).median()),
    )
    names = design.names
    y = staffed["arrivals"].to_numpy(float)
    X = design.matrix(staffed)
    sd = np.where([n.startswith("log_staff:") for n in names], slope_sd, FIXED_SD)
    years = sorted(int(v) for v in staffed["quarter"].str[:4].unique())
    Y = _year_matrix(staffed, years)

    # a short effort record cannot tell the elasticity: the pooled one is the stated prior
    # ELASTICITY_PRIOR ± ELASTICITY_PRIOR_SD (an offset, so the penalty shrinks towards it)
    col = names.index("log_staff")
    offset = ELASTICITY_PRIOR * X[:, col] if n_back else None
    if n_back:
        sd = sd.copy()
        sd[col] = ELASTICITY_PRIOR_SD
    # Newton from each unit's mean count: from zero its first steps can overshoot
    start = np.zeros(len(names) + len(years))
    for j, u in enumerate(units):
        start[j] = np.log(y[staffed["unit"].to_numpy() == u].mean() + 0.5)

    # stage 1: year effects free; their spread by the method of moments
    res, alpha = fit_alternating(y, np.hstack([X, Y]), np.r_[sd, np.full(len(years), FIXED_SD)], 0.1, start,
                                  offset)
    year_sd = _year_sd(res.params[len(names):], res.cov_params()[len(names):, len(names):])
    year_evidence = unshrink(np.asarray(res.params[len(names):]),
                             np.asarray(res.cov_params()[len(names):, len(names):]), FIXED_SD, years)
    # stage 2: year effects as random effects of that spread (none when it is zero)
    if year_sd > 0:
        res, alpha = fit_alternating(y, np.hstack([X, Y]), np.r_[sd, np.full(len(years), year_sd)],
                                      alpha, res.params, offset)
        year_effects = pd.Series(res.params[len(names):], index=years, name="year_effect")
    else:
        res, alpha = fit_alternating(y, X, sd, alpha, res.params[:len(names)], offset)
        year_effects = pd.Series(0.0, index=years, name="year_effect")
    k = len(names)
    params = pd.Series(res.params[:k], index=names)
    if n_back:
        params["log_staff"] += ELASTICITY_PRIOR
    return InflowResults(
        params=params,
        cov=pd.DataFrame(res.cov_params()[:k, :k], index=names, columns=names),
        alpha=alpha,
        year_sd=year_sd,
        year_effects=year_effects,
        effort=history.effort,
        arrivals=cells,
        as_of=history.as_of,
        mix=LeadMix.from_history(history),
        design=design,
        year_evidence=year_evidence,
    )


def _year_sd(u: np.ndarray, V: np.ndarray) -> float:
    """Method-of-moments spread of year effects ``u`` estimated with covariance ``V``."""
    k = len(u)
    if k < 2:
        warnings.warn(
            "less than two years of history: the year-to-year variation of inflow cannot be "
            "estimated and is taken as zero, which understates the uncertainty of new leads",
            SparseDataWarning, stacklevel=3,
        )
        return 0.0
    C = np.eye(k) - 1.0 / k
    uc = C @ u
    return float(np.sqrt(max((uc @ uc - np.trace(C @ V)) / (k - 1), 0.0)))


# --------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class InflowResults(EffortPlanning, ModelResults):
    """A fitted inflow model.

    Attributes
    ----------
    params, cov : estimates on the log scale and their covariance, the past years' effects
        integrated out: ``unit:U`` (level ``a_u``), ``log_staff`` (pooled elasticity ``e``),
        ``log_staff:U`` (``d_u``), ``log_visits_per_staff``, ``log1p_budget``, ``season:Qn``.
    alpha : NB2 dispersion (variance ``mu + alpha mu²``) beyond the yearly shock.
    year_sd : spread of the yearly common shock (log scale).
    year_effects : the past years' shocks (shrunk estimates; zero when ``year_sd`` is 0).
    effort : the history's effort table.
    arrivals : the fitted cells (:func:`arrival_counts`).
    as_of : the history's last quarter.
    mix : the mix of new leads (:class:`LeadMix`).
    design : how effort rows become model columns.
    """

    params: pd.Series
    cov: pd.DataFrame
    alpha: float
    year_sd: float
    year_effects: pd.Series
    effort: pd.DataFrame
    arrivals: pd.DataFrame
    as_of: str
    mix: LeadMix
    design: _Design
    year_evidence: YearEvidence | None = None

    title: ClassVar[str] = "New leads per unit and quarter: negative binomial on effort"

    # ---------------------------------------------------------------- estimates
    def cov_params(self) -> pd.DataFrame:
        """Covariance of :attr:`params` (:attr:`cov`)."""
        return self.cov

    def summary_notes(self) -> tuple[str, ...]:
        return (f"as of {self.as_of}; dispersion alpha {self.alpha:.3f}, yearly common shock sd {self.year_sd:.3f}",)

    def sample(self, n_draws: int, rng: np.random.Generator | int | None = 0) -> np.ndarray:
        """``n_draws × len(params)`` draws from the estimates' normal approximation
        (in antithetic pairs around the estimate; none is the estimate itself).

        A draw in which a unit's elasticity is negative (more staff, fewer leads: possible
        in the normal approximation's tail for a unit whose staffing barely varied) has that
        unit's deviation ``d_u`` raised so its elasticity is zero. So in every draw more
        staff never brings fewer leads, and with common random numbers a simulated year
        with more staff never has fewer leads than the same year without.
        """
        P = np.array(mvn(self.params.to_numpy(), self.cov.to_numpy(), n_draws, np.random.default_rng(rng)))
        names = list(self.params.index)
        pooled = P[:, names.index("log_staff")]
        for u in self.design.units:
            if f"log_staff:{u}" in names:
                j = names.index(f"log_staff:{u}")
                P[:, j] -= np.minimum(pooled + P[:, j], 0.0)
        return P

    def elasticities(self, *, alpha: float = 0.1) -> pd.DataFrame:
        """Each unit's elasticity of leads to staff with a ``1 - alpha`` interval.

        Columns ``estimate``, ``lo``, ``hi`` and ``quarters`` (staffed quarters it was
        estimated from; a unit with none gets the pooled elasticity).
        """
        names = list(self.params.index)
        z = stats.norm.ppf(1 - alpha / 2)
        rows = []
        for u in self.design.unit_types:
            L = np.zeros(len(names))
            L[names.index("log_staff")] = 1.0
            if f"log_staff:{u}" in names:
                L[names.index(f"log_staff:{u}")] = 1.0
            est = float(L @ self.params.to_numpy())
            se = float(np.sqrt(L @ self.cov.to_numpy() @ L))
            n = int(((self.arrivals["unit"] == u) & (self.arrivals["staff"] > 0)).sum())
            rows.append({"unit": u, "estimate": est, "lo": est - z * se, "hi": est + z * se, "quarters": n})
        return pd.DataFrame(rows).set_index("unit")


    # ---------------------------------------------------------------- predictions
    def predict_mean(self, effort_rows: pd.DataFrame, params: np.ndarray | None = None) -> np.ndarray:
        """Expected arrivals for effort rows in a year without common shock.

        Parameters
        ----------
        effort_rows : columns ``unit``, ``quarter`` (``YYYYQn``), ``staff``, ``visits``,
            ``budget_m``.
        params : ``None`` for the estimates, or a ``draws × len(params)`` array
            (e.g. from :meth:`sample`).

        Returns
        -------
        ``rows`` values, or ``draws × rows`` when ``params`` is given; zero where a row has
        no staff. Averaged over years the mean is ``exp(year_sd² / 2)`` times larger.
        """
        unknown = set(effort_rows["unit"]) - set(self.design.unit_types)
        if unknown:
            raise ValueError(f"unknown unit(s) {', '.join(sorted(unknown))}; the district's units are "
                             f"{', '.join(self.design.unit_types)}")
        X = self.design.matrix(effort_rows)
        if params is None:
            return np.where(effort_rows["staff"].to_numpy(float) > 0, np.exp(X @ self.params.to_numpy()), 0.0)
        P = np.atleast_2d(np.asarray(params, float))
        if P.shape[1] != len(self.params):
            raise ValueError(f"params must have {len(self.params)} columns, one per estimate; got {P.shape[1]}")
        on = effort_rows["staff"].to_numpy(float) > 0
        return np.where(on[None, :], np.exp(P @ X.T), 0.0)

    def predict_counts(self, effort_rows: pd.DataFrame, n_draws: int = 1000,
                        rng: np.random.Generator | int | None = 0) -> np.ndarray:
        """Simulated arrivals (``n_draws × rows`` integers) with every source of variation.

        Each draw takes its own draw of the estimates, one common shock per calendar year
        (shared by all units, ``N(0, year_sd²)`` on the log scale) and, per row, a gamma
        multiplier of mean 1 and variance ``alpha`` before the Poisson count (so the count is
        NB2 given the draw and the year).
        """
        rng = np.random.default_rng(rng)
        mu = self.predict_mean(effort_rows, params=self.sample(n_draws, rng))
        years, col = np.unique(effort_rows["quarter"].astype(str).str[:4].to_numpy(), return_inverse=True)
        shock = rng.normal(0.0, self.year_sd, (n_draws, len(years)))
        mu = mu * np.exp(shock[:, col])
        lam = rng.gamma(1.0 / self.alpha, self.alpha * mu)
        return rng.poisson(lam)
