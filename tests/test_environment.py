"""The project's own promises: environment.yml in step with pyproject, notebooks executed."""
from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ \[]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_matches_pyproject():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wanted = {_name(d): d for d in py["project"]["dependencies"] + py["project"]["optional-dependencies"]["test"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    have = {}
    for item in env["dependencies"]:
        if isinstance(item, dict):
            for pip_item in item.get("pip", []):
                if not pip_item.startswith("-"):
                    have[_name(pip_item)] = pip_item
        elif not item.startswith(("python", "pip")):
            have[_name(item)] = item
    assert set(have) == set(wanted)
    for name, spec in wanted.items():
        assert have[name].replace(" ", "") == spec.replace(" ", ""), name


def test_curated_notebooks_are_stored_executed():
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert notebooks, "no curated notebooks found"
    for nb_path in notebooks:
        nb = json.loads(nb_path.read_text())
        code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
        assert code, nb_path.name
        assert all(c.get("execution_count") for c in code), f"{nb_path.name}: a code cell was never run"
        assert any(c.get("outputs") for c in code), f"{nb_path.name}: stored without outputs"
        assert not any(ln.lstrip().startswith(("def ", "class ")) for c in code for ln in c["source"]), nb_path.name


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci/run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "bash scripts/test" in ci and "bash scripts/test" in readme
