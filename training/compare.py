"""Run an experiment grid: models x datasets x seeds, document-grouped K-fold cross-validation.

Protocol (identical for every model):
- folds are grouped by document and fixed per (dataset, seed); with protocol
  ``real_text`` only real (gold) documents are ever tested, authored text is always
  training data;
- inside each training fold a document-grouped dev part is held out for threshold
  tuning and early stopping; the test fold is never seen before prediction;
- every test sentence is predicted once per seed; predictions are pooled over folds.

Each (dataset, model, seed) job runs in a fresh process, so its wall time and peak
memory are its own; its JSON holds the resolved config, git commit, library versions,
timings, memory, metrics and a digest of the split, which is the same for every model.
"""

from __future__ import annotations

import hashlib
import json
import resource
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from labels.corpora import load_corpus
from labels.records import Example
from labels.splits import grouped_kfold, grouped_split
from training.experiment import DatasetSpec, ExperimentConfig, ModelSpec
from training.metrics import evaluate, indicator

FULL = 0  # learning-curve size meaning "the whole training fold"


@dataclass
class Fold:
    index: int
    train: list[Example]
    dev: list[Example]
    test: list[Example]


def _sample_documents(examples: Sequence[Example], limit: int | None) -> list[Example]:
    if not limit:
        return list(examples)
    docs = sorted({ex.doc_id for ex in examples}, key=lambda d: hashlib.sha256(f"sample\x00{d}".encode()).hexdigest())
    keep = set(docs[:limit])
    return [ex for ex in examples if ex.doc_id in keep]


def plan_folds(examples: Sequence[Example], spec: DatasetSpec, *, folds: int, seed: int,
               dev_fraction: float) -> list[Fold]:
    """The same folds for every model: a pure function of the data, the protocol and the seed."""
    if spec.protocol == "real_text":
        tested = _sample_documents([ex for ex in examples if ex.provenance == "gold"], spec.max_documents)
        always = [ex for ex in examples if ex.provenance != "gold"]
        if not tested:
            raise ValueError(f"dataset {spec.name!r} has no real-text (gold) documents for protocol real_text")
    else:
        tested, always = _sample_documents(examples, spec.max_documents), []
    out = []
    for index, (train_idx, test_idx) in enumerate(grouped_kfold([ex.doc_id for ex in tested], folds, seed)):
        pool = always + [tested[i] for i in train_idx]
        inner = grouped_split([ex.doc_id for ex in pool], {"fit": 1 - dev_fraction, "dev": dev_fraction},
                              seed * 1000 + index)
        out.append(Fold(index, [pool[i] for i in inner["fit"]], [pool[i] for i in inner["dev"]],
                        [tested[i] for i in test_idx]))
    return out


def split_digest(plan: Sequence[Fold]) -> str:
    digest = hashlib.sha256()
    for fold in plan:
        for part in (fold.train, fold.dev, fold.test):
            digest.update("|".join(sorted(ex.id for ex in part)).encode())
            digest.update(b"#")
    return digest.hexdigest()[:16]


def subsample(examples: Sequence[Example], size: int, seed: int) -> list[Example]:
    """A seeded random subset of ``size`` sentences (all of them for size 0 or larger than the set)."""
    if size == FULL or size >= len(examples):
        return list(examples)
    rng = np.random.default_rng(seed)
    return [examples[i] for i in sorted(rng.choice(len(examples), size, replace=False))]


@dataclass
class Job:
    dataset: DatasetSpec
    model: ModelSpec
    seed: int
    sizes: list[int]
    folds: int
    dev_fraction: float
    shared: str | None
    cache_dir: str
    registry: str | None = None


