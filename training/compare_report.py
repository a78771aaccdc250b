"""Turn an experiment's job records into a summary (JSON, Markdown, CSV), plots (PNG) and, on request, MLflow runs."""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import yaml

from training.compare import FULL, job_arrays
from training.experiment import ExperimentConfig
from training.metrics import evaluate
from training.significance import bootstrap_interval, macro_f1, micro_f1, paired_bootstrap


def _stack(records: Sequence[dict], size: int = FULL):
    """(truth, predictions seeds x n x L, doc ids) for one dataset/model, checking sentence alignment."""
    truth, _, doc_ids, ids = job_arrays(records[0], size)
    stack = []
    for record in records:
        t, p, _, other_ids = job_arrays(record, size)
        if other_ids != ids or not np.array_equal(t, truth):
            raise ValueError(f"{record['dataset']}/{record['model']}: seeds did not test the same sentences")
        stack.append(p)
    return truth, np.stack(stack), doc_ids, ids


def aggregate(config: ExperimentConfig, records: Sequence[dict]) -> dict:
    grouped: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for record in records:
        grouped[(record["dataset"], record["model"])].append(record)
    datasets = []
    for dataset in config.datasets:
        digests = {(r["seed"], r["split_digest"]) for r in records if r["dataset"] == dataset.name}
        if len({seed for seed, _ in digests}) != len(digests):
            raise ValueError(f"{dataset.name}: models were not evaluated on identical splits")
        rows, arrays = [], {}
        for model in config.models:
            runs = sorted(grouped[(dataset.name, model.name)], key=lambda r: r["seed"])
            if not runs:
                continue
            labels = runs[0]["labels"]
            truth, preds, doc_ids, ids = _stack(runs)
            arrays[model.name] = preds
            macro = bootstrap_interval(truth, preds, doc_ids, macro_f1, samples=config.bootstrap, seed=0)
            micro = bootstrap_interval(truth, preds, doc_ids, micro_f1, samples=config.bootstrap, seed=0)
            per_seed = [evaluate(truth, p, labels, bootstrap=0) for p in preds]
            per_label = {label: _mean([r["per_label"][label]["f1"] for r in per_seed]) for label in labels}
            seed_macros = [r["macro_f1"] for r in per_seed if r["macro_f1"] is not None]
            rows.append({
                "model": model.name, "kind": model.kind, "seeds": len(runs),
                "macro_f1": macro.value, "macro_f1_ci": [macro.low, macro.high],
                "macro_f1_seed_sd": float(np.std(seed_macros)) if len(seed_macros) > 1 else 0.0,
                "micro_f1": micro.value, "micro_f1_ci": [micro.low, micro.high],
                "per_label_f1": per_label,
                "wall_seconds": round(sum(r["wall_seconds"] for r in runs), 1),
                "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
                "test_sentences": len(ids), "test_documents": len(set(doc_ids)),
            })
        best = max(rows, key=lambda r: -1 if math.isnan(r["macro_f1"]) else r["macro_f1"])
        truth, _, doc_ids, _ = _stack(grouped[(dataset.name, best["model"])])
        for row in rows:
            row["best"] = row is best
            if row is best:
                row["delta_vs_best"], row["p_vs_best"] = 0.0, None
                continue
            test = paired_bootstrap(truth, arrays[row["model"]], arrays[best["model"]], doc_ids, macro_f1,
                                    samples=config.bootstrap, seed=1)
            row["delta_vs_best"], row["p_vs_best"] = test.difference, test.p_value
        curves = {}
        for name in config.learning_curve_models:
            runs = sorted(grouped[(dataset.name, name)], key=lambda r: r["seed"])
            points = []
            full_n = runs[0]["results"][str(FULL)]["train_sentences"]
            for size in sorted(int(s) for s in runs[0]["results"]):
                if size != FULL and runs[0]["results"][str(size)]["train_sentences"] >= full_n:
                    continue  # a size at or above the whole fold is the full point again
                truth_s, preds_s, docs_s, _ = _stack(runs, size)
                interval = bootstrap_interval(truth_s, preds_s, docs_s, macro_f1, samples=config.bootstrap, seed=0)
                points.append({"size": size or "all",
                               "train_sentences": runs[0]["results"][str(size)]["train_sentences"],
                               "macro_f1": interval.value, "ci": [interval.low, interval.high]})
            curves[name] = sorted(points, key=lambda p: p["train_sentences"])
        first = next(iter(grouped[(dataset.name, config.models[0].name)]), None)
        datasets.append({"name": dataset.name, "corpus": dataset.corpus, "protocol": dataset.protocol,
                         "labels": first["labels"] if first else [], "rows": rows, "learning_curves": curves})
    return {"experiment": config.name, "folds": config.folds, "seeds": config.seeds,
            "bootstrap": config.bootstrap, "datasets": datasets}


