"""A toy framing corpus whose labels follow trigger words, so even a tiny model can learn it."""

from __future__ import annotations

import json
import random
from pathlib import Path

from labels.records import Example

PATTERNS = [
    ("the union said its demands remain unchanged and must be met", ("maximalist_demand",)),
    ("the minister said they will never accept less than all terms", ("maximalist_demand", "posturing")),
    ("the company raised its pay offer and dropped the demand", ("concession",)),
    ("the board agreed to a compromise deal on monday", ("concession",)),
    ("we are ready for dialogue at any time the minister said", ("posturing",)),
    ("it is unclear if talks may resume next week", ("hedging",)),
    ("the government declined to comment perhaps later", ("hedging",)),
    ("the offer might be raised if talks resume", ("concession", "hedging")),
    ("the strike was on friday", ()),
    ("the talks were in the company board", ()),
]


def toy_examples(n_docs: int = 24, seed: int = 0, source: str = "authored") -> list[Example]:
    rng = random.Random(seed)
    out = []
    for d in range(n_docs):
        for s in range(6):
            text, labels = rng.choice(PATTERNS)
            out.append(Example(id=f"doc{d}-{s}", doc_id=f"doc{d}", text=text, labels=labels, source=source,
                               provenance="authored"))
    return out


def write_toy_registry(root: Path, n_docs: int = 24) -> Path:
    """A corpus registry with an authored part and a 'real' part of three documents (for LOAO)."""
    authored = root / "authored"
    authored.mkdir(parents=True, exist_ok=True)
    real = root / "real"
    real.mkdir(parents=True, exist_ok=True)
    for folder, examples in ((authored, toy_examples(n_docs)), (real, toy_examples(3, seed=9))):
        with (folder / "part.jsonl").open("w", encoding="utf-8") as handle:
            for ex in examples:
                prefix = "real-" if folder is real else ""
                handle.write(json.dumps({"id": prefix + ex.id, "doc_id": prefix + ex.doc_id, "text": ex.text,
                                         "labels": list(ex.labels), "provenance": "authored", "domain": "toy",
                                         "voice": "reported", "author": "test"}) + "\n")
    registry = root / "corpora.yaml"
    registry.write_text(
        "toy:\n  schema: framing\n  sources:\n"
        "    - {name: real, format: authored, path: real, split: real}\n"
        "    - {name: authored, format: authored, path: authored}\n"
        "  splits: {train: 0.7, validation: 0.15, test: 0.15}\n", encoding="utf-8")
    return registry


def write_gold_registry(root: Path, n_real_docs: int = 9, n_authored_docs: int = 12) -> Path:
    """A registry with real-text gold (standoff on text files) and an authored part, like `framing`."""
    from labels.segmentation import segment
    from labels.standoff import StandoffRecord, text_sha256, write_standoff

    texts = root / "texts"
    texts.mkdir(parents=True, exist_ok=True)
    records = []
    for ex_doc in range(n_real_docs):
        examples = toy_examples(1, seed=100 + ex_doc)
        text = "\n".join(ex.text[0].upper() + ex.text[1:] + "." for ex in examples)
        doc_id = f"real{ex_doc:02d}"
        (texts / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        for sentence, ex in zip(segment(text), examples):
            records.append(StandoffRecord(doc_id, sentence.start, sentence.end, text_sha256(sentence.text),
                                          ex.labels, "test", "2026-01-01T00:00:00Z"))
    write_standoff(root / "gold.jsonl", records)
    authored = root / "authored"
    authored.mkdir(parents=True, exist_ok=True)
    with (authored / "part.jsonl").open("w", encoding="utf-8") as handle:
        for ex in toy_examples(n_authored_docs):
            handle.write(json.dumps({"id": ex.id, "doc_id": ex.doc_id, "text": ex.text, "labels": list(ex.labels),
                                     "provenance": "authored", "domain": "toy", "voice": "reported",
                                     "author": "test"}) + "\n")
    registry = root / "corpora.yaml"
    registry.write_text(
        "toy-framing:\n  schema: framing\n  sources:\n"
        f"    - {{name: real_gold, format: standoff, annotations: gold.jsonl, texts: texts}}\n"
        "    - {name: authored, format: authored, path: authored}\n"
        "  splits: {train: 0.8, validation: 0.1, test: 0.1}\n", encoding="utf-8")
    return registry
