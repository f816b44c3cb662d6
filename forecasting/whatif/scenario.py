"""What-if scenarios: the objects a planner's what-if becomes.

A :class:`Scenario` says what changes against today's plans (effort per unit, the speed of
approvals, projects slipping, lost or resized, new prospects, a sector's good or bad year)
and hands the simulation its view (:meth:`Scenario.adjustments`). Scenarios come from files
(:func:`~forecasting.whatif.scenario_file.read_scenario`) or dicts in the file's shape
(:meth:`Scenario.from_dict`), both checked by
:class:`~forecasting.whatif.scenario_check.ScenarioChecker`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Mapping

import pandas as pd

from ..data.district import District
from ..simulation.adjustments import Adjustments
from ..texts import count
from .scenario_check import EFFORT_KEYS, PROSPECT_STAGES, ScenarioBreach, ScenarioChecker, ScenarioWarning

@dataclass(frozen=True)
class Prospect:
    """A new project that a scenario adds to the ledger at ``stage``.

    ``entered`` is when it entered that stage; ``None`` means the as-of date.
    """

    name: str
    unit: str
    sector: str
    stage: str
    investment_bn: float
    investor: str | None = None
    phase: int = 1
    entered: dt.date | None = None

    def to_dict(self) -> dict[str, Any]:
        """The prospect as a ``[[prospects]]`` table (optional keys only when set)."""
        out: dict[str, Any] = {"name": self.name}
        if self.investor is not None:
            out["investor"] = self.investor
        out.update(unit=self.unit, sector=self.sector, stage=self.stage, investment_bn=self.investment_bn)
        if self.phase != 1:
            out["phase"] = self.phase
        if self.entered is not None:
            out["entered"] = self.entered
        return out


@dataclass(frozen=True)
class Scenario:
    """A what-if, checked against a district and the as-of ledger.

    Build one with :func:`~forecasting.whatif.scenario_file.read_scenario` (a file) or :meth:`Scenario.from_dict` (a dict in
    the file's shape); both check every field. Field names follow
    :class:`~forecasting.simulation.adjustments.Adjustments`, which :meth:`adjustments` returns.

    Attributes
    ----------
    name, description : shown beside the scenario's results.
    name_zh, description_zh : the same in Chinese, for a Chinese report (optional;
        :meth:`display_name` falls back on ``name``).
    effort : unit -> {"staff"/"visits"/"budget_m": value}, for every quarter after the as-of.
    approval_speed : multiplier on the monthly odds of the signed -> approved and
        approved -> under construction steps (1.5 = faster; 1 = today's).
    slip_months : project_id -> months of delay (negative: that many months ahead).
    lost : project ids taken as lost at the as-of date.
    resize : project_id -> new planned investment, bn.
    prospects : new projects (:class:`Prospect`).
    sector_effect : sector -> log-odds shift of its projects' monthly advance hazard.

    Examples
    --------
    >>> from forecasting.data.district import read_district
    >>> district = read_district("data/district.toml")
    >>> s = Scenario.from_dict({"name": "PV branch +2", "effort": {"branch_4": {"staff": 14}}}, district)
    >>> s.effort_overrides, s.is_baseline
    ({'branch_4': {'staff': 14.0}}, False)
    """

    name: str
    description: str = ""
    name_zh: str = ""
    description_zh: str = ""
    effort: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    approval_speed: float = 1.0
    slip_months: Mapping[str, int] = field(default_factory=dict)
    lost: frozenset[str] = frozenset()
    resize: Mapping[str, float] = field(default_factory=dict)
    prospects: tuple[Prospect, ...] = ()
    sector_effect: Mapping[str, float] = field(default_factory=dict)

    def display_name(self, language: str | None = None) -> str:
        """The name in ``language`` (default: the report's): ``name_zh`` in Chinese when the
        scenario has one, else ``name``."""
        from ..texts import language as current

        return self.name_zh if (language or current()) == "zh" and self.name_zh else self.name

    @property
    def is_baseline(self) -> bool:
        """Whether the scenario changes nothing.

        An effort override counts as a change even when it equals today's effort (the
        scenario does not know today's effort).
        """
        return (not self.effort and self.approval_speed == 1.0 and not any(self.slip_months.values())
                and not self.lost and not self.resize and not self.prospects
                and not any(self.sector_effect.values()))

    @property
    def effort_overrides(self) -> dict[str, dict[str, float]]:
        """unit -> {effort column: value} for the quarters after the as-of (a copy)."""
        return {unit: dict(change) for unit, change in self.effort.items()}

    def prospects_frame(self) -> pd.DataFrame:
        """The prospects, one row each (columns as in :class:`Prospect`; ``entered`` a Timestamp or NaT)."""
        cols = ["name", "investor", "unit", "sector", "stage", "investment_bn", "phase", "entered"]
        rows = [{c: getattr(p, c) for c in cols} for p in self.prospects]
        frame = pd.DataFrame(rows, columns=cols)
        frame["entered"] = pd.to_datetime(frame["entered"])
        return frame

    def adjustments(self):
        """The simulation's view of the scenario (:class:`~forecasting.simulation.adjustments.Adjustments`)."""
        return Adjustments(effort=self.effort_overrides, approval_speed=self.approval_speed,
                           slip_months={p: m for p, m in self.slip_months.items() if m},
                           lost=frozenset(self.lost), resize=dict(self.resize),
                           prospects=self.prospects_frame() if self.prospects else None,
                           sector_effect={s: e for s, e in self.sector_effect.items() if e})

    def changes(self) -> list[str]:
        """One plain sentence per change, for tables and captions."""
        out = [f"{u}: {k} {plain_number(v)}" for u, change in self.effort.items() for k, v in change.items()]
        if self.approval_speed != 1.0:
            out.append(f"approval steps ×{plain_number(self.approval_speed)} as likely each month")
        out += [f"{p}: slips {count(m, 'month')}" if m >= 0 else f"{p}: {count(-m, 'month')} ahead"
                for p, m in self.slip_months.items() if m]
        out += [f"{p}: lost" for p in sorted(self.lost)]
        out += [f"{p}: resized to {plain_number(v)} bn" for p, v in self.resize.items()]
        out += [f"new prospect {p.name!r} ({p.unit}, {p.stage}, {plain_number(p.investment_bn)} bn)" for p in self.prospects]
        out += [f"{s}: year effect {e:+g}" for s, e in self.sector_effect.items() if e]
        return out

    def to_dict(self) -> dict[str, Any]:
        """The scenario in the file's shape; ``Scenario.from_dict(s.to_dict(), …) == s``."""
        out: dict[str, Any] = {"name": self.name}
        for key in ("description", "name_zh", "description_zh"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.effort:
            out["effort"] = self.effort_overrides
        if self.approval_speed != 1.0:
            out["approval"] = {"speed": self.approval_speed}
        projects: dict[str, dict[str, Any]] = {}
        for pid, months in self.slip_months.items():
            projects.setdefault(pid, {"id": pid})["slip_months"] = months
        for pid, amount in self.resize.items():
            projects.setdefault(pid, {"id": pid})["investment_bn"] = amount
        for pid in sorted(self.lost):
            projects.setdefault(pid, {"id": pid})["lost"] = True
        if projects:
            out["projects"] = list(projects.values())
        if self.prospects:
            out["prospects"] = [p.to_dict() for p in self.prospects]
        if self.sector_effect:
            out["sectors"] = {s: {"year_effect": e} for s, e in self.sector_effect.items()}
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], district: District, projects: pd.DataFrame | None = None, *,
                  as_of: dt.date | str | None = None, source: str = "scenario") -> "Scenario":
        """Check a scenario given as a dict in the file's shape (e.g. built from notebook sliders).

        Parameters
        ----------
        data : as :func:`tomllib.loads` would return for the file.
        district : the units and sectors names are checked against.
        projects : the as-of ledger (``project_id``, and ``stage`` when known); ``None``
            skips the project-id checks.
        as_of : when given, a prospect's ``entered`` date may not lie after it.
        source : the name that messages start with.

        Raises
        ------
        DataError
            listing every problem found.
        """
        return cls.from_checked(ScenarioChecker(district, projects, as_of, source).fields(data))

    @classmethod
    def from_checked(cls, fields: Mapping[str, Any]) -> "Scenario":
        """The scenario from fields :meth:`ScenarioChecker.fields
        <forecasting.whatif.scenario_check.ScenarioChecker.fields>` has checked."""
        fields = dict(fields)
        fields["prospects"] = tuple(Prospect(**p) for p in fields["prospects"])
        return cls(**fields)


def plain_number(x: float) -> str:
    """A number as a planner writes it: ``14``, ``1.5``, ``0.25`` (``format(x, "g")``)."""
    return f"{x:g}"


__all__ = ["EFFORT_KEYS", "PROSPECT_STAGES", "Prospect", "Scenario", "ScenarioBreach", "ScenarioWarning", "plain_number"]
