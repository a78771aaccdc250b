"""PNG screenshots of the labeling, agreement and review pages, from a demo database, in headless Chromium."""

from __future__ import annotations

import tempfile
from pathlib import Path


def take_screenshots(out_dir: str | Path, *, model_dir: str | Path | None = None) -> list[Path]:
    from classifier.browser import browser_page
    from labels.annotate.db import open_database
    from labels.annotate.demo import DEMO_USERS, build_demo
    from labels.annotate.server import BackgroundServer

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.db'}"
        db = open_database(url)
        project_id = build_demo(db, answered=5, model_dir=model_dir)
        with BackgroundServer(url) as server, browser_page(width=1200, height=900) as page:
            def login(name: str) -> None:
                page.context.clear_cookies()
                page.goto(f"{server.url}/login")
                page.fill("#username", name)
                page.fill("#password", DEMO_USERS[name][1])
                page.click("#login-submit")
                page.wait_for_load_state()

            login("ann")
            page.goto(f"{server.url}/p/{project_id}/label")
            page.keyboard.press("4")  # a label toggled by keyboard, as a labeler would
            written.append(out / "labeling.png")
            page.screenshot(path=str(written[-1]), full_page=True)
            page.keyboard.press("?")
            written.append(out / "labeling-definitions.png")
            page.screenshot(path=str(written[-1]), full_page=False)
            login("reviewer")
            for name in ("agreement", "review"):
                page.goto(f"{server.url}/p/{project_id}/{name}")
                written.append(out / f"{name}.png")
                page.screenshot(path=str(written[-1]), full_page=True)
        db.dispose()
    return written
