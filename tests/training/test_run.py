"""A whole training run on a toy corpus with the tiny model: run directory, metrics and model card."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.training.toy import write_toy_registry
from training.config import TrainConfig
from training.model_card import render_model_card
from training.run import train_run


@pytest.fixture(scope="module")
def run(tiny_model_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("run")
    registry = write_toy_registry(root / "data")
    config = TrainConfig(name="toy", corpus="toy", model=str(tiny_model_dir), train_splits=["train", "real"],
                         dev_split="validation", test_splits=["test"], loao_split="real", epochs=6, batch_size=8,
                         learning_rate=3e-3, max_length=32, patience=3, freeze_embeddings=False, threads=1,
                         bootstrap_samples=200, output_dir=str(root / "out"), model_card=str(root / "card.md"))
    metrics = train_run(config, registry=registry, progress=lambda _: None)
    return config, metrics, root


def test_run_directory_has_everything_a_rerun_needs(run):
    config, metrics, root = run
    out = root / "out"
    assert yaml.safe_load((out / "config.yaml").read_text()) == config.to_dict()
    meta = json.loads((out / "meta.json").read_text())
    assert meta["versions"]["torch"].startswith("2.13.0") and "transformers" in meta["versions"]
    assert "commit" in meta["git"] and meta["wall_seconds"] > 0
    assert json.loads((out / "metrics.json").read_text()) == metrics
    assert (out / "model" / "model.safetensors").is_file() and (out / "model" / "thresholds.json").is_file()
    assert (out / "model_card.md").read_text() == (root / "card.md").read_text()
    predictions = [json.loads(line) for line in (out / "predictions" / "loao.transformer.jsonl").open()]
    assert len(predictions) == metrics["evaluations"]["loao:real"]["models"]["transformer"]["n"] == 18


def test_metrics_cover_both_models_and_both_protocols(run):
    _, metrics, _ = run
    assert metrics["headline"] == "loao:real"
    assert set(metrics["evaluations"]) == {"test:authored", "loao:real"}
    for evaluation in metrics["evaluations"].values():
        assert set(evaluation["models"]) == {"transformer", "tfidf_logreg"}
        for report in evaluation["models"].values():
            assert 0 <= report["macro_f1"] <= 1 and report["per_label"]["hedging"]["support"] >= 0
    assert set(metrics["evaluations"]["loao:real"]["per_document"]["transformer"]) == {
        "real-doc0", "real-doc1", "real-doc2"}
    assert metrics["data"]["train"]["by_source"]["real"] == 18


def test_model_card_is_generated_from_the_metrics(run):
    config, metrics, root = run
    card = (root / "card.md").read_text()
    assert card == render_model_card(metrics, config)
    headline = metrics["evaluations"]["loao:real"]["models"]["transformer"]
    assert f"| macro-F1 | {100 * headline['macro_f1']:.1f}" in card
    assert "Headline: real text, leave-one-article-out over `real` (3 articles, 18 sentences)" in card
    assert "Against the targets" in card and "does not judge the truth" in card
    # `framing docs` re-renders the committed card from the run directory alone (metrics + resolved config)
    from classifier.docs import model_card_text

    assert model_card_text(Path(config.output_dir)) == card
    assert model_card_text(root / "no-such-run") is None
