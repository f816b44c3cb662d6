"""What-if scenarios as files: read them, check them, write them back.

A scenario is a small TOML file that a planner writes (CLI.md gives the minimal form).
Everything it can say::

    name = "Two more staff for the PV branch"
    description = "..."                    # optional

    [effort.branch_4]                      # per unit id: staff, visits, budget_m (any of them), >= 0
    staff = 14                             # from the quarter after the as-of to the horizon's end

    [approval]
    speed = 1.5                            # odds multiplier on signed -> approved -> under construction

    [[projects]]                           # one table per project changed
    id = "HL2301905"
    slip_months = 3                        # and/or investment_bn = 12.0; or lost = true

    [[prospects]]                          # a new prospect entering the ledger at a stage
    name = "Battery phase II"
    investor = "Huaxin New Energy Group"   # optional
    unit = "campaign_top10"
    sector = "new_energy"
    stage = "negotiating"                  # lead, negotiating, signed or approved
    investment_bn = 8.0
    phase = 2                              # optional (default 1)
    entered = 2024-02-15                   # optional (default: the as-of date); a date or "YYYY-MM-DD"

    [sectors.photovoltaics]
    year_effect = 0.3                      # a good (+) or bad (-) year: log-odds on its monthly advance

The file is parsed as data (:mod:`tomllib`), never executed. Every problem is collected and
reported at once in a :class:`~forecasting.errors.DataError`, one line each,
``FILE: [section] key: message (expected …)``, with the closest known name when a name is
misspelt. Notebook widgets build the same scenarios from a dict (:meth:`Scenario.from_dict`),
checked by the same rules; :func:`scenario_to_toml` writes a scenario back as a file.
"""
from __future__ import annotations

import datetime as dt
import difflib
import json
import math
import numbers
import re
import tomllib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd

from ..data.district import District
from ..data.schema import STAGES
from ..errors import Breach, DataError, ForecastingWarning
from ..simulation.adjustments import Adjustments

#: Effort columns a scenario may override (as in ``effort.csv``).
EFFORT_KEYS: tuple[str, ...] = ("staff", "visits", "budget_m")
#: Stages a new prospect may enter at.
PROSPECT_STAGES: tuple[str, ...] = ("lead", "negotiating", "signed", "approved")
#: Above this an amount is taken for a unit mix-up (DATA.md: "over 1,000 bn").
MAX_INVESTMENT_BN = 1000.0
#: Stages in which a project can no longer be changed by a scenario.
_CLOSED = ("operating", "lost")

