"""The HTML report: every article with its sentences highlighted by label, per-article counts,
and a chart of label rates across the batch. Self-contained (inline CSS and SVG, no scripts),
so it opens anywhere and can be archived with the results.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import jinja2

from labels.schema import Schema

TEMPLATE_DIR = Path(__file__).parent / "templates"
FALLBACK_COLORS = ["#c0392b", "#27ae60", "#2e86c1", "#b7950b", "#8e44ad", "#16a085", "#d35400", "#7f8c8d"]


def _articles(records: Sequence[dict]) -> list[dict]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    order: list[str] = []
    for record in records:
        if record["doc_id"] not in grouped:
            order.append(record["doc_id"])
        grouped[record["doc_id"]].append(record)
    articles = []
    for doc_id in order:
        sentences = sorted(grouped[doc_id], key=lambda r: r["sentence"])
        paragraphs: list[list[dict]] = []
        for sentence in sentences:
            if not paragraphs or sentence.get("break_before"):
                paragraphs.append([])
            paragraphs[-1].append(sentence)
        articles.append({"doc_id": doc_id, "sentences": sentences, "paragraphs": paragraphs})
    return articles


def render_report(records: Sequence[dict], labels: Sequence[str], *, schema: Schema | None = None,
                  title: str = "Framing signals", model: str = "", errors: Sequence[str] = ()) -> str:
    """HTML for the given sentence records (as written to JSONL)."""
    colors, definitions = {}, {}
    for i, label in enumerate(labels):
        colors[label] = FALLBACK_COLORS[i % len(FALLBACK_COLORS)]
        if schema is not None and label in schema.label2id:
            colors[label] = schema.label(label).color
            definitions[label] = schema.label(label).definition
    articles = _articles(records)
    total = len(records)
    overall = {label: sum(label in r["labels"] for r in records) for label in labels}
    for article in articles:
        n = len(article["sentences"])
        article["counts"] = {label: sum(label in s["labels"] for s in article["sentences"]) for label in labels}
        article["rates"] = {label: article["counts"][label] / n if n else 0.0 for label in labels}
        article["none"] = sum(not s["labels"] for s in article["sentences"])
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                                     undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return environment.get_template("report.html.j2").render(
        title=title, model=model, labels=list(labels), colors=colors, definitions=definitions,
        articles=articles, total=total, overall=overall,
        rates={label: (overall[label] / total if total else 0.0) for label in labels},
        none=sum(not r["labels"] for r in records), errors=list(errors),
        model_ids=sorted({r["model"] for r in records}) or ([model] if model else []),
    )


def write_report(path: Path, records: Sequence[dict], labels: Sequence[str], **kwargs) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(render_report(records, labels, **kwargs), encoding="utf-8")
    tmp.replace(path)
