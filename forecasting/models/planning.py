"""Effort planning on a fitted inflow model: future effort, a unit's staff range and its response curve.

:class:`EffortPlanning` is the part of :class:`~forecasting.models.inflow.InflowResults`
that turns the history's effort into planned effort (:meth:`EffortPlanning.future_effort`),
tells how far a unit's staffing has ranged (:meth:`EffortPlanning.staff_range`) and how its
expected leads answer its staff (:meth:`EffortPlanning.response_curve`).
"""
from __future__ import annotations

import warnings
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..data.quarters import parse_quarter, shift
from ..errors import ExtrapolationWarning

EFFORT_COLUMNS = ("staff", "visits", "budget_m")


class EffortPlanning:
    """Effort planning on a fitted inflow model (mixed into its results).

    Needs the results' ``effort``, ``arrivals``, ``design``, ``as_of``, ``expected`` and
    ``sample``.
    """

    def staff_range(self, unit: str) -> tuple[float, float]:
        """Smallest and largest staff of ``unit`` in the fitted quarters (NaN if never staffed)."""
        self._check_unit(unit)
        s = self.arrivals.loc[(self.arrivals["unit"] == unit) & (self.arrivals["staff"] > 0), "staff"]
        return (float(s.min()), float(s.max())) if len(s) else (np.nan, np.nan)


    def future_effort(self, quarters: Sequence[str],
                      overrides: Mapping[str, Mapping[str, float]] | None = None) -> pd.DataFrame:
        """Effort per unit for future ``quarters``: the as-of quarter's, or as overridden.

        Parameters
        ----------
        quarters : quarters written ``YYYYQn``.
        overrides : unit -> ``{"staff"/"visits"/"budget_m": value}`` for every quarter given.
            Visits are made by staff: when staff change and visits are not given, visits
            change in proportion (at the unit's latest visits per head). The budget is money,
            not people: it stays unless given.

        Returns
        -------
        One row per quarter and unit: ``quarter``, ``unit``, ``staff``, ``visits``, ``budget_m``.
        """
        for q in quarters:
            parse_quarter(q)
        base = self._latest_effort()
        out = base.copy()
        for unit, change in (overrides or {}).items():
            self._check_unit(unit)
            bad = set(change) - set(EFFORT_COLUMNS)
            if bad:
                raise ValueError(f"cannot override {', '.join(sorted(bad))} of {unit}; "
                                 f"effort has {', '.join(EFFORT_COLUMNS)}")
            i = out.index[out["unit"] == unit]
            if "staff" in change:
                out.loc[i, "staff"] = float(change["staff"])
                if "visits" not in change:
                    out.loc[i, "visits"] = float(change["staff"]) * self._visits_per_staff(unit)
                self._warn_extrapolation(unit, float(change["staff"]))
            for col in ("visits", "budget_m"):
                if col in change:
                    out.loc[i, col] = float(change[col])
        frames = [out.assign(quarter=q) for q in quarters]
        cols = ["quarter", "unit", *EFFORT_COLUMNS]
        if not frames:
            return pd.DataFrame(columns=cols)
        return pd.concat(frames, ignore_index=True)[cols]

    def response_curve(self, unit: str, staff_grid: Sequence[float], *, quarter: str | None = None,
                       n_draws: int = 400, rng: np.random.Generator | int | None = 0,
                       alpha: float = 0.1) -> pd.DataFrame:
        """Expected leads per quarter of ``unit`` as its staff vary, other units unchanged.

        Parameters
        ----------
        unit : the unit.
        staff_grid : staff levels to evaluate.
        quarter : the quarter (season); default the one after the as-of quarter.
        n_draws : draws of the estimates for the interval.
        rng : a ``numpy.random.Generator`` or a seed.
        alpha : the interval is ``1 - alpha`` (default 90 %).

        Returns
        -------
        Columns ``staff``, ``mean`` (over the draws), ``lo``, ``hi`` and ``extrapolated``
        (staff outside the unit's range in the history: the curve is then the model's
        extrapolation, not something the data showed). Visits grow with staff as in
        :meth:`future_effort`; the budget is held. A year without common shock.
        """
        self._check_unit(unit)
        quarter = quarter or shift(self.as_of, 1)
        grid = np.asarray(staff_grid, float)
        row = self._latest_effort().set_index("unit").loc[unit]
        rows = pd.DataFrame({
            "quarter": quarter, "unit": unit, "staff": grid,
            "visits": grid * self._visits_per_staff(unit), "budget_m": float(row["budget_m"]),
        })
        mu = self.predict_mean(rows, params=self.sample(n_draws, rng))
        lo, hi = self.staff_range(unit)
        outside = (grid > 0) & ~((grid >= lo) & (grid <= hi))  # NaN range: all outside
        return pd.DataFrame({
            "staff": grid, "mean": mu.mean(axis=0),
            "lo": np.quantile(mu, alpha / 2, axis=0), "hi": np.quantile(mu, 1 - alpha / 2, axis=0),
            "extrapolated": outside,
        })

    # ---------------------------------------------------------------- helpers
    def _check_unit(self, unit: str) -> None:
        if unit not in self.design.unit_types:
            raise ValueError(f"unknown unit {unit!r}; the district's units are "
                             f"{', '.join(self.design.unit_types)}")

    def _latest_effort(self) -> pd.DataFrame:
        """Each unit's effort in its latest quarter of the history."""
        eff = self.effort.sort_values("quarter", kind="stable")
        last = eff.groupby("unit", sort=False).tail(1).set_index("unit")
        units = list(self.design.unit_types)
        out = last.reindex(units)[list(EFFORT_COLUMNS)].astype(float).fillna(0.0)
        return out.rename_axis("unit").reset_index()

    def _visits_per_staff(self, unit: str) -> float:
        """Visits per head in the unit's latest staffed quarter (all units' median if none)."""
        eff = self.effort[self.effort["staff"] > 0].sort_values("quarter", kind="stable")
        own = eff[eff["unit"] == unit]
        if len(own):
            last = own.iloc[-1]
            return float(last["visits"] / last["staff"])
        latest = eff.groupby("unit").tail(1)
        return float((latest["visits"] / latest["staff"]).median()) if len(latest) else self.design.visits_centre

    def _warn_extrapolation(self, unit: str, staff: float) -> None:
        lo, hi = self.staff_range(unit)
        if staff > 0 and not lo <= staff <= hi:
            warnings.warn(
                f"{unit} with {staff:g} staff is outside the {lo:g}–{hi:g} its history shows: "
                "its new leads extrapolate the fitted elasticity",
                ExtrapolationWarning, stacklevel=3,
            )


