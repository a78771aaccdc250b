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
