"""What-if scenarios as files: read them (checked) and write them back.

A scenario is a small TOML file that a planner writes (CLI.md gives the minimal form).
Everything it can say::

    name = "Two more staff for the PV branch"
    description = "..."                    # optional
    name_zh = "光伏分局增加两名人员"          # optional: the name (and description_zh) in a Chinese report

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
reported at once (:class:`~forecasting.whatif.scenario_check.ScenarioChecker`) in a :class:`~forecasting.errors.DataError`, one line each,
``FILE: [section] key: message (expected …)``, with the closest known name when a name is
misspelt. Notebook widgets build the same scenarios from a dict
(:meth:`Scenario.from_dict <forecasting.whatif.scenario.Scenario.from_dict>`),
checked by the same rules; :func:`scenario_to_toml` writes a scenario back as a file.
"""
from __future__ import annotations

import datetime as dt
import json
import numbers
import re
import tomllib
from pathlib import Path
from typing import Any

import pandas as pd

from ..data.district import District, quoted_key_hint
from ..errors import DataError
from .scenario import Scenario
from .scenario_check import ScenarioBreach, ScenarioChecker

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
        hint = quoted_key_hint(text, line)
        raise DataError([ScenarioBreach(label, line, None, f"not valid TOML: {message}",
                                        f"a name with Chinese characters in quotes: {hint}" if hint else
                                        'TOML such as: key = 1.5, key = "text", [section]')]) from None
    return Scenario.from_checked(ScenarioChecker(district, projects, as_of, label).fields(data))


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
    lines = [f"{_key(k)} = {_value(data[k])}" for k in ("name", "description", "name_zh", "description_zh")
             if k in data]
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


__all__ = ["read_scenario", "scenario_to_toml"]
