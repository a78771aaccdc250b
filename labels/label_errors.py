"""Likely label errors: gold labels that out-of-fold model predictions confidently contradict.

Confident learning (``cleanlab``) flags items whose given label set is unlikely
under a model that never saw them, and ranks them by self-confidence, so a
reviewer reads the most suspicious sentences first. Each flagged item names the
labels in doubt and which way ("gold says no concession, model says 0.93"),
because a reviewer fixes one label decision at a time.

The predictions must be out-of-fold: a model scoring its own training items
agrees with their labels, errors included. :func:`out_of_fold_probs` makes them
with a cheap TF-IDF + logistic regression per label (seconds on CPU, no
transformer), grouped by document when groups are given so near-duplicate
sentences of one article do not leak across folds. Any other learner plugs in
through ``fit_predict``; a ``FramingModel`` that was trained without these
sentences can score them directly with :func:`model_probs`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

import numpy as np

FitPredict = Callable[[Sequence[str], np.ndarray, Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Suspect:
    """One label decision in doubt: what gold says and the model's probability for the label."""

    label: str
    gold: bool
    prob: float

    def describe(self) -> str:
        return f"gold says {'' if self.gold else 'no '}{self.label}, model says {self.prob:.2f}"


@dataclass(frozen=True)
class LabelIssue:
    index: int  # row in the inputs
    id: Hashable
    quality: float  # cleanlab's label quality score: lower is more suspect
    gold: tuple[str, ...]
    suspects: tuple[Suspect, ...]  # most contradicted first

    def describe(self) -> str:
        return "; ".join(s.describe() for s in self.suspects)


def label_matrix(labels: Sequence[Sequence[str]], label_names: Sequence[str]) -> np.ndarray:
    """Multi-hot ``(n, k)`` int matrix in ``label_names`` order; unknown names are an error."""
    position = {name: j for j, name in enumerate(label_names)}
    matrix = np.zeros((len(labels), len(label_names)), dtype=int)
    for i, given in enumerate(labels):
        for name in given:
            if name not in position:
                raise ValueError(f"row {i}: unknown label {name!r}; known: {list(label_names)}")
            matrix[i, position[name]] = 1
    return matrix


def rank_label_issues(
    labels: Sequence[Sequence[str]],
    pred_probs: np.ndarray,
    label_names: Sequence[str],
    *,
    ids: Sequence[Hashable] | None = None,
    thresholds: float | Sequence[float] = 0.5,
    flagged_only: bool = True,
    filter_by: str = "prune_by_noise_rate",
) -> list[LabelIssue]:
    """Items whose gold labels look wrong, most suspicious first.

    ``flagged_only`` returns only what cleanlab's ``find_label_issues`` flags
    (ranked by self-confidence); otherwise every item is returned, ranked by its
    label quality score, for a reviewer who wants to keep scrolling. On a few
    hundred items the flags are conservative (cleanlab's thresholds are per-label
    averages), so a review page should show the flagged items, then the rest in
    quality order. ``filter_by`` is cleanlab's (``"predicted_neq_given"`` flags
    every disagreement with the thresholded prediction).
    """
    from cleanlab.multilabel_classification.filter import find_label_issues
    from cleanlab.multilabel_classification.rank import get_label_quality_scores

    probs = np.asarray(pred_probs, dtype=float)
    gold = label_matrix(labels, label_names)
    if probs.shape != gold.shape:
        raise ValueError(f"pred_probs has shape {probs.shape}, labels give {gold.shape}")
    ids = list(range(len(labels))) if ids is None else list(ids)
    if len(ids) != len(labels):
        raise ValueError(f"{len(ids)} ids for {len(labels)} items")
    if not len(labels):
        return []
    as_lists = [np.flatnonzero(row).tolist() for row in gold]
    quality = get_label_quality_scores(as_lists, probs)
    if flagged_only:
        order = find_label_issues(labels=as_lists, pred_probs=probs, return_indices_ranked_by="self_confidence",
                                  filter_by=filter_by)
    else:
        order = np.lexsort((np.arange(len(labels)), quality))
    t = np.broadcast_to(np.asarray(thresholds, dtype=float), (len(label_names),))
    issues = []
    for i in order:
        issues.append(LabelIssue(index=int(i), id=ids[i], quality=float(quality[i]),
                                 gold=tuple(n for n, g in zip(label_names, gold[i]) if g),
                                 suspects=_suspects(gold[i], probs[i], label_names, t)))
    return issues


