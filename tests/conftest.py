"""Shared fixtures, built in code: a small hand-written data folder, and simulated districts."""
from __future__ import annotations

import csv
import itertools
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.synthetic.generator import simulate_district
from forecasting.history.histories import History

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "data"

UNITS: dict[str, tuple[str, str]] = {
    "branch_1": ("branch", "New Energy Attraction Branch"),
    "branch_2": ("branch", "Automotive Components Attraction Branch"),
    "branch_3": ("branch", "Smart Home Appliances Attraction Branch"),
    "branch_4": ("branch", "Photovoltaics Attraction Branch"),
    "branch_5": ("branch", "Smart Grid and Energy Management Attraction Branch"),
    "center_beijing": ("center", "Beijing Innovation Centre"),
    "center_shanghai": ("center", "Shanghai Innovation Centre"),
    "center_nanjing": ("center", "Nanjing Innovation Centre"),
    "campaign_top10": ("campaign", "Top-10 Leading Companies Campaign"),
}
SECTORS = ["new_energy", "auto_parts", "smart_appliances", "photovoltaics", "smart_grid", "other"]
QUARTERS = ["2023Q3", "2023Q4", "2024Q1"]
HEADER = ["project_id", "name", "sector", "unit", "investor", "phase", "investment_bn", "stage",
          "first_seen", "signed_date", "approved_date", "groundbreaking_date", "operating_date",
          "lost_date", "provincial", "provincial_year"]

DISTRICT_TOML = '''\
name = "Test District"
sectors = ["new_energy", "auto_parts", "smart_appliances", "photovoltaics", "smart_grid", "other"]
leading_companies = ["Huaxin New Energy Group", "Dongsheng Photovoltaic Technology",
  "Jiangnan Smart Grid Holdings", "Ruifeng Automotive Systems", "Meiyuan Smart Appliances",
  "Tianhe Battery Technology", "Zhongke Power Equipment", "Xingyuan Solar Materials",
  "Hengtai Auto Parts Group", "Lianchuang Home Electronics"]
{units}
[targets.2024]
groundbreakings = 20
groundbreakings_min_bn = 0.5
provincial_major = 3
counted_at = "signed"
[[targets.2024.tiers]]
name = "10bn"
min_bn = 10.0
count = 1
[[targets.2024.tiers]]
name = "5bn"
min_bn = 5.0
max_bn = 10.0
count = 2
'''


def _p(pid, name, sector, unit, investor, phase, bn, stage, first, signed="", approved="", ground="",
       operating="", lost="", provincial="none", year=""):
    return [pid, name, sector, unit, investor, phase, bn, stage, first, signed, approved, ground, operating,
            lost, provincial, year]


