"""One training run: train, evaluate side by side with the baseline, save everything a rerun needs.

A run directory holds the resolved config (``config.yaml``), provenance
(``meta.json``: git commit, library versions, wall time), the metrics
(``metrics.json``), per-sentence predictions without text (``predictions/``), the
model (``model/``, a standard Hugging Face directory) and its ``model_card.md``.
"""

from __future__ import annotations

import json
import platform
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

from labels.corpora import load_corpus
from labels.errors import DataError
from labels.paths import PROJECT_ROOT
from labels.records import Example, write_jsonl
from training.baselines import TfidfLogReg
from training.config import TrainConfig
from training.estimators import TransformerEstimator
from training.protocol import leave_one_document_out, predict, report

MODEL_DIR = "model"
LIBRARIES = ("torch", "transformers", "datasets", "scikit-learn", "numpy", "tokenizers", "syntok")


def git_commit() -> dict:
    def run(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {"commit": run("rev-parse", "HEAD") or None, "dirty": bool(run("status", "--porcelain"))}


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def describe(examples: Sequence[Example], label_names: Sequence[str]) -> dict:
    counts = Counter(label for ex in examples for label in ex.labels)
    return {
        "sentences": len(examples),
        "documents": len({ex.doc_id for ex in examples}),
        "by_source": dict(sorted(Counter(ex.source for ex in examples).items())),
        "labels": {name: counts[name] for name in label_names},
        "none": sum(1 for ex in examples if not ex.labels),
    }


def _select(splits: dict[str, list[Example]], names: Sequence[str]) -> list[Example]:
    missing = [n for n in names if n not in splits]
    if missing:
        raise DataError(f"unknown split(s) {missing}; this corpus has {sorted(splits)}")
    return [ex for name in names for ex in splits[name]]


def baseline(schema, config: TrainConfig) -> TfidfLogReg:
    """The TF-IDF baseline with the same data weighting and threshold rules as the transformer."""
    model = TfidfLogReg(schema, seed=config.seed, gold_weight=config.gold_weight)
    model.threshold_objective = config.threshold_objective
    model.min_dev_positives = config.min_dev_positives
    return model


def train_run(
    config: TrainConfig,
    *,
    shared: str | Path | None = None,
    progress: Callable[[str], None] = print,
    write_card: bool = True,
    registry: str | Path | None = None,
) -> dict:
    """Train the final model and run every evaluation in the config; return the metrics."""
    started = time.time()
    run_dir = Path(config.output_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.yaml").write_text(config.to_yaml(), encoding="utf-8")

    corpus = load_corpus(config.corpus, shared=shared, **({"registry": registry} if registry else {}))
    schema = corpus.schema
    splits = corpus.split(config.split_seed)
    train = _select(splits, config.train_splits)
    dev = _select(splits, [config.dev_split])
    label_names = schema.label_names

    def factories() -> dict:
        out = {"transformer": lambda: TransformerEstimator(schema, config, progress)}
        if config.baseline:
            out["tfidf_logreg"] = lambda: baseline(schema, config)
        return out

    metrics: dict = {
        "name": config.name,
        "corpus": config.corpus,
        "schema": schema.name,
        "labels": label_names,
        "multi_label": schema.multi_label,
        "model": config.model,
        "data": {"train": describe(train, label_names), "dev": describe(dev, label_names)},
        "evaluations": {},
    }
    timings: dict[str, float] = {}
    predictions_dir = run_dir / "predictions"

    # 1. final models on the configured training splits, scored on the held-out test splits
    t0 = time.time()
    progress(f"training the final models on {len(train)} sentences (dev: {len(dev)})")
    final = {name: make().fit(train, dev) for name, make in factories().items()}
    timings["final_models"] = round(time.time() - t0, 1)
    transformer = final["transformer"]
    metrics["training"] = {k: v for k, v in asdict(transformer.history).items() if k != "seconds"}
    metrics["thresholds"] = {k: round(v, 4) for k, v in transformer.model.thresholds.items()}
    transformer.model.save_pretrained(run_dir / MODEL_DIR)
    for split in config.test_splits:
        examples = _select(splits, [split])
        metrics["data"][split] = describe(examples, label_names)
        # one evaluation per source: authored and real text are never pooled into one figure
        for source in sorted({ex.source for ex in examples}):
            part = [ex for ex in examples if ex.source == source]
            key = f"{split}:{source}"
            entry = {"kind": "held-out split", "split": split, "source": source, "models": {}}
            for name, estimator in final.items():
                result = predict(estimator, part)
                entry["models"][name] = report(part, result.labels, label_names,
                                               bootstrap=config.bootstrap_samples, seed=config.seed)
                write_jsonl(predictions_dir / f"{split}.{source}.{name}.jsonl", result.rows(label_names))
            metrics["evaluations"][key] = entry

    # 2. leave-one-article-out on the real-text split: the headline figure
    if config.loao_split:
        t0 = time.time()
        pool = _select(splits, [config.loao_split])
        metrics["data"][config.loao_split] = describe(pool, label_names)
        pooled = leave_one_document_out(factories(), train, dev, pool, progress=progress)
        key = f"loao:{config.loao_split}"
        entry = {"kind": "leave-one-article-out", "split": config.loao_split,
                 "documents": sorted({ex.doc_id for ex in pool}), "models": {}, "per_document": {}}
        for name, result in pooled.items():
            entry["models"][name] = report(result.examples, result.labels, label_names,
                                           bootstrap=config.bootstrap_samples, seed=config.seed)
            entry["per_document"][name] = {
                doc: report([ex for ex in result.examples if ex.doc_id == doc],
                            [lab for ex, lab in zip(result.examples, result.labels) if ex.doc_id == doc],
                            label_names, bootstrap=0, seed=config.seed)["macro_f1"]
                for doc in entry["documents"]
            }
            write_jsonl(predictions_dir / f"loao.{name}.jsonl", result.rows(label_names))
        metrics["evaluations"][key] = entry
        timings["loao"] = round(time.time() - t0, 1)
    metrics["headline"] = f"loao:{config.loao_split}" if config.loao_split else next(
        iter(k for k in metrics["evaluations"] if not k.startswith("loao:")), None)

    (run_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    meta = {"git": git_commit(), "versions": library_versions(), "started": time.strftime(
        "%Y-%m-%dT%H:%M:%S", time.localtime(started)), "wall_seconds": round(time.time() - started, 1),
        "timings": timings, "threads": config.threads, "cpu_count": _cpu_count()}
    (run_dir / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    if write_card:
        from training.model_card import render_model_card

        card = render_model_card(metrics, config)
        (run_dir / MODEL_DIR / "README.md").write_text(card, encoding="utf-8")
        (run_dir / "model_card.md").write_text(card, encoding="utf-8")
        if config.model_card:
            Path(config.model_card).write_text(card, encoding="utf-8")
    return metrics


def _cpu_count() -> int | None:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
