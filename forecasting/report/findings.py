"""What the notebooks hand the brief: findings files, written at the end of a notebook and read back.

Each curated notebook writes what the brief (:mod:`forecasting.report.brief`) needs as a
small *findings* file with :func:`record` (a one-line cell at the end of the notebook,
doing nothing outside a report run)::

    brief.record(output_dir, "targets", targets=targets, year=year, as_of=history.as_of)

:func:`read_findings` reads them back; the adapters turn the what-if tables into the
``levers`` and ``projects`` findings.

The findings, and the columns each frame carries
------------------------------------------------
``targets`` (notebook 03), frame ``targets``
    ``target, goal, so_far, p10, p90, p_meet`` (the ``"all"`` row: P(all targets met));
    values ``year``, ``as_of`` and ``district`` (its name: the brief says whose data it is).
``changes`` (notebook 06), frame ``attribution``
    ``target, step, start, end, delta`` (:func:`forecasting.evaluation.refresh.attribute_change`);
    frame ``summary`` (optional) ``kind, n, investment_bn``; values ``previous``, ``as_of``.
    Without a snapshot of ``previous``: no frame, value ``nothing_to_compare`` true.
``levers`` (notebook 04), frame ``levers``
    ``lever, gain`` and optionally ``gain_se, low, high, objective``: how far each lever moves
    the objective (larger = matters more), sorted or not. :func:`levers_from_tornado` makes
    it from :func:`forecasting.whatif.levers.tornado`.
``projects`` (notebook 04), frame ``projects``
    ``project_id, gain`` and optionally ``name, stage, investment_bn, gain_se, objective``:
    the gain in the objective if the project moved a quarter sooner.
    :func:`projects_from_leverage` makes it from :func:`forecasting.whatif.levers.project_leverage`.
``calibration`` (notebook 05), frame ``p_meet``
    ``forecaster, n, mean_p_meet, share_met, brier, ece``
    (:meth:`forecasting.evaluation.backtest.Backtest.p_meet_calibration`); frame ``coverage``
    (optional) ``target, forecaster, coverage_p10_p90, pit_coverage_80``. When the backtest had
    no origin: no frame, value ``nothing_to_score`` true.

``objective`` holds an objective's key (``"all"``, ``"shortfall"``, ``"p_meet:tier_5bn"``,
see :mod:`forecasting.whatif.objectives`) or a label; keys are shown in the report's language.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

#: The folder (inside a notebook's ``output_dir``) the findings are written to.
FOLDER = "brief"
#: The sections of the brief, in order, and the findings file each reads.
SECTIONS = ("targets", "changes", "levers", "projects", "calibration")


def record(output_dir: str | Path | None, name: str, **items) -> None:
    """Write the findings ``name`` for the brief: ``output_dir/brief/<name>.json``.

    Parameters
    ----------
    output_dir : the notebook's ``output_dir`` parameter; ``None`` (a notebook run by hand)
        writes nothing.
    name : the findings' name (one of :data:`SECTIONS`, see the module docstring).
    **items : DataFrames (stored as records, NaN as null) and plain values (str, int,
        float, bool; numpy scalars and quarters are turned into them).

    Returns nothing, so the notebook cell shows no output.
    """
    if output_dir is None:
        return None
    if not name or not name.replace("_", "").isalnum():
        raise ValueError(f"a findings name is a word such as 'targets', not {name!r}")
    frames, values = {}, {}
    for key, item in items.items():
        if isinstance(item, pd.DataFrame):
            frames[key] = json.loads(item.to_json(orient="records", double_precision=10))
        elif isinstance(item, pd.Series):
            frames[key] = json.loads(item.reset_index().to_json(orient="records", double_precision=10))
        else:
            values[key] = _plain(item)
    folder = Path(output_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"name": name, "values": values, "frames": frames}, ensure_ascii=False, indent=1),
                   encoding="utf-8")
    tmp.replace(path)
    return None


def _plain(value):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


@dataclass
class Findings:
    """One findings file read back: its plain values and its frames."""

    name: str
    values: dict = field(default_factory=dict)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)


def read_findings(folder: str | Path) -> dict[str, Findings]:
    """Every findings file in ``folder`` (``<report>/brief``), by name; none there: ``{}``.

    A file that cannot be read as findings is an error naming it (the notebooks wrote it
    in the same run, so a broken one is a bug, not the planner's input).
    """
    folder = Path(folder)
    out = {}
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.json")):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            frames = {k: pd.DataFrame.from_records(v) if v else pd.DataFrame() for k, v in raw["frames"].items()}
            out[path.stem] = Findings(raw.get("name", path.stem), dict(raw.get("values", {})), frames)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"the findings file {path.name} is not readable: {exc}") from None
    return out


# --------------------------------------------------------------------------- adapters

def levers_from_tornado(levers: pd.DataFrame, target: str = "all") -> pd.DataFrame:
    """The ``levers`` findings from :func:`forecasting.whatif.levers.tornado`'s table: for one
    target, each lever's swing ``gain = |high - low|`` in p_meet, with ``low``, ``high``
    and the objective ``p_meet`` of ``target`` (key ``"all"`` or ``"p_meet:<target>"``),
    largest first."""
    if "target" not in levers.columns and {"lever", "objective", "low", "high"} <= set(levers.columns):
        # the objective-aware tornado (one row per lever, in the objective's own units)
        se = levers[[c for c in ("low_gain_se", "high_gain_se") if c in levers.columns]].max(axis=1) \
            if {"low_gain_se", "high_gain_se"} & set(levers.columns) else np.nan
        out = pd.DataFrame({"lever": levers["lever"].astype(str), "gain": (levers["high"] - levers["low"]).abs(),
                            "gain_se": se, "low": levers["low"], "high": levers["high"],
                            "objective": levers["objective"].astype(str)})
        return out.sort_values("gain", ascending=False, kind="stable").reset_index(drop=True)
    need = {"lever", "target", "low", "high"}
    if not need <= set(levers.columns):
        raise ValueError(f"a tornado table has columns {sorted(need)}; this one has {list(levers.columns)}")
    rows = levers[levers["target"] == target]
    if rows.empty:
        raise ValueError(f"the tornado table has no rows for target {target!r}; it has {sorted(set(levers['target']))}")
    out = pd.DataFrame({"lever": rows["lever"].astype(str), "gain": (rows["high"] - rows["low"]).abs(),
                        "low": rows["low"], "high": rows["high"],
                        "objective": "all" if target == "all" else f"p_meet:{target}"})
    return out.sort_values("gain", ascending=False, kind="stable").reset_index(drop=True)


def projects_from_leverage(leverage: pd.DataFrame, column: str = "gain_all") -> pd.DataFrame:
    """The ``projects`` findings from :func:`forecasting.whatif.levers.project_leverage`'s table:
    ``gain`` = the column ``column`` (``"gain_all"``: P(all targets met); ``"gain_<target>"``:
    that target's p_meet), largest first, with the project's name, stage and size."""
    if column not in leverage.columns or "project_id" not in leverage.columns:
        raise ValueError(f"the leverage table has no {column!r} or no project_id column; it has {list(leverage.columns)}")
    keep = [c for c in ("project_id", "name", "stage", "investment_bn") if c in leverage.columns]
    out = leverage[keep].copy()
    out["gain"] = leverage[column].astype(float)
    target = column.removeprefix("gain_")
    out["objective"] = "all" if target == "all" else f"p_meet:{target}"
    return out.sort_values("gain", ascending=False, kind="stable").reset_index(drop=True)


def projects_from_attention(attention: pd.DataFrame) -> pd.DataFrame:
    """The ``projects`` findings from :func:`forecasting.whatif.attention.attention_list`: ``gain`` =
    the expected target-counted events gained if the project moved a quarter sooner
    (``gain_counted``, with ``gain_se``), largest first; objective key ``"counted"``."""
    need = {"project_id", "gain_counted"}
    if not need <= set(attention.columns):
        raise ValueError(f"an attention list has columns {sorted(need)}; this one has {list(attention.columns)}")
    keep = [c for c in ("project_id", "name", "stage", "investment_bn") if c in attention.columns]
    out = attention[keep].copy()
    out["gain"] = attention["gain_counted"].astype(float)
    out["gain_se"] = attention["gain_counted_se"].astype(float) if "gain_counted_se" in attention else np.nan
    out["objective"] = "counted"
    return out.sort_values("gain", ascending=False, kind="stable").reset_index(drop=True)


__all__ = ["FOLDER", "Findings", "SECTIONS", "levers_from_tornado", "projects_from_attention", "projects_from_leverage",
           "read_findings", "record"]