#: Rows of each snapshot, in file order (row 2 first). Every stage occurs, and a designation.
SNAPSHOTS: dict[str, list[list[str]]] = {
    "2023Q3": [
        _p("P001", "Lingxin battery cell plant", "new_energy", "branch_1", "Lingxin Energy", "1", "2.5", "lead",
           "2023-08-10"),
        _p("P002", "Ruida brake module line", "auto_parts", "branch_2", "Ruida Auto Parts", "1", "0.8", "lead",
           "2023-05-02"),
        _p("P003", "Meiyuan compressor plant", "smart_appliances", "branch_3", "Meiyuan Smart Appliances", "1",
           "1.2", "signed", "2022-11-15", "2023-07-20"),
        _p("P004", "Xingyuan wafer base", "photovoltaics", "branch_4", "Xingyuan Solar Materials", "1", "6.5",
           "signed", "2022-06-01", "2023-01-10"),
        _p("P005", "Tianhe energy storage park", "new_energy", "center_shanghai", "Tianhe Battery Technology",
           "1", "12.0", "under_construction", "2021-09-01", "2022-03-01", "2022-09-15", "2023-02-20",
           provincial="designated", year="2023"),
        _p("P006", "Zhongke switchgear works", "smart_grid", "branch_5", "Zhongke Power Equipment", "1", "3.0",
           "under_construction", "2020-04-01", "2020-10-01", "2021-03-01", "2021-06-01"),
        _p("P007", "Boyu sensor lab", "other", "center_beijing", "Boyu Sensing", "1", "0.5", "signed",
           "2022-02-01", "2022-08-01"),
    ],
}
SNAPSHOTS["2023Q4"] = [
    SNAPSHOTS["2023Q3"][0],
    _p("P002", "Ruida brake module line", "auto_parts", "branch_2", "Ruida Auto Parts", "1", "0.9", "negotiating",
       "2023-05-02"),
    SNAPSHOTS["2023Q3"][2],
    _p("P004", "Xingyuan wafer base", "photovoltaics", "branch_4", "Xingyuan Solar Materials", "1", "6.5",
       "approved", "2022-06-01", "2023-01-10", "2023-11-05", provincial="candidate"),
    SNAPSHOTS["2023Q3"][4],
    _p("P006", "Zhongke switchgear works", "smart_grid", "branch_5", "Zhongke Power Equipment", "1", "3.0",
       "operating", "2020-04-01", "2020-10-01", "2021-03-01", "2021-06-01", "2023-12-15"),
    _p("P007", "Boyu sensor lab", "other", "center_beijing", "Boyu Sensing", "1", "0.5", "lost", "2022-02-01",
       "2022-08-01", lost="2023-10-20"),
    _p("P008", "Haiyue smart kitchen line", "smart_appliances", "center_nanjing", "Haiyue Home", "1", "0.3",
       "lead", "2023-11-11"),
]
SNAPSHOTS["2024Q1"] = [
    *SNAPSHOTS["2023Q4"][:2],
    _p("P003", "Meiyuan compressor plant", "smart_appliances", "branch_3", "Meiyuan Smart Appliances", "1",
       "1.5", "signed", "2022-11-15", "2023-07-20"),
    *SNAPSHOTS["2023Q4"][3:7],
    _p("P008", "Haiyue smart kitchen line", "smart_appliances", "center_nanjing", "Haiyue Home", "1", "0.3",
       "negotiating", "2023-11-11"),
    _p("P009", "Huaxin battery pack phase 2", "new_energy", "campaign_top10", "Huaxin New Energy Group", "2",
       "8.0", "negotiating", "2024-01-15"),
]


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def make_valid_folder(path: Path) -> Path:
    """Write a small valid data folder at ``path`` and return it.

    Three English CSV snapshots (2023Q3, 2023Q4, 2024Q1) of 7, 8 and 9 projects covering every
    stage, lost and a designation; the six sectors; 5 branches, 3 centres and the campaign;
    the 2024 targets of DATA.md; a complete effort.csv. Written by hand, not by the package,
    so the reader is tested against files it did not produce.
    """
    path = Path(path)
    (path / "ledger").mkdir(parents=True, exist_ok=True)
    units = "".join(f'\n[[units]]\nid = "{u}"\ntype = "{t}"\nlabel = "{label}"\n' for u, (t, label) in UNITS.items())
    (path / "district.toml").write_text(DISTRICT_TOML.format(units=units), encoding="utf-8")
    for q, rows in SNAPSHOTS.items():
        _write_csv(path / "ledger" / f"{q}.csv", HEADER, rows)
    effort = [[q, u, f"{4 + i % 3}", f"{20 + 3 * i + k}", f"{1.5 + i / 4:.2f}"]
              for k, q in enumerate(QUARTERS) for i, u in enumerate(UNITS)]
    _write_csv(path / "effort.csv", ["quarter", "unit", "staff", "visits", "budget_m"], effort)
    return path


@pytest.fixture
def valid_folder(tmp_path) -> Path:
    """A fresh small valid data folder named ``data``, safe to break."""
    return make_valid_folder(tmp_path / "data")


@pytest.fixture(scope="session")
def bundled_history() -> History:
    from forecasting import load_history

    return load_history(BUNDLED)


@pytest.fixture(scope="session")
def sim_history():
    """A simulated district with its truth, as a full history (2019Q1–2023Q4)."""
    sim = simulate_district(rng=3, end="2023Q4")
    return sim, History(sim.district, sim.effort, sim.snapshots())


@pytest.fixture(scope="session")
def inflow_fitted():
    """A simulated district over 2015Q1–2023Q4 (effort varying over time), its history and the
    inflow model fitted on it: ``(sim, history, results)``."""
    from forecasting.models.inflow import fit_inflow

    sim = simulate_district(start="2015Q1", end="2023Q4", ledger_start_year=2015, rng=7)
    h = History(sim.district, sim.effort, sim.snapshots())
    return sim, h, fit_inflow(h)


def notebook_html(obj) -> str:
    """The HTML a notebook shows for ``obj``, asked for the way Jupyter asks (IPython's display formatter)."""
    from IPython.core.formatters import DisplayFormatter

    return DisplayFormatter().format(obj)[0]["text/html"]


