"""Tag articles sentence by sentence: ``Tagger.from_pretrained(dir).tag(text)`` / ``.tag_many(docs)``.

Segmentation is the same as for annotation (labels/segmentation.py), so offsets
index the input text exactly: ``text[start:end] == sentence``. ``tag_many`` streams:
it gathers documents until a few hundred sentences are waiting, scores them in
length-sorted batches (one pass for many short articles), and yields documents in
input order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from classifier.backends import BACKENDS, choose_backend, weights_digest, with_backend
from classifier.inputs import Document
from classifier.model import FramingModel
from labels.segmentation import segment


@dataclass(frozen=True)
class TaggedSentence:
    index: int
    start: int
    end: int
    text: str
    labels: tuple[str, ...]
    scores: dict[str, float]
    break_before: bool = False  # a line break separates it from the previous sentence (paragraphs in reports)


@dataclass
class TaggedDocument:
    doc_id: str
    origin: str
    sentences: list[TaggedSentence] = field(default_factory=list)
    model: str = ""

    def records(self) -> list[dict]:
        """One flat record per sentence: what the JSONL and CSV outputs hold."""
        n = len(self.sentences)
        return [
            {"doc_id": self.doc_id, "sentence": s.index, "n_sentences": n, "start": s.start, "end": s.end,
             "text": s.text, "labels": list(s.labels), "scores": s.scores, "break_before": s.break_before,
             "model": self.model}
            for s in self.sentences
        ]

    def label_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for s in self.sentences:
            for label in s.labels:
                counts[label] = counts.get(label, 0) + 1
        return counts


def calibration_sentences(limit: int = 400) -> list[str]:
    """Team-written sentences (shipped with the package) for checking a fast backend against fp32."""
    from labels.authored import load_authored
    from labels.paths import AUTHORED_DIR
    from labels.schema import load_schema

    examples = load_authored(AUTHORED_DIR, load_schema("framing"))
    step = max(1, len(examples) // limit)
    return [ex.text for ex in examples[::step]][:limit]


class Tagger:
    """Scores every sentence of a document; labels come from the model's id2label and thresholds."""

    def __init__(self, model: FramingModel, *, batch_size: int = 32, buffer_sentences: int = 512,
                 blocks: str = "line", model_id: str | None = None):
        self.model = model
        self.batch_size = batch_size
        self.buffer_sentences = buffer_sentences
        self.blocks = blocks
        self.model_id = model_id or f"{model.name or 'model'}@{weights_digest(model)[:12]}"
        self.backend_checks: list = []

    @classmethod
    def from_pretrained(
        cls,
        path: str | Path,
        *,
        backend: str = "auto",
        threads: int | None = None,
        batch_size: int = 32,
        **kwargs,
    ) -> Tagger:
        """Load a saved model; ``backend='auto'`` picks the fastest backend that agrees with fp32."""
        path = Path(path)
        if not (path / "config.json").is_file():
            raise FileNotFoundError(f"no model at {path} (expected a Hugging Face model directory with "
                                    "config.json; train one with `framing train` or `make run`)")
        if threads:
            torch.set_num_threads(threads)
        model = FramingModel.from_pretrained(path)
        checks = []
        if backend == "auto":
            backend, checks = choose_backend(model, calibration_sentences(), batch_size=batch_size,
                                             threads=threads)
        elif backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; choose from auto, {', '.join(BACKENDS)}")
        tagger = cls(with_backend(model, backend, threads=threads), batch_size=batch_size, **kwargs)
        tagger.backend_checks = checks
        return tagger

    @property
    def backend(self) -> str:
        return self.model.backend

    def tag(self, text: str, doc_id: str = "doc") -> TaggedDocument:
        return next(self.tag_many([Document(doc_id=doc_id, text=text, origin=doc_id)]))

    def tag_many(self, documents: Iterable[Document]) -> Iterator[TaggedDocument]:
        """Yield a TaggedDocument per input document, in order, scoring sentences in large batches."""
        pending: list[tuple[Document, list]] = []
        waiting = 0
        for document in documents:
            sentences = segment(document.text, blocks=self.blocks)
            pending.append((document, sentences))
            waiting += len(sentences)
            if waiting >= self.buffer_sentences:
                yield from self._score(pending)
                pending, waiting = [], 0
        if pending:
            yield from self._score(pending)

    def _score(self, pending: list[tuple[Document, list]]) -> Iterator[TaggedDocument]:
        texts = [s.text for _, sentences in pending for s in sentences]
        scores = self.model.predict_proba(texts, batch_size=self.batch_size) if texts else np.zeros((0, 0))
        labels = self.model.decide(scores) if texts else []
        names = self.model.labels
        row = 0
        for document, sentences in pending:
            tagged = TaggedDocument(doc_id=document.doc_id, origin=document.origin, model=self.model_id)
            previous_end = 0
            for sentence in sentences:
                gap = document.text[previous_end:sentence.start]
                tagged.sentences.append(TaggedSentence(
                    index=sentence.index, start=sentence.start, end=sentence.end, text=sentence.text,
                    labels=labels[row], scores={n: round(float(v), 4) for n, v in zip(names, scores[row])},
                    break_before=sentence.index > 0 and ("\n" in gap or "\r" in gap),
                ))
                previous_end = sentence.end
                row += 1
            yield tagged

    def describe(self) -> str:
        checks = "; ".join(f"{c.backend}: {c.sentences_per_second:.0f} sent/s, labels identical to fp32 on "
                           f"{100 * c.identical_share:.1f}%" + ("" if c.ok else f" ({c.error or 'rejected'})")
                           for c in self.backend_checks)
        return f"model {self.model_id}, backend {self.backend}" + (f" [{checks}]" if checks else "")


def dumps(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False)
