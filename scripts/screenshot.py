#!/usr/bin/env python3
"""Look at a report as a person would: open it in a real headless Chromium and screenshot it.

    python scripts/screenshot.py REPORT_DIR OUT.png [--page NAME.html ...] [--width 1400]

Opens ``REPORT_DIR/index.html`` and the outlook page (``*outlook*.html``; the first notebook
page when there is none, or the pages named with ``--page``), waits until every image has
loaded, and saves a full-page screenshot of each: ``OUT.png`` for the index and
``OUT_<page>.png`` for the others. Then checks that every ``<img>`` loaded
(``naturalWidth > 0``).

Exit status: 0 every image loaded; 1 an image is broken (each one is named on stderr);
2 wrong usage; 3 no browser could be started.

The browser is Playwright's (``pip install playwright``) driving a Chromium found here, in
this order: ``$CHROMIUM``; Debian's ``chromium`` (``apt-get install chromium``, the binary
``/usr/lib/chromium/chromium``); ``chromium-headless-shell``; a browser that
``python -m playwright install chromium`` downloaded (its download site may be unreachable).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

#: Places a Chromium is looked for, after ``$CHROMIUM``.
CANDIDATES = ("/usr/lib/chromium/chromium", "chromium-headless-shell", "/usr/lib/chromium/chromium-headless-shell",
              "chromium", "chromium-browser", "google-chrome")
#: Flags for running as root in a container without a GPU, and without talking to the network.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--no-first-run", "--disable-component-update", "--disable-sync"]
_CHECK_IMAGES = """() => Array.from(document.images).map(img => ({
    src: img.getAttribute('src').startsWith('data:') ? 'embedded image ' + img.alt : img.getAttribute('src'),
    ok: img.complete && img.naturalWidth > 0,
}))"""


def find_chromium() -> str | None:
    """The Chromium to drive: a path, ``"playwright"`` for Playwright's own download, or ``None``."""
    env = os.environ.get("CHROMIUM")
    if env:
        return env if Path(env).exists() or shutil.which(env) else None
    for name in CANDIDATES:
        path = name if os.path.isabs(name) else shutil.which(name)
        if path and Path(path).exists():
            return path
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            return "playwright" if Path(p.chromium.executable_path).exists() else None
    except Exception:  # playwright missing or its driver broken: no browser either way
        return None


def pages_to_open(report: Path, names: list[str] | None) -> list[Path]:
    if names:
        return [report / n for n in names]
    index = report / "index.html"
    others = sorted(p for p in report.glob("*.html") if p.name != "index.html")
    outlook = [p for p in others if "outlook" in p.stem]
    return [index, *(outlook or others[:1])]


def shoot(pages: list[Path], out: Path, *, width: int = 1400, timeout_ms: int = 30_000) -> tuple[int, list[str]]:
    """Screenshot each page; return the number of images that loaded and the broken ones."""
    from playwright.sync_api import sync_playwright

    chromium = find_chromium()
    if chromium is None:
        raise RuntimeError("no Chromium found: apt-get install chromium, or set CHROMIUM to a Chromium binary")
    loaded, broken = 0, []
    with sync_playwright() as p:
        browser = p.chromium.launch(headless=True, args=ARGS,
                                    executable_path=None if chromium == "playwright" else chromium)
        try:
            page = browser.new_page(viewport={"width": width, "height": 1000})
            for i, html in enumerate(pages):
                page.goto(html.resolve().as_uri(), wait_until="load", timeout=timeout_ms)
                page.wait_for_function("() => Array.from(document.images).every(i => i.complete)",
                                       timeout=timeout_ms)
                target = out if i == 0 else out.with_name(f"{out.stem}_{html.stem}{out.suffix}")
                page.screenshot(path=str(target), full_page=True)
                for img in page.evaluate(_CHECK_IMAGES):
                    if img["ok"]:
                        loaded += 1
                    else:
                        broken.append(f"{html.name}: {img['src']}")
        finally:
            browser.close()
    return loaded, broken


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="the report folder (forecasting report --out)")
    parser.add_argument("out", type=Path, help="the screenshot of index.html (.png)")
    parser.add_argument("--page", action="append", help="a page of the report to open (repeatable; default: "
                                                        "index.html and the outlook page)")
    parser.add_argument("--width", type=int, default=1400, help="window width in pixels (default 1400)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    pages = pages_to_open(args.report, args.page)
    missing = [p for p in pages if not p.is_file()]
    if missing:
        print(f"screenshot: {', '.join(str(p) for p in missing)} not found; is {args.report} a report folder?",
              file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    try:
        loaded, broken = shoot(pages, args.out, width=args.width)
    except ImportError:
        print("screenshot: playwright is not installed (pip install playwright)", file=sys.stderr)
        return 3
    except Exception as exc:  # the browser would not start or a page would not load: say so in a sentence
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"screenshot: the browser failed ({type(exc).__name__}: {first})", file=sys.stderr)
        return 3
    for b in broken:
        print(f"screenshot: image did not load: {b}", file=sys.stderr)
    print(f"{loaded} images loaded on {len(pages)} pages, {len(broken)} broken; screenshot {args.out}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