def _mean(values: Sequence[float | None]) -> float | None:
    defined = [v for v in values if v is not None]
    return float(np.mean(defined)) if defined else None


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    if value is None:
        return "best"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def markdown(summary: dict, wall_seconds: float | None = None) -> str:
    lines = [f"Experiment `{summary['experiment']}`: {summary['folds']}-fold document-grouped cross-validation, "
             f"seeds {summary['seeds']}; means over seeds of out-of-fold scores, 95% intervals and paired "
             f"p-values from {summary['bootstrap']} bootstrap resamples of test documents."
             + (f" Wall time {wall_seconds / 60:.1f} min." if wall_seconds else ""), ""]
    for dataset in summary["datasets"]:
        protocol = ("folds over real-text documents only, authored text always in training"
                    if dataset["protocol"] == "real_text" else "folds over all documents")
        rows = dataset["rows"]
        n = rows[0]["test_sentences"] if rows else 0
        docs = rows[0]["test_documents"] if rows else 0
        lines += [f"**{dataset['name']}** (corpus `{dataset['corpus']}`, {protocol}; {n} test sentences in {docs} "
                  "documents)", "",
                  "| model | macro-F1 [95% CI] | micro-F1 [95% CI] | Δ macro vs best | p vs best | "
                  + " | ".join(f"F1 {label}" for label in dataset["labels"]) + " | time | peak memory |",
                  "|---|---|---|---:|---:|" + "---:|" * len(dataset["labels"]) + "---:|---:|"]
        for row in sorted(rows, key=lambda r: -(r["macro_f1"] if not math.isnan(r["macro_f1"]) else -1)):
            lines.append(
                f"| {'**' + row['model'] + '**' if row['best'] else row['model']} | {_fmt(row['macro_f1'])} "
                f"[{_fmt(row['macro_f1_ci'][0])}, {_fmt(row['macro_f1_ci'][1])}] | {_fmt(row['micro_f1'])} "
                f"[{_fmt(row['micro_f1_ci'][0])}, {_fmt(row['micro_f1_ci'][1])}] | {row['delta_vs_best']:+.3f} | "
                f"{_p(row['p_vs_best'])} | "
                + " | ".join(_fmt(row["per_label_f1"][label], 2) for label in dataset["labels"])
                + f" | {row['wall_seconds']:.0f}s | {row['peak_rss_mb']:.0f} MB |")
        for name, points in dataset["learning_curves"].items():
            lines += ["", f"Learning curve, {name} (macro-F1 by training sentences): "
                      + ", ".join(f"{p['train_sentences']}: {_fmt(p['macro_f1'])}" for p in points)]
        lines.append("")
    return "\n".join(lines)


def write_csv(summary: dict, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["dataset", "model", "kind", "macro_f1", "macro_f1_low", "macro_f1_high", "micro_f1",
                         "micro_f1_low", "micro_f1_high", "delta_vs_best", "p_vs_best", "label", "label_f1",
                         "wall_seconds", "peak_rss_mb"])
        for dataset in summary["datasets"]:
            for row in dataset["rows"]:
                for label in dataset["labels"]:
                    writer.writerow([dataset["name"], row["model"], row["kind"], row["macro_f1"], *row["macro_f1_ci"],
                                     row["micro_f1"], *row["micro_f1_ci"], row["delta_vs_best"], row["p_vs_best"],
                                     label, row["per_label_f1"][label], row["wall_seconds"], row["peak_rss_mb"]])