def assert_model_verbs(res, alpha: float = 0.1) -> None:
    """The verbs every fitted model shares hold on ``res``: ``conf_int`` is
    ``params ± z · sqrt(diag(cov_params()))``, ``summary()`` is the one table shape over the
    same numbers, and the results are immutable (assigning a field raises; no verb writes
    into the object)."""
    import dataclasses

    import numpy as np
    from scipy import stats

    from forecasting.models.results import SUMMARY_COLUMNS, SummaryTable

    before = dict(vars(res))
    params, cov = res.params, res.cov_params()
    assert list(cov.index) == list(params.index) == list(cov.columns)
    z = stats.norm.ppf(1 - alpha / 2)
    se = np.sqrt(np.diag(cov.to_numpy()))
    ci = res.conf_int(alpha)
    assert list(ci.columns) == ["lower", "upper"] and list(ci.index) == list(params.index)
    np.testing.assert_allclose(ci["lower"], params.to_numpy() - z * se)
    np.testing.assert_allclose(ci["upper"], params.to_numpy() + z * se)
    table = res.summary(alpha)
    assert isinstance(table, SummaryTable) and tuple(table.frame.columns) == SUMMARY_COLUMNS
    np.testing.assert_allclose(table.frame[["lower", "upper"]].to_numpy(), ci.to_numpy())
    np.testing.assert_allclose(table.frame["se"], se)
    assert table.title in str(table) and "<table" in notebook_html(table)
    field = dataclasses.fields(res)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(res, field, None)
    with pytest.raises(AttributeError):
        res.anything_new = 1
    assert vars(res).keys() == before.keys() and all(vars(res)[k] is v for k, v in before.items())


# ------------------------------------------------------------------ the live what-if's year
#: The explorer's tests: fitted as of 2023Q2 with 8 parameter draws, 2024 simulated over 2,000 years, seed 3.
EXPLORER_AS_OF, EXPLORER_YEAR, EXPLORER_N, EXPLORER_SEED = "2023Q2", 2024, 2000, 3


@pytest.fixture(scope="session")
def outcome_forecaster(bundled_history):
    """An outcome model fitted as of 2023Q2, forecasting with 8 parameter draws (the simulation's and the explorer's tests)."""
    from forecasting.simulation.outcomes import OutcomeModel

    return OutcomeModel(n_param_draws=8).fit(bundled_history.upto(EXPLORER_AS_OF))


@pytest.fixture(scope="session")
def outcome_results(outcome_forecaster):
    """The fitted parts of :func:`outcome_forecaster` (what the simulation's pieces read)."""
    return outcome_forecaster.results


@pytest.fixture(scope="session")
def ex(outcome_forecaster):
    """An :class:`~forecasting.report.explorer_engine.Explorer` of 2024 with small grids, computed when asked."""
    import warnings

    from forecasting.report.explorer_engine import Explorer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Explorer(outcome_forecaster, EXPLORER_YEAR, n_draws=EXPLORER_N, rng=EXPLORER_SEED,
                        approval_grid=(1.25,), sector_grid=(0.5,), precompute="none")


@pytest.fixture(scope="session")
def ex_direct(outcome_forecaster):
    """A new simulator's year-end counts under given adjustments, with the explorer's year, size and seed."""
    import warnings

    def direct(adj):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return outcome_forecaster.simulator(EXPLORER_YEAR, n_draws=EXPLORER_N, rng=EXPLORER_SEED,
                                                adjustments=adj).run(monthly=False)

    return direct


@pytest.fixture(scope="session")
def ex_big(outcome_results):
    """The two largest open projects of the explorer's ledger."""
    P = outcome_results.history.projects.set_index("project_id").loc[outcome_results.state["project_id"]]
    return P["investment_bn"].nlargest(2).index.tolist()


@pytest.fixture(scope="session")
def fitted_2023q2(bundled_history):
    """The bundled district fitted as of 2023Q2 (its forecaster, 20 parameter draws), for the what-if tests."""
    from forecasting import OutcomeModel

    return OutcomeModel(n_param_draws=20).fit(bundled_history.upto("2023Q2"))


# ------------------------------------------------------------------------------ scenarios
#: A scenario file using every key, checked against the small folder (:func:`make_valid_folder`).
FULL_SCENARIO = '''\
name = "Everything at once"
description = "Each key the reader understands"
name_zh = "一次全部"
description_zh = "读取器理解的每个键"

[effort.branch_4]
staff = 14
visits = 40
budget_m = 2.5

[effort.campaign_top10]
staff = 7.5

[approval]
speed = 1.5

[[projects]]
id = "P003"
slip_months = 3

[[projects]]
id = "P004"
lost = true

[[projects]]
id = "P009"
investment_bn = 12.0
slip_months = -2

[[prospects]]
name = "Huaxin battery phase III"
investor = "Huaxin New Energy Group"
unit = "campaign_top10"
sector = "new_energy"
stage = "negotiating"
investment_bn = 8.0
phase = 3
entered = 2024-02-15

[[prospects]]
name = "Small PV line"
unit = "branch_4"
sector = "photovoltaics"
stage = "lead"
investment_bn = 0.6
entered = "2024-03-01"

[sectors.photovoltaics]
year_effect = 0.3

[sectors.smart_grid]
year_effect = -0.2
'''


