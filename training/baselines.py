"""Baselines that share the estimator interface with the fine-tuned transformer."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from labels.records import Example
from labels.schema import Schema
from training.estimators import Estimator
from training.metrics import indicator


class TfidfLogReg(Estimator):
    """Word 1-2 gram TF-IDF + logistic regression (one binary model per label for multi-label), class-balanced.

    The per-label models are fitted explicitly rather than with OneVsRestClassifier so that
    real-text sentences can carry the same sample weight as in the transformer's loss.
    """

    name = "tfidf_logreg"

    def __init__(self, schema: Schema, *, C: float = 4.0, seed: int = 0, tune: bool = True,
                 gold_weight: float = 1.0):
        super().__init__(schema, tune=tune)
        self.C = C
        self.seed = seed
        self.gold_weight = gold_weight
        self.vectorizer: TfidfVectorizer | None = None
        self.models: list[LogisticRegression | float] = []

    def _classifier(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000, random_state=self.seed)

    def _fit(self, train: Sequence[Example], dev: Sequence[Example]) -> None:
        from training.finetune import example_weights

        self.vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, lowercase=True)
        features = self.vectorizer.fit_transform([ex.text for ex in train])
        y = indicator([ex.labels for ex in train], self.labels)
        weights = example_weights(train, self.gold_weight)
        if not self.schema.multi_label:
            self.models = [self._classifier().fit(features, y.argmax(1), sample_weight=weights)]
            return
        self.models = []
        for j in range(y.shape[1]):
            column = y[:, j]
            if column.min() == column.max():  # no positives (or no negatives): predict the constant rate
                self.models.append(float(column.mean()))
            else:
                self.models.append(self._classifier().fit(features, column, sample_weight=weights))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        features = self.vectorizer.transform(list(texts))
        if not self.schema.multi_label:
            model = self.models[0]
            out = np.zeros((len(texts), len(self.labels)))
            out[:, model.classes_] = model.predict_proba(features)
            return out
        columns = [np.full(len(texts), m) if isinstance(m, float) else m.predict_proba(features)[:, 1]
                   for m in self.models]
        return np.stack(columns, axis=1)
