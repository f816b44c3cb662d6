"""A synthetic Hailing-like district with known truth.

The generator simulates, month by month, every project of an investment-attraction
pipeline from its arrival as a lead to operation or loss, and writes the quarterly ledger
snapshots, the effort table and ``district.toml`` of a data folder (DATA.md). It is the
source of the bundled illustrative data and of every test and benchmark that needs data
with known truth.

The true process (all rates monthly; ``d`` = whole months spent in the current stage):

* **Inflow.** Leads per unit and quarter are negative binomial with mean
  ``exp(a_u + e_u log(staff) + b_v log(visits per staff / 12) + season_q + v_y)``; ``e_u`` is the
  unit's elasticity to staff, ``v_y`` a yearly inflow shock. A unit with no staff brings none.
* **Progression.** In each month a project in stage ``s`` advances, is lost or stays, by a
  multinomial logit with linear predictors

  ``eta_adv = alpha_s + kappa_s log d + mu_s d + sector + unit type + beta_size_s log(size)``
  ``           + beta_phase2_s [phase >= 2] + season_s[month] + u_year + z_i``
  ``eta_lost = gamma_s + lambda_s log d + delta_s log(size) - rho z_i``

  so durations are not memoryless (``kappa``, ``mu``, ``lambda``), projects differ beyond the
  covariates (frailty ``z_i ~ N(0, frailty_sd²)``: faster projects are also less often lost),
  and good or bad years move every project at once (``u_year ~ N(0, year_sd²)``).
* **Size.** A lead's planned investment is lognormal with a heavy upper component, larger
  for the top-10 campaign; the amount is revised on entering negotiation and at signing
  (mostly downwards, Student-t tails), and signed amounts bunch just above round thresholds.
* **Provincial list.** In October, signed-or-later projects of about 1 bn or more are
  nominated (``provincial = candidate``) with a logistic probability rising with size and
  focus sector; in January the province designates some of them for the new year.

:func:`simulate_district` returns a :class:`Simulation` holding the truth (every project's
frailty, true dates, sizes; the year effects) beside the ledger snapshots it produced. The
pieces live beside it: the parameters and the illustrative district in
:mod:`~forecasting.synthetic.params`, effort and leads in :mod:`~forecasting.synthetic.arrivals`,
progression, revisions and the provincial list in :mod:`~forecasting.synthetic.lifecycle`; this
module keeps the simulation, its snapshots (:func:`ledger_at`) and ``district.toml``
(:func:`district_toml`), and re-exports the pieces' public names.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from ..data.district import District
from ..data.quarters import quarter_end, quarter_range
from ..data.schema import LEDGER_COLUMNS
from .arrivals import SECTOR_WORD, draw_arrivals, inflow_mean, investor_names, ledger_span, simulate_effort
from .lifecycle import progress_projects, provincial_list, signing_amount
from .params import (
    BRANCH_SECTOR,
    FOCUS_SECTORS,
    LEADING_COMPANIES,
    LOST_CODE,
    OPEN_STAGES,
    SECTOR_LABELS,
    SECTORS,
    UNITS,
    StageHazard,
    TrueParams,
    bundled_district,
    default_params,
    with_params,
)

__all__ = [
    "BRANCH_SECTOR", "FOCUS_SECTORS", "LEADING_COMPANIES", "LOST_CODE", "OPEN_STAGES", "SECTOR_LABELS", "SECTORS",
    "UNITS", "Simulation", "StageHazard", "TrueParams", "bundled_district", "default_params", "district_toml",
    "inflow_mean", "investor_names", "ledger_at", "signing_amount", "simulate_district", "simulate_effort",
    "with_params",
]


@dataclass(frozen=True)
class Simulation:
    """One simulated district: the truth and the ledger it produced.

    Attributes
    ----------
    params : the true parameters.
    district : the district (units, sectors, targets).
    projects : one row per project with the hidden truth: ``frailty``, the true month-exact
        date of every stage entered (``negotiating_date`` included, which ledgers lack),
        ``lost_date`` and ``lost_from``, sizes ``size_lead``, ``size_neg``, ``size_signed``,
        ``nominated_mask`` (bit ``year - 2000`` set when nominated that October),
        ``designated_year``.
    year_effects : true progression shock ``u_year`` per calendar year.
    inflow_effects : true inflow shock ``v_year`` per calendar year.
    effort : the effort table (every unit, every quarter simulated).
    start, end : first and last snapshot quarter written to the ledger.
    """

    params: TrueParams
    district: District
    projects: pd.DataFrame
    year_effects: pd.Series
    inflow_effects: pd.Series
    effort: pd.DataFrame
    start: str
    end: str

    @property
    def quarters(self) -> list[str]:
        return quarter_range(self.start, self.end)

    def snapshot(self, quarter: str) -> pd.DataFrame:
        """The canonical ledger table as it stood at the end of ``quarter``."""
        return ledger_at(self.projects, quarter_end(quarter))

    def snapshots(self) -> dict[str, pd.DataFrame]:
        return {q: self.snapshot(q) for q in self.quarters}

    def write(
        self,
        path: Path | str,
        *,
        xlsx_quarters: tuple[str, ...] = (),
        chinese_quarters: tuple[str, ...] = (),
        wan_quarters: tuple[str, ...] = (),
    ) -> Path:
        """Write the data folder (district.toml, effort.csv, ledger/) to ``path``.

        Snapshots in ``xlsx_quarters`` are written as .xlsx; those in ``chinese_quarters``
        with the Chinese headers (amounts in 亿元, or in 万元 for ``wan_quarters``).
        """
        from ..data.ledger import write_snapshot

        path = Path(path)
        (path / "ledger").mkdir(parents=True, exist_ok=True)
        (path / "district.toml").write_text(district_toml(self.district), encoding="utf-8")
        eff = self.effort[self.effort["quarter"].isin(self.quarters)]
        eff.to_csv(path / "effort.csv", index=False, lineterminator="\n")
        for q in self.quarters:
            suffix = ".xlsx" if q in xlsx_quarters else ".csv"
            write_snapshot(
                self.snapshot(q),
                path / "ledger" / f"{q}{suffix}",
                chinese=q in chinese_quarters or q in wan_quarters,
                money="万元" if q in wan_quarters else "亿元",
            )
        return path


def simulate_district(
    params: TrueParams | None = None,
    *,
    start: str = "2019Q1",
    end: str = "2024Q1",
    ledger_start_year: int = 2017,
    simulate_until: str | None = None,
    staff_scale: Mapping[str, float] | None = None,
    year_effects: Mapping[int, float] | None = None,
    rng: np.random.Generator | int | None = 0,
) -> Simulation:
    """Simulate a district from ``ledger_start_year`` and keep snapshots ``start``–``end``.

    Parameters
    ----------
    params : true parameters; :func:`default_params` when omitted.
    start, end : first and last quarter whose snapshot the ledger holds.
    ledger_start_year : the ledger holds every lead since 1 January of this year.
    simulate_until : simulate projects up to the end of this quarter (default ``end``);
        later than ``end`` gives the truth after the last snapshot, for skill studies.
    staff_scale : multiply a unit's staff in every quarter (for known-elasticity tests).
    year_effects : fix the progression shock of some years instead of drawing it.
    rng : a ``numpy.random.Generator`` or a seed.

    Examples
    --------
    >>> sim = simulate_district(rng=1)
    >>> sim.snapshot("2024Q1")["stage"].isin(["lead", "signed", "lost"]).any()
    True
    """
    params = params or default_params()
    rng = np.random.default_rng(rng)
    last, t0, t_end, years = ledger_span(ledger_start_year, end, simulate_until)
    n_months = (t_end.year - t0.year) * 12 + t_end.month  # months 0 .. n_months-1
    u = pd.Series(rng.normal(0.0, params.year_sd, len(years)), index=years)
    v = pd.Series(rng.normal(0.0, params.inflow_year_sd, len(years)), index=years)
    if year_effects:
        for y, val in year_effects.items():
            u[y] = val

    effort = simulate_effort(f"{ledger_start_year}Q1", last, rng=rng, staff_scale=staff_scale)
    arrivals = draw_arrivals(params, effort, v, rng)
    projects = progress_projects(params, arrivals, u, n_months, t0, rng)
    projects = provincial_list(params, projects, n_months, t0, rng)
    district = bundled_district()
    return Simulation(params, district, projects, u, v, effort, start, end)

def ledger_at(projects: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """The canonical ledger table as it stood on ``as_of`` (what a planner saw)."""
    p = projects[projects["first_seen"] <= as_of]
    known = {c: p[c].where(p[c] <= as_of) for c in (
        "negotiating_date", "signed_date", "approved_date", "groundbreaking_date", "operating_date", "lost_date")}
    stage = np.select(
        [known["lost_date"].notna(), known["operating_date"].notna(), known["groundbreaking_date"].notna(),
         known["approved_date"].notna(), known["signed_date"].notna(), known["negotiating_date"].notna()],
        ["lost", "operating", "under_construction", "approved", "signed", "negotiating"],
        default="lead",
    )
    size = np.where(
        known["signed_date"].notna(), p["size_signed"],
        np.where(known["negotiating_date"].notna(), p["size_neg"], p["size_lead"]),
    )
    year, month = as_of.year, as_of.month
    # provincial status: designated from January of its year; candidate from October to the decision
    des = p["designated_year"]
    is_des = des.notna() & (des <= year)
    cand = ~is_des & (month >= 10) & ((np.right_shift(p["nominated_mask"].to_numpy(np.int64), year - 2000) & 1) == 1)
    table = pd.DataFrame({
        "project_id": p["project_id"].astype(str),
        "name": (p["investor"] + " " + p["sector"].map(SECTOR_WORD) + " project"
                 + np.where(p["phase"] >= 2, " (phase " + p["phase"].astype(str) + ")", "")).astype(str),
        "sector": p["sector"].astype(str),
        "unit": p["unit"].astype(str),
        "investor": p["investor"].astype(str),
        "phase": p["phase"].astype("int64"),
        "investment_bn": np.asarray(size, float),
        "stage": pd.Series(stage, index=p.index).astype(str),
        "first_seen": p["first_seen"],
        "signed_date": known["signed_date"],
        "approved_date": known["approved_date"],
        "groundbreaking_date": known["groundbreaking_date"],
        "operating_date": known["operating_date"],
        "lost_date": known["lost_date"],
        "provincial": np.where(is_des, "designated", np.where(cand, "candidate", "none")),
        "provincial_year": pd.array(np.where(is_des, des, pd.NA), dtype="Int64"),
    })
    for c in ("first_seen", "signed_date", "approved_date", "groundbreaking_date", "operating_date", "lost_date"):
        table[c] = pd.to_datetime(table[c]).astype("datetime64[ns]")
    table["provincial"] = table["provincial"].astype(str)
    return table[list(LEDGER_COLUMNS)].reset_index(drop=True)


def district_toml(district: District) -> str:
    """``district.toml`` text for a district (the inverse of ``read_district``)."""

    def q(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [
        "# Illustrative district generated by forecasting.synthetic.generator (not real data).",
        f"name = {q(district.name)}",
        "sectors = [" + ", ".join(q(s) for s in district.sectors) + "]",
        "leading_companies = [",
        *(f"    {q(c)}," for c in district.leading_companies),
        "]",
        "",
    ]
    for u in district.units:
        lines += ["[[units]]", f"id = {q(u.id)}", f"type = {q(u.type)}", f"label = {q(u.label)}"]
        lines += [f"label_zh = {q(u.label_zh)}", ""] if u.label_zh else [""]
    for s in district.sectors:
        labels = district.sector_labels.get(s, {})
        if labels:
            lines.append(f"[sector_labels.{s}]")
            lines += [f"{key} = {q(labels[lang])}" for lang, key in (("en", "label"), ("zh", "label_zh"))
                      if lang in labels]
            lines.append("")
    for kind, table in district.aliases.items():
        if table:
            lines += [f"[aliases.{kind}]", *(f"{q(k)} = {q(v)}" for k, v in table.items()), ""]
    if district.confirmed_revisions:
        lines += ["[confirmed_revisions]", *(f"{q(k)} = {q(v)}" for k, v in district.confirmed_revisions.items()),
                  ""]
    for year, t in sorted(district.targets.items()):
        lines += [
            f"[targets.{year}]",
            f"groundbreakings = {t.groundbreakings}",
            f"groundbreakings_min_bn = {t.groundbreakings_min_bn}",
            f"provincial_major = {t.provincial_major}",
            f"counted_at = {q(t.counted_at)}",
        ]
        for tier in t.tiers:
            lines += [f"[[targets.{year}.tiers]]", f"name = {q(tier.name)}", f"min_bn = {tier.min_bn}"]
            if tier.max_bn is not None:
                lines.append(f"max_bn = {tier.max_bn}")
            lines.append(f"count = {tier.count}")
        lines.append("")
    return "\n".join(lines)
