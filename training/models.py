"""Every model an experiment can name, behind the one Estimator interface (fit / predict_proba / predict).

| kind                | what                                                                        |
|---------------------|-----------------------------------------------------------------------------|
| `majority`          | the most frequent label set of the training data, for every sentence         |
| `prior`             | each label drawn at random with its training prevalence (seeded per text)    |
| `tfidf_logreg`      | TF-IDF word 1-2 grams + logistic regression (one per label)                  |
| `embeddings_logreg` | frozen sentence embeddings (mean-pooled MiniLM or any HF encoder) + LR       |
| `setfit`            | SetFit: contrastive fine-tuning of a sentence encoder + LR head (`setfit`)   |
| `finetune`          | full fine-tuning of a transformer (training/finetune.py), any local HF model |

``build_estimator(kind, schema, params, seed)`` makes one; experiments name kinds and
parameters in YAML and never touch this code to add a model.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from labels.records import Example
from labels.schema import Schema
from training.baselines import TfidfLogReg
from training.estimators import Estimator, TransformerEstimator
from training.metrics import indicator


class Majority(Estimator):
    """Predicts the training data's most frequent label set (ties: the first seen)."""

    name = "majority"

    def __init__(self, schema: Schema):
        super().__init__(schema, tune=False)
        self.scores = np.zeros(len(schema.labels))

    def _fit(self, train: Sequence[Example], dev: Sequence[Example]) -> None:
        most_common = Counter(ex.labels for ex in train).most_common(1)[0][0]
        self.scores = indicator([most_common], self.labels)[0].astype(float)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return np.tile(self.scores, (len(texts), 1))


class Prior(Estimator):
    """Each label independently with its training prevalence: the chance level a model must beat."""

    name = "prior"

    def __init__(self, schema: Schema, seed: int = 0):
        super().__init__(schema, tune=False)
        self.seed = seed
        self.prevalence = np.zeros(len(schema.labels))

    def _fit(self, train: Sequence[Example], dev: Sequence[Example]) -> None:
        y = indicator([ex.labels for ex in train], self.labels)
        self.prevalence = y.mean(0)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return np.tile(self.prevalence, (len(texts), 1))

    def predict(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        out = []
        for text in texts:  # seeded by the text, so a sentence gets the same draw in every run
            digest = hashlib.sha256(f"{self.seed}\x00{text}".encode()).digest()
            rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
            if self.schema.multi_label:
                hits = rng.random(len(self.labels)) < self.prevalence
                out.append(tuple(label for label, hit in zip(self.labels, hits) if hit))
            else:
                out.append((self.labels[int(rng.choice(len(self.labels), p=self.prevalence))],))
        return out


class SentenceEncoder:
    """Mean-pooled, L2-normalised sentence embeddings from any HF encoder, cached per text."""

    def __init__(self, model: str = "minilm", *, max_length: int = 128, batch_size: int = 64,
                 cache_dir: Path | None = None):
        from training.finetune import resolve_model_path

        self.path = resolve_model_path(model)
        self.max_length = max_length
        self.batch_size = batch_size
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self._memory: dict[str, np.ndarray] = {}
        self._model = None

    def _load(self):
        if self._model is None:
            from transformers import AutoModel, AutoTokenizer

            self._tokenizer = AutoTokenizer.from_pretrained(self.path)
            self._model = AutoModel.from_pretrained(self.path).eval()
        return self._model

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.path}\x00{self.max_length}\x00{text}".encode()).hexdigest()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        keys = [self._key(t) for t in texts]
        missing = [i for i, k in enumerate(keys) if k not in self._memory and not self._from_disk(k)]
        if missing:
            model = self._load()
            order = sorted(missing, key=lambda i: len(texts[i]))
            with torch.inference_mode():
                for start in range(0, len(order), self.batch_size):
                    idx = order[start:start + self.batch_size]
                    batch = self._tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                            max_length=self.max_length, return_tensors="pt")
                    hidden = model(**batch).last_hidden_state
                    mask = batch["attention_mask"].unsqueeze(-1).float()
                    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
                    pooled = torch.nn.functional.normalize(pooled, dim=-1).numpy()
                    for row, i in enumerate(idx):
                        self._memory[keys[i]] = pooled[row]
                        self._to_disk(keys[i], pooled[row])
        return np.stack([self._memory[k] for k in keys]) if keys else np.zeros((0, 0))

    def _from_disk(self, key: str) -> bool:
        if self.cache_dir is None:
            return False
        path = self.cache_dir / key[:2] / f"{key}.npy"
        if path.is_file():
            self._memory[key] = np.load(path)
            return True
        return False

    def _to_disk(self, key: str, vector: np.ndarray) -> None:
        if self.cache_dir is None:
            return
        path = self.cache_dir / key[:2] / f"{key}.npy"
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vector)


