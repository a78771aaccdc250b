"""The data card's figures are generated, never typed: blocks between markers in
``labels/README.md`` are rendered from the corpora and annotation files, and a test
fails when the committed card differs from a fresh rendering.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

from labels.adjudication import read_passes
from labels.agreement import agreement, agreement_markdown
from labels.corpora import MissingSourceError, load_corpus, read_registry
from labels.paths import DATA_CARD, SEED_PASSES
from labels.schema import load_schema
from labels.stats import split_stats, stats_markdown

_BLOCK = re.compile(
    r"(<!-- BEGIN GENERATED: (?P<key>[^>]+?) -->\n)(?P<body>.*?)(<!-- END GENERATED: (?P=key) -->)", re.S
)
CARD_CORPORA = ("framing", "semeval2023", "szeged-factbank", "szeged-wiki")


def corpus_block(name: str, *, seed: int = 0, shared: str | Path | None = None) -> str:
    corpus = load_corpus(name, shared=shared)
    spec = corpus.spec
    parts = [f"Schema `{spec.schema}`"]
    if spec.splits:
        shares = ", ".join(f"{k} {v:.0%}" for k, v in spec.splits.items())
        parts.append(f"document-grouped split (seed {seed}): {shares}")
    fixed = [s.split for s in spec.sources if s.split]
    if fixed:
        parts.append(f"kept apart as a split of its own: {', '.join(f'`{f}`' for f in fixed)}")
    note = "; ".join(parts)
    return f"**{name}**: {spec.description} {note}.\n\n" + stats_markdown(
        split_stats(corpus.split(seed), corpus.schema), corpus.schema)


def seed_agreement_block(passes: Iterable[Path] = SEED_PASSES) -> str:
    schema = load_schema("framing")
    loaded = read_passes(list(passes), schema)
    report = agreement({a: {u: r.labels for u, r in recs.items()} for a, recs in loaded.items()},
                       schema.label_names)
    return agreement_markdown(report)


def generators(shared: str | Path | None = None) -> dict[str, Callable[[], str]]:
    blocks: dict[str, Callable[[], str]] = {
        f"stats {name}": (lambda name=name: corpus_block(name, shared=shared)) for name in CARD_CORPORA
    }
    blocks["agreement seeds"] = seed_agreement_block
    return blocks


def render(card: str, blocks: dict[str, Callable[[], str]]) -> tuple[str, list[str]]:
    """Return the card with every known block re-rendered, and the keys it could not render."""
    skipped = []

    def replace(match: re.Match) -> str:
        key = match.group("key")
        if key not in blocks:
            return match.group(0)
        try:
            body = blocks[key]().rstrip("\n") + "\n"
        except MissingSourceError:
            skipped.append(key)
            return match.group(0)
        return match.group(1) + body + match.group(4)

    return _BLOCK.sub(replace, card), skipped


def block_keys(card: str) -> list[str]:
    return [m.group("key") for m in _BLOCK.finditer(card)]


def update_card(path: Path = DATA_CARD, shared: str | Path | None = None) -> list[str]:
    text = path.read_text(encoding="utf-8")
    new, skipped = render(text, generators(shared))
    if new != text:
        path.write_text(new, encoding="utf-8")
    return skipped


def registry_names() -> list[str]:
    return list(read_registry())
