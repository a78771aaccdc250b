"""A saved framing model: a standard Hugging Face directory plus per-label thresholds.

The directory loads in a plain ``transformers.pipeline("text-classification",
model=DIR, top_k=None)``; this class adds what a pipeline does not know: the
per-label decision thresholds tuned on the dev split (``thresholds.json``), and
fast batched scoring (length-sorted batches, ``inference_mode``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

THRESHOLDS_FILE = "thresholds.json"
MULTI_LABEL = "multi_label_classification"


class FramingModel:
    """Sentence classifier whose label names come only from the model config (id2label)."""

    def __init__(
        self,
        model: PreTrainedModel,
        tokenizer: PreTrainedTokenizerBase,
        thresholds: dict[str, float] | None = None,
        *,
        max_length: int = 128,
        name: str = "",
        runner=None,
    ):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.name = name
        # maps a padded batch {input_ids, attention_mask} (numpy) to float32 logits; see classifier/backends.py
        self.runner = runner
        self.backend = getattr(runner, "name", "torch-fp32")
        labels = self.labels
        self.thresholds = {label: 0.5 for label in labels}
        if thresholds:
            unknown = set(thresholds) - set(labels)
            if unknown:
                raise ValueError(f"thresholds name labels the model does not have: {sorted(unknown)}")
            self.thresholds.update({k: float(v) for k, v in thresholds.items()})

    @property
    def labels(self) -> list[str]:
        id2label = self.model.config.id2label
        return [id2label[i] for i in range(len(id2label))]

    @property
    def multi_label(self) -> bool:
        return self.model.config.problem_type == MULTI_LABEL

    @classmethod
    def from_pretrained(cls, path: str | Path, **kwargs) -> FramingModel:
        """Load a local directory (or hub id); thresholds.json is optional (defaults to 0.5)."""
        model = AutoModelForSequenceClassification.from_pretrained(str(path), **kwargs)
        tokenizer = AutoTokenizer.from_pretrained(str(path))
        thresholds = None
        meta: dict = {}
        local = Path(path)
        if (local / THRESHOLDS_FILE).is_file():
            meta = json.loads((local / THRESHOLDS_FILE).read_text(encoding="utf-8"))
            thresholds = meta.get("thresholds")
        return cls(model, tokenizer, thresholds, max_length=int(meta.get("max_length", 128)),
                   name=str(meta.get("name", local.name)))

    def save_pretrained(self, path: str | Path) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.model.save_pretrained(path)
        self.tokenizer.save_pretrained(path)
        (path / THRESHOLDS_FILE).write_text(json.dumps(
            {"name": self.name, "max_length": self.max_length, "multi_label": self.multi_label,
             "thresholds": self.thresholds}, indent=2) + "\n", encoding="utf-8")

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        return self.tokenizer(list(texts), truncation=True, max_length=self.max_length)["input_ids"]

    @torch.inference_mode()
    def logits(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        """Logits for one padded batch, through the selected backend (default: the torch model, fp32)."""
        if self.runner is not None:
            return self.runner(batch)
        tensors = {k: torch.from_numpy(v) for k, v in batch.items()}
        return self.model(**tensors).logits.float().numpy()

    def probabilities(self, logits: np.ndarray) -> np.ndarray:
        if self.multi_label:
            return 1.0 / (1.0 + np.exp(-logits))
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)

    def predict_proba(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Scores in ``labels`` order: sigmoid per label (multi-label) or softmax (single-label).

        Sentences are sorted by length and batched, so padding (wasted work) is minimal;
        results do not depend on batch composition for the fp32 and bf16 backends.
        """
        return self.predict_encoded(self.encode(texts), batch_size=batch_size)

    def predict_encoded(self, encoded: Sequence[Sequence[int]], batch_size: int = 32) -> np.ndarray:
        out = np.zeros((len(encoded), len(self.labels)), dtype=np.float32)
        order = np.argsort([len(ids) for ids in encoded], kind="stable")
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            batch = self.tokenizer.pad({"input_ids": [encoded[i] for i in idx]}, return_tensors="np")
            batch = {"input_ids": batch["input_ids"].astype(np.int64),
                     "attention_mask": batch["attention_mask"].astype(np.int64)}
            out[idx] = self.probabilities(self.logits(batch))
        return out

    def decide(self, scores: np.ndarray) -> list[tuple[str, ...]]:
        """Label sets from scores: per-label thresholds (multi-label) or argmax (single-label)."""
        labels = self.labels
        if not self.multi_label:
            return [(labels[int(i)],) for i in scores.argmax(axis=1)]
        cut = np.array([self.thresholds[label] for label in labels])
        return [tuple(label for label, hit in zip(labels, row) if hit) for row in scores >= cut]

    def predict(self, texts: Sequence[str], batch_size: int = 32) -> list[tuple[str, ...]]:
        return self.decide(self.predict_proba(texts, batch_size=batch_size))
