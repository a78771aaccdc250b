"""Tagging speed, memory and label agreement, side by side in one run.

    python benchmarks/tagging.py [--model runs/framing-minilm/model] [--sentences 5000] [--repeats 3]

Every path tags the same real articles (the SemEval-2023 articles in ../shared, first
files in name order until --sentences is reached), end to end: read files, segment,
score, write JSON Lines. Each run is a separate process, so its peak memory (max RSS)
is its own. Model loading and the one-time backend check are timed separately.

  naive      transformers.pipeline(top_k=None) called per sentence, thresholds applied
  fp32       our Tagger, torch fp32 (length-sorted batches, inference_mode)
  fast       our Tagger with backend=auto (the fastest backend whose labels match fp32)
  onnx-int8  ONNX Runtime dynamic int8, for reference (not used by default: see agreement)

Agreement is against fp32: per-label F1 of each path's labels taking fp32 labels as
truth, and the share of sentences whose label sets are identical.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PATHS = ("naive", "fp32", "fast", "onnx-int8")


def select_files(articles: Path, sentences: int) -> list[Path]:
    from labels.segmentation import segment

    chosen, total = [], 0
    for path in sorted(articles.glob("*.txt")):
        chosen.append(path)
        total += len(segment(path.read_text(encoding="utf-8")))
        if total >= sentences:
            break
    return chosen


def worker(kind: str, model_dir: Path, files: list[Path], out: Path, threads: int) -> dict:
    import torch
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    torch.set_num_threads(threads)
    t0 = time.perf_counter()
    if kind == "naive":
        from transformers import pipeline

        from classifier.model import FramingModel
        from labels.segmentation import segment

        classify = pipeline("text-classification", model=str(model_dir), top_k=None)
        thresholds = FramingModel.from_pretrained(model_dir).thresholds
        loaded = time.perf_counter()
        sentences = 0
        with out.open("w", encoding="utf-8") as handle:
            for path in files:
                text = path.read_text(encoding="utf-8")
                for s in segment(text):
                    result = classify(s.text)
                    if result and isinstance(result[0], list):  # some versions wrap a single input's list
                        result = result[0]
                    scores = {item["label"]: item["score"] for item in result}
                    labels = [k for k in thresholds if scores[k] >= thresholds[k]]
                    handle.write(json.dumps({"doc_id": path.stem, "sentence": s.index, "labels": labels}) + "\n")
                    sentences += 1
        backend = "transformers.pipeline per sentence"
    else:
        from classifier.batch import tag_inputs
        from classifier.tagger import Tagger

        backend_name = {"fp32": "torch-fp32", "fast": "auto", "onnx-int8": "onnx-int8"}[kind]
        tagger = Tagger.from_pretrained(model_dir, backend=backend_name, threads=threads)
        loaded = time.perf_counter()
        summary = tag_inputs([str(p) for p in files], tagger, out, fmt="jsonl")
        sentences = summary.sentences
        backend = tagger.backend
    done = time.perf_counter()
    return {"kind": kind, "backend": backend, "sentences": sentences, "load_seconds": round(loaded - t0, 2),
            "seconds": round(done - loaded, 2), "max_rss_mb": round(resource.getrusage(
                resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def labels_of(path: Path) -> dict[tuple[str, int], tuple[str, ...]]:
    out = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            r = json.loads(line)
            out[(r["doc_id"], r["sentence"])] = tuple(sorted(r["labels"]))
    return out


def agreement(reference: dict, other: dict, names: list[str]) -> dict:
    keys = sorted(reference)
    per_label = {}
    for name in names:
        tp = sum(name in reference[k] and name in other[k] for k in keys)
        fp = sum(name not in reference[k] and name in other[k] for k in keys)
        fn = sum(name in reference[k] and name not in other[k] for k in keys)
        per_label[name] = round(2 * tp / (2 * tp + fp + fn), 4) if tp + fp + fn else 1.0
    identical = sum(reference[k] == other[k] for k in keys) / len(keys)
    return {"identical_share": round(identical, 4), "per_label_f1": per_label}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=ROOT / "runs" / "framing-minilm" / "model")
    parser.add_argument("--articles", type=Path, default=None, help="default: ../shared SemEval articles")
    parser.add_argument("--sentences", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--paths", default=",".join(PATHS))
    parser.add_argument("--results", type=Path, default=ROOT / "runs" / "benchmarks" / "tagging.json")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--files", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        files = [Path(p) for p in json.loads(args.files)]
        print(json.dumps(worker(args.worker, args.model, files, args.out, args.threads)))
        return

    from labels.paths import shared_dir

    articles = args.articles or shared_dir() / "data" / "semeval2023-task3-en" / "articles"
    if not (args.model / "config.json").is_file():
        sys.exit(f"no model at {args.model}: run `make run` first")
    files = select_files(articles, args.sentences)
    work = args.results.parent / "tagging-work"
    work.mkdir(parents=True, exist_ok=True)
    paths = args.paths.split(",")
    runs: dict[str, list[dict]] = {p: [] for p in paths}
    for repeat in range(args.repeats):
        for kind in paths:  # interleaved, so slow drift of the machine hits every path alike
            out = work / f"{kind}.jsonl"
            out.unlink(missing_ok=True)
            command = [sys.executable, __file__, "--worker", kind, "--files", json.dumps([str(f) for f in files]),
                       "--out", str(out), "--model", str(args.model), "--threads", str(args.threads)]
            proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
            if proc.returncode != 0:  # say why the worker failed, not just that it did
                sys.exit(f"benchmark path {kind!r} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            runs[kind].append(result)
            print(f"repeat {repeat + 1}/{args.repeats} {kind:9s} {result['sentences'] / result['seconds']:7.0f} "
                  f"sentences/s  ({result['backend']})", file=sys.stderr, flush=True)

    from classifier.model import FramingModel

    names = FramingModel.from_pretrained(args.model).labels
    reference = labels_of(work / "fp32.jsonl")
    summary = {"articles": len(files), "sentences": runs[paths[0]][0]["sentences"], "threads": args.threads,
               "repeats": args.repeats, "paths": {}}
    naive_rate = None
    for kind in paths:
        rates = [r["sentences"] / r["seconds"] for r in runs[kind]]
        row = {"backend": runs[kind][0]["backend"], "sentences_per_second": round(statistics.median(rates), 1),
               "all_runs": [round(r, 1) for r in rates], "load_seconds": statistics.median(
                   r["load_seconds"] for r in runs[kind]), "peak_rss_mb": max(r["max_rss_mb"] for r in runs[kind])}
        row.update(agreement(reference, labels_of(work / f"{kind}.jsonl"), names))
        if kind == "naive":
            naive_rate = row["sentences_per_second"]
        summary["paths"][kind] = row
    for row in summary["paths"].values():
        row["speedup_vs_naive"] = round(row["sentences_per_second"] / naive_rate, 2) if naive_rate else None
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(summary, indent=2) + "\n")
    print(markdown(summary))
    print(f"\nresults: {args.results}", file=sys.stderr)


def markdown(summary: dict) -> str:
    lines = [f"{summary['sentences']} sentences from {summary['articles']} SemEval-2023 articles, "
             f"{summary['threads']} threads, median of {summary['repeats']} runs, end to end (read, segment, score, "
             "write JSONL):", "",
             "| path | backend | sentences/s | vs naive | peak memory | identical labels vs fp32 | "
             "per-label F1 vs fp32 |", "|---|---|---:|---:|---:|---:|---|"]
    for kind, row in summary["paths"].items():
        speed = f"{row['speedup_vs_naive']:.1f}x" if row["speedup_vs_naive"] else ""
        f1 = ", ".join(f"{k} {v:.3f}" for k, v in row["per_label_f1"].items())
        lines.append(f"| {kind} | {row['backend']} | {row['sentences_per_second']:.0f} | {speed} | "
                     f"{row['peak_rss_mb']:.0f} MB | {100 * row['identical_share']:.2f}% | {f1} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
