"""The HTML report, checked as markup and as rendered by a real headless Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from classifier.browser import browser_page
from classifier.report import render_report, write_report
from labels.schema import load_schema
from tests.conftest import require_browser

SCHEMA = load_schema("framing")
LABELS = SCHEMA.label_names


def record(doc: str, i: int, n: int, text: str, labels: list[str], **scores) -> dict:
    base = {label: 0.1 for label in LABELS} | scores
    return {"doc_id": doc, "sentence": i, "n_sentences": n, "start": 0, "end": len(text), "text": text,
            "labels": labels, "scores": base, "break_before": i == 2, "model": "m@abc"}


RECORDS = [
    record("alpha", 0, 3, "Our terms remain unchanged.", ["maximalist_demand"], maximalist_demand=0.93),
    record("alpha", 1, 3, "We are ready to talk, and it may take time.", ["posturing", "hedging"], posturing=0.9,
           hedging=0.7),
    record("alpha", 2, 3, "Talks resume on Monday.", []),
    record("beta", 0, 2, "<script>window.pwned = true</script> The offer was raised.", ["concession"],
           concession=0.8),
    record("beta", 1, 2, "It is unclear.", ["hedging"], hedging=0.95),
]


def test_markup_counts_and_escaping():
    html = render_report(RECORDS, LABELS, schema=SCHEMA, errors=["bad.txt: empty input"])
    assert html.count('class="s tagged') == 4
    assert "&lt;script&gt;window.pwned" in html and "<script>window.pwned" not in html
    assert 'data-rate="0.4000"' in html  # hedging: 2 of 5 sentences
    assert "bad.txt: empty input" in html
    rows = re.findall(r'<tr data-doc="(\w+)">', html)
    assert rows == ["alpha", "beta"]


@pytest.fixture(scope="module")
def page():
    require_browser()
    with browser_page() as page:
        yield page


def test_report_renders_highlights_legend_chart_and_hover_scores(page, tmp_path: Path):
    path = tmp_path / "report.html"
    write_report(path, RECORDS, LABELS, schema=SCHEMA)
    page.goto(path.as_uri())
    assert page.evaluate("window.pwned === undefined")  # text that looks like a script stays text
    assert page.locator("#legend .legend-item").count() == len(LABELS) + 1
    for label in LABELS:
        expected = sum(label in r["labels"] for r in RECORDS)
        assert page.locator(f"article span.s.lab-{label}").count() == expected
    # highlight colours come from the schema: the first label tints the background
    demand = page.locator("article span.s.lab-maximalist_demand").first
    background = demand.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgba(192, 57, 43, 0.133)"
    plain = page.locator('article span.s[data-labels=""]').first
    assert plain.evaluate("e => getComputedStyle(e).backgroundColor") == "rgba(0, 0, 0, 0)"
    # hovering shows every label's score, tagged ones starred
    target = page.locator("article span.s.lab-posturing").first
    target.hover()
    tooltip = target.evaluate("e => getComputedStyle(e, '::after').content")
    assert "posturing 0.90 *" in tooltip and "hedging 0.70 *" in tooltip and "concession 0.10" in tooltip
    box = target.bounding_box()
    assert box["width"] > 50 and box["height"] > 10
    # chart bars are proportional to label rates (hedging 2/5, concession 1/5)
    width = {label: page.locator(f"#rates-chart rect[data-label={label}]").bounding_box()["width"]
             for label in ("hedging", "concession")}
    assert width["hedging"] == pytest.approx(2 * width["concession"], rel=0.02)
    # per-article summary
    assert page.locator("#per-article tr[data-doc=alpha] td").nth(5).inner_text() == "1"
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
