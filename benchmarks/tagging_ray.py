"""Throughput of the local engine and of the Ray engine on the same articles, side by side.

    python benchmarks/tagging_ray.py [--model runs/framing-minilm/model] [--limit 100] [--address ADDR]

Both engines tag the same articles (the SemEval-2023 articles in ../shared, first
``--limit`` files in name order, or ``--articles DIR``) with the same backend and write
JSON Lines: the local engine one file, the Ray engine ``--shards`` shard files. Each
engine's time is end to end from "start" to "all output written": the local engine
includes loading the model; the Ray engine includes reading on the driver, starting its
actors (each loads the model) and gathering the shards, but not ``ray.init`` (shown
separately: a cluster is started once and reused). Labels are compared sentence by
sentence at the end.

On a single small machine expect no gain: Ray adds start-up and serialisation and its
workers share the same cores. Pointed at a cluster (``--address auto`` on a cluster
node, or ``--address ray://HEAD:10001``), the Ray column grows with the number of
workers (``--workers``, default: the cluster's CPUs / ``--threads``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=ROOT / "runs" / "framing-minilm" / "model")
    parser.add_argument("--articles", type=Path, default=None, help="default: ../shared SemEval articles")
    parser.add_argument("--limit", type=int, default=100, help="number of articles (0: all)")
    parser.add_argument("--backend", default="torch-fp32")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per Ray worker")
    parser.add_argument("--local-threads", type=int, default=2, help="torch threads of the local engine")
    parser.add_argument("--workers", type=int, default=None, help="Ray tagging actors")
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--address", default=None, help="Ray cluster (auto, ray://HEAD:10001); default: local")
    parser.add_argument("--num-cpus", type=int, default=None, help="CPUs of a local Ray instance")
    parser.add_argument("--work", type=Path, default=ROOT / "runs" / "benchmarks" / "tagging-ray-work")
    args = parser.parse_args()

    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    from classifier.batch import tag_inputs
    from classifier.ray_engine import read_shards, require_ray, tag_with_ray
    from classifier.tagger import Tagger
    from labels.paths import shared_dir

    articles = args.articles or shared_dir() / "data" / "semeval2023-task3-en" / "articles"
    if not (args.model / "config.json").is_file():
        sys.exit(f"no model at {args.model}: run `make run` first, or pass --model")
    files = sorted(articles.glob("*.txt"))
    files = files[:args.limit] if args.limit else files
    if not files:
        sys.exit(f"no .txt articles in {articles}")
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    inputs = [str(f) for f in files]

    t0 = time.perf_counter()
    tagger = Tagger.from_pretrained(args.model, backend=args.backend, threads=args.local_threads)
    local = tag_inputs(inputs, tagger, args.work / "local.jsonl")
    local_seconds = time.perf_counter() - t0
    del tagger

    ray = require_ray()
    t0 = time.perf_counter()
    ray.init(address=args.address, num_cpus=None if args.address else args.num_cpus, include_dashboard=False,
             log_to_driver=False, runtime_env={"env_vars": {"TOKENIZERS_PARALLELISM": "false"}})
    init_seconds = time.perf_counter() - t0
    cpus = int(ray.cluster_resources().get("CPU", 0))
    nodes = len([n for n in ray.nodes() if n.get("Alive")])
    t0 = time.perf_counter()
    distributed = tag_with_ray(inputs, args.model, args.work / "ray", shards=args.shards, backend=args.backend,
                               workers=args.workers, threads=args.threads)
    ray_seconds = time.perf_counter() - t0
    ray.shutdown()

    def labels(records):
        return {(r["doc_id"], r["sentence"]): tuple(r["labels"]) for r in records}

    from classifier.outputs import read_records

    a, b = labels(read_records(args.work / "local.jsonl")), labels(read_shards(args.work / "ray"))
    identical = sum(a[k] == b.get(k) for k in a) / max(len(a), 1)
    workers = args.workers or max(1, cpus // args.threads)
    print(f"{local.tagged} articles, {local.sentences} sentences, backend {args.backend}; "
          f"Ray: {nodes} node(s), {cpus} CPUs, {min(workers, args.shards)} worker(s) x {args.threads} thread(s), "
          f"{args.shards} shards; ray.init {init_seconds:.1f}s (not counted)")
    print()
    print("| engine | documents/s | sentences/s | seconds (end to end) |")
    print("|---|---:|---:|---:|")
    print(f"| local ({args.local_threads} threads) | {local.tagged / local_seconds:.1f} | "
          f"{local.sentences / local_seconds:.0f} | {local_seconds:.1f} |")
    print(f"| ray | {distributed.tagged / ray_seconds:.1f} | {distributed.sentences / ray_seconds:.0f} | "
          f"{ray_seconds:.1f} |")
    print()
    print(f"identical labels, Ray vs local: {100 * identical:.2f}% of {len(a)} sentences "
          f"({len(b)} sentences from Ray)")
    results = {"articles": local.tagged, "sentences": local.sentences, "backend": args.backend, "nodes": nodes,
               "cpus": cpus, "ray_init_seconds": round(init_seconds, 2),
               "local": {"seconds": round(local_seconds, 2), "threads": args.local_threads},
               "ray": {"seconds": round(ray_seconds, 2), "threads": args.threads, "shards": args.shards},
               "identical_labels": round(identical, 4)}
    (args.work / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nresults: {args.work / 'results.json'}", file=sys.stderr)


if __name__ == "__main__":
    main()