@pytest.fixture(scope="module")
def scenario_ledger(tmp_path_factory):
    """The small folder's district and as-of ledger, for checking scenarios against."""
    from forecasting.data.district import read_district
    from forecasting.history.histories import load_history

    folder = make_valid_folder(tmp_path_factory.mktemp("scenario") / "data")
    return read_district(folder / "district.toml"), load_history(folder).latest


@pytest.fixture
def read_toml(scenario_ledger, tmp_path):
    """Write TOML text to ``what_if.toml`` and read it as of 2024-03-31."""
    district, projects = scenario_ledger

    def _read(text: str):
        path = tmp_path / "what_if.toml"
        path.write_text(text, encoding="utf-8")
        from forecasting.whatif.scenario_file import read_scenario

        return read_scenario(path, district, projects, as_of="2024-03-31")

    return _read


def scenario_problems(read_toml, text: str) -> list[str]:
    """The breaches :func:`read_toml` raises for ``text`` (it must raise a DataError)."""
    from forecasting.errors import DataError

    with pytest.raises(DataError) as err:
        read_toml(text)
    return [str(b) for b in err.value.breaches]


# ------------------------------------------------------------------------------ allocations
def compositions(total: int, lo: list[int], hi: list[int]):
    """Every integer vector within [lo, hi] adding up to ``total``."""
    ranges = [range(a, b + 1) for a, b in zip(lo, hi)]
    for x in itertools.product(*ranges[:-1]):
        last = total - sum(x)
        if lo[-1] <= last <= hi[-1]:
            yield (*x, last)


def log_objective(a: dict[str, float]):
    """An objective for the allocator tests, separable and concave: sum_u a_u log(1 + x_u)."""
    return lambda x: sum(w * math.log1p(x[u]) for u, w in a.items())


# ------------------------------------------------------------------------------ the brief
#: The notebooks' findings for the brief (03's targets, 06's attribution, 04's levers and
#: projects, 05's calibration), in the shapes the notebooks record.
BRIEF_TARGETS = pd.DataFrame({
    "target": ["groundbreakings", "tier_10bn", "tier_5bn", "provincial_major", "all"],
    "goal": [20.0, 1.0, 2.0, 3.0, np.nan], "so_far": [4.0, 0.0, 0.0, 5.0, np.nan],
    "mean": [11.4, 0.6, 1.7, 5.0, np.nan], "p10": [8.0, 0.0, 0.0, 5.0, np.nan],
    "p90": [15.0, 1.0, 3.0, 5.0, np.nan], "p_meet": [0.003, 0.506, 0.561, 1.0, 0.001]})


def brief_attribution() -> pd.DataFrame:
    steps = ["a quarter passed", "new projects", "progress", "losses", "model refit"]
    deltas = {"groundbreakings": [-0.175, 0.007, 0.038, -0.039, -0.009],
              "tier_10bn": [-0.075, 0.023, 0.005, -0.079, -0.012],
              "tier_5bn": [-0.158, 0.349, -0.009, -0.099, -0.009],
              "provincial_major": [-0.956, 0.0, 1.0, 0.0, 0.0],
              "all": [-0.059, 0.0, 0.025, -0.019, -0.005]}
    start = {"groundbreakings": 0.181, "tier_10bn": 0.647, "tier_5bn": 0.487, "provincial_major": 0.956, "all": 0.059}
    rows = []
    for target, ds in deltas.items():
        s = start[target]
        for step, d in zip(steps, ds):
            rows.append({"target": target, "step": step, "start": s, "end": s + d, "delta": d})
            s += d
    return pd.DataFrame(rows)


def brief_tornado() -> pd.DataFrame:
    rows = []
    for lever, lo, hi in [("approval speed ×0.8 / ×1.25", 0.02, 0.09), ("unit_a staff ±2", 0.04, 0.06),
                          ("HL1 (9.0 bn) lost / 3 months sooner", 0.01, 0.03), ("unit_b staff ±2", 0.05, 0.05)]:
        rows += [{"lever": lever, "target": "all", "base": 0.05, "low": lo, "high": hi},
                 {"lever": lever, "target": "tier_5bn", "base": 0.5, "low": 0.4, "high": 0.6}]
    return pd.DataFrame(rows)


