"""The comparison protocol: grouped folds, identical splits, and a whole toy experiment end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labels.corpora import load_corpus
from labels.errors import DataError, DataErrors
from tests.conftest import write
from tests.training.toy import write_gold_registry
from training.compare import rerender, plan_folds, run_experiment, split_digest, subsample
from training.experiment import DatasetSpec, ExperimentConfig, ModelSpec


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> Path:
    return write_gold_registry(tmp_path_factory.mktemp("gold"))


def test_real_text_folds_test_every_real_document_once_and_never_authored(registry):
    examples = load_corpus("toy-framing", registry=registry).examples
    spec = DatasetSpec(name="t", corpus="toy-framing", protocol="real_text")
    plan = plan_folds(examples, spec, folds=3, seed=0, dev_fraction=0.2)
    tested = [ex for fold in plan for ex in fold.test]
    assert sorted(ex.id for ex in tested) == sorted(ex.id for ex in examples if ex.provenance == "gold")
    for fold in plan:
        test_docs = {ex.doc_id for ex in fold.test}
        assert all(ex.provenance == "gold" for ex in fold.test)
        assert not test_docs & {ex.doc_id for ex in fold.train + fold.dev}
        assert not {ex.doc_id for ex in fold.train} & {ex.doc_id for ex in fold.dev}
        assert any(ex.provenance == "authored" for ex in fold.train)
    assert split_digest(plan) == split_digest(plan_folds(examples, spec, folds=3, seed=0, dev_fraction=0.2))
    assert split_digest(plan) != split_digest(plan_folds(examples, spec, folds=3, seed=1, dev_fraction=0.2))


def test_documents_protocol_and_document_sampling(registry):
    examples = load_corpus("toy-framing", registry=registry).examples
    spec = DatasetSpec(name="t", corpus="toy-framing", max_documents=10)
    plan = plan_folds(examples, spec, folds=2, seed=0, dev_fraction=0.2)
    assert len({ex.doc_id for fold in plan for ex in fold.test}) == 10


def test_subsample_is_seeded_and_bounded(registry):
    examples = load_corpus("toy-framing", registry=registry).examples
    assert subsample(examples, 20, 1) == subsample(examples, 20, 1)
    assert len(subsample(examples, 20, 1)) == 20 and subsample(examples, 0, 1) == examples
    assert subsample(examples, 10_000, 1) == examples


def test_experiment_end_to_end(registry, tmp_path: Path):
    config = ExperimentConfig(
        name="toy", datasets=[DatasetSpec(name="toy", corpus="toy-framing", protocol="real_text")],
        models=[ModelSpec("majority", "majority"), ModelSpec("prior", "prior"), ModelSpec("tfidf", "tfidf_logreg")],
        seeds=[0, 1], folds=3, learning_curve=[20, 40, 100_000], learning_curve_models=["tfidf"], bootstrap=200,
        output_dir=str(tmp_path / "out"))
    summary = run_experiment(config, registry=str(registry), progress=lambda _: None, isolate=False)
    out = tmp_path / "out"
    for name in ("summary.md", "summary.csv", "summary.json", "config.yaml", "plots/scores.png",
                 "plots/learning_curves.png", "plots/per_label_f1.png"):
        assert (out / name).is_file(), name
    run = json.loads((out / "runs" / "toy" / "tfidf" / "seed1.json").read_text())
    assert run["git"]["commit"] and run["versions"]["scikit-learn"] and run["wall_seconds"] >= 0
    assert run["peak_rss_mb"] > 0 and run["config"]["name"] == "toy" and set(run["results"]) == {"20", "40", "100000", "0"}
    digests = {json.loads(p.read_text())["split_digest"] for p in (out / "runs" / "toy").glob("*/seed0.json")}
    assert len(digests) == 1  # every model saw the same folds
    rows = {r["model"]: r for r in summary["datasets"][0]["rows"]}
    assert rows["tfidf"]["best"] and rows["tfidf"]["macro_f1"] > rows["majority"]["macro_f1"]
    assert rows["majority"]["p_vs_best"] < 0.05 and rows["tfidf"]["p_vs_best"] is None
    low, high = rows["tfidf"]["macro_f1_ci"]
    assert low <= rows["tfidf"]["macro_f1"] <= high
    curve = summary["datasets"][0]["learning_curves"]["tfidf"]
    assert [p["train_sentences"] for p in curve] == sorted(p["train_sentences"] for p in curve)
    assert curve[-1]["size"] == "all"
    sizes = [p["train_sentences"] for p in curve]
    assert len(sizes) == len(set(sizes)) == 3  # a size beyond the fold is not a second "all" point
    before = json.loads((out / "summary.json").read_text())
    assert json.loads(json.dumps(rerender(config))) == before  # --report-only gives the same summary
    table = (out / "summary.md").read_text()
    assert "| **tfidf** |" in table and "p vs best" in table


def test_isolated_jobs_run_in_their_own_process(registry, tmp_path: Path):
    config = ExperimentConfig(name="iso", datasets=[DatasetSpec(name="toy", corpus="toy-framing")],
                              models=[ModelSpec("majority", "majority")], folds=2, bootstrap=100,
                              output_dir=str(tmp_path / "iso"))
    run_experiment(config, registry=str(registry), progress=lambda _: None, isolate=True)
    assert (tmp_path / "iso" / "runs" / "toy" / "majority" / "seed0.json").is_file()


def test_experiment_yaml_errors_name_lines(tmp_path: Path):
    path = write(tmp_path / "e.yaml", "name: x\nfolds: 3\nmodels:\n  - {kind: tfidf_logreg}\n  - {kind: gpt}\n"
                                      "datasets:\n  - {corpus: framing, protocol: magic}\nbogus: 1\n")
    with pytest.raises(DataErrors) as info:
        ExperimentConfig.from_yaml(path)
    by_line = {e.line: e.message for e in info.value.errors}
    assert "unknown model kind 'gpt'" in by_line[5] and "unknown experiment key 'bogus'" in by_line[8]
    with pytest.raises(DataError, match="protocol must be one of"):
        ExperimentConfig.from_yaml(write(tmp_path / "f.yaml", "models: [majority]\ndatasets:\n"
                                                              "  - {corpus: framing, protocol: magic}\n"))


def test_committed_experiments_load():
    for path in sorted(Path("training/experiments").glob("*.yaml")):
        config = ExperimentConfig.from_yaml(path)
        assert config.name == path.stem and config.models and config.datasets
