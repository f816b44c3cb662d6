"""Planning and forecasting toolkit for an investment-attraction office.

The names a notebook needs; everything else lives in the subpackages, named in the order the
data flows (``data``, ``history``, ``models``, ``forecast``, ``simulation``, ``whatif`` and
``evaluation``, ``report``, ``cli``; README "How the forecasts work").
"""
from .data.datafolder import DataFolder
from .data.validate import load_data
from .errors import DataError, ForecastingWarning
from .forecast.baselines import StageQuarterRate, StageWeighted
from .forecast.contract import Forecast
from .history.histories import History, load_history, target_counts
from .simulation.outcomes import OutcomeModel

__all__ = [
    "DataError",
    "DataFolder",
    "Forecast",
    "ForecastingWarning",
    "History",
    "OutcomeModel",
    "StageQuarterRate",
    "StageWeighted",
    "load_data",
    "load_history",
    "target_counts",
]