class EmbeddingsLogReg(Estimator):
    """Frozen sentence embeddings + class-balanced logistic regression per label."""

    name = "embeddings_logreg"

    def __init__(self, schema: Schema, *, model: str = "minilm", C: float = 1.0, seed: int = 0,
                 cache_dir: Path | None = None, encoder: SentenceEncoder | None = None):
        super().__init__(schema)
        self.encoder = encoder or SentenceEncoder(model, cache_dir=cache_dir)
        self.C = C
        self.seed = seed
        self.models: list = []

    def _classifier(self):
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=self.C, class_weight="balanced", max_iter=3000, random_state=self.seed)

    def _fit(self, train: Sequence[Example], dev: Sequence[Example]) -> None:
        features = self.encoder.encode([ex.text for ex in train])
        y = indicator([ex.labels for ex in train], self.labels)
        if not self.schema.multi_label:
            self.models = [self._classifier().fit(features, y.argmax(1))]
            return
        self.models = [float(y[:, j].mean()) if y[:, j].min() == y[:, j].max()
                       else self._classifier().fit(features, y[:, j]) for j in range(y.shape[1])]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        features = self.encoder.encode(texts)
        if not self.schema.multi_label:
            out = np.zeros((len(texts), len(self.labels)))
            out[:, self.models[0].classes_] = self.models[0].predict_proba(features)
            return out
        return np.stack([np.full(len(texts), m) if isinstance(m, float) else m.predict_proba(features)[:, 1]
                         for m in self.models], axis=1)


class SetFitEstimator(Estimator):
    """SetFit (contrastive fine-tuning of the sentence encoder, then a logistic-regression head)."""

    name = "setfit"

    def __init__(self, schema: Schema, *, model: str = "minilm", num_iterations: int = 5, num_epochs: int = 1,
                 batch_size: int = 16, max_train: int = 1000, seed: int = 0):
        super().__init__(schema)
        self.model_name, self.num_iterations, self.num_epochs = model, num_iterations, num_epochs
        self.batch_size, self.max_train, self.seed = batch_size, max_train, seed
        self.model = None

    def _fit(self, train: Sequence[Example], dev: Sequence[Example]) -> None:
        try:
            from datasets import Dataset
            from setfit import SetFitModel, Trainer, TrainingArguments
        except ImportError as exc:
            raise RuntimeError("the setfit model kind needs the setfit package: pip install '.[setfit]'") from exc
        from training.finetune import resolve_model_path

        # SetFit generates pairs from every sentence: cap the training set (seeded) to keep CPU time bounded
        rng = np.random.default_rng(self.seed)
        chosen = list(train) if len(train) <= self.max_train else [
            train[i] for i in sorted(rng.choice(len(train), self.max_train, replace=False))]
        y = indicator([ex.labels for ex in chosen], self.labels).astype(int)
        labels = [list(row) for row in y] if self.schema.multi_label else list(y.argmax(1))
        dataset = Dataset.from_dict({"text": [ex.text for ex in chosen], "label": labels})
        self.model = SetFitModel.from_pretrained(
            resolve_model_path(self.model_name),
            **({"multi_target_strategy": "one-vs-rest"} if self.schema.multi_label else {}))
        with tempfile.TemporaryDirectory(prefix="setfit-") as scratch:  # its checkpoints are not results
            args = TrainingArguments(output_dir=scratch, batch_size=self.batch_size, num_epochs=self.num_epochs,
                                     num_iterations=self.num_iterations, seed=self.seed, report_to=[],
                                     show_progress_bar=False, save_strategy="no")
            Trainer(model=self.model, args=args, train_dataset=dataset).train()

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        probs = self.model.predict_proba(list(texts), as_numpy=True, show_progress_bar=False)
        probs = np.asarray(probs, dtype=float)
        if self.schema.multi_label and probs.ndim == 3:  # some heads return per-label (p0, p1)
            probs = probs[:, :, 1]
        return probs


def _finetune(schema: Schema, params: dict, seed: int) -> Estimator:
    from training.config import TrainConfig

    config = TrainConfig(**{"loao_split": "", "model_card": "", "output_dir": "unused", "threads": 2, **params,
                            "seed": seed})
    return TransformerEstimator(schema, config, progress=lambda _: None)


FACTORIES: dict[str, Callable[[Schema, dict, int], Estimator]] = {
    "majority": lambda schema, params, seed: Majority(schema),
    "prior": lambda schema, params, seed: Prior(schema, seed=seed),
    "tfidf_logreg": lambda schema, params, seed: TfidfLogReg(schema, seed=seed, **params),
    "embeddings_logreg": lambda schema, params, seed: EmbeddingsLogReg(schema, seed=seed, **params),
    "setfit": lambda schema, params, seed: SetFitEstimator(schema, seed=seed, **params),
    "finetune": _finetune,
}
KINDS = tuple(FACTORIES)


def build_estimator(kind: str, schema: Schema, params: dict | None = None, seed: int = 0) -> Estimator:
    if kind not in FACTORIES:
        raise ValueError(f"unknown model kind {kind!r}; known: {', '.join(KINDS)}")
    return FACTORIES[kind](schema, dict(params or {}), seed)
