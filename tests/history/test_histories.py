"""Rebuilt project histories, and an as-of view that cannot peek.

Also issue 14: a folder that starts with one snapshot, and a district with its own ids.
A new office has only its current snapshot: histories then come from the milestone dates,
what one snapshot cannot tell is said (a ``ShortHistoryWarning``), and the forecast of the
year's groundbreakings stays close to the one the full history gives. A district whose
units and sectors have other ids forecasts the same numbers, and the curated notebooks
(the prepared scenarios included) run on it.
"""
from __future__ import annotations

import csv
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.cli.main import main
from forecasting.errors import ShortHistoryWarning
from forecasting.history.histories import target_counts
from forecasting.synthetic.generator import simulate_district


def test_upto_sees_nothing_later(sim_history):
    _, full = sim_history
    h = full.upto("2021Q2")
    assert h.as_of == "2021Q2" and h.quarters[-1] == "2021Q2"
    assert h.effort["quarter"].max() == "2021Q2"
    for col in ("first_seen", "signed_date", "groundbreaking_date", "lost_date"):
        assert (h.projects[col].dropna() <= h.as_of_date).all()
    with pytest.raises(ValueError, match="no snapshot"):
        full.upto("2030Q1")


def test_rebuilt_paths_match_the_truth(sim_history):
    sim, full = sim_history
    P = full.projects.set_index("project_id")
    T = sim.projects.set_index("project_id").loc[P.index]
    signed = P["investment_signed"].notna()
    assert np.allclose(P.loc[signed, "investment_signed"], T.loc[signed, "size_signed"])
    # negotiation dates are only bracketed by the quarterly snapshots: within about a quarter
    both = P["negotiating_date"].notna() & T["negotiating_date"].notna()
    err = (P.loc[both, "negotiating_date"] - T.loc[both, "negotiating_date"]).dt.days.abs()
    assert err.median() < 46
    lost = P["stage"].eq("lost")
    assert (P.loc[lost, "lost_from"] == T.loc[lost, "lost_from"]).mean() > 0.9


def test_target_counts_match_the_truth(sim_history):
    sim, full = sim_history
    t = sim.district.targets_for(2022)
    T = sim.projects
    counts = target_counts(full.projects, 2022, t)
    g = T["groundbreaking_date"].dt.year.eq(2022) & (T["size_now"] >= t.groundbreakings_min_bn)
    assert counts["groundbreakings"] == g.sum()
    assert counts["provincial_major"] == T["designated_year"].eq(2022).sum()
    s = T["signed_date"].dt.year.eq(2022)
    assert counts["tier_10bn"] == (s & (T["size_signed"] >= 10)).sum()


# ------------------------------------------------------------------ a folder with one snapshot

SEED = 7
END = "2024Q1"
#: Single-snapshot forecast of 2024 groundbreakings (as of 2024Q1) against the full
#: history's: measured 23.8 against 23.9 (two snapshots 24.6; seed 7, 2,000 draws); allowed off by this much.
TOLERANCE_GROUNDBREAKINGS = 1.5

UNIT_IDS = {"branch_1": "unit_a", "branch_2": "unit_b", "branch_3": "unit_c", "branch_4": "unit_d",
            "branch_5": "unit_e", "center_beijing": "unit_f", "center_shanghai": "unit_g",
            "center_nanjing": "unit_h", "campaign_top10": "unit_i"}
SECTOR_IDS = {"new_energy": "sec_ne", "auto_parts": "sec_auto", "smart_appliances": "sec_home",
              "photovoltaics": "sec_pv", "smart_grid": "sec_grid", "other": "sec_other"}


def _rewrite_csv(path: Path, fn) -> None:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    fields = list(rows[0]) if rows else []
    rows = [r for r in (fn(r) for r in rows) if r is not None]
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def make_folder(path: Path, *, keep: int | None = None, rename: bool = False) -> Path:
    """The generator's district (seed ``SEED``, to ``END``) written at ``path``; ``keep``: only
    the last so many snapshots (and their effort rows); ``rename``: every unit and sector id
    renamed consistently in district.toml, effort.csv and every snapshot."""
    sim = simulate_district(rng=SEED, end=END)
    sim.write(path)
    files = sorted((path / "ledger").iterdir())
    if keep is not None:
        for f in files[:-keep]:
            f.unlink()
        files = files[-keep:]
        quarters = {f.stem for f in files}
        _rewrite_csv(path / "effort.csv", lambda r: r if r["quarter"] in quarters else None)
    if rename:
        toml = (path / "district.toml").read_text(encoding="utf-8")
        for old, new in {**UNIT_IDS, **SECTOR_IDS}.items():
            toml = re.sub(rf'(["\.\[]){re.escape(old)}(["\]\s=])', rf"\g<1>{new}\g<2>", toml)
        (path / "district.toml").write_text(toml, encoding="utf-8")

        def ledger_row(r):
            return {**r, "unit": UNIT_IDS[r["unit"]], "sector": SECTOR_IDS[r["sector"]]}

        for f in files:
            _rewrite_csv(f, ledger_row)
        _rewrite_csv(path / "effort.csv", lambda r: {**r, "unit": UNIT_IDS[r["unit"]]})
    return path


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("issue14")
    return {
        "full": make_folder(root / "full"),
        "one": make_folder(root / "one", keep=1),
        "two": make_folder(root / "two", keep=2),
        "renamed": make_folder(root / "renamed", rename=True),
    }


