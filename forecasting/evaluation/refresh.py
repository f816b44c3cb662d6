"""The quarterly refresh: why each target's probability moved since last quarter.

Between two snapshots the chance of meeting a target moves for five reasons, taken in this
order, each step changing one thing and keeping the rest:

1. **a quarter passed**: the same projects, three months older, with nothing new (a
   quarter without progress costs probability);
2. **new projects**: the leads that arrived in the quarter (instead of the ones the model
   expected, which are no longer to come);
3. **progress**: stage moves, revisions and provincial decisions of existing projects;
4. **losses**: projects that dropped out;
5. **model refit**: the model re-estimated with the new quarter's data.

Steps 1–4 use last quarter's fitted model on ledgers that mix the two snapshots; step 5
swaps in this quarter's fit. The steps chain (each starts where the previous ended), so
they add up exactly to the total change. Each step is a fresh simulation with the same
seed: differences of a percentage point or so are within simulation noise
(about ``sqrt(p (1 - p) / draws)`` per step).
"""
from __future__ import annotations

import pandas as pd

from ..history.histories import History
from ..simulation.outcomes import OutcomeModel

STEPS = ("a quarter passed", "new projects", "progress", "losses", "model refit")


def _hybrid(full: History, prev: str, curr: str, step: int) -> History:
    """The history as of ``curr`` whose last snapshot applies only the first ``step`` changes."""
    base = full.upto(curr)
    old, new = base.snapshots[prev].set_index("project_id"), base.snapshots[curr].set_index("project_id")
    if step >= 4:  # losses too: the new snapshot as it is
        table = new
    else:
        kept = old.index
        moved = kept[new.loc[kept, "stage"].to_numpy() != "lost"] if step >= 3 else kept[:0]
        parts = [old.loc[kept.difference(moved)], new.loc[moved]]
        if step >= 2:  # new projects
            parts.append(new.loc[new.index.difference(old.index)])
        table = pd.concat(parts)
    snaps = {q: s for q, s in base.snapshots.items() if q != curr}
    snaps[curr] = table.reset_index()[list(base.snapshots[curr].columns)]
    return History(base.district, base.effort, snaps)


def attribute_change(full: History, prev: str, curr: str, year: int | None = None, *,
                     model: OutcomeModel | None = None, n_draws: int = 20_000, seed: int = 0) -> pd.DataFrame:
    """Each target's change in ``p_meet`` from ``prev`` to ``curr``, split into steps.

    Returns one row per (target, step) with ``start``, ``end`` and ``delta`` (= end − start);
    per target the deltas sum to the total change exactly.
    """
    model = model or OutcomeModel()
    year = year or full.upto(curr).as_of_date.year
    old = model.fit(full.upto(prev))
    new = model.fit(full.upto(curr))
    p = [old.simulate(year, n_draws=n_draws, rng=seed).targets().set_index("target")["p_meet"]]
    for step in range(1, 5):
        p.append(old.on(_hybrid(full, prev, curr, step)).simulate(year, n_draws=n_draws, rng=seed)
                 .targets().set_index("target")["p_meet"])
    p.append(new.simulate(year, n_draws=n_draws, rng=seed).targets().set_index("target")["p_meet"])
    rows = []
    for target in p[0].index:
        for i, label in enumerate(STEPS):
            start, end = float(p[i][target]), float(p[i + 1][target])
            rows.append({"target": target, "step": label, "start": start, "end": end, "delta": end - start})
    out = pd.DataFrame(rows)
    return out


def total_change(attribution: pd.DataFrame) -> pd.DataFrame:
    """Per target: p_meet last quarter, now, and the change (the sum of the steps)."""
    g = attribution.groupby("target", sort=False)
    return pd.DataFrame({"before": g["start"].first(), "after": g["end"].last(), "change": g["delta"].sum()})


__all__ = ["attribute_change", "total_change", "STEPS"]