_TOP_KEYS = ("name", "description", "effort", "approval", "projects", "prospects", "sectors")
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

    Build one with :func:`read_scenario` (a file) or :meth:`Scenario.from_dict` (a dict in
    the file's shape); both check every field. Field names follow
    :class:`~forecasting.simulation.adjustments.Adjustments`, which :meth:`adjustments` returns.

    Attributes
    ----------
    name, description : shown beside the scenario's results.
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
    effort: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    approval_speed: float = 1.0
    slip_months: Mapping[str, int] = field(default_factory=dict)
    lost: frozenset[str] = frozenset()
    resize: Mapping[str, float] = field(default_factory=dict)
    prospects: tuple[Prospect, ...] = ()
    sector_effect: Mapping[str, float] = field(default_factory=dict)

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
        out = [f"{u}: {k} {_fmt(v)}" for u, change in self.effort.items() for k, v in change.items()]
        if self.approval_speed != 1.0:
            out.append(f"approval steps ×{_fmt(self.approval_speed)} as likely each month")
        out += [f"{p}: slips {m} months" if m >= 0 else f"{p}: {-m} months ahead"
                for p, m in self.slip_months.items() if m]
        out += [f"{p}: lost" for p in sorted(self.lost)]
        out += [f"{p}: resized to {_fmt(v)} bn" for p, v in self.resize.items()]
        out += [f"new prospect {p.name!r} ({p.unit}, {p.stage}, {_fmt(p.investment_bn)} bn)" for p in self.prospects]
        out += [f"{s}: year effect {e:+g}" for s, e in self.sector_effect.items() if e]
        return out

    def to_dict(self) -> dict[str, Any]:
        """The scenario in the file's shape; ``Scenario.from_dict(s.to_dict(), …) == s``."""
        out: dict[str, Any] = {"name": self.name}
        if self.description:
            out["description"] = self.description
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
        return _Checker(district, projects, as_of, source).scenario(data)


def read_scenario(path: Path | str, district: District, projects: pd.DataFrame | None = None, *,
                  as_of: dt.date | str | None = None, label: str | None = None) -> Scenario:
    """Read and check a scenario file against the district and the as-of ledger.

    Parameters
    ----------
    path : the ``.toml`` file.
    district : the district (:func:`~forecasting.data.district.read_district`).
    projects : the as-of ledger with ``project_id`` (e.g. ``History.latest``); ``None``
        skips the project-id checks.
    as_of : the as-of date; a prospect may not have entered after it.
    label : the file's name in messages (default: the file name).

    Raises
    ------
    DataError
        listing every problem, each as ``FILE: [section] key: message (expected …)``; a
        TOML syntax error as ``FILE:LINE: message``.

    Examples
    --------
    >>> from forecasting.data.district import read_district
    >>> s = read_scenario("notebooks/scenarios/faster_approval.toml", read_district("data/district.toml"))
    >>> s.approval_speed
    1.5
    """
    path = Path(path)
    label = label or path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError([ScenarioBreach(label, None, None, "the scenario file does not exist",
                                        "a .toml file; see notebooks/scenarios/ for examples")]) from None
    except UnicodeDecodeError:
        raise DataError([ScenarioBreach(label, None, None, "is not UTF-8 text", "a UTF-8 TOML file")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        line, message = _syntax_error(err, text)
        raise DataError([ScenarioBreach(label, line, None, f"not valid TOML: {message}",
                                        'TOML such as: key = 1.5, key = "text", [section]')]) from None
    return _Checker(district, projects, as_of, label).scenario(data)


def district_scenarios(history) -> list[Scenario]:
    """Example scenarios built from the district in hand (its own unit and project ids):
    two more staff for the unit with the most open leads, approval 1.5 times as fast, and
    the biggest open project (not yet under construction) slipping 3 months. An example the
    ledger cannot support (no staffed unit with leads, no open project) is left out."""
    P = history.latest
    out: list[Scenario] = []
    eff = history.effort[history.effort["quarter"] == history.as_of].set_index("unit")
    leads = P[P["stage"].isin(["lead", "negotiating"])]
    counts = leads["unit"].value_counts()
    staffed = [u for u in counts.index if u in eff.index and float(eff.loc[u, "staff"]) > 0]
    if staffed:
        unit = staffed[0]
        label = next((x.label for x in history.district.units if x.id == unit), unit)
        now = float(eff.loc[unit, "staff"])
        out.append(Scenario.from_dict({
            "name": f"Two more staff for {label}",
            "description": f"The unit with the most open leads ({int(counts[unit])}): {_fmt(now)} -> "
                           f"{_fmt(now + 2)} staff from next quarter.",
            "effort": {unit: {"staff": now + 2}}}, history.district, P))
    out.append(Scenario.from_dict({
        "name": "A faster approval process",
        "description": "The signed -> approved -> groundbreaking steps 1.5 times as likely each month.",
        "approval": {"speed": 1.5}}, history.district, P))
    open_ = P[P["stage"].isin(["lead", "negotiating", "signed", "approved"])]
    if len(open_):
        big = open_.sort_values(["investment_bn", "project_id"], ascending=[False, True]).iloc[0]
        out.append(Scenario.from_dict({
            "name": "The biggest open project slips 3 months",
            "description": f"{big['project_id']} ({big['name']}, {_fmt(float(big['investment_bn']))} bn, "
                           f"{big['stage']}) three months later.",
            "projects": [{"id": str(big["project_id"]), "slip_months": 3}]}, history.district, P))
    return out


def prepared_scenarios(history, folder: Path | str = "scenarios") -> tuple[list[Scenario], list[str]]:
    """The prepared scenario files of ``folder`` that fit the district, and notes.

    Every ``.toml`` file is checked against the district and the as-of ledger. When all
    fit (the bundled district), they are the scenarios. A file naming units, sectors or
    projects this district does not have is left out with a sentence, and the examples of
    :func:`district_scenarios` take the place of the files left out (skipping one whose
    kind a kept file already covers), so the notebook runs on any valid folder.

    Returns the scenarios and the notes (one sentence per file left out).
    """
    kept: list[Scenario] = []
    notes: list[str] = []
    for path in sorted(Path(folder).glob("*.toml")):
        try:
            kept.append(read_scenario(path, history.district, history.latest, as_of=history.as_of_date))
        except DataError as exc:
            first = str(exc.breaches[0]) if exc.breaches else str(exc)
            notes.append(f"{path.name} does not fit this district and is left out ({first}).")
    if notes:
        has_approval = any(sc.approval_speed != 1.0 for sc in kept)
        extra = [sc for sc in district_scenarios(history) if not (has_approval and sc.approval_speed != 1.0)]
        kept += extra
        notes.append("In their place: " + "; ".join(sc.name for sc in extra) + " (built from this district).")
    return kept, notes


def _syntax_error(err: tomllib.TOMLDecodeError, text: str) -> tuple[int | None, str]:
    """The line of a TOML syntax error and its message without the position."""
    msg = str(getattr(err, "msg", err))
    line = getattr(err, "lineno", None)  # Python >= 3.14
    m = re.search(r"\s*\(at line (\d+), column \d+\)\s*$", msg)
    if m:
        line = line or int(m.group(1))
        msg = msg[: m.start()]
    elif msg.endswith("(at end of document)"):
        line = line or max(1, len(text.rstrip("\n").splitlines()))
        msg = msg[: -len("(at end of document)")].rstrip() + " (at the end of the file)"
    return line, msg


def scenario_to_toml(scenario: Scenario) -> str:
    """The scenario as TOML text that :func:`read_scenario` reads back to an equal scenario."""
    data = scenario.to_dict()
    lines = [f"{_key(k)} = {_value(data[k])}" for k in ("name", "description") if k in data]
    if "approval" in data:
        lines += ["", "[approval]", f"speed = {_value(data['approval']['speed'])}"]
    for unit, change in data.get("effort", {}).items():
        lines += ["", f"[effort.{_key(unit)}]", *(f"{_key(k)} = {_value(v)}" for k, v in change.items())]
    for table in data.get("projects", []):
        lines += ["", "[[projects]]", *(f"{_key(k)} = {_value(v)}" for k, v in table.items())]
    for table in data.get("prospects", []):
        lines += ["", "[[prospects]]", *(f"{_key(k)} = {_value(v)}" for k, v in table.items())]
    for sector, table in data.get("sectors", {}).items():
        lines += ["", f"[sectors.{_key(sector)}]", *(f"{_key(k)} = {_value(v)}" for k, v in table.items())]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- writing TOML
def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _value(key)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        # a JSON string is a TOML basic string, except that TOML wants DEL escaped too
        return json.dumps(v, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, numbers.Real):
        v = float(v)
        return str(int(v)) if v.is_integer() and abs(v) < 2**53 else repr(v)
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return v.isoformat()
    raise TypeError(f"cannot write {v!r} to a scenario file")


def _fmt(x: float) -> str:
    return f"{x:g}"


# --------------------------------------------------------------------------- checking
def _suggest(word: Any, known: Iterable[Any], cutoff: float = 0.6) -> str:
    close = difflib.get_close_matches(str(word), [str(k) for k in known], n=1, cutoff=cutoff)
    return f"; did you mean {close[0]!r}?" if close else ""


def _kind(v: Any) -> str:
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


class _Checker:
    """One pass over a scenario dict that records every problem before raising."""

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
            hint = " (remove the quotes)" if isinstance(v, str) and _is_number(v) else ""
            self.bad(where, f"{v!r} is {_kind(v)}, not a number{hint}", expected)
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
        self.bad(where, "missing or empty" if v is None or v == "" else f"{v!r} is {_kind(v)}, not text", "text")
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
            self.bad(f"{where} {k}".strip(), f"unknown key{_suggest(k, known)}", "one of " + ", ".join(known))
        return bool(unknown)

    def table(self, where: str, v: Any, expected: str) -> dict | None:
        if isinstance(v, dict):
            return v
        self.bad(where, f"is {_kind(v)}, not a table", expected)
        return None

    def tables(self, key: str, v: Any) -> list:
        if v is None:
            return []
        if isinstance(v, list) and all(isinstance(t, dict) for t in v):
            return v
        self.bad(key, f"is {_kind(v)}, not a list of tables",
                 f"[[{key}]] tables (double brackets), one per {'project' if key == 'projects' else 'prospect'}")
        return []

    # --- sections
    def scenario(self, data: Mapping[str, Any]) -> Scenario:
        if not isinstance(data, Mapping):
            raise TypeError(f"a scenario is a mapping of the file's keys, not {type(data).__name__}")
        self.unknown_keys("", data, _TOP_KEYS)
        name = self.text("name", data.get("name"), required=True)
        description = self.text("description", data.get("description"), required=False)
        effort = self.effort(data.get("effort"))
        speed = self.approval(data.get("approval"))
        slip, lost, resize = self.projects(data.get("projects"))
        prospects = self.prospects(data.get("prospects"))
        effects = self.sector_effects(data.get("sectors"))
        if self.problems:
            raise DataError(self.problems)
        return Scenario(name or "", description or "", effort, speed, slip, frozenset(lost), resize,
                        tuple(prospects), effects)

    def effort(self, v: Any) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        if v is None or self.table("effort", v, "[effort.UNIT] tables, e.g. [effort.branch_4]") is None:
            return out
        for unit, change in v.items():
            where = f"[effort.{unit}]"
            if unit not in self.units:
                self.bad(where, f"unknown unit{_suggest(unit, self.units)}", "a unit id of district.toml: "
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
                self.bad(f"{where} id", "missing" if pid is None else f"{pid!r} is {_kind(pid)}, not text",
                         'the project_id of a ledger project, e.g. id = "HL2301905"')
                self.unknown_keys(where, p, _PROJECT_KEYS)
                continue
            where = f"[[projects]] #{i} ({pid})"
            misspelt = self.unknown_keys(where, p, _PROJECT_KEYS)
            if self.ids is not None and pid not in self.ids:
                self.bad(f"{where} id", f"no project {pid!r} in the as-of ledger{_suggest(pid, self.ids)}",
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

    def prospects(self, v: Any) -> list[Prospect]:
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
                self.bad(f"{where} unit", f"unknown unit {unit!r}{_suggest(unit, self.units)}",
                         "a unit id of district.toml")
            if "sector" in p and sector not in self.sectors:
                self.bad(f"{where} sector", f"unknown sector {sector!r}{_suggest(sector, self.sectors)}",
                         "one of " + ", ".join(self.sectors))
            if "stage" in p and stage not in PROSPECT_STAGES:
                why = ("is past the stages a prospect can enter at" if stage in STAGES or stage == "lost" else
                       f"is not a stage a prospect can enter at{_suggest(stage, PROSPECT_STAGES, 0.75)}")
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
                          f"{_suggest(investor, self.district.leading_companies)}")
            out.append(Prospect(str(name), str(unit), str(sector), str(stage), float(amount), investor,
                                int(phase), entered))
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
                self.bad(where, f"unknown sector{_suggest(sector, self.sectors)}", "one of " + ", ".join(self.sectors))
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


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


__all__ = ["EFFORT_KEYS", "PROSPECT_STAGES", "Prospect", "Scenario", "ScenarioBreach", "ScenarioWarning",
           "read_scenario", "scenario_to_toml"]
