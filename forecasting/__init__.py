"""Planning and forecasting toolkit for an investment-attraction office.

The names a notebook needs; everything else lives in the modules named for their idea.
"""
from .baselines import StageQuarterRate, StageWeighted
from .datafolder import DataFolder, load_data
from .errors import DataError, ForecastingWarning
from .forecast import Forecast
from .history import History, load_history, target_counts
from .outcomes import OutcomeModel

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