def _forecast(folder: Path, out: Path, capsys) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    assert main(["validate", str(folder)]) == 0
    rc = main(["forecast", str(folder), "--as-of", END, "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 0, err
    return (pd.read_csv(out / "targets.csv").set_index("target"),
            pd.read_csv(out / "projects.csv").set_index("project_id"), err)


@pytest.fixture(scope="module")
def full_forecast(folders, tmp_path_factory):
    from forecasting import load_history
    from forecasting.simulation.outcomes import OutcomeModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fc = OutcomeModel().fit(load_history(folders["full"])).forecast(2024, n_draws=2000, rng=0)
    return fc.targets.set_index("target"), fc.projects.set_index("project_id")


def test_the_folder_is_what_a_new_office_has(folders):
    assert [f.name for f in (folders["one"] / "ledger").iterdir()] == [f"{END}.csv"]
    effort = pd.read_csv(folders["one"] / "effort.csv")
    assert set(effort["quarter"]) == {END}


@pytest.mark.parametrize("name", ["one", "two"])
def test_forecast_from_a_short_history_is_close_to_the_full_one(name, folders, full_forecast, tmp_path, capsys):
    with pytest.warns(ShortHistoryWarning) as caught:
        targets, projects, err = _forecast(folders[name], tmp_path / "out", capsys)
    full_targets, _ = full_forecast
    gap = abs(targets.loc["groundbreakings", "mean"] - full_targets.loc["groundbreakings", "mean"])
    assert gap <= TOLERANCE_GROUNDBREAKINGS, (targets.loc["groundbreakings", "mean"],
                                              full_targets.loc["groundbreakings", "mean"])
    # the tiers stay sane: no flat-prior explosion of the size curve
    for tier in ("tier_10bn", "tier_5bn"):
        assert targets.loc[tier, "mean"] < 5 * max(full_targets.loc[tier, "mean"], 0.5)
    assert projects.filter(like="p_").apply(lambda c: c.between(0, 1)).all().all()
    # what the short history cannot tell is said, as a sentence
    said = " ".join(str(w.message) for w in caught)
    assert "Traceback" not in err and "snapshot" in said and "negotiation" in said


def test_short_history_warning_says_what_one_snapshot_cannot_tell(folders):
    from forecasting import load_history
    from forecasting.history.histories import short_history_notes
    from forecasting.simulation.outcomes import OutcomeModel
    from forecasting.report.overview import data_quality

    h = load_history(folders["one"])
    with pytest.warns(ShortHistoryWarning, match="Losses and investment revisions before 2024Q1 are unknown"):
        OutcomeModel(new_leads=False).fit(h)
    notes = " ".join(short_history_notes(h))
    assert "negotiation" in notes and "second snapshot" in notes
    dq = data_quality(h, language="en")  # the style may be left in Chinese by an earlier test
    assert dq.index.str.startswith("short history").sum() == len(short_history_notes(h))
    assert "unknown" in dq.loc["amount revised by signing", "finding"]
    assert short_history_notes(load_history(folders["full"])) == []


def test_backtest_and_changes_say_why_not(folders, tmp_path, capsys):
    from forecasting import load_history
    from forecasting.evaluation.backtest import origins_note
    from forecasting.evaluation.changes import changes_note

    h = load_history(folders["one"])
    assert "the folder's only snapshot quarter" in origins_note(h)
    assert main(["backtest", str(folders["one"]), "--out", str(tmp_path / "bt"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "third year" in err and "Traceback" not in err
    assert not (tmp_path / "bt").exists()
    assert "need two snapshots" in changes_note(h, "2023Q4", END)
    assert changes_note(load_history(folders["two"]), "2023Q4", END) is None
    note = origins_note(load_history(folders["full"]))
    assert note.startswith("The backtest uses ") and "third year" in note


def test_renamed_ids_forecast_the_same_numbers(folders, tmp_path, capsys):
    a_t, a_p, _ = _forecast(folders["full"], tmp_path / "a", capsys)
    b_t, b_p, _ = _forecast(folders["renamed"], tmp_path / "b", capsys)
    # single-precision propagation, another order of categories, 6 decimals in the CSV: 5e-6
    pd.testing.assert_frame_equal(a_t, b_t, check_exact=False, rtol=0, atol=5e-6)
    pd.testing.assert_frame_equal(a_p, b_p, check_exact=False, rtol=0, atol=5e-6)


def test_prepared_scenarios_adapt_to_the_district(folders):
    from forecasting import load_history
    from forecasting.whatif.prepared import prepared_scenarios

    scenarios_dir = Path(__file__).resolve().parents[2] / "notebooks" / "scenarios"
    bundled, notes = prepared_scenarios(load_history(folders["full"]), scenarios_dir)
    assert notes == [] and len(bundled) == len(list(scenarios_dir.glob("*.toml")))
    h = load_history(folders["renamed"])
    scenarios, notes = prepared_scenarios(h, scenarios_dir)
    assert any("pv_and_smart_grid.toml" in n for n in notes)
    names = [s.name for s in scenarios]
    assert sum(s.approval_speed != 1.0 for s in scenarios) == 1  # the file's, not a second one
    assert any(n.startswith("Two more staff for") for n in names)
    assert "The biggest open project slips 3 months" in names
    units = {u for s in scenarios for u in s.effort}
    assert units <= set(h.district.unit_ids) and units


def test_baselines_and_provincial_say_when_they_have_nothing_to_learn_from(folders):
    from forecasting import StageWeighted, load_history
    from forecasting.models.provincial import fit_provincial

    h = load_history(folders["one"])
    with pytest.warns(ShortHistoryWarning, match="baseline needs a past quarter-end"):
        StageWeighted().fit(h)
    with pytest.warns(ShortHistoryWarning, match="provincial list"):
        res = fit_provincial(h)
    assert res.n_nominated > 0  # the designations the dates show, not a prior of zero
