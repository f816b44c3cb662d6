"""The year as a whole: joint draws of every project and of the leads to come, and the outcome forecaster that runs them.

In the order the pieces build on each other (``pyproject.toml``'s simulation contract):
:mod:`.fitted` (the fitted outcome model's parts, which every piece reads), :mod:`.draws`
(the parameter draws) and :mod:`.adjustments` (a scenario's changes and the ledger's rows
with them applied), :mod:`.rows` (each row's in-year event probabilities), :mod:`.arrivals`
(the leads still to come), :mod:`.sampling` (simulated years drawn from them),
:mod:`.portfolio` (the simulator and its simulated years) and :mod:`.outcomes` (the outcome
model, fitted on a history, and its forecaster, which runs the simulator).
"""
from .adjustments import Adjustments
from .outcomes import Forecaster, OutcomeModel, OutcomeResults
from .portfolio import PortfolioSimulation, PortfolioSimulator, compare, simulate_portfolio

__all__ = ["Adjustments", "Forecaster", "OutcomeModel", "OutcomeResults", "PortfolioSimulation", "PortfolioSimulator",
           "compare", "simulate_portfolio"]
