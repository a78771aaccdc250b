from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from labels.records import Example
from labels.schema import load_schema
from tests.training.toy import toy_examples
from training.baselines import TfidfLogReg
from training.estimators import Estimator
from training.protocol import leave_one_document_out

SCHEMA = load_schema("framing")


def test_tfidf_logreg_learns_trigger_words():
    train, dev, test = toy_examples(20, seed=1), toy_examples(5, seed=2), toy_examples(5, seed=3)
    model = TfidfLogReg(SCHEMA).fit(train, dev)
    predicted = model.predict([ex.text for ex in test])
    assert np.mean([set(p) == set(ex.labels) for p, ex in zip(predicted, test)]) > 0.9
    scores = model.predict_proba(["the union said its demands remain unchanged"])
    assert scores.shape == (1, 4) and scores[0, 0] > 0.5


def test_tfidf_logreg_label_without_positives_is_constant():
    train = [ex for ex in toy_examples(10) if "concession" not in ex.labels]
    model = TfidfLogReg(SCHEMA).fit(train, toy_examples(3, seed=4))
    scores = model.predict_proba(["the company raised its pay offer"])
    assert scores[0, SCHEMA.label2id["concession"]] == 0.0


def test_tfidf_logreg_single_label():
    schema = load_schema("szeged_hedging")
    relabel = lambda exs: [Example(**{**ex.__dict__, "labels": ("uncertain",) if "hedging" in ex.labels else
                                       ("certain",)}) for ex in exs]
    model = TfidfLogReg(schema).fit(relabel(toy_examples(12)), relabel(toy_examples(3, seed=5)))
    scores = model.predict_proba(["it is unclear if talks may resume", "the strike was on friday"])
    np.testing.assert_allclose(scores.sum(1), 1.0)
    assert model.predict(["it is unclear if talks may resume"]) == [("uncertain",)]


class Recorder(Estimator):
    """Remembers what it was trained on; predicts the empty set."""

    seen: list[set[str]] = []

    def _fit(self, train: Sequence[Example], dev: Sequence[Example]) -> None:
        Recorder.seen.append({ex.doc_id for ex in train})

    def predict_proba(self, texts):
        return np.zeros((len(texts), len(self.labels)))


def test_leave_one_document_out_never_trains_on_the_held_out_document():
    Recorder.seen = []
    real = toy_examples(3, seed=9, source="seed_gold")
    real = [Example(**{**ex.__dict__, "doc_id": "real-" + ex.doc_id, "id": "real-" + ex.id}) for ex in real]
    authored = toy_examples(5)
    pooled = leave_one_document_out({"rec": lambda: Recorder(SCHEMA, tune=False)}, authored + real,
                                    toy_examples(2, seed=3), real, progress=lambda _: None)
    held_out = sorted({ex.doc_id for ex in real})
    assert len(Recorder.seen) == 3
    for doc, seen in zip(held_out, Recorder.seen):
        assert doc not in seen and (set(held_out) - {doc}) <= seen and {ex.doc_id for ex in authored} <= seen
    result = pooled["rec"]
    assert sorted(ex.id for ex in result.examples) == sorted(ex.id for ex in real)
    assert result.scores.shape == (len(real), 4) and all(labels == () for labels in result.labels)
    rows = result.rows(SCHEMA.label_names)
    assert "text" not in rows[0] and rows[0]["gold"] == list(result.examples[0].labels)


def test_leave_one_document_out_adds_pool_when_not_in_train():
    Recorder.seen = []
    real = [Example(**{**ex.__dict__, "doc_id": f"r{ex.doc_id}", "id": f"r{ex.id}"}) for ex in toy_examples(2, seed=1)]
    leave_one_document_out({"rec": lambda: Recorder(SCHEMA, tune=False)}, toy_examples(2), toy_examples(1), real,
                           progress=lambda _: None)
    assert Recorder.seen[0] & {ex.doc_id for ex in real}


def test_leave_one_document_out_needs_two_documents():
    with pytest.raises(ValueError, match="at least two documents"):
        leave_one_document_out({}, [], [], toy_examples(1), progress=lambda _: None)
