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
from labels.paths import AUTHORED_DIR, AUTHORED_PASSES, DATA_CARD, SEED_PASSES
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


def authored_passes(domain: str) -> tuple[list[Path], Path]:
    """The author pass, the blind verifier pass and the adjudication file of one domain."""
    return ([AUTHORED_PASSES / "author" / f"{domain}.jsonl", AUTHORED_PASSES / "verifier" / f"{domain}.jsonl"],
            AUTHORED_PASSES / "adjudication" / f"{domain}.jsonl")


def authored_domains() -> list[str]:
    return sorted(p.stem for p in AUTHORED_DIR.glob("*.jsonl"))


def authored_agreement_block() -> str:
    """Author vs blind verifier, pooled over domains, plus what adjudication changed per domain."""
    from labels.adjudication import disagreements, read_records, resolve

    schema = load_schema("framing")
    pooled: dict[str, dict] = {"author": {}, "verifier": {}}
    rows = ["| domain | sentences | disagreements | decided for author | for verifier | other | "
            "labels changed from the author's |", "|---|---:|---:|---:|---:|---:|---:|"]
    totals = [0] * 6
    for domain in authored_domains():
        paths, decisions_path = authored_passes(domain)
        passes = read_passes(paths, schema)
        author, verifier = (next(n for n in passes if n.startswith(p)) for p in ("author", "verifier"))
        pooled["author"].update({u: r.labels for u, r in passes[author].items()})
        pooled["verifier"].update({u: r.labels for u, r in passes[verifier].items()})
        decisions = read_records(decisions_path, schema)
        final = resolve(passes, decisions, decisions_path=decisions_path)
        open_units = [d.unit for d in disagreements(passes)]
        to_author = sum(final[u].labels == passes[author][u].labels for u in open_units)
        to_verifier = sum(final[u].labels == passes[verifier][u].labels for u in open_units)
        counts = [len(passes[author]), len(open_units), to_author, to_verifier,
                  len(open_units) - to_author - to_verifier, to_verifier + (len(open_units) - to_author - to_verifier)]
        totals = [a + b for a, b in zip(totals, counts)]
        rows.append(f"| {domain} | " + " | ".join(map(str, counts)) + " |")
    rows.append("| **total** | " + " | ".join(f"**{t}**" for t in totals) + " |")
    report = agreement(pooled, schema.label_names)
    return agreement_markdown(report) + "\n\n" + "\n".join(rows)


def generators(shared: str | Path | None = None) -> dict[str, Callable[[], str]]:
    blocks: dict[str, Callable[[], str]] = {
        f"stats {name}": (lambda name=name: corpus_block(name, shared=shared)) for name in CARD_CORPORA
    }
    blocks["agreement seeds"] = seed_agreement_block
    blocks["agreement authored"] = authored_agreement_block
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
