"""Baselines that share the estimator interface with the fine-tuned transformer."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline

from labels.records import Example
from labels.schema import Schema
from training.estimators import Estimator
from training.metrics import indicator


class TfidfLogReg(Estimator):
    """Word 1-2 gram TF-IDF + logistic regression (one-vs-rest for multi-label), class-balanced."""

    name = "tfidf_logreg"

    def __init__(self, schema: Schema, *, C: float = 4.0, seed: int = 0, tune: bool = True):
        super().__init__(schema, tune=tune)
        self.C = C
        self.seed = seed
        self.pipeline = None
        self._constant: dict[int, float] = {}

    def _fit(self, train: Sequence[Example], dev: Sequence[Example]) -> None:
        texts = [ex.text for ex in train]
        y = indicator([ex.labels for ex in train], self.labels)
        vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, lowercase=True)
        base = LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000, random_state=self.seed)
        if self.schema.multi_label:
            # a label with no positives (or no negatives) in train cannot be fitted: predict its constant rate
            self._constant = {j: float(y[:, j].mean()) for j in range(y.shape[1]) if y[:, j].min() == y[:, j].max()}
            keep = [j for j in range(y.shape[1]) if j not in self._constant]
            self._columns = keep
            self.pipeline = make_pipeline(vectorizer, OneVsRestClassifier(base)).fit(texts, y[:, keep])
        else:
            self.pipeline = make_pipeline(vectorizer, base).fit(texts, y.argmax(1))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        scores = self.pipeline.predict_proba(list(texts))
        if not self.schema.multi_label:
            out = np.zeros((len(texts), len(self.labels)))
            out[:, self.pipeline.classes_] = scores
            return out
        out = np.zeros((len(texts), len(self.labels)))
        out[:, self._columns] = scores
        for j, value in self._constant.items():
            out[:, j] = value
        return out
