"""End to end in headless Chromium (Debian's, via Playwright): an admin creates a project and imports an article,
two labelers label by keyboard, a reviewer adjudicates, and the export equals what was entered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from classifier.browser import browser_page
from labels.annotate import service
from labels.annotate.db import open_database
from labels.annotate.server import BackgroundServer
from tests.annotate.conftest import PASSWORDS
from tests.conftest import require_browser

ARTICLE = ("Union leaders said they will never accept anything less than a 20% raise.\n"
           "The company said it may consider a smaller offer if talks resume.\n"
           "<script>window.pwned = 1</script> Talks resume on Monday.")


@pytest.fixture
def page():
    require_browser()
    with browser_page() as page:
        yield page


def login(page, base: str, name: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.fill("#username", name)
    page.fill("#password", PASSWORDS[name])
    with page.expect_navigation():
        page.click("#login-submit")
    assert page.locator("#who").inner_text().startswith(name)


def label_by_keyboard(page, keys: list[str]) -> None:
    """Press the label keys for the current sentence, then Enter (submit and move on)."""
    for key in keys:
        page.keyboard.press(key)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_admin_labelers_reviewer_round_trip_in_a_real_browser(page, tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    db = open_database(url)
    for name, role in (("admin", "admin"), ("rita", "reviewer"), ("ann", "labeler"), ("bob", "labeler")):
        service.add_user(db, name, PASSWORDS[name], role)
    article = tmp_path / "strike.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    with BackgroundServer(url) as server:
        base = server.url
        # admin: create the project and import the article
        login(page, base, "admin")
        page.fill("#project-name", "E2E strike")
        page.fill("#project-overlap", "2")
        with page.expect_navigation():
            page.click("#project-create")
        project_id = int(page.url.rstrip("/").split("/")[-1])
        page.set_input_files("#import-files", str(article))
        with page.expect_navigation():
            page.click("#import-submit")
        assert "imported 1 document(s), 3 sentence(s)" in page.content()

        entered = {
            "ann": [["1"], ["2", "4"], ["0"]],
            "bob": [["1"], ["2"], ["3", "3", "0"]],  # toggling 3 twice, then none
        }
        for name, per_sentence in entered.items():
            login(page, base, name)
            page.goto(f"{base}/p/{project_id}/label")
            assert page.locator("#remaining-count").inner_text() == "3"
            page.keyboard.press("?")  # definitions one key away
            assert page.locator("#help").is_visible() and "Includes" in page.locator("#help").inner_text()
            page.keyboard.press("Escape")
            for keys in per_sentence:
                label_by_keyboard(page, keys)
            assert page.locator("#queue-empty").is_visible()
            assert page.evaluate("window.pwned === undefined")
        # ann goes back (b) to her last answer and changes it: none -> posturing
        login(page, base, "ann")
        page.goto(f"{base}/p/{project_id}/label")
        with page.expect_navigation():
            page.keyboard.press("b")
        assert "Talks resume on Monday." in page.locator("#sentence").inner_text()
        assert "<script>" in page.locator("#sentence").inner_text()  # shown as text, not run
        assert page.evaluate("window.pwned === undefined")
        label_by_keyboard(page, ["3"])

        # reviewer: two disagreements (sentence 2 and 3); adjudicate both
        login(page, base, "rita")
        page.goto(f"{base}/p/{project_id}/review")
        forms = page.locator("form.decision")
        assert forms.count() == 2
        decisions = [["concession"], ["posturing"]]
        for labels in decisions:
            form = page.locator("form.decision").first
            for label in labels:
                form.locator(f"input[value={label}]").check()
            with page.expect_navigation():
                form.locator("button.decide").click()
        assert page.locator("#no-disagreements").is_visible()
        page.goto(f"{base}/p/{project_id}/agreement")
        assert page.locator("#agreement-labels tr[data-label=maximalist_demand] .alpha").inner_text() == "1.000"

        # export: equals what was entered and decided
        response = page.request.get(f"{base}/p/{project_id}/export/gold.jsonl")
        assert response.ok
        gold = [json.loads(line) for line in response.text().splitlines()]
        assert [g["labels"] for g in gold] == [["maximalist_demand"], ["concession"], ["posturing"]]
        assert [g["annotator"] for g in gold] == ["ann+bob", "rita", "rita"]
        exported = page.request.get(f"{base}/p/{project_id}/export/jsonl").text()
        rows = [json.loads(line) for line in exported.splitlines()]
        assert [r["annotations"] for r in rows] == [
            {"ann": ["maximalist_demand"], "bob": ["maximalist_demand"]},
            {"ann": ["concession", "hedging"], "bob": ["concession"]},
            {"ann": ["posturing"], "bob": []},
        ]
        assert ARTICLE[gold[2]["start"]:gold[2]["end"]] == rows[2]["text"]
    db.dispose()


def test_screenshot_command_writes_pngs_of_the_labeling_and_agreement_pages(tmp_path: Path):
    require_browser()
    from typer.testing import CliRunner

    from classifier.cli import app

    result = CliRunner().invoke(app, ["annotate", "screenshots", "--out", str(tmp_path / "shots")])
    assert result.exit_code == 0, result.output
    for name in ("labeling.png", "labeling-definitions.png", "agreement.png", "review.png"):
        data = (tmp_path / "shots" / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 10_000
