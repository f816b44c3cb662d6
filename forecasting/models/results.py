"""What every fitted model's results carry: estimates, their covariance, intervals and one summary shape.

Each model's ``fit_*(history)`` returns a frozen results object with ``params`` (the
labelled estimates) and ``cov_params()`` (their covariance); :class:`ModelResults` adds
``conf_int(alpha)`` (Wald intervals ``params ± z · sqrt(diag(cov))``) and ``summary()``, a
:class:`SummaryTable` of one shape for every model (``estimate``, ``se``, ``lower``,
``upper`` per parameter) that renders as an HTML table in Jupyter and as text elsewhere,
as statsmodels' summaries do.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import stats

#: The columns of every model's summary, in order.
SUMMARY_COLUMNS = ("estimate", "se", "lower", "upper")


@dataclass(frozen=True, eq=False)
class SummaryTable:
    """A fitted model's estimates as one table.

    Attributes
    ----------
    title : what was fitted, one line.
    frame : one row per parameter, columns :data:`SUMMARY_COLUMNS`.
    notes : lines printed under the table (what it was fitted on, spreads estimated).
    """

    title: str
    frame: pd.DataFrame
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        lines = [self.title, "=" * len(self.title), self.frame.to_string(float_format=lambda v: f"{v:.4f}")]
        return "\n".join(lines + list(self.notes))

    __repr__ = __str__

    def _repr_html_(self) -> str:
        notes = "".join(f"<p>{n}</p>" for n in self.notes)
        return (f"<h4>{self.title}</h4>" + self.frame.to_html(float_format=lambda v: f"{v:.4f}") + notes)

    def __len__(self) -> int:
        return len(self.frame)


def wald_intervals(params: pd.Series, cov: pd.DataFrame | np.ndarray, alpha: float = 0.05) -> pd.DataFrame:
    """``estimate``, ``se``, ``lower``, ``upper``: ``params ± z · sqrt(diag(cov))`` with
    ``z`` the normal ``1 - alpha / 2`` quantile, indexed like ``params``."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1 (0.05 gives 95 % intervals); got {alpha}")
    z = stats.norm.ppf(1 - alpha / 2)
    se = np.sqrt(np.clip(np.diag(np.asarray(cov, float)), 0.0, None))
    p = params.to_numpy(float)
    return pd.DataFrame({"estimate": p, "se": se, "lower": p - z * se, "upper": p + z * se}, index=params.index)


class ModelResults:
    """The verbs every fitted model shares, from its ``params`` and ``cov_params()``.

    A subclass (a frozen dataclass) provides ``params`` (a labelled ``pd.Series``),
    ``cov_params()`` (a ``pd.DataFrame`` labelled alike), ``sample(n_draws, rng)`` and the
    class attribute ``title``; it may add lines under the summary with :meth:`summary_notes`.
    """

    title: ClassVar[str] = "Fitted model"

    def cov_params(self) -> pd.DataFrame:  # pragma: no cover - every model defines it
        raise NotImplementedError

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Wald ``1 - alpha`` intervals of every parameter: columns ``lower``, ``upper``."""
        return wald_intervals(self.params, self.cov_params(), alpha)[["lower", "upper"]]

    def summary_notes(self) -> tuple[str, ...]:
        """Lines printed under the summary table (none by default)."""
        return ()

    def summary(self, alpha: float = 0.05) -> SummaryTable:
        """The estimates with standard errors and ``1 - alpha`` Wald intervals."""
        return SummaryTable(self.title, wald_intervals(self.params, self.cov_params(), alpha), self.summary_notes())
