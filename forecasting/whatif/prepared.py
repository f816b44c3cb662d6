"""The prepared what-ifs: the scenario files that fit the district, examples built from it, and their table.

Notebook 04 opens with the prepared scenarios (:func:`prepared_scenarios`: the files of
``notebooks/scenarios/`` that fit the district, examples of :func:`district_scenarios` in
place of those that do not) and the change each makes to every target's chance per year
(:func:`scenario_changes`).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Sequence

import pandas as pd

from ..errors import DataError
from ..texts import text
from ..simulation.portfolio import PortfolioSimulator, compare
from .scenario import Scenario, plain_number
from .scenario_file import read_scenario

if TYPE_CHECKING:
    from ..history.histories import History


def district_scenarios(history: "History", *, language: str | None = None) -> list[Scenario]:
    """Example scenarios built from the district in hand (its own unit and project ids):
    two more staff for the unit with the most open leads, approval 1.5 times as fast, and
    the biggest open project (not yet under construction) slipping 3 months. An example the
    ledger cannot support (no staffed unit with leads, no open project) is left out.
    Their names are in ``language`` (default: the report's), the unit by its label in it."""
    say = lambda key, **v: text(f"whatif.{key}", language=language, **v)  # noqa: E731
    P = history.latest
    out: list[Scenario] = []
    eff = history.effort[history.effort["quarter"] == history.as_of].set_index("unit")
    leads = P[P["stage"].isin(["lead", "negotiating"])]
    counts = leads["unit"].value_counts()
    staffed = [u for u in counts.index if u in eff.index and float(eff.loc[u, "staff"]) > 0]
    if staffed:
        unit = staffed[0]
        from ..texts import language as current

        label = history.district.unit_label(unit, language or current()) if unit in history.district.unit_ids else unit
        now = float(eff.loc[unit, "staff"])
        out.append(Scenario.from_dict({
            "name": say("example_staff", unit=label),
            "description": f"The unit with the most open leads ({int(counts[unit])}): {plain_number(now)} -> "
                           f"{plain_number(now + 2)} staff from next quarter.",
            "effort": {unit: {"staff": now + 2}}}, history.district, P))
    out.append(Scenario.from_dict({
        "name": say("example_approval"),
        "description": "The signed -> approved -> groundbreaking steps 1.5 times as likely each month.",
        "approval": {"speed": 1.5}}, history.district, P))
    open_ = P[P["stage"].isin(["lead", "negotiating", "signed", "approved"])]
    if len(open_):
        big = open_.sort_values(["investment_bn", "project_id"], ascending=[False, True]).iloc[0]
        out.append(Scenario.from_dict({
            "name": say("example_slip"),
            "description": f"{big['project_id']} ({big['name']}, {plain_number(float(big['investment_bn']))} bn, "
                           f"{big['stage']}) three months later.",
            "projects": [{"id": str(big["project_id"]), "slip_months": 3}]}, history.district, P))
    return out


def prepared_scenarios(history: "History", folder: Path | str = "scenarios", *,
                       language: str | None = None) -> tuple[list[Scenario], list[str]]:
    """The prepared scenario files of ``folder`` that fit the district, and notes.

    Every ``.toml`` file is checked against the district and the as-of ledger. When all
    fit (the bundled district), they are the scenarios. A file naming units, sectors or
    projects this district does not have is left out with a sentence, and the examples of
    :func:`district_scenarios` take the place of the files left out (skipping one whose
    kind a kept file already covers), so the notebook runs on any valid folder.

    Returns the scenarios and the notes (one sentence per file left out), the examples'
    names and the notes in ``language`` (default: the report's).
    """
    kept: list[Scenario] = []
    notes: list[str] = []
    for path in sorted(Path(folder).glob("*.toml")):
        try:
            kept.append(read_scenario(path, history.district, history.latest, as_of=history.as_of_date))
        except DataError as exc:
            first = str(exc.breaches[0]) if exc.breaches else str(exc)
            notes.append(text("whatif.scenario_left_out", language=language, file=path.name, reason=first))
    if notes:
        has_approval = any(sc.approval_speed != 1.0 for sc in kept)
        extra = [sc for sc in district_scenarios(history, language=language)
                 if not (has_approval and sc.approval_speed != 1.0)]
        kept += extra
        notes.append(text("whatif.scenario_in_their_place", language=language,
                          names=text("whatif.list_separator", language=language).join(sc.display_name(language)
                                                                                 for sc in extra)))
    return kept, notes


def scenario_changes(base: Mapping[int, PortfolioSimulator], scenarios: Sequence[Scenario], *,
                     language: str | None = None) -> pd.DataFrame:
    """The change each scenario makes to every target's chance of being met, year by year.

    Each scenario is simulated beside each year's simulator of today's plans in ``base``
    with the same draws, seed and parameter draws (common random numbers), so a change is
    the scenario's alone.

    Parameters
    ----------
    base : year -> the simulator of today's plans
        (:class:`~forecasting.simulation.portfolio.PortfolioSimulator`).
    scenarios : the what-ifs (:class:`~forecasting.whatif.scenario.Scenario`).
    language : the scenarios' names are in it (:meth:`~forecasting.whatif.scenario.Scenario.display_name`;
        default: the report's).

    Returns
    -------
    DataFrame
        indexed by (``scenario`` name in ``language``, ``year``), one column per target (``all`` among
        them): the change in P(met) against today's plans (:func:`~forecasting.simulation.portfolio.compare`'s
        ``change_p_meet``).
    """
    rows = []
    for sc in scenarios:
        for y, sim in base.items():
            alt = PortfolioSimulator(sim.results, y, n_draws=sim.n_draws, rng=sim.seed, adjustments=sc.adjustments(),
                                     n_param_draws=sim.n_param_draws).run()
            c = compare(sim.run(), alt).set_index("target")
            rows.append({"scenario": sc.display_name(language), "year": y, **{f"{t}": c.loc[t, "change_p_meet"] for t in c.index}})
    return pd.DataFrame(rows).set_index(["scenario", "year"])


__all__ = ["district_scenarios", "prepared_scenarios", "scenario_changes"]
