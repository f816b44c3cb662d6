"""Checking a scenario: the rules every field of a what-if obeys, and the messages that say which broke.

A scenario given as a dict in the file's shape (:func:`tomllib.loads` of a scenario file,
or a notebook widget's dict) is checked in one pass by :class:`ScenarioChecker`, which
records every problem before raising a :class:`~forecasting.errors.DataError`, one line
each, ``FILE: [section] key: message (expected …)`` (:class:`ScenarioBreach`), with the
closest known name when a name is misspelt (:func:`suggest`). The checked fields become a
:class:`~forecasting.whatif.scenario.Scenario`; the file format is described in
:mod:`forecasting.whatif.scenario_file`.
"""
from __future__ import annotations

import datetime as dt
import difflib
import math
import numbers
import re
import warnings
from typing import Any, Iterable, Mapping

import pandas as pd

from ..data.district import District
from ..data.schema import STAGES
from ..data.vocabulary import fold
from ..errors import Breach, DataError, ForecastingWarning

#: Effort columns a scenario may override (as in ``effort.csv``).
EFFORT_KEYS: tuple[str, ...] = ("staff", "visits", "budget_m")
#: Stages a new prospect may enter at.
PROSPECT_STAGES: tuple[str, ...] = ("lead", "negotiating", "signed", "approved")
#: Above this an amount is taken for a unit mix-up (DATA.md: "over 1,000 bn").
MAX_INVESTMENT_BN = 1000.0
#: Stages in which a project can no longer be changed by a scenario.
_CLOSED = ("operating", "lost")

_TOP_KEYS = ("name", "description", "name_zh", "description_zh", "effort", "approval", "projects", "prospects", "sectors")
_APPROVAL_KEYS = ("speed",)
_PROJECT_KEYS = ("id", "slip_months", "lost", "investment_bn")
_PROSPECT_KEYS = ("name", "investor", "unit", "sector", "stage", "investment_bn", "phase", "entered")
_PROSPECT_REQUIRED = ("name", "unit", "sector", "stage", "investment_bn")
_SECTOR_KEYS = ("year_effect",)


class ScenarioWarning(ForecastingWarning):
    """A scenario is valid but probably not what was meant (a closed project changed, say)."""


class ScenarioBreach(Breach):
    """A problem in a scenario, located by section and key instead of row and column.

    Printed as ``FILE: [section] key: message (expected …)``; a TOML syntax error carries
    its line in ``row`` and prints as ``FILE:LINE: message``.
    """

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        text = f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        return text + (f" (expected {self.expected})" if self.expected else "")



def suggest(word: Any, known: Iterable[Any], cutoff: float = 0.6) -> str:
    """``"; did you mean 'x'?"`` for the known name closest to ``word``, or ``""`` when none is close."""
    close = difflib.get_close_matches(str(word), [str(k) for k in known], n=1, cutoff=cutoff)
    return f"; did you mean {close[0]!r}?" if close else ""


def kind(v: Any) -> str:
    """What a TOML value is, in a planner's words (``"text"``, ``"a table"``, ``"true/false"``, …)."""
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, str):
        return "text"
    if isinstance(v, dict):
        return "a table"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, (dt.date, dt.time)):
        return "a date/time"
    return type(v).__name__