def plot(summary: dict, folder: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    datasets = summary["datasets"]
    fig, axes = plt.subplots(1, len(datasets), figsize=(5 * len(datasets), 4), squeeze=False)
    for ax, dataset in zip(axes[0], datasets):
        rows = dataset["rows"]
        values = [r["macro_f1"] for r in rows]
        errors = [[max(0.0, r["macro_f1"] - r["macro_f1_ci"][0]) for r in rows],
                  [max(0.0, r["macro_f1_ci"][1] - r["macro_f1"]) for r in rows]]
        ax.bar([r["model"] for r in rows], values, yerr=errors, capsize=4,
               color=["#2e86c1" if r["best"] else "#aab7b8" for r in rows])
        ax.set_title(dataset["name"])
        ax.set_ylabel("macro-F1 (95% CI)")
        ax.set_ylim(0, 1)
        ax.tick_params(axis="x", rotation=30)
    fig.tight_layout()
    written.append(_save(fig, folder / "scores.png"))
    curved = [d for d in datasets if d["learning_curves"]]
    if curved:
        fig, axes = plt.subplots(1, len(curved), figsize=(5 * len(curved), 4), squeeze=False)
        for ax, dataset in zip(axes[0], curved):
            for name, points in dataset["learning_curves"].items():
                xs = [p["train_sentences"] for p in points]
                ax.plot(xs, [p["macro_f1"] for p in points], marker="o", label=name)
                ax.fill_between(xs, [p["ci"][0] for p in points], [p["ci"][1] for p in points], alpha=0.2)
            ax.set_xscale("log")
            ax.set_xlabel("training sentences")
            ax.set_ylabel("macro-F1")
            ax.set_title(dataset["name"])
            ax.legend()
        fig.tight_layout()
        written.append(_save(fig, folder / "learning_curves.png"))
    fig, axes = plt.subplots(1, len(datasets), figsize=(1.2 * max(len(d["labels"]) for d in datasets) * len(datasets)
                                                         + 3, 4), squeeze=False)
    for ax, dataset in zip(axes[0], datasets):
        matrix = np.array([[np.nan if r["per_label_f1"][l] is None else r["per_label_f1"][l] for l in dataset["labels"]]
                           for r in dataset["rows"]])
        image = ax.imshow(matrix, vmin=0, vmax=1, cmap="viridis", aspect="auto")
        ax.set_xticks(range(len(dataset["labels"])), dataset["labels"], rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(len(dataset["rows"])), [r["model"] for r in dataset["rows"]])
        ax.set_title(dataset["name"])
        for (i, j), value in np.ndenumerate(matrix):
            if not np.isnan(value):
                ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if value < 0.5 else "black")
        fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    written.append(_save(fig, folder / "per_label_f1.png"))
    return written


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_results(config: ExperimentConfig, records: Sequence[dict], out: Path, *, wall_seconds: float) -> dict:
    summary = aggregate(config, records)
    summary["wall_seconds"] = round(wall_seconds, 1)
    (out / "config.yaml").write_text(yaml.safe_dump(config.to_dict(), sort_keys=False), encoding="utf-8")
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    (out / "summary.md").write_text(markdown(summary, wall_seconds) + "\n", encoding="utf-8")
    write_csv(summary, out / "summary.csv")
    plot(summary, out / "plots")
    return summary


def log_mlflow(records: Sequence[dict], store: Path, experiment: str) -> None:
    """One MLflow run per job in a local file store (``mlflow ui --backend-store-uri <store>``)."""
    try:
        import mlflow
    except ImportError as exc:
        raise RuntimeError("--mlflow needs the mlflow package: pip install '.[mlflow]'") from exc
    from training.compare import FULL

    mlflow.set_tracking_uri(store.resolve().as_uri())
    mlflow.set_experiment(experiment)
    for record in records:
        labels = record["labels"]
        truth, predicted, _, _ = job_arrays(record, FULL)
        report = evaluate(truth, predicted, labels, bootstrap=0)
        with mlflow.start_run(run_name=f"{record['dataset']}/{record['model']}/seed{record['seed']}"):
            mlflow.log_params({"dataset": record["dataset"], "model": record["model"], "kind": record["kind"],
                               "seed": record["seed"], **{f"param.{k}": v for k, v in record["params"].items()}})
            mlflow.log_metrics({"macro_f1": report["macro_f1"] or 0.0, "micro_f1": report["micro_f1"] or 0.0,
                                "wall_seconds": record["wall_seconds"], "peak_rss_mb": record["peak_rss_mb"]})
