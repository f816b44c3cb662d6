"""Printing a page to PDF with headless Chromium: finding the browser, running it, saying why it failed."""
from __future__ import annotations

from pathlib import Path


#: Where a Chromium is looked for, after ``$CHROMIUM`` (as ``scripts/screenshot.py`` does).
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "chromium", "chromium-browser", "chromium-headless-shell",
                       "google-chrome")
#: Flags for a headless Chromium as root in a container, without network chatter.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--no-first-run", "--disable-component-update", "--disable-sync"]


def find_chromium() -> str | None:
    """A Chromium executable: ``$CHROMIUM`` if set, else the first of
    :data:`CHROMIUM_CANDIDATES` found; ``None`` when there is none."""
    import os
    import shutil

    env = os.environ.get("CHROMIUM")
    if env:
        found = env if Path(env).exists() else shutil.which(env)
        return found or None
    for name in CHROMIUM_CANDIDATES:
        path = name if Path(name).is_absolute() else shutil.which(name)
        if path and Path(path).exists():
            return str(path)
    return None


class PdfError(RuntimeError):
    """Chromium could not print the brief."""


def print_pdf(page: Path, pdf: Path, *, chromium: str | None = None, timeout: float = 120) -> Path:
    """Print the HTML file ``page`` to ``pdf`` with headless Chromium (``--print-to-pdf``).

    Raises
    ------
    PdfError
        No Chromium, or it failed or wrote no PDF (the message says which).
    """
    import subprocess
    import tempfile

    chromium = chromium or find_chromium()
    if chromium is None:
        raise PdfError("no Chromium browser was found (install Debian's chromium, or set CHROMIUM)")
    with tempfile.TemporaryDirectory(prefix="brief-chromium-") as profile:
        cmd = [chromium, *CHROMIUM_ARGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
               f"--print-to-pdf={Path(pdf).resolve()}", Path(page).resolve().as_uri()]
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfError(f"Chromium could not print the brief: {exc}") from None
    if run.returncode != 0 or not Path(pdf).is_file() or Path(pdf).read_bytes()[:5] != b"%PDF-":
        tail = " ".join((run.stderr or "").split()[-30:])
        raise PdfError(f"Chromium did not print the brief (exit {run.returncode}): {tail}")
    return Path(pdf)


__all__ = ["CHROMIUM_ARGS", "CHROMIUM_CANDIDATES", "PdfError", "find_chromium", "print_pdf"]
