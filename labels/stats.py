"""Corpus statistics: what the main job prints and what the data card shows (the same text)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from labels.records import Example
from labels.schema import Schema


@dataclass(frozen=True)
class SplitStats:
    name: str
    sentences: int
    documents: int
    labels: dict[str, int]
    none: int
    multi: int


def _row(name: str, examples: Sequence[Example], schema: Schema) -> SplitStats:
    counts = Counter(label for ex in examples for label in ex.labels)
    return SplitStats(
        name=name,
        sentences=len(examples),
        documents=len({ex.doc_id for ex in examples}),
        labels={label: counts[label] for label in schema.label_names},
        none=sum(1 for ex in examples if not ex.labels),
        multi=sum(1 for ex in examples if len(ex.labels) > 1),
    )


def split_stats(splits: Mapping[str, Sequence[Example]], schema: Schema) -> list[SplitStats]:
    """One row per split plus ``total``."""
    rows = [_row(name, examples, schema) for name, examples in splits.items()]
    rows.append(_row("total", [ex for examples in splits.values() for ex in examples], schema))
    return rows


def stats_markdown(rows: Sequence[SplitStats], schema: Schema) -> str:
    """Labels down, splits across: readable for 4 labels and for 23."""
    names = [r.name for r in rows]
    lines = ["| | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]

    def add(title: str, values: Sequence[int], share_of: Sequence[int] | None = None) -> None:
        cells = []
        for i, v in enumerate(values):
            if share_of is not None and share_of[i]:
                cells.append(f"{v} ({v / share_of[i]:.1%})")
            else:
                cells.append(str(v))
        lines.append(f"| {title} | " + " | ".join(cells) + " |")

    sentences = [r.sentences for r in rows]
    add("documents", [r.documents for r in rows])
    add("sentences", sentences)
    for label in schema.label_names:
        add(f"`{label}`", [r.labels[label] for r in rows], sentences)
    if schema.multi_label:
        add("none", [r.none for r in rows], sentences)
        add("two or more labels", [r.multi for r in rows], sentences)
    return "\n".join(lines)
