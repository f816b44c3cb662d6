"""The package's layout follows the data flow, and an import against it fails the suite.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``); these tests run them with
import-linter on the package as it is, and on a copy with one import added against the flow.
"""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
FLOW = next(c for c in CONTRACTS if c["type"] == "layers" and "containers" not in c)


def lint(root: Path) -> subprocess.CompletedProcess:
    """Run every contract of ``root/pyproject.toml`` on the package under ``root``."""
    code = ("import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))")
    return subprocess.run([sys.executable, "-c", code], cwd=root, env={"PYTHONPATH": str(root), "PATH": ""},
                          capture_output=True, text=True, timeout=120)


def test_the_package_keeps_every_contract():
    run = lint(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in run.stdout


def test_every_module_sits_in_a_layer():
    """A new module cannot slip past the contract by sitting outside every layer."""
    named = {m.strip() for layer in FLOW["layers"] for m in layer.split("|")} | {"forecasting.synthetic"}
    pkg = ROOT / "forecasting"
    found = {f"forecasting.{p.stem}" for p in pkg.glob("*.py") if p.stem not in ("__init__", "__main__")}
    found |= {f"forecasting.{p.parent.name}" for p in pkg.glob("*/__init__.py")}
    assert found == named


#: (module file, line appended, the contract it breaks): a back-import, a deferred one, a
#: TYPE_CHECKING one, a forecasting-path module reaching into the synthetic districts.
BACK_IMPORTS = [
    ("data/schema.py", "from forecasting.report import style\n", FLOW["name"]),
    ("models/progression.py", "def _peek():\n    from ..simulation.portfolio import PortfolioSimulator\n", FLOW["name"]),
    ("simulation/portfolio.py", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .outcomes import OutcomeResults\n",
     "The simulation: the forecaster over the simulator over its pieces, each over the ones it builds on"),
    ("simulation/rows.py", "def _peek():\n    from .sampling import row_indicators\n", "The simulation: the forecaster over the simulator over its pieces, each over the ones it builds on"),
    ("whatif/levers.py", "from ..evaluation import scoring\n", FLOW["name"]),
    ("cli/args.py", "from .main import main\n", "The command: the parser over the sub-commands over their shared argument types"),
    ("history/episodes.py", "from forecasting.synthetic.generator import simulate_district\n",
     "The synthetic districts stay outside the forecasting path"),
    ("whatif/scenario_check.py", "from .scenario import Scenario\n",
     "What-if scenarios: the prepared ones over the files over the objects over their checks"),
    ("report/findings.py", "from .brief import Brief\n",
     "The brief: the meeting report over the page over the brief over its findings and the PDF printer"),
    ("whatif/search.py", "def _peek():\n    from .allocate import allocate\n",
     "What-if staffing: the attention list over the levers over the allocator over the reverse question over the "
     "search and the objectives"),
]


@pytest.mark.parametrize("module, line, contract", BACK_IMPORTS, ids=[b[0] for b in BACK_IMPORTS])
def test_an_import_against_the_flow_fails(tmp_path, module, line, contract):
    shutil.copytree(ROOT / "forecasting", tmp_path / "forecasting", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with (tmp_path / "forecasting" / module).open("a") as fh:
        fh.write("\n" + line)
    run = lint(tmp_path)
    assert run.returncode != 0, run.stdout
    assert f"{contract} BROKEN" in " ".join(run.stdout.split()), run.stdout
    assert "forecasting." + module.removesuffix(".py").replace("/", ".") in run.stdout


def test_the_stage_to_date_column_map_is_written_once():
    """Each fact lives once: only the data vocabulary spells which column dates which stage."""
    spelled = [p.relative_to(ROOT).as_posix() for p in (ROOT / "forecasting").rglob("*.py")
               if '"under_construction": "groundbreaking_date"' in p.read_text()]
    assert spelled == ["forecasting/data/schema.py"]


def _private_imports() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in [*(ROOT / "forecasting").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]:
        package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("forecasting")):
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = (f"{base}.{node.module}" if node.module else base) if node.level else node.module
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        found.setdefault(module, set()).add(alias.name)
    return found


def test_no_private_name_is_imported_from_another_module():
    """A helper another module, or a test, needs is public (no underscore, a docstring) in the
    module that owns it."""
    assert _private_imports() == {}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _defined_names(tree: ast.Module) -> set[str]:
    """The names a module defines: its functions, classes, variables, arguments, imports, and
    the attributes it sets on ``self`` or ``cls``."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
              and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
            names.add(node.attr)
    return names


def private_attributes(*folders: Path) -> list[str]:
    """``path:line: expression`` for each ``obj._name`` read from a module that does not define
    ``_name``: another module's private attribute (ours or a library's), reached past its face."""
    found = []
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            tree = ast.parse(path.read_text())
            own = _defined_names(tree)
            for node in ast.walk(tree):
                if (isinstance(node, ast.Attribute) and _private(node.attr) and node.attr not in own
                        and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))):
                    found.append(f"{path.relative_to(folder.parent).as_posix()}:{node.lineno}: {ast.unparse(node)}")
    return found


#: ``obj._name`` reads allowed past :func:`private_attributes`, each with its reason (none so far).
PRIVATE_ATTRIBUTES_ALLOWED: set[str] = set()


def test_no_private_attribute_of_another_module_is_read():
    """Package and tests reach another module's objects through their public names only."""
    assert set(private_attributes(ROOT / "forecasting", ROOT / "tests")) == PRIVATE_ATTRIBUTES_ALLOWED


def test_a_private_attribute_read_from_another_module_is_caught(tmp_path):
    pkg = tmp_path / "forecasting"
    pkg.mkdir()
    (pkg / "owner.py").write_text("class Cache:\n    def __init__(self):\n        self._kept = {}\n\n"
                                  "    def size(self):\n        return len(self._kept) + len(self.__dict__)\n")
    (pkg / "user.py").write_text("from .owner import Cache\n\n\ndef peek(c: Cache):\n    return c._kept, c.size()\n")
    (pkg / "own.py").write_text("class Box:\n    _n = 0\n\n\ndef count(b):\n    return b._n + b.__class__._n\n")
    assert private_attributes(pkg) == ["forecasting/user.py:5: c._kept"]


@pytest.mark.skipif(shutil.which("duplicates") is None, reason="the duplicates tool is not installed")
def test_no_run_of_ten_lines_is_written_twice_in_the_package():
    """A piece the package needs twice is one function (the ``duplicates`` tool, same lines or
    the same shape with other names)."""
    run = subprocess.run(["duplicates", "--repo", str(ROOT / "forecasting"), "--min-lines", "10", "--seconds", "120"],
                         capture_output=True, text=True, timeout=300)
    assert run.stdout.startswith("no duplicates"), run.stdout


def test_every_module_has_its_test_module():
    """``tests/`` mirrors the package: ``forecasting/<folder>/<module>.py`` is tested in
    ``tests/<folder>/test_<module>.py`` (the base layer's modules in ``tests/``)."""
    package = ROOT / "forecasting"
    missing = []
    for path in sorted(package.rglob("*.py")):
        if path.name in ("__init__.py", "__main__.py"):
            continue
        rel = path.relative_to(package)
        want = ROOT / "tests" / rel.parent / f"test_{rel.name}"
        if not want.exists():
            missing.append(str(want.relative_to(ROOT)))
    assert not missing, missing