def brief_leverage() -> pd.DataFrame:
    return pd.DataFrame({"project_id": [f"HL{i}" for i in range(7)], "name": [f"Project {i}" for i in range(7)],
                         "stage": ["negotiating", "signed", "lead", "signed", "lead", "signed", "lead"],
                         "investment_bn": [0.5, 6.3, 0.7, 7.0, 1.0, 0.8, 1.1],
                         "gain_groundbreakings": [0.01] * 7,
                         "gain_all": [0.002, 0.004, 0.001, 0.003, 0.0, 0.005, 0.0006]})


BRIEF_CALIBRATION = pd.DataFrame({"forecaster": ["outcome_model", "stage_quarter_rate", "stage_weighted"], "n": [55, 55, 55],
                            "mean_p_meet": [0.311, 0.341, 0.299], "share_met": [0.345] * 3,
                            "brier": [0.064, 0.039, 0.073], "ece": [0.035, 0.058, 0.112]})
BRIEF_COVERAGE = pd.DataFrame({"target": ["groundbreakings", "tier_5bn"] * 2,
                         "forecaster": ["outcome_model"] * 2 + ["stage_weighted"] * 2,
                         "coverage_p10_p90": [1.0, 0.75, 0.6, 0.8]})


@pytest.fixture
def brief_findings(tmp_path):
    """Every findings file the brief reads, recorded and read back (as a report run would)."""
    from forecasting.report import brief
    from forecasting.report.findings import read_findings, record

    out = tmp_path / "tables"
    record(out, "targets", targets=BRIEF_TARGETS, year=np.int64(2024), as_of="2024Q1")
    record(out, "changes", attribution=brief_attribution(),
           summary=pd.DataFrame({"kind": ["new", "stage", "revision", "lost"], "n": [83, 77, 20, 68]}),
           previous="2023Q4", as_of="2024Q1")
    record(out, "levers", levers=brief.levers_from_tornado(brief_tornado()), year=2025)
    record(out, "projects", projects=brief.projects_from_leverage(brief_leverage()), year=2024)
    record(out, "calibration", p_meet=BRIEF_CALIBRATION, coverage=BRIEF_COVERAGE)
    return read_findings(out / "brief")


# ------------------------------------------------------------------------------ labelled district
#: Unit and sector ids: a chart or table showing one of these shows an id, not a label.
DISTRICT_IDS = re.compile(r"\b(branch_\d|center_\w+|campaign_top10|new_energy|auto_parts|smart_appliances|smart_grid)\b")


def label_district(folder: Path) -> Path:
    """Give every unit and sector of the small folder a distinctive label (``Zephyr …`` / ``泽…``),
    so a chart or sheet that shows an id instead cannot pass."""
    toml = (folder / "district.toml").read_text(encoding="utf-8")
    for i, (uid, (_, label)) in enumerate(UNITS.items()):
        toml = toml.replace(f'id = "{uid}"\ntype', f'id = "{uid}"\nlabel_zh = "泽{i}号招商局"\ntype')
        toml = toml.replace(f'label = "{label}"', f'label = "Zephyr unit {i} {label}"')
    toml += "".join(f'\n[sector_labels.{s}]\nlabel = "Zephyr sector {s.replace("_", " ")}"\nlabel_zh = "泽产业{i}"\n'
                    for i, s in enumerate(SECTORS))
    (folder / "district.toml").write_text(toml, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def labelled_history(tmp_path_factory):
    """The small folder with :func:`label_district`'s labels, as a history."""
    import warnings

    from forecasting import load_history

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_history(label_district(make_valid_folder(tmp_path_factory.mktemp("labels") / "data")))


@pytest.fixture
def valid_district(valid_folder):
    """The hand-written folder's district."""
    from forecasting.data.district import read_district

    return read_district(valid_folder / "district.toml")


@pytest.fixture
def valid_table(valid_folder, valid_district):
    """The hand-written folder's 2024Q1 snapshot as a canonical table (read without a breach)."""
    from forecasting.data.ledger import read_snapshot

    snap = read_snapshot(valid_folder / "ledger/2024Q1.csv", valid_district, as_of=pd.Timestamp("2024-03-31"))
    assert snap.breaches == []
    return snap.table


@pytest.fixture(autouse=True)
def _report_language_restored():
    """The report's language is process-wide state (``texts.set_language``, also set by
    ``use_style``): each test starts in English, whatever ran before it on its worker."""
    from forecasting import texts

    texts.set_language("en")
