"""The interface contract, checked for every model kind an experiment can name."""

from __future__ import annotations

import numpy as np
import pytest

from labels.records import Example
from labels.schema import load_schema
from tests.training.toy import toy_examples
from training.models import KINDS, build_estimator

FRAMING = load_schema("framing")
HEDGING = load_schema("szeged_hedging")


def params_for(kind: str, tiny: str) -> dict:
    return {
        "embeddings_logreg": {"model": tiny},
        "setfit": {"model": tiny, "num_iterations": 1, "batch_size": 8, "max_train": 40},
        "finetune": {"model": tiny, "epochs": 2, "batch_size": 8, "learning_rate": 3e-3, "max_length": 32,
                     "freeze_embeddings": False, "threads": 1},
    }.get(kind, {})


def single_label(examples):
    return [Example(**{**ex.__dict__, "labels": ("uncertain",) if "hedging" in ex.labels else ("certain",)})
            for ex in examples]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("schema", [FRAMING, HEDGING], ids=["multi-label", "single-label"])
def test_every_model_honours_the_interface(kind, schema, tiny_model_dir):
    train, dev, test = toy_examples(12, seed=1), toy_examples(4, seed=2), toy_examples(2, seed=3)
    if not schema.multi_label:
        train, dev, test = single_label(train), single_label(dev), single_label(test)
    estimator = build_estimator(kind, schema, params_for(kind, str(tiny_model_dir)), seed=0)
    assert estimator.fit(train, dev) is estimator
    texts = [ex.text for ex in test]
    scores = estimator.predict_proba(texts)
    assert scores.shape == (len(texts), len(schema.labels))
    assert np.all((scores >= 0) & (scores <= 1))
    predictions = estimator.predict(texts)
    assert len(predictions) == len(texts)
    for labels in predictions:
        assert isinstance(labels, tuple) and set(labels) <= set(schema.label_names)
        if not schema.multi_label:
            assert len(labels) == 1
    again = build_estimator(kind, schema, params_for(kind, str(tiny_model_dir)), seed=0).fit(train, dev)
    assert again.predict(texts) == predictions  # same seed, same data: same answers


def test_baselines_behave_as_defined():
    train = toy_examples(12, seed=1)
    majority = build_estimator("majority", FRAMING).fit(train, [])
    most_common = max(set(ex.labels for ex in train), key=[ex.labels for ex in train].count)
    assert set(majority.predict(["anything", "else"])) == {most_common}
    prior = build_estimator("prior", FRAMING, seed=3).fit(train, [])
    many = prior.predict([f"sentence {i}" for i in range(4000)])
    rate = np.mean([["hedging" in p for p in many]])
    expected = np.mean(["hedging" in ex.labels for ex in train])
    assert abs(rate - expected) < 0.03
    assert prior.predict(["same text"]) == prior.predict(["same text"])


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown model kind 'bert'"):
        build_estimator("bert", FRAMING)
