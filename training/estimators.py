"""Every model behind one interface: ``fit(train, dev)``, ``predict_proba(texts)``, ``predict(texts)``.

Label names and order come from the schema; multi-label models turn scores into
label sets with per-label thresholds tuned on dev, single-label models take the
argmax. Experiments compare estimators without knowing what is inside them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

import numpy as np

from labels.records import Example
from labels.schema import Schema
from training.config import TrainConfig
from training.metrics import indicator
from training.thresholds import tune_thresholds


class Estimator(ABC):
    """Base class: subclasses implement ``_fit`` and ``predict_proba``."""

    name = "estimator"

    def __init__(self, schema: Schema, *, tune: bool = True):
        self.schema = schema
        self.tune = tune
        self.thresholds = np.full(len(schema.labels), 0.5)

    @property
    def labels(self) -> list[str]:
        return self.schema.label_names

    gold_weight = 1.0  # weight of real-text dev sentences in threshold tuning (see TrainConfig.gold_weight)
    threshold_objective = "label"  # see TrainConfig.threshold_objective
    min_dev_positives = 10

    def fit(self, train: Sequence[Example], dev: Sequence[Example]) -> Estimator:
        self._fit(train, dev)
        if self.schema.multi_label and self.tune and dev:
            from training.finetune import example_weights

            truth = indicator([ex.labels for ex in dev], self.labels)
            self.thresholds = tune_thresholds(self.predict_proba([ex.text for ex in dev]), truth,
                                              weights=example_weights(dev, self.gold_weight),
                                              min_positives=self.min_dev_positives,
                                              objective=self.threshold_objective)
        return self

    @abstractmethod
    def _fit(self, train: Sequence[Example], dev: Sequence[Example]) -> None: ...

    @abstractmethod
    def predict_proba(self, texts: Sequence[str]) -> np.ndarray: ...

    def decide(self, scores: np.ndarray) -> list[tuple[str, ...]]:
        if not self.schema.multi_label:
            return [(self.labels[int(i)],) for i in scores.argmax(axis=1)]
        return [tuple(l for l, hit in zip(self.labels, row) if hit) for row in scores >= self.thresholds]

    def predict(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        return self.decide(self.predict_proba(texts))


class TransformerEstimator(Estimator):
    """Fine-tuned transformer (training/finetune.py); thresholds come from its own epoch selection."""

    name = "transformer"

    def __init__(self, schema: Schema, config: TrainConfig, progress: Callable[[str], None] | None = None):
        super().__init__(schema, tune=config.tune_thresholds)
        self.config = config
        self.progress = progress
        self.model = None
        self.history = None

    def fit(self, train: Sequence[Example], dev: Sequence[Example]) -> TransformerEstimator:
        from training.finetune import finetune

        self.model, self.history = finetune(self.config, self.schema, train, dev, progress=self.progress)
        self.thresholds = np.array([self.model.thresholds[label] for label in self.labels])
        return self

    def _fit(self, train, dev) -> None:  # pragma: no cover - fit is overridden
        raise NotImplementedError

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.predict_proba(texts)
