"""Planning and forecasting toolkit for an investment-attraction office.

The names a notebook needs; everything else lives in the subpackages, named in the order the
data flows (``data``, ``history``, ``models``, ``forecast``, ``simulation``, ``whatif`` and
``evaluation``, ``report``, ``cli``; README "How the forecasts work").

The names are imported when first used (PEP 562), so that ``forecasting --help`` and the
command line's start do not load pandas, SciPy and statsmodels before they are needed.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: each exported name and the module that defines it
_WHERE = {
    "DataFolder": ".data.datafolder",
    "load_data": ".data.validate",
    "DataError": ".errors",
    "ForecastingWarning": ".errors",
    "StageQuarterRate": ".forecast.baselines",
    "StageWeighted": ".forecast.baselines",
    "Forecast": ".forecast.contract",
    "History": ".history.histories",
    "load_history": ".history.histories",
    "target_counts": ".history.histories",
    "OutcomeModel": ".simulation.outcomes",
}

__all__ = sorted(_WHERE)

if TYPE_CHECKING:  # pragma: no cover
    from .data.datafolder import DataFolder
    from .data.validate import load_data
    from .errors import DataError, ForecastingWarning
    from .forecast.baselines import StageQuarterRate, StageWeighted
    from .forecast.contract import Forecast
    from .history.histories import History, load_history, target_counts
    from .simulation.outcomes import OutcomeModel


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'forecasting' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
