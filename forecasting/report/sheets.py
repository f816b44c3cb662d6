"""The forecast as planners receive it: the sheets of the Excel workbook sent round.

The workbook itself is written by :func:`forecasting.output.write_xlsx`; this module decides
what goes in it, in the report's language.
"""
from __future__ import annotations

import pandas as pd


def forecast_sheets(history, projects: pd.DataFrame, targets: pd.DataFrame, year: int, *,
                    language: str | None = None) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """The sheets of the forecast planners send round, in ``language`` (default: the style's).

    * the open projects (not operating or lost, with at least one of the year's events
      still undecided): name, investor, unit and sector labels, stage, amount, whether each
      can count toward the groundbreaking target and each size tier, and the probabilities
      with their 90 % intervals; the ones that can count toward the groundbreaking target
      first, most likely first, then by their best tier chance;
    * the settled projects (every event of the year already decided), the same columns;
    * the targets (:meth:`PortfolioSimulation.targets`);
    * a sheet explaining every column.

    Parameters
    ----------
    history : the :class:`~forecasting.history.histories.History` the forecast was made from.
    projects : per-project probabilities (:meth:`Forecaster.project_probabilities <forecasting.simulation.outcomes.Forecaster.project_probabilities>`).
    targets : ``targets.csv`` rows of the year.
    year : the target year.

    Returns
    -------
    sheets : sheet name -> table with readable headers, for :func:`~forecasting.output.write_xlsx`.
    percent : the headers of the probability columns (``write_xlsx(..., percent=percent)``).
    """
    from ..forecast.contract import settled_probabilities
    from ..texts import language as current, text
    from .display import header, readable

    lang = language or current()
    say = lambda key, **v: text(f"excel.{key}", language=lang, **v)  # noqa: E731
    goals = history.district.targets_for(year)
    P = history.projects.set_index("project_id")
    d = projects.join(P[["name", "investor", "unit", "sector"]], on="project_id")
    before_ground = d["stage"].isin(["lead", "negotiating", "signed", "approved"])
    unsigned = d["stage"].isin(["lead", "negotiating"])
    d["counts_groundbreakings"] = before_ground & (d["investment_bn"] >= goals.groundbreakings_min_bn)
    tier_cols = []
    for tier in goals.tiers:
        col = f"counts_tier_{tier.name}"
        d[col] = unsigned & tier.contains(d["investment_bn"])
        tier_cols.append(col)
    p_cols = [c for c in projects.columns if c.startswith("p_") and not c.endswith(("_lo", "_hi"))]
    p_tiers = [c for c in p_cols if c.startswith("p_tier_")]
    settled = settled_probabilities(history, year).set_index("project_id").reindex(d["project_id"])
    undecided = settled.isna().any(axis=1).to_numpy()
    is_open = ~d["stage"].isin(["operating", "lost"]).to_numpy() & undecided
    d["_best_tier"] = d[p_tiers].max(axis=1) if p_tiers else 0.0
    d = d.sort_values(["counts_groundbreakings", "p_groundbreaking", "_best_tier", "investment_bn"],
                      ascending=False, kind="mergesort")
    is_open = pd.Series(is_open, index=projects.index).loc[d.index].to_numpy()
    columns = ["project_id", "name", "investor", "unit", "sector", "stage", "investment_bn",
               "counts_groundbreakings", *tier_cols]
    for c in p_cols:
        columns += [c, f"{c}_lo", f"{c}_hi"]
    columns = [c for c in columns if c in d.columns]
    yes, no = text("labels.yes", language=lang), text("labels.no", language=lang)

    def table(rows: pd.DataFrame) -> pd.DataFrame:
        rows = rows[columns].copy()
        for c in ["counts_groundbreakings", *tier_cols]:
            rows[c] = rows[c].map({True: yes, False: no})
        out = readable(rows.reset_index(drop=True), history.district, language=lang)
        out[header("name", lang)] = rows["name"].to_numpy()  # full names in Excel
        return out

    target_rows = targets.reset_index(drop=True)
    # the Monte Carlo error of p_meet is a probability too: "0.1%", not "0.001"
    percent = [header(c, lang) for c in columns + list(target_rows.columns) if c.startswith("p_")]
    sheets = {say("sheet_projects"): table(d[is_open]),
              say("sheet_settled"): table(d[~is_open]),
              say("sheet_targets"): readable(target_rows, history.district, language=lang)}
    sheets[say("sheet_columns")] = _explain(columns, list(target_rows.columns), sheets, goals, year, lang)
    return sheets, percent


def _explain(columns: list[str], target_columns: list[str], sheets: dict, goals, year: int, lang: str) -> pd.DataFrame:
    """One row per column of the project and target sheets: sheet, header, meaning."""
    from ..texts import entries, text
    from .display import header

    about = entries("excel")
    say = lambda key, **v: text(f"excel.{key}", language=lang, **v)  # noqa: E731
    tiers = {f"tier_{t.name}": t for t in goals.tiers}

    def tier_name(key: str) -> str:
        from ..texts import target_label

        return target_label(key, language=lang)

    def band(t) -> str:
        lo = f"{t.min_bn:g}" if lang == "en" else f"{t.min_bn * 10:g}"
        if t.max_bn is None:
            return say("band_from", lo=lo)
        hi = f"{t.max_bn:g}" if lang == "en" else f"{t.max_bn * 10:g}"
        return say("band_between", lo=lo, hi=hi)

    def meaning(col: str) -> str:
        if col.endswith("_lo") and col.startswith("p_"):
            return say("about_lo")
        if col.endswith("_hi") and col.startswith("p_"):
            return say("about_hi")
        if col == "counts_groundbreakings":
            return say("about_counts_groundbreakings", min_bn=f"{goals.groundbreakings_min_bn:g}",
                       min_yi=f"{goals.groundbreakings_min_bn * 10:g}")
        if col.startswith("counts_tier_"):
            key = col[len("counts_"):]
            return say("about_counts_tier", tier=tier_name(key), band=band(tiers[key]))
        if col.startswith("p_tier_"):
            return say("about_p_tier", tier=tier_name(col[2:]), year=year)
        if f"about_{col}" in about:
            return say(f"about_{col}", year=year)
        return ""

    names = list(sheets)
    rows = [(names[0], header(c, lang), meaning(c)) for c in columns]
    rows += [(names[2], header(c, lang), meaning(c)) for c in target_columns]
    return pd.DataFrame(rows, columns=[say("sheet_sheet"), say("sheet_column"), say("sheet_meaning")])


#: The probability columns of the quarter-changes workbook (the attribution's steps).
CHANGE_PERCENT = ("start", "end", "delta")


def changes_sheets(changes, attribution: pd.DataFrame, district, *,
                   language: str | None = None) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """The sheets of the quarter-changes workbook (notebook 06): the events, their summary
    and the attribution of each target's change. The English workbook keeps the column names
    the contracts use; another language's has readable sheet names and headers.

    Returns the sheets and the headers of the probability columns, for
    ``write_xlsx(..., percent=percent)`` (the attribution's probabilities as percentages).
    """
    from ..texts import language as current, text
    from .display import header, readable

    lang = language or current()
    sheets = {"changes": changes.events, "summary": changes.summary(), "attribution": attribution}
    if lang == "en":
        return sheets, list(CHANGE_PERCENT)
    sheets = {text(f"labels.sheet_{k}", language=lang): readable(v, district, language=lang) for k, v in sheets.items()}
    return sheets, [header(c, lang) for c in CHANGE_PERCENT]