def _suspects(gold: np.ndarray, probs: np.ndarray, names: Sequence[str], t: np.ndarray) -> tuple[Suspect, ...]:
    confidence = np.where(gold == 1, probs, 1 - probs)  # the model's belief in the gold decision
    disagree = np.flatnonzero((probs >= t) != (gold == 1))
    chosen = disagree if disagree.size else np.array([int(np.argmin(confidence))])
    chosen = sorted(chosen.tolist(), key=lambda j: (confidence[j], j))
    return tuple(Suspect(label=names[j], gold=bool(gold[j]), prob=float(probs[j])) for j in chosen)


def tfidf_fit_predict(train_texts: Sequence[str], train_y: np.ndarray, test_texts: Sequence[str],
                      *, C: float = 30.0) -> np.ndarray:
    """TF-IDF (word 1-2 grams) + one logistic regression per label; a label constant in training
    predicts its training rate.

    ``C`` is high (weak regularisation) because TF-IDF rows have unit norm and
    annotated sets are small: with the default C=1 every probability hugs the
    base rate and confident learning, which compares each item with the
    per-label average confidence, flags almost nothing.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    x_train = vectorizer.fit_transform(train_texts)
    x_test = vectorizer.transform(test_texts)
    out = np.zeros((len(test_texts), train_y.shape[1]))
    for j in range(train_y.shape[1]):
        column = train_y[:, j]
        if column.min() == column.max():
            out[:, j] = float(column[0])
            continue
        model = LogisticRegression(C=C, max_iter=1000, class_weight="balanced")
        model.fit(x_train, column)
        out[:, j] = model.predict_proba(x_test)[:, 1]
    return out


def out_of_fold_probs(
    texts: Sequence[str],
    label_matrix: np.ndarray,
    k: int = 5,
    seed: int = 0,
    *,
    groups: Sequence[Hashable] | None = None,
    fit_predict: FitPredict = tfidf_fit_predict,
) -> np.ndarray:
    """Probabilities for every item from a model trained on the other folds (grouped if ``groups``)."""
    from sklearn.model_selection import GroupKFold, KFold

    y = np.asarray(label_matrix)
    if y.ndim != 2 or y.shape[0] != len(texts):
        raise ValueError(f"label_matrix has shape {y.shape} for {len(texts)} texts")
    if groups is not None and len(groups) != len(texts):
        raise ValueError(f"{len(groups)} groups for {len(texts)} texts")
    units = len(set(groups)) if groups is not None else len(texts)
    k = min(k, units)
    if k < 2:
        raise ValueError("out-of-fold predictions need at least two items (or two groups)")
    if groups is None:
        splits = KFold(n_splits=k, shuffle=True, random_state=seed).split(texts)
    else:
        splits = GroupKFold(n_splits=k, shuffle=True, random_state=seed).split(texts, groups=groups)
    out = np.full(y.shape, np.nan)
    texts = list(texts)
    for train, test in splits:
        out[test] = fit_predict([texts[i] for i in train], y[train], [texts[i] for i in test])
    return out


def model_probs(model, texts: Sequence[str], label_names: Sequence[str], batch_size: int = 32) -> np.ndarray:
    """A saved model's probabilities (e.g. ``classifier.model.FramingModel``), columns in ``label_names``
    order. Only valid for finding label errors if the model never trained on ``texts``."""
    probs = np.asarray(model.predict_proba(list(texts), batch_size=batch_size), dtype=float)
    columns = list(model.labels)
    missing = [name for name in label_names if name not in columns]
    if missing:
        raise ValueError(f"the model has no output for label(s) {missing}")
    return probs[:, [columns.index(name) for name in label_names]]
