"""Notebook 04 in a real JupyterLab: run it, move a staffing slider, see the objective change.

Headless Chromium from Debian (``/usr/lib/chromium/chromium``) driven by Playwright. The
notebook runs from a temporary copy, parametrised by papermill (without executing) with
fewer simulated years, so the repository's notebooks are never opened nor saved; the
JupyterLab server, its settings and its kernels live in a temporary folder too.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/lib/chromium/chromium")
NOTEBOOK = "04_scenarios.ipynb"
#: Simulated years in the browser run (the notebook's default is 2,000): enough for the
#: explorer to show a change, little enough to keep this test short.
DRAWS = 300
#: How long the whole notebook may take to run in the browser before the test gives up.
RUN_TIMEOUT_S = 150

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason=f"no Debian chromium at {CHROMIUM} (apt install chromium)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a free port with a token, serving a parametrised copy of notebook 04."""
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    papermill = pytest.importorskip("papermill")
    pytest.importorskip("jupyterlab")
    tmp = tmp_path_factory.mktemp("lab")
    work = tmp / "notebooks"
    work.mkdir()
    shutil.copytree(ROOT / "notebooks" / "scenarios", work / "scenarios")
    papermill.execute_notebook(str(ROOT / "notebooks" / NOTEBOOK), str(work / NOTEBOOK), prepare_only=True,
                               parameters={"data_dir": str(ROOT / "data"), "draws": DRAWS}, log_output=False,
                               progress_bar=False)
    nb = nbformat.read(work / NOTEBOOK, as_version=4)
    nb.cells = [c for c in nb.cells if _keep(c)]
    for c in nb.cells:  # nothing shown before the browser runs it (saved widgets would render)
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    nb.metadata.pop("widgets", None)
    assert any("explorer(" in c.source for c in nb.cells), "notebook 04 has no explorer cell"
    nbformat.write(nb, work / NOTEBOOK)
    port, token = _free_port(), uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    env.update(PYTHONPATH=str(ROOT), PYTHONHASHSEED="0", JUPYTER_CONFIG_DIR=str(tmp / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), JUPYTER_DATA_DIR=str(tmp / "data"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
               IPYTHONDIR=str(tmp / "ipython"))
    log = open(tmp / "lab.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}",
                             "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
                             f"--ServerApp.root_dir={work}", "--LabApp.news_url=", "--ServerApp.disable_check_xsrf=False",
                             "--FileContentsManager.delete_to_trash=False"],
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=work)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail("JupyterLab did not start:\n" + (tmp / "lab.log").read_text()[-3000:])
                time.sleep(0.5)
        yield url, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _keep(cell) -> bool:
    """Prose, parameters, the set-up (history and fit) and the explorer."""
    if cell.cell_type != "code":
        return True
    tags = set(cell.get("metadata", {}).get("tags", []))
    return bool(tags & {"parameters", "injected-parameters"}) or "load_history(" in cell.source \
        or "explorer(" in cell.source


def _objective_cell(page) -> str:
    """The explorer table's first row (the objective), "chosen" column."""
    return page.locator(".forecasting-explorer table tbody tr").first.locator("td").nth(1).inner_text().strip()


def test_notebook_04_runs_in_jupyterlab_and_a_staffing_slider_moves_the_shown_objective(lab, tmp_path):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    url, token = lab
    shot = tmp_path / "jupyterlab.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(f"{url}/lab/tree/{NOTEBOOK}?token={token}")
            page.locator(".jp-Notebook").first.wait_for(timeout=60_000)
            # JupyterLab may ask which kernel: the notebook's own (Python 3)
            accept = page.locator(".jp-Dialog .jp-mod-accept")
            try:
                accept.wait_for(timeout=10_000)
                accept.click()
            except PlaywrightTimeout:
                pass
            # the kernel is up when the toolbar's indicator says idle
            page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(timeout=60_000)
            page.wait_for_timeout(1000)
            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
            page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
            table = page.locator(".forecasting-explorer table")
            errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']",
                                  has_text="Traceback")
            deadline = time.monotonic() + RUN_TIMEOUT_S
            while not table.count():  # the last cell shows the explorer; a failing cell stops the run
                assert not errors.count(), "a cell of notebook 04 failed in JupyterLab:\n" + errors.first.inner_text()
                if time.monotonic() > deadline:
                    page.screenshot(path=str(shot))
                    prompts = page.locator(".jp-InputPrompt").all_inner_texts()
                    pytest.fail(f"notebook 04 did not show the explorer within {RUN_TIMEOUT_S} s "
                                f"(prompts {prompts}; screenshot {shot})")
                page.wait_for_timeout(1000)
            before = _objective_cell(page)
            today = page.locator(".forecasting-explorer table tbody tr").first.locator("td").first.inner_text().strip()
            assert before == today  # nothing changed yet: the chosen plans are today's
            slider = page.locator(".forecasting-explorer .widget-slider").first
            readout = slider.locator(".widget-readout")
            start = int(readout.inner_text())
            readout.click()
            page.keyboard.press("Control+A")
            page.keyboard.type(str(start + 6))
            page.keyboard.press("Enter")
            page.wait_for_function(
                """([before]) => {
                    const row = document.querySelector('.forecasting-explorer table tbody tr');
                    return row && row.querySelectorAll('td')[1].innerText.trim() !== before;
                }""", arg=[before], timeout=60_000)
            after = _objective_cell(page)
            assert after != before
            assert int(readout.inner_text()) == start + 6
            assert "Answered in" in page.locator(".forecasting-explorer").inner_text()
            page.screenshot(path=str(shot))  # kept in the test's temp folder, to look at
        finally:
            browser.close()
