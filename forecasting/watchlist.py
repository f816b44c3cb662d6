"""The watch lists of notebook 02: which projects to watch this year, and why."""
from __future__ import annotations

import pandas as pd

from .outcomes import OutcomeResults



def outlook(results: OutcomeResults, year: int, *, rng=0) -> pd.DataFrame:
    """Every project with its probabilities and intervals, a short label for charts, and
    ``open_EVENT`` flags for the events still undecided at the as-of date."""
    from .forecast import settled_probabilities

    probs = results.project_probabilities(year, rng=rng)
    settled = settled_probabilities(results.history, year)
    for col in settled.columns.drop("project_id"):
        probs["open_" + col[2:]] = settled[col].isna().to_numpy()
    P = results.history.projects.set_index("project_id")
    out = probs.join(P[["name", "sector", "unit", "investor"]], on="project_id")
    out["label"] = (out["project_id"] + " · " + out["investor"].str.slice(0, 22) + " · "
                    + out["investment_bn"].map(lambda v: f"{v:.1f} bn"))
    return out


def most_likely(table: pd.DataFrame, event: str, *, n: int = 10) -> pd.DataFrame:
    """Open projects most likely to reach ``event`` (e.g. ``groundbreaking``) this year."""
    col = f"p_{event}"
    open_ = table[table[f"open_{event}"]]
    return open_.nlargest(n, col)


def at_risk(table: pd.DataFrame, *, min_bn: float = 5.0, n: int = 10) -> pd.DataFrame:
    """Big open projects least likely to break ground this year (at risk of slipping)."""
    big = table[table["open_groundbreaking"] & (table["investment_bn"] >= min_bn)]
    return big.nsmallest(n, "p_groundbreaking")
