"""Per-project outcome probabilities within a target year: the toolkit's main model and its forecaster.

:class:`OutcomeModel` fits, on an as-of history, the stage-progression hazards
(:mod:`~forecasting.models.progression`), the size-at-signing curve (:mod:`~forecasting.models.size`),
the provincial list (:mod:`~forecasting.models.provincial`), the inflow of new leads
(:mod:`~forecasting.models.inflow`) and the year-to-year variation (:mod:`~forecasting.models.yearshock`).

Two objects come out of a fit, with two roles:

* :class:`~forecasting.simulation.fitted.OutcomeResults`: the fitted parts, immutable, with the
  results verbs (``params``, ``cov_params()``, ``conf_int(alpha)``, ``summary()``, ``explain``);
* :class:`Forecaster`: those results and how many parameter draws to carry, with the forecasting
  verbs: :meth:`~Forecaster.simulator` (a simulation set up for reruns),
  :meth:`~Forecaster.simulate` (simulated years), :meth:`~Forecaster.project_probabilities`
  (``projects.csv``) and :meth:`~Forecaster.forecast` (both, the backtest's contract).

``OutcomeModel().fit(history)`` returns the fitted :class:`Forecaster` (``.results`` holds the
estimates), so ``model.fit(history).forecast(year, n_draws=..., rng=...)`` works for it as for
every other forecaster (the baselines, the oracles). For every open project the forecast gives
P(signed), P(groundbreaking), P(counted in each tier) and P(designated) within the year, each with
an interval from the estimates' uncertainty and the year's unknown conditions, computed by exact
propagation (:mod:`~forecasting.models.propagate`), and the target counts from the portfolio
simulation (:mod:`~forecasting.simulation.portfolio`).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from ..forecast.contract import Forecast
from ..history.histories import History
from ..models.progression import fit_progression
from ..models.provincial import fit_provincial
from ..models.size import fit_size
from ..models.yearshock import fit_year_shock
from .adjustments import Adjustments
from .draws import N_PARAM_DRAWS
from .fitted import OutcomeResults
from .portfolio import PortfolioSimulation, PortfolioSimulator

class OutcomeModel:
    """The per-project outcome model: ``fit(history)`` returns its fitted :class:`Forecaster`.

    Parameters
    ----------
    n_param_draws : parameter draws carried through the propagation (intervals; the mean
        over draws is the reported probability).
    new_leads : also fit the inflow of leads not yet in the ledger (:mod:`~forecasting.models.inflow`),
        so that target counts include them.

    Examples
    --------
    >>> from forecasting import load_history
    >>> forecaster = OutcomeModel(n_param_draws=20).fit(load_history("data").upto("2023Q2"))
    >>> f = forecaster.forecast(2023)
    >>> bool(f.projects["p_groundbreaking"].between(0, 1).all())
    True
    """

    name = "outcome_model"

    def __init__(self, *, n_param_draws: int = N_PARAM_DRAWS, new_leads: bool = True):
        self.n_param_draws = n_param_draws
        self.new_leads = new_leads

    def fit(self, history: History) -> "Forecaster":
        """Fit every part on ``history``; the :class:`Forecaster` holding the results."""
        from ..history.histories import warn_short_history
        from ..models.inflow import fit_inflow

        warn_short_history(history)
        progression = fit_progression(history)
        inflow = fit_inflow(history) if self.new_leads else None
        evidence = dict(progression.year_evidence)
        if inflow is not None and inflow.year_evidence is not None:
            evidence["inflow"] = inflow.year_evidence
        results = OutcomeResults(
            history=history,
            progression=progression,
            size=fit_size(history),
            provincial=fit_provincial(history),
            inflow=inflow,
            year_shock=fit_year_shock(evidence, history.as_of_date.year),
        )
        return Forecaster(results, n_param_draws=self.n_param_draws, name=self.name)


@dataclass(frozen=True, eq=False)
class Forecaster:
    """A fitted outcome model as a forecaster: results in, simulated years and forecasts out.

    Nothing a verb computes is kept: each builds a
    :class:`~forecasting.simulation.portfolio.PortfolioSimulator` on :attr:`results`.

    Attributes
    ----------
    results : the fitted parts (:class:`~forecasting.simulation.fitted.OutcomeResults`).
    n_param_draws : parameter draws carried through each simulation.
    name : the forecaster's name in a backtest.

    Examples
    --------
    >>> from forecasting import load_history, OutcomeModel
    >>> forecaster = OutcomeModel(n_param_draws=20).fit(load_history("data").upto("2023Q2"))
    >>> sim = forecaster.simulate(2023, n_draws=2000, rng=0)
    >>> list(sim.targets()["target"])[-1]
    'all'
    """

    results: OutcomeResults
    n_param_draws: int = N_PARAM_DRAWS
    name: str = OutcomeModel.name

    @property
    def history(self) -> History:
        """The as-of history whose open projects are forecast (the results')."""
        return self.results.history

    @property
    def state(self) -> pd.DataFrame:
        """Covariates and as-of state of every open project (the results')."""
        return self.results.state

    def on(self, history: History) -> "Forecaster":
        """The same estimates forecasting another (later) ledger, unrefitted (the quarter
        attribution's steps): every project starts from ``history``'s as-of month."""
        return replace(self, results=replace(self.results, history=history))

    def simulator(self, year: int, *, n_draws: int = 20_000, rng=0, adjustments: Adjustments | None = None,
                  new_leads: bool = True, n_param_draws: int | None = None) -> PortfolioSimulator:
        """The portfolio simulation of ``year`` set up for reruns
        (:class:`~forecasting.simulation.portfolio.PortfolioSimulator`); ``n_param_draws``
        overrides the forecaster's."""
        return PortfolioSimulator(self.results, year, n_draws=n_draws, rng=rng, adjustments=adjustments,
                                  n_param_draws=n_param_draws or self.n_param_draws, new_leads=new_leads)

    def simulate(self, year: int, *, n_draws: int = 20_000, rng=0, adjustments: Adjustments | None = None,
                 monthly: bool = True) -> PortfolioSimulation:
        """Simulated years of the whole portfolio, new leads included
        (:meth:`PortfolioSimulator.run <forecasting.simulation.portfolio.PortfolioSimulator.run>`)."""
        return self.simulator(year, n_draws=n_draws, rng=rng, adjustments=adjustments).run(monthly=monthly)

    def project_probabilities(self, year: int, *, rng=0, alpha: float = 0.1, n_draws: int = 20_000,
                              adjustments: Adjustments | None = None) -> pd.DataFrame:
        """``projects.csv`` rows for ``year`` with ``_lo``/``_hi`` interval columns: the same
        numbers as :meth:`forecast` gives with the same seed (one code path)."""
        sim = self.simulator(year, n_draws=n_draws, rng=rng, adjustments=adjustments, new_leads=False)
        return sim.project_probabilities(alpha=alpha)

    def forecast(self, year: int, *, n_draws: int = 20_000, rng=0) -> Forecast:
        """Per-project probabilities and target counts from one simulation: the projects'
        probabilities are those the simulation draws their events from."""
        sim = self.simulator(year, n_draws=n_draws, rng=rng)
        counts = sim.run()
        return Forecast(self.history.as_of, year, sim.project_probabilities(), counts.targets(),
                        forecaster=self.name, draws=counts.counts)


__all__ = ["Forecaster", "OutcomeModel", "OutcomeResults"]
