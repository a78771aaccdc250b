"""Fine-tuning with a tiny random-weight BERT: fast, but the real code path end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from transformers import pipeline

from classifier.model import FramingModel
from labels.schema import load_schema
from tests.training.toy import toy_examples
from training.config import TrainConfig
from training.finetune import finetune

SCHEMA = load_schema("framing")


def config_for(model_dir: Path, **changes) -> TrainConfig:
    base = dict(model=str(model_dir), epochs=10, batch_size=8, learning_rate=3e-3, max_length=32, patience=4,
                freeze_embeddings=False, threads=1, loao_split="", output_dir="unused", model_card="")
    base.update(changes)
    return TrainConfig(**base)


@pytest.fixture(scope="module")
def trained(tiny_model_dir):
    train, dev = toy_examples(20, seed=1), toy_examples(6, seed=2)
    model, history = finetune(config_for(tiny_model_dir), SCHEMA, train, dev, progress=lambda _: None)
    return model, history, dev


def test_learns_the_toy_task_and_keeps_the_best_epoch(trained):
    model, history, dev = trained
    assert model.labels == SCHEMA.label_names and model.multi_label
    assert 1 <= history.best_epoch <= len(history.epochs) <= 10
    assert round(history.best_dev_macro_f1, 4) == max(e["dev_macro_f1"] for e in history.epochs)
    assert history.best_dev_macro_f1 > 0.8
    assert set(model.thresholds) == set(SCHEMA.label_names)
    predictions = model.predict([ex.text for ex in dev])
    accuracy = np.mean([set(p) == set(ex.labels) for p, ex in zip(predictions, dev)])
    assert accuracy > 0.5


def test_saved_model_loads_in_a_plain_pipeline(trained, tmp_path: Path):
    model, _, dev = trained
    model.save_pretrained(tmp_path / "model")
    files = {p.name for p in (tmp_path / "model").iterdir()}
    assert {"config.json", "model.safetensors", "thresholds.json", "tokenizer.json"} <= files
    config = json.loads((tmp_path / "model" / "config.json").read_text())
    assert config["problem_type"] == "multi_label_classification"
    assert config["id2label"] == {str(i): name for i, name in enumerate(SCHEMA.label_names)}
    classify = pipeline("text-classification", model=str(tmp_path / "model"), top_k=None)
    text = dev[0].text
    out = classify([text])[0]
    assert sorted(item["label"] for item in out) == sorted(SCHEMA.label_names)
    ours = dict(zip(model.labels, model.predict_proba([text])[0]))
    for item in out:  # the pipeline applies a sigmoid per label, exactly like predict_proba
        assert item["score"] == pytest.approx(float(ours[item["label"]]), abs=1e-5)
    reloaded = FramingModel.from_pretrained(tmp_path / "model")
    assert reloaded.thresholds == pytest.approx(model.thresholds)
    assert reloaded.max_length == 32
    np.testing.assert_allclose(reloaded.predict_proba([ex.text for ex in dev]),
                               model.predict_proba([ex.text for ex in dev]), atol=1e-6)


def test_training_is_reproducible(tiny_model_dir):
    train, dev = toy_examples(8, seed=3), toy_examples(3, seed=4)
    config = config_for(tiny_model_dir, epochs=2)
    a, _ = finetune(config, SCHEMA, train, dev, progress=lambda _: None)
    b, _ = finetune(config, SCHEMA, train, dev, progress=lambda _: None)
    texts = [ex.text for ex in dev]
    np.testing.assert_array_equal(a.predict_proba(texts), b.predict_proba(texts))
    c, _ = finetune(config.replace(seed=99), SCHEMA, train, dev, progress=lambda _: None)
    assert not np.array_equal(a.predict_proba(texts), c.predict_proba(texts))


def test_single_label_schema_uses_the_same_code(tiny_model_dir, tmp_path: Path):
    schema = load_schema("szeged_hedging")
    def relabel(examples):
        return [ex.__class__(**{**ex.__dict__, "labels": ("uncertain",) if "hedging" in ex.labels else ("certain",)})
                for ex in examples]
    train, dev = relabel(toy_examples(16, seed=5)), relabel(toy_examples(4, seed=6))
    model, _ = finetune(config_for(tiny_model_dir, epochs=3), schema, train, dev, progress=lambda _: None)
    assert not model.multi_label and model.labels == ["certain", "uncertain"]
    scores = model.predict_proba([ex.text for ex in dev])
    np.testing.assert_allclose(scores.sum(1), 1.0, atol=1e-5)
    assert all(len(p) == 1 for p in model.predict([ex.text for ex in dev]))
    model.save_pretrained(tmp_path / "m")
    out = pipeline("text-classification", model=str(tmp_path / "m"), top_k=None)(["it is unclear"])[0]
    assert sorted(item["label"] for item in out) == ["certain", "uncertain"]


def test_frozen_embeddings_stay_unchanged(tiny_model_dir):
    train, dev = toy_examples(4, seed=7), toy_examples(2, seed=8)
    from transformers import AutoModelForSequenceClassification

    before = AutoModelForSequenceClassification.from_pretrained(str(tiny_model_dir)).bert.embeddings.word_embeddings
    model, _ = finetune(config_for(tiny_model_dir, epochs=1, freeze_embeddings=True), SCHEMA, train, dev,
                        progress=lambda _: None)
    after = model.model.bert.embeddings.word_embeddings
    np.testing.assert_array_equal(before.weight.detach().numpy(), after.weight.detach().numpy())


def test_empty_inputs_are_refused(tiny_model_dir):
    with pytest.raises(ValueError, match="need training and dev examples"):
        finetune(config_for(tiny_model_dir), SCHEMA, [], toy_examples(1))
