"""Headless Chromium (Debian's, driven by Playwright) for report screenshots and browser tests.

Playwright's own browser download is never used: `scripts/install-browser.sh` installs
Debian's chromium, and these flags keep it from reaching for the network.
"""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@contextmanager
def browser_page(width: int = 1200, height: int = 900):
    """A Playwright page in headless Chromium; raises RuntimeError if either is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise RuntimeError("playwright is not installed (pip install playwright)") from exc
    executable = chromium_path()
    if executable is None:
        raise RuntimeError("no chromium found; run scripts/install-browser.sh")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            browser.close()


def screenshot(target: str | Path, out: str | Path, *, full_page: bool = True, hover: str | None = None,
               width: int = 1200) -> Path:
    """PNG of a local file or URL; ``hover`` is a CSS selector to hover first (e.g. to show scores)."""
    url = target if str(target).startswith(("http://", "https://", "file://")) else Path(target).resolve().as_uri()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with browser_page(width=width) as page:
        page.goto(str(url))
        if hover:
            page.hover(hover)
        page.screenshot(path=str(out), full_page=full_page)
    return out