def run_job(job: Job) -> dict:
    """Cross-validate one model on one dataset with one seed (meant to run in its own process)."""
    from transformers.utils import logging as hf_logging

    from training.models import build_estimator

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    started = time.perf_counter()
    corpus = load_corpus(job.dataset.corpus, shared=job.shared,
                         **({"registry": job.registry} if job.registry else {}))
    schema = corpus.schema
    plan = plan_folds(corpus.examples, job.dataset, folds=job.folds, seed=job.seed, dev_fraction=job.dev_fraction)
    params = dict(job.model.params)
    if job.model.kind == "embeddings_logreg":
        params.setdefault("cache_dir", str(Path(job.cache_dir) / "embeddings"))
    results = {}
    for size in job.sizes:
        ids, doc_ids, gold, predicted, fit_seconds = [], [], [], [], 0.0
        for fold in plan:
            train = subsample(fold.train, size, job.seed * 7919 + fold.index)
            estimator = build_estimator(job.model.kind, schema, params, job.seed)
            t0 = time.perf_counter()
            estimator.fit(train, fold.dev)
            fit_seconds += time.perf_counter() - t0
            labels = estimator.predict([ex.text for ex in fold.test])
            ids += [ex.id for ex in fold.test]
            doc_ids += [ex.doc_id for ex in fold.test]
            gold += [list(ex.labels) for ex in fold.test]
            predicted += [list(lab) for lab in labels]
        order = np.argsort(ids, kind="stable")  # align every model and seed on the same sentence order
        results[str(size)] = {
            "ids": [ids[i] for i in order], "doc_ids": [doc_ids[i] for i in order],
            "gold": [gold[i] for i in order], "predicted": [predicted[i] for i in order],
            "train_sentences": int(np.mean([len(subsample(f.train, size, 0)) for f in plan])),
            "fit_seconds": round(fit_seconds, 1),
        }
    return {"dataset": job.dataset.name, "corpus": job.dataset.corpus, "model": job.model.name,
            "kind": job.model.kind, "params": job.model.params, "seed": job.seed, "labels": schema.label_names,
            "multi_label": schema.multi_label, "split_digest": split_digest(plan),
            "folds": [{"train": len(f.train), "dev": len(f.dev), "test": len(f.test)} for f in plan],
            "wall_seconds": round(time.perf_counter() - started, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "results": results}


def jobs_for(config: ExperimentConfig, *, shared: str | None, registry: str | None = None) -> list[Job]:
    sizes_for = {m.name: ([*sorted(config.learning_curve), FULL] if m.name in config.learning_curve_models
                          else [FULL]) for m in config.models}
    cache = str(Path(config.output_dir) / "cache")
    return [Job(dataset=d, model=m, seed=s, sizes=sizes_for[m.name], folds=config.folds,
                dev_fraction=config.dev_fraction, shared=shared, cache_dir=cache, registry=registry)
            for d in config.datasets for s in config.seeds for m in config.models]


def run_experiment(config: ExperimentConfig, *, shared: str | Path | None = None, registry: str | None = None,
                   progress: Callable[[str], None] = print, isolate: bool = True, mlflow: bool = False) -> dict:
    """Run every job (each in a fresh process unless ``isolate`` is False) and write the results directory."""
    from training.compare_report import write_results
    from training.run import git_commit, library_versions

    out = Path(config.output_dir)
    (out / "runs").mkdir(parents=True, exist_ok=True)
    started = time.time()
    jobs = jobs_for(config, shared=str(shared) if shared else None, registry=registry)
    records = []
    for number, job in enumerate(jobs, 1):
        progress(f"[{number}/{len(jobs)}] {job.dataset.name} / {job.model.name} / seed {job.seed}")
        if isolate:
            with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
                record = pool.submit(run_job, job).result()
        else:
            record = run_job(job)
        record.update(config=config.to_dict(), git=git_commit(), versions=library_versions())
        path = out / "runs" / job.dataset.name / job.model.name / f"seed{job.seed}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record) + "\n", encoding="utf-8")
        records.append(record)
        progress(f"    {record['wall_seconds']:.0f}s, peak {record['peak_rss_mb']:.0f} MB, "
                 f"macro-F1 {_quick_macro(record):.3f}")
    summary = write_results(config, records, out, wall_seconds=time.time() - started)
    if mlflow:
        from training.compare_report import log_mlflow

        log_mlflow(records, out / "mlruns", config.name)
    return summary


def rerender(config: ExperimentConfig) -> dict:
    """Rebuild the summary, tables and plots from a finished run's per-run JSON (same wall time)."""
    from training.compare_report import write_results

    out = Path(config.output_dir)
    summary_path = out / "summary.json"
    if not summary_path.is_file():
        raise RuntimeError(f"{summary_path} not found: run the experiment first")
    records = []
    for job in jobs_for(config, shared=None):
        path = out / "runs" / job.dataset.name / job.model.name / f"seed{job.seed}.json"
        if not path.is_file():
            raise RuntimeError(f"{path} is missing: the results directory does not match {config.name}")
        records.append(json.loads(path.read_text(encoding="utf-8")))
    wall = json.loads(summary_path.read_text(encoding="utf-8")).get("wall_seconds", 0.0)
    return write_results(config, records, out, wall_seconds=wall)


def _quick_macro(record: dict) -> float:
    full = record["results"][str(FULL)]
    labels = record["labels"]
    return evaluate(indicator(full["gold"], labels), indicator(full["predicted"], labels), labels,
                    bootstrap=0)["macro_f1"] or float("nan")


def job_arrays(record: dict, size: int = FULL) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    part = record["results"][str(size)]
    labels = record["labels"]
    return indicator(part["gold"], labels), indicator(part["predicted"], labels), part["doc_ids"], part["ids"]


def as_dict(job: Job) -> dict:
    return asdict(job)
