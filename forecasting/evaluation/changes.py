"""What changed between two snapshots, and the additive split of a change in a probability.

:func:`quarter_changes` compares the ledger at two quarters project by project and lists
every event in one tidy table: new projects, stage moves, investment revisions, losses and
changes of provincial status. It is the "what happened" page of the quarterly meeting.

:class:`Attribution` holds the "why the chance moved" answer: a probability before and
after, split into steps that chain (each starts where the previous ended), so the steps add
up to the total change. The steps themselves are computed with the forecast model
(:func:`forecasting.evaluation.refresh.attribute_change`); :func:`forecasting.report.charts.plot_waterfall`
draws one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal, Sequence

import numpy as np
import pandas as pd

from ..data.schema import LOST
from ..history.histories import History

Kind = Literal["new", "stage", "revision", "lost", "provincial"]
#: The kinds of event, in the order the tables list them.
KINDS: tuple[str, ...] = ("new", "stage", "revision", "lost", "provincial")
#: Columns of :attr:`QuarterChanges.events`.
EVENT_COLUMNS: tuple[str, ...] = (
    "kind", "project_id", "name", "unit", "unit_label", "sector", "stage",
    "before", "after", "investment_before", "investment_after", "change_pct", "investment_bn",
)
#: Relative change in investment below which two amounts are the same (float noise of
#: a 亿元 or 万元 column converted to bn).
REVISION_RTOL = 1e-9


@dataclass(frozen=True, eq=False)
class QuarterChanges:
    """Every change in the ledger from quarter :attr:`prev` to quarter :attr:`curr`.

    Attributes
    ----------
    prev, curr : the two quarters compared.
    events : one row per event, columns :data:`EVENT_COLUMNS`:

        * ``kind`` — ``new`` (in the ledger at ``curr``, not at ``prev``), ``stage``
          (moved forward a stage or more), ``revision`` (planned investment changed),
          ``lost``, ``provincial`` (status on the provincial list changed);
        * ``project_id``, ``name``, ``unit``, ``unit_label``, ``sector`` and ``stage`` (at
          ``curr``), as the ledger and district.toml write them;
        * ``before``, ``after`` — the stage (``new``: blank → stage on arrival; ``stage``,
          ``lost``) or provincial status (``provincial``, e.g. ``none`` → ``candidate``);
        * ``investment_before``, ``investment_after``, ``change_pct`` — for revisions
          (``change_pct`` = 100 × (after − before) / before);
        * ``investment_bn`` — the project's planned investment at ``curr``.

        A project can have several events in one quarter (signed and revised, say).
    """

    prev: str
    curr: str
    events: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Per kind: the number of events and the planned investment (bn) of the projects
        involved at ``curr``; revisions give the net change in bn instead. Every kind has a
        row, zero when nothing of that kind happened."""
        e = self.events
        g = e.groupby("kind", sort=False)
        out = pd.DataFrame({"n": g.size(), "investment_bn": g["investment_bn"].sum()}).reindex(list(KINDS))
        rev = e[e["kind"] == "revision"]
        out.loc["revision", "investment_bn"] = float((rev["investment_after"] - rev["investment_before"]).sum())
        out = out.fillna(0.0)
        out["n"] = out["n"].astype(int)
        out.index.name = "kind"
        return out

    def of(self, kind: Kind) -> pd.DataFrame:
        """The events of one kind."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        return self.events[self.events["kind"] == kind].reset_index(drop=True)

    def transitions(self) -> pd.DataFrame:
        """Stage moves and losses as a from × to table of counts."""
        moves = self.events[self.events["kind"].isin(["stage", "lost"])]
        return pd.crosstab(moves["before"], moves["after"])

    def _repr_html_(self) -> str:  # pragma: no cover - notebook display
        return self.summary()._repr_html_()


def snapshot_changes(old: pd.DataFrame, new: pd.DataFrame, *, units: dict[str, str] | None = None) -> pd.DataFrame:
    """The events between two canonical ledger tables (:data:`EVENT_COLUMNS`).

    Parameters
    ----------
    old, new : snapshots as :attr:`History.snapshots` holds them.
    units : unit id -> label (district.toml); ``unit_label`` is blank without it.
    """
    units = units or {}
    o = old.set_index("project_id")
    n = new.set_index("project_id")
    common = n.index.intersection(o.index, sort=False)
    fresh = n.index.difference(o.index, sort=False)
    frames = []

    def frame(kind: str, ids: pd.Index, before, after, **extra) -> pd.DataFrame:
        cur = n.loc[ids]
        f = pd.DataFrame({
            "kind": kind,
            "project_id": ids.astype(str),
            "name": cur["name"].to_numpy(),
            "unit": cur["unit"].to_numpy(),
            "unit_label": cur["unit"].map(units).fillna("").to_numpy(),
            "sector": cur["sector"].to_numpy(),
            "stage": cur["stage"].to_numpy(),
            "before": before,
            "after": after,
            "investment_bn": cur["investment_bn"].to_numpy(float),
        })
        for k, v in extra.items():
            f[k] = v
        return f

    frames.append(frame("new", fresh, "", n.loc[fresh, "stage"].to_numpy()))

    s_old, s_new = o.loc[common, "stage"], n.loc[common, "stage"]
    moved = common[(s_old != s_new).to_numpy() & (s_new != LOST).to_numpy()]
    frames.append(frame("stage", moved, o.loc[moved, "stage"].to_numpy(), n.loc[moved, "stage"].to_numpy()))

    a, b = o.loc[common, "investment_bn"].to_numpy(float), n.loc[common, "investment_bn"].to_numpy(float)
    revised = common[~np.isclose(a, b, rtol=REVISION_RTOL, atol=0.0)]
    a, b = o.loc[revised, "investment_bn"].to_numpy(float), n.loc[revised, "investment_bn"].to_numpy(float)
    frames.append(frame("revision", revised, "", "", investment_before=a, investment_after=b,
                        change_pct=100.0 * (b - a) / a))

    lost = common[((s_new == LOST) & (s_old != LOST)).to_numpy()]
    frames.append(frame("lost", lost, o.loc[lost, "stage"].to_numpy(), LOST))

    p_old, p_new = o.loc[common, "provincial"], n.loc[common, "provincial"]
    prov = common[(p_old != p_new).to_numpy()]
    frames.append(frame("provincial", prov, o.loc[prov, "provincial"].to_numpy(), n.loc[prov, "provincial"].to_numpy()))

    events = pd.concat([f for f in frames if len(f)] or [frames[0]], ignore_index=True)
    for col in ("investment_before", "investment_after", "change_pct"):
        if col not in events:
            events[col] = np.nan
    events["kind"] = pd.Categorical(events["kind"], categories=list(KINDS))
    events = events.sort_values(["kind", "unit", "project_id"], kind="stable").reset_index(drop=True)
    events["kind"] = events["kind"].astype(str)
    return events[list(EVENT_COLUMNS)]


def changes_note(history: History, prev: str | None, curr: str, *, language: str | None = None) -> str | None:
    """Why quarter changes from ``prev`` to ``curr`` cannot be shown, as a sentence in
    ``language`` (default: the style's); ``None`` when they can (both are snapshots of
    ``history`` and ``prev`` comes first)."""
    from ..texts import text

    if len(history.quarters) < 2:
        return text("overview.changes_one_snapshot", language=language, quarter=history.quarters[0])
    if prev is None or prev not in history.snapshots or prev >= curr:
        return text("overview.changes_no_previous", language=language, prev=prev, curr=curr,
                    quarters=", ".join(history.quarters))
    return None


def quarter_changes(history: History, prev: str, curr: str) -> QuarterChanges:
    """What changed in the ledger from ``prev`` to ``curr`` (both snapshots of ``history``).

    Examples
    --------
    >>> from forecasting import load_history
    >>> ch = quarter_changes(load_history("data"), "2023Q4", "2024Q1")
    >>> list(ch.summary().index)
    ['new', 'stage', 'revision', 'lost', 'provincial']
    """
    if prev >= curr:
        raise ValueError(f"the earlier quarter comes first: {prev} is not before {curr}")
    if len(history.quarters) < 2:
        raise ValueError(f"quarter changes need two snapshots; the folder holds only {history.as_of}, so there is "
                         "nothing to compare it with until next quarter's snapshot arrives")
    for q in (prev, curr):
        if q not in history.snapshots:
            raise ValueError(f"there is no snapshot for {q}; snapshots exist for "
                             f"{history.quarters[0]}–{history.as_of}")
    units = {u.id: u.label for u in history.district.units}
    events = snapshot_changes(history.snapshots[prev], history.snapshots[curr], units=units)
    return QuarterChanges(prev, curr, events)


# --------------------------------------------------------------------------- attribution
#: How far a step's start may sit from the previous step's end (float rounding only).
CHAIN_ATOL = 1e-9


@dataclass(frozen=True, eq=False)
class Attribution:
    """A change in one number (a probability) split into additive steps.

    Step ``i`` moves the number from ``start`` to ``end``; each step starts where the
    previous one ended, so the deltas (``end − start``) add up to the total change
    ``after − before`` (exactly, up to float rounding of :data:`CHAIN_ATOL`).

    Parameters
    ----------
    table : columns ``step``, ``start``, ``end`` (``delta`` is recomputed); one row per
        step, in order.
    label : what the number is (a target name such as ``groundbreakings``), for titles.
    before_label, after_label : names of the two ends (e.g. the two quarters).

    Raises
    ------
    ValueError
        If there is no step, a value is missing or not finite, or the steps do not chain.

    Examples
    --------
    >>> a = Attribution.from_steps([("new projects", 0.40, 0.46), ("losses", 0.46, 0.41)],
    ...                            label="groundbreakings")
    >>> round(a.total, 2), list(a.table["delta"].round(2))
    (0.01, [0.06, -0.05])
    """

    table: pd.DataFrame
    label: str | None = None
    before_label: str | None = None
    after_label: str | None = None

    def __post_init__(self) -> None:
        missing = {"step", "start", "end"} - set(self.table.columns)
        if missing:
            raise ValueError(f"an attribution table needs the columns step, start and end; "
                             f"{', '.join(sorted(missing))} missing")
        table = self.table[["step", "start", "end"]].reset_index(drop=True).copy()
        table["step"] = table["step"].astype(str)
        table["start"] = table["start"].astype(float)
        table["end"] = table["end"].astype(float)
        table["delta"] = table["end"] - table["start"]
        check_chain(table)
        object.__setattr__(self, "table", table)

    @classmethod
    def from_steps(cls, steps: Iterable[tuple[str, float, float]], **labels) -> "Attribution":
        """From ``(label, value_before, value_after)`` triples, in order."""
        return cls(pd.DataFrame(list(steps), columns=["step", "start", "end"]), **labels)

    @classmethod
    def split(cls, frame: pd.DataFrame, by: str = "target", **labels) -> dict[str, "Attribution"]:
        """One attribution per value of ``by`` (e.g. :func:`~forecasting.evaluation.refresh.attribute_change`'s
        rows per target), in order of appearance."""
        return {str(k): cls(g, label=str(k), **labels) for k, g in frame.groupby(by, sort=False)}

    @property
    def before(self) -> float:
        return float(self.table["start"].iloc[0])

    @property
    def after(self) -> float:
        return float(self.table["end"].iloc[-1])

    @property
    def total(self) -> float:
        """The total change, ``after − before``."""
        return self.after - self.before

    def to_frame(self) -> pd.DataFrame:
        """The steps with ``step``, ``start``, ``end``, ``delta``."""
        return self.table.copy()


def check_chain(table: pd.DataFrame, *, by: str | Sequence[str] | None = None, atol: float = CHAIN_ATOL) -> None:
    """Raise ``ValueError`` unless the steps of ``table`` chain (per group of ``by``).

    Checks that there is at least one step, that every ``start`` and ``end`` is finite and
    that each step's ``start`` equals the previous step's ``end`` within ``atol``; then the
    steps' deltas add up to the total change.
    """
    groups = table.groupby(by, sort=False) if by is not None else [(None, table)]
    for key, g in groups:
        where = f" for {by} {key}" if by is not None else ""
        if len(g) == 0:
            raise ValueError(f"an attribution needs at least one step{where}")
        start, end = g["start"].to_numpy(float), g["end"].to_numpy(float)
        steps = g["step"].astype(str).to_numpy()
        bad = ~(np.isfinite(start) & np.isfinite(end))
        if bad.any():
            raise ValueError(f"step {steps[bad.argmax()]!r}{where} has a missing or infinite value")
        gap = np.abs(start[1:] - end[:-1])
        if (gap > atol).any():
            i = int(gap.argmax()) + 1
            raise ValueError(f"the steps do not chain{where}: {steps[i]!r} starts at {start[i]:.6g} but "
                             f"{steps[i - 1]!r} ended at {end[i - 1]:.6g}; each step must start where "
                             "the previous one ended")


__all__ = ["Attribution", "KINDS", "QuarterChanges", "check_chain", "quarter_changes", "snapshot_changes"]
