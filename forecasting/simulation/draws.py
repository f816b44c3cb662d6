"""The parameter draws: everything uncertain but shared by all projects.

Each of the ``D`` draws holds a draw of the estimates (progression, size, provincial and
inflow models) and of every horizon year's common conditions (:mod:`~forecasting.models.yearshock`);
within a draw the projects are conditionally independent.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..models.progression import N_STAGES, PRE
from ..models.yearshock import COMPONENTS
from .fitted import OutcomeResults

#: Parameter draws carried through a simulation by default (intervals; the mean over draws is
#: the reported probability).
N_PARAM_DRAWS = 240


@dataclass(frozen=True)
class ParameterDraws:
    """One set of ``D`` draws of everything uncertain but shared by all projects.

    ``years`` is ``draw × calendar year × stage`` (years from ``first_year``) shifts of the
    advance log-odds; ``years_lost`` and ``inflow_shock`` are ``draw × calendar year`` shifts
    of the loss log-odds and the log inflow: one year's conditions (:mod:`~forecasting.models.yearshock`).
    """

    advance: np.ndarray
    lost: np.ndarray
    years: np.ndarray
    first_year: int
    size: np.ndarray
    nominate: np.ndarray
    designate: np.ndarray
    inflow: np.ndarray | None
    inflow_shock: np.ndarray | None
    years_lost: np.ndarray | None = None

    @property
    def n(self) -> int:
        return self.advance.shape[0]

    def take(self, idx: np.ndarray) -> "ParameterDraws":
        """The draws ``idx`` only."""
        def sub(a):
            return None if a is None else a[idx]

        return ParameterDraws(self.advance[idx], self.lost[idx], self.years[idx], self.first_year, self.size[idx],
                              self.nominate[idx], self.designate[idx], sub(self.inflow), sub(self.inflow_shock),
                              sub(self.years_lost))


def draw_parameters(results: OutcomeResults, year: int, n_draws: int, rng) -> ParameterDraws:
    """``n_draws`` joint draws of the estimates and of each horizon year's conditions.

    Every draw is a draw: the estimates come in antithetic pairs around the fit (no draw is
    the mode), and each year's conditions are drawn from the posterior of the year-to-year
    variation (its spread and loadings uncertain, the as-of year's conditioned on its
    months so far), the target year's stratified over its quantiles so that ``n_draws``
    resolve it evenly.
    """
    rng = np.random.default_rng(rng)
    pa, pl = results.progression.sample(n_draws, rng=rng)
    first_year = results.as_of_month // 12
    yrs = list(range(first_year, year + 1))
    shocks = results.year_shock
    adv = np.zeros((n_draws, len(yrs), N_STAGES))  # per stage: before signing and after
    los, inf = np.zeros((n_draws, len(yrs))), np.zeros((n_draws, len(yrs)))
    pre = np.isin(np.arange(N_STAGES), PRE)
    # the horizon's years jointly: this year given its months so far, each later year given
    # the one before (the conditions persist), the target year stratified
    s = shocks.sample_years(n_draws, yrs, rng=rng, stratify_year=year)
    a, ap, lo_, in_ = (COMPONENTS.index(c) for c in ("advance", "advance_pre", "loss", "inflow"))
    adv[:] = np.where(pre[None, None, :], s[:, :, ap][:, :, None], s[:, :, a][:, :, None])
    los[:], inf[:] = s[:, :, lo_], s[:, :, in_]
    size = results.size.sample(n_draws, rng)
    nom, des = results.provincial.sample(n_draws, rng)
    inflow = results.inflow.sample(n_draws, rng=rng) if results.inflow is not None else None
    return ParameterDraws(pa, pl, adv, first_year, size, nom, des, inflow,
                          inf if results.inflow is not None else None, years_lost=los)


__all__ = ["N_PARAM_DRAWS", "ParameterDraws", "draw_parameters"]