class ScenarioChecker:
    """One pass over a scenario dict that records every problem before raising.

    :meth:`fields` returns the checked fields, named as those of
    :class:`~forecasting.whatif.scenario.Scenario` (``prospects``: one dict per prospect,
    named as those of :class:`~forecasting.whatif.scenario.Prospect`), which
    :meth:`Scenario.from_checked <forecasting.whatif.scenario.Scenario.from_checked>` builds
    the scenario from; or raises a :class:`~forecasting.errors.DataError` listing every problem.
    """

    def __init__(self, district: District, projects: pd.DataFrame | None, as_of, source: str):
        self.district, self.source = district, source
        self.units = list(district.unit_ids)
        self.sectors = list(district.sectors)
        self.ids: set[str] | None = None
        self.stage: dict[str, str] = {}
        if projects is not None:
            self.ids = set(projects["project_id"].astype(str))
            if "stage" in projects:
                self.stage = dict(zip(projects["project_id"].astype(str), projects["stage"].astype(str)))
        self.as_of = None if as_of is None else pd.Timestamp(as_of).date()
        self.problems: list[Breach] = []

    def bad(self, where: str, message: str, expected: str | None = None) -> None:
        self.problems.append(ScenarioBreach(self.source, None, where, message, expected))

    def warn(self, message: str) -> None:
        warnings.warn(f"{self.source}: {message}", ScenarioWarning, stacklevel=4)

    # --- values
    def number(self, where: str, v: Any, *, minimum: float | None = None, above: float | None = None,
               whole: bool = False, expected: str = "a number") -> float | None:
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            hint = " (remove the quotes)" if isinstance(v, str) and is_number(v) else ""
            self.bad(where, f"{v!r} is {kind(v)}, not a number{hint}", expected)
            return None
        x = float(v)
        if not math.isfinite(x):
            self.bad(where, f"{v!r} is not a finite number", expected)
            return None
        if whole and not x.is_integer():
            self.bad(where, f"{v!r} is not a whole number", expected)
            return None
        if minimum is not None and x < minimum:
            self.bad(where, f"{v!r} is {'negative' if minimum == 0 else f'below {minimum:g}'}", expected)
            return None
        if above is not None and x <= above:
            self.bad(where, f"{v!r} must be above {above:g}", expected)
            return None
        return x

    def text(self, where: str, v: Any, *, required: bool) -> str | None:
        if isinstance(v, str) and (v.strip() or not required):
            return v
        if v is None and not required:
            return None
        self.bad(where, "missing or empty" if v is None or v == "" else f"{v!r} is {kind(v)}, not text", "text")
        return None

    def amount(self, where: str, v: Any) -> float | None:
        x = self.number(where, v, above=0, expected="billion CNY above 0")
        if x is not None and x > MAX_INVESTMENT_BN:
            self.bad(where, f"{v!r} bn is implausible (over {MAX_INVESTMENT_BN:,.0f} bn): was it entered in "
                            "亿元 or 万元? amounts are in billion CNY", "billion CNY, e.g. 8.0 for 80亿元")
            return None
        return x

    def unknown_keys(self, where: str, table: Mapping[str, Any], known: tuple[str, ...]) -> bool:
        unknown = [k for k in table if k not in known]
        for k in unknown:
            self.bad(f"{where} {k}".strip(), f"unknown key{suggest(k, known)}", "one of " + ", ".join(known))
        return bool(unknown)

    def table(self, where: str, v: Any, expected: str) -> dict | None:
        if isinstance(v, dict):
            return v
        self.bad(where, f"is {kind(v)}, not a table", expected)
        return None

    def tables(self, key: str, v: Any) -> list:
        if v is None:
            return []
        if isinstance(v, list) and all(isinstance(t, dict) for t in v):
            return v
        self.bad(key, f"is {kind(v)}, not a list of tables",
                 f"[[{key}]] tables (double brackets), one per {'project' if key == 'projects' else 'prospect'}")
        return []

    # --- sections
    def fields(self, data: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(data, Mapping):
            raise TypeError(f"a scenario is a mapping of the file's keys, not {type(data).__name__}")
        self.unknown_keys("", data, _TOP_KEYS)
        name = self.text("name", data.get("name"), required=True)
        description = self.text("description", data.get("description"), required=False)
        name_zh = self.text("name_zh", data.get("name_zh"), required=False)
        description_zh = self.text("description_zh", data.get("description_zh"), required=False)
        effort = self.effort(data.get("effort"))
        speed = self.approval(data.get("approval"))
        slip, lost, resize = self.projects(data.get("projects"))
        prospects = self.prospects(data.get("prospects"))
        effects = self.sector_effects(data.get("sectors"))
        if self.problems:
            raise DataError(self.problems)
        return dict(name=name or "", description=description or "", name_zh=name_zh or "",
                    description_zh=description_zh or "", effort=effort, approval_speed=speed,
                    slip_months=slip, lost=frozenset(lost), resize=resize, prospects=tuple(prospects),
                    sector_effect=effects)

    def effort(self, v: Any) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        if v is None or self.table("effort", v, "[effort.UNIT] tables, e.g. [effort.branch_4]") is None:
            return out
        names = {fold(n): u for n, u in self.district.names("units").items()}  # labels, as the ledger allows
        for written, change in v.items():
            where = f"[effort.{written}]"
            unit = written if written in self.units else names.get(fold(written), written)
            if unit in out:
                self.bad(where, f"is unit {unit} again", "one [effort] table per unit")
                continue
            if unit not in self.units:
                self.bad(where, f"unknown unit{suggest(unit, self.units)}", "a unit id of district.toml: "
                         + ", ".join(self.units))
                continue
            if self.table(where, change, "a table of staff, visits and budget_m, e.g. staff = 14") is None:
                continue
            self.unknown_keys(where, change, EFFORT_KEYS)
            for k in EFFORT_KEYS:
                if k in change:
                    x = self.number(f"{where} {k}", change[k], minimum=0, whole=k == "visits",
                                    expected="a whole number ≥ 0" if k == "visits" else "a number ≥ 0")
                    if x is not None:
                        out.setdefault(unit, {})[k] = x
        return out

    def approval(self, v: Any) -> float:
        if v is None or self.table("[approval]", v, "a table with speed = 1.5") is None:
            return 1.0
        self.unknown_keys("[approval]", v, _APPROVAL_KEYS)
        if "speed" not in v:
            return 1.0
        x = self.number("[approval] speed", v["speed"], above=0, expected="a multiplier above 0, e.g. 1.5 for faster")
        return 1.0 if x is None else x

    def projects(self, v: Any) -> tuple[dict[str, int], set[str], dict[str, float]]:
        slip: dict[str, int] = {}
        lost: set[str] = set()
        resize: dict[str, float] = {}
        seen: dict[str, int] = {}
        for i, p in enumerate(self.tables("projects", v), start=1):
            where = f"[[projects]] #{i}"
            pid = p.get("id")
            if isinstance(pid, int) and not isinstance(pid, bool):
                pid = str(pid)  # a numeric id typed without quotes
            if not isinstance(pid, str) or not pid:
                self.bad(f"{where} id", "missing" if pid is None else f"{pid!r} is {kind(pid)}, not text",
                         'the project_id of a ledger project, e.g. id = "HL2301905"')
                self.unknown_keys(where, p, _PROJECT_KEYS)
                continue
            where = f"[[projects]] #{i} ({pid})"
            misspelt = self.unknown_keys(where, p, _PROJECT_KEYS)
            if self.ids is not None and pid not in self.ids:
                self.bad(f"{where} id", f"no project {pid!r} in the as-of ledger{suggest(pid, self.ids)}",
                         "a project_id of the as-of snapshot")
                continue
            if pid in seen:
                self.bad(f"{where} id", f"project {pid!r} is changed again (first in [[projects]] #{seen[pid]})",
                         "one [[projects]] table per project")
                continue
            seen[pid] = i
            changes = [k for k in ("slip_months", "lost", "investment_bn") if k in p]
            if not changes:
                if not misspelt:  # a misspelt change is reported already
                    self.bad(where, "changes nothing", "slip_months, lost or investment_bn")
                continue
            if "lost" in p and len(changes) > 1:
                others = " and ".join(c for c in changes if c != "lost")
                self.bad(where, f"conflicting changes: lost = true together with {others}",
                         "lost = true alone, or slip_months and/or investment_bn")
                continue
            if self.stage.get(pid) in _CLOSED:
                self.warn(f"{where}: project {pid!r} is already {self.stage[pid]}; the change has no effect")
            if "slip_months" in p:
                x = self.number(f"{where} slip_months", p["slip_months"], whole=True,
                                expected="whole months (negative: ahead of schedule)")
                if x is not None:
                    slip[pid] = int(x)
            if "investment_bn" in p:
                x = self.amount(f"{where} investment_bn", p["investment_bn"])
                if x is not None:
                    resize[pid] = x
            if "lost" in p:
                if p["lost"] is True:
                    lost.add(pid)
                else:
                    self.bad(f"{where} lost", f"{p['lost']!r} (to undo a change, delete the table)", "lost = true")
        return slip, lost, resize

    def prospects(self, v: Any) -> list[dict[str, Any]]:
        out = []
        for i, p in enumerate(self.tables("prospects", v), start=1):
            where = f"[[prospects]] #{i}"
            self.unknown_keys(where, p, _PROSPECT_KEYS)
            n = len(self.problems)
            for k in _PROSPECT_REQUIRED:
                if k not in p:
                    self.bad(f"{where} {k}", "missing", "name, unit, sector, stage and investment_bn")
            name = self.text(f"{where} name", p["name"], required=True) if "name" in p else None
            investor = self.text(f"{where} investor", p.get("investor"), required=False)
            unit, sector, stage = p.get("unit"), p.get("sector"), p.get("stage")
            if "unit" in p and unit not in self.units:
                self.bad(f"{where} unit", f"unknown unit {unit!r}{suggest(unit, self.units)}",
                         "a unit id of district.toml")
            if "sector" in p and sector not in self.sectors:
                self.bad(f"{where} sector", f"unknown sector {sector!r}{suggest(sector, self.sectors)}",
                         "one of " + ", ".join(self.sectors))
            if "stage" in p and stage not in PROSPECT_STAGES:
                why = ("is past the stages a prospect can enter at" if stage in STAGES or stage == "lost" else
                       f"is not a stage a prospect can enter at{suggest(stage, PROSPECT_STAGES, 0.75)}")
                self.bad(f"{where} stage", f"{stage!r} {why}", "one of " + ", ".join(PROSPECT_STAGES))
            amount = self.amount(f"{where} investment_bn", p["investment_bn"]) if "investment_bn" in p else None
            phase = self.number(f"{where} phase", p.get("phase", 1), minimum=1, whole=True,
                                expected="a whole number ≥ 1")
            entered = self.date(f"{where} entered", p["entered"]) if "entered" in p else None
            if len(self.problems) > n:
                continue
            if (investor is not None and unit in self.units and self.district.unit_type(unit) == "campaign"
                    and investor not in self.district.leading_companies):
                self.warn(f"{where} investor: {investor!r} is not on the leading_companies list of district.toml"
                          f"{suggest(investor, self.district.leading_companies)}")
            out.append(dict(name=str(name), unit=str(unit), sector=str(sector), stage=str(stage),
                            investment_bn=float(amount), investor=investor, phase=int(phase), entered=entered))
        return out

    def date(self, where: str, v: Any) -> dt.date | None:
        if isinstance(v, dt.datetime):
            d = v.date()
        elif isinstance(v, dt.date):
            d = v
        elif isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v.strip()):
            try:
                d = dt.date.fromisoformat(v.strip())
            except ValueError:
                self.bad(where, f"{v!r} is not a calendar date", "YYYY-MM-DD")
                return None
        else:
            self.bad(where, f"{v!r} is not a date", "a date YYYY-MM-DD")
            return None
        if self.as_of is not None and d > self.as_of:
            self.bad(where, f"{d.isoformat()} lies after the as-of date {self.as_of.isoformat()}",
                     "a date on or before the as-of date")
            return None
        return d

    def sector_effects(self, v: Any) -> dict[str, float]:
        out: dict[str, float] = {}
        if v is None or self.table("sectors", v, "[sectors.SECTOR] tables, e.g. [sectors.photovoltaics]") is None:
            return out
        for sector, table in v.items():
            where = f"[sectors.{sector}]"
            if sector not in self.sectors:
                self.bad(where, f"unknown sector{suggest(sector, self.sectors)}", "one of " + ", ".join(self.sectors))
                continue
            if self.table(where, table, "a table with year_effect = 0.3") is None:
                continue
            self.unknown_keys(where, table, _SECTOR_KEYS)
            if "year_effect" in table:
                x = self.number(f"{where} year_effect", table["year_effect"],
                                expected="a log-odds shift, e.g. 0.3 (good year) or -0.3 (bad year)")
                if x is not None:
                    out[sector] = x
        return out


def is_number(text: str) -> bool:
    """Whether ``text`` reads as a number (a value typed in quotes that should not be)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


__all__ = ["EFFORT_KEYS", "MAX_INVESTMENT_BN", "PROSPECT_STAGES", "ScenarioBreach", "ScenarioChecker", "ScenarioWarning",
           "is_number", "kind", "suggest"]
