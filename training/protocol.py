"""Evaluation protocols: held-out splits and leave-one-article-out (LOAO) on real text.

Every model in a comparison gets exactly the same training, dev and test
examples. LOAO holds out one document of the real-text split at a time, trains
on everything else, predicts the held-out document, and pools the predictions of
all folds into one report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from labels.records import Example
from training.estimators import Estimator
from training.metrics import evaluate, indicator

Factory = Callable[[], Estimator]


@dataclass
class Predictions:
    """Pooled predictions of one model on one protocol, in example order."""

    examples: list[Example]
    scores: np.ndarray
    labels: list[tuple[str, ...]]

    def rows(self, label_names: Sequence[str]) -> list[dict]:
        """Per-sentence records without the text (runs may be shared; external text must not be)."""
        return [
            {"id": ex.id, "doc_id": ex.doc_id, "gold": list(ex.labels), "predicted": list(pred),
             "scores": {name: round(float(s), 4) for name, s in zip(label_names, row)}}
            for ex, pred, row in zip(self.examples, self.labels, self.scores)
        ]


def report(examples: Sequence[Example], predicted: Sequence[Sequence[str]], label_names: Sequence[str], *,
           bootstrap: int, seed: int) -> dict:
    return evaluate(indicator([ex.labels for ex in examples], label_names),
                    indicator(predicted, label_names), label_names, bootstrap=bootstrap, seed=seed)


def predict(estimator: Estimator, examples: Sequence[Example]) -> Predictions:
    scores = estimator.predict_proba([ex.text for ex in examples])
    return Predictions(list(examples), scores, estimator.decide(scores))


def leave_one_document_out(
    factories: Mapping[str, Factory],
    train: Sequence[Example],
    dev: Sequence[Example],
    held_out_pool: Sequence[Example],
    *,
    progress: Callable[[str], None] = print,
) -> dict[str, Predictions]:
    """For each document of ``held_out_pool``: fit on ``train`` minus that document, predict it.

    ``train`` normally already contains the pool (the real articles are training data for
    the final model); documents are removed from it fold by fold, never added twice.
    """
    documents = sorted({ex.doc_id for ex in held_out_pool})
    if len(documents) < 2:
        raise ValueError(f"leave-one-out needs at least two documents, got {documents}")
    pool_ids = {ex.id for ex in train}
    extra = [ex for ex in held_out_pool if ex.id not in pool_ids]
    pooled: dict[str, list[Predictions]] = {name: [] for name in factories}
    for k, document in enumerate(documents, 1):
        fold_train = [ex for ex in [*train, *extra] if ex.doc_id != document]
        fold_test = [ex for ex in held_out_pool if ex.doc_id == document]
        for name, factory in factories.items():
            progress(f"LOAO fold {k}/{len(documents)} ({document}, {len(fold_test)} sentences): {name} on "
                     f"{len(fold_train)} training sentences")
            pooled[name].append(predict(factory().fit(fold_train, dev), fold_test))
    return {
        name: Predictions(
            examples=[ex for p in parts for ex in p.examples],
            scores=np.concatenate([p.scores for p in parts]),
            labels=[lab for p in parts for lab in p.labels],
        )
        for name, parts in pooled.items()
    }
