"""The watch lists of notebook 02: which projects to watch this year, and why — and which
of them can count toward a target at all.

Only projects of at least the year's ``groundbreakings_min_bn`` count toward the
groundbreaking target, and a size tier counts only signings in the year inside its band,
so every list says, per project, which targets it can still count toward
(``counts_toward``), whether its groundbreaking counts (``counts_for_groundbreakings``),
and why not where it does not (``counting_note``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..simulation.outcomes import Forecaster
from ..texts import text

#: A chance below this (one in a thousand) is no chance of counting toward a target.
CHANCE = 1e-3


def counts_toward(history, year: int, table: pd.DataFrame, *, language: str | None = None) -> pd.DataFrame:
    """Which targets each project of ``table`` can still count toward in ``year``.

    Parameters
    ----------
    history : the as-of :class:`~forecasting.history.histories.History` (its district's targets).
    table : one row per project with ``project_id``, ``investment_bn`` and the year's
        probabilities ``p_groundbreaking``, ``p_tier_NAME``…, ``p_provincial`` (a chance
        below :data:`CHANCE` counts as none); an
        ``open_EVENT`` flag, where present, says the event is still undecided.

    Returns
    -------
    One row per row of ``table`` (same index): ``counts_for_groundbreakings`` (its amount
    reaches ``groundbreakings_min_bn``), ``counts_toward`` (the targets it has a chance to
    count toward, in words, or "none") and ``counting_note`` (why not, where it cannot:
    below the groundbreaking threshold, signed before the year, or, large enough and still
    to break ground, less than a :data:`CHANCE` of doing so in the year).
    """
    from ..texts import target_label

    targets = history.district.targets_for(year)
    min_bn = float(targets.groundbreakings_min_bn)
    amount = table["investment_bn"].to_numpy(float)
    counted = amount >= min_bn - 1e-12

    def chance(event: str) -> np.ndarray:
        p = table[f"p_{event}"].to_numpy(float) >= CHANCE if f"p_{event}" in table else np.zeros(len(table), bool)
        if f"open_{event}" in table:
            p &= table[f"open_{event}"].to_numpy(bool)
        return p

    unlikely = counted & ~chance("groundbreaking")
    if "open_groundbreaking" in table:
        unlikely &= table["open_groundbreaking"].to_numpy(bool)
    can = {"groundbreakings": counted & chance("groundbreaking")}
    for tier in targets.tiers:
        can[f"tier_{tier.name}"] = chance(f"tier_{tier.name}")
    can["provincial_major"] = chance("provincial")
    sep = text("whatif.list_separator", language=language)
    names = {n: target_label(n) for n in can}
    toward = [sep.join(names[n] for n in can if can[n][i]) or text("whatif.counts_none", language=language)
              for i in range(len(table))]
    signed = history.projects.set_index("project_id")["signed_date"].reindex(table["project_id"]).to_numpy()
    before = pd.to_datetime(pd.Series(signed)).lt(pd.Timestamp(f"{year}-01-01")).to_numpy()
    rsep = text("whatif.reason_separator", language=language)
    notes = []
    for i in range(len(table)):
        parts = []
        if not counted[i]:
            parts.append(text("whatif.reason_below_min", language=language, bn=amount[i], yi=10 * amount[i],
                              min_bn=min_bn, min_yi=10 * min_bn))
        if before[i] and targets.tiers:
            parts.append(text("whatif.reason_signed_before", language=language, year=year))
        if unlikely[i]:
            parts.append(text("whatif.reason_groundbreaking_unlikely", language=language, year=year,
                              chance=f"{100 * CHANCE:g}"))
        notes.append(rsep.join(parts))
    return pd.DataFrame({"counts_for_groundbreakings": counted, "counts_toward": toward, "counting_note": notes},
                        index=table.index)


def outlook(forecaster: Forecaster, year: int, *, rng=0) -> pd.DataFrame:
    """Every project with its probabilities and intervals, a short label for charts, and
    ``open_EVENT`` flags for the events still undecided at the as-of date; with
    ``counts_for_groundbreakings``, ``counts_toward`` and ``counting_note``
    (:func:`counts_toward`). The label of a project whose groundbreaking cannot count ends
    with "not counted (< 0.5 bn)"."""
    from ..forecast.contract import settled_probabilities

    results = forecaster.results
    probs = forecaster.project_probabilities(year, rng=rng)
    settled = settled_probabilities(results.history, year)
    for col in settled.columns.drop("project_id"):
        probs["open_" + col[2:]] = settled[col].isna().to_numpy()
    P = results.history.projects.set_index("project_id")
    out = probs.join(P[["name", "sector", "unit", "investor"]], on="project_id")
    out = out.join(counts_toward(results.history, year, out))
    min_bn = float(results.history.district.targets_for(year).groundbreakings_min_bn)
    mark = " · " + text("whatif.not_counted_label", min_bn=min_bn, min_yi=10 * min_bn)
    out["label"] = (out["project_id"] + " · " + out["investor"].str.slice(0, 22) + " · "
                    + out["investment_bn"].map(lambda v: f"{v:.1f} bn")
                    + np.where(out["counts_for_groundbreakings"], "", mark))
    return out


def most_likely(table: pd.DataFrame, event: str, *, n: int = 10, counted_only: bool = False) -> pd.DataFrame:
    """Open projects most likely to reach ``event`` (e.g. ``groundbreaking``) this year.

    Projects whose groundbreaking cannot count stay in the list, marked
    (``counts_for_groundbreakings``, and the label); ``counted_only`` leaves them out of a
    groundbreaking list."""
    col = f"p_{event}"
    open_ = table[table[f"open_{event}"]]
    if counted_only and event == "groundbreaking" and "counts_for_groundbreakings" in open_:
        open_ = open_[open_["counts_for_groundbreakings"]]
    return open_.nlargest(n, col)


def tier_candidates(table: pd.DataFrame, tier: str, *, n: int = 5) -> pd.DataFrame:
    """The ``n`` projects most likely to sign in size tier ``tier`` (its name, ``10bn``) this
    year, among those with at least a :data:`CHANCE` of it (and, where ``table`` says, still
    unsigned); empty when no project has one."""
    col = f"p_tier_{tier}"
    keep = table[col].to_numpy(float) >= CHANCE
    if f"open_tier_{tier}" in table:
        keep &= table[f"open_tier_{tier}"].to_numpy(bool)
    return table[keep].nlargest(n, col)


def at_risk(table: pd.DataFrame, *, min_bn: float = 5.0, n: int = 10) -> pd.DataFrame:
    """Big open projects least likely to break ground this year (at risk of slipping)."""
    big = table[table["open_groundbreaking"] & (table["investment_bn"] >= min_bn)]
    return big.nsmallest(n, "p_groundbreaking")
