"""Tagging at scale on Ray Data: the same Tagger, the same records, sharded resumable output.

``framing tag PATH... --engine ray --out DIR`` (``tag_with_ray``) runs the local
engine's Tagger on a Ray cluster (or a local Ray instance) instead of one process.
Ray is an optional extra (``pip install '.[ray]'``) and is imported only here, inside
functions, so the default install never needs it.

How it works, and why:

- **Reading on the driver.** Files, folders, JSON Lines and stdin are read with
  ``classifier.inputs`` exactly as the local engine reads them, so a bad input is
  reported with the same message (file and line) and the batch goes on; Parquet files
  (``--id-field``/``--text-field`` name the columns) are read with pyarrow, row group
  by row group. Document ids are made unique with the local engine's ``_UniqueIds``,
  so both engines give every document the same id.
- **Shards.** Documents are cut into ``shards`` contiguous blocks of the input order
  (deterministic: the same inputs always give the same shards). A shard is the unit
  of work and of output: ``DIR/part-00007.jsonl`` (or ``.parquet``).
- **Workers.** ``Dataset.map_batches(TaggerActor, compute=ActorPoolStrategy(size=N), batch_size=1)`` on a
  dataset with one row per shard: each Ray actor loads the model once
  (``Tagger.from_pretrained``) and tags a whole shard per call with ``tag_many``
  (length-sorted batches across documents, as locally). It returns one row per
  sentence holding the JSON of ``TaggedDocument.records()`` -- the local engine's
  record, byte for byte, so the two schemas cannot drift (JSON also spares Arrow from
  unifying ``labels`` lists that are empty in one block and not in another). A
  document without sentences returns a single marker row, so the driver knows it
  was tagged.
- **Exactly once.** Ray Data's actor pool restarts a dead actor and retries its
  tasks (its defaults are ``max_restarts=-1, max_task_retries=-1``, read in the Ray
  2.60 source; passing them to ``map_batches`` is deprecated there, and the
  worker-failure test guards the behaviour), so after a worker dies some shard may
  be tagged twice. The driver collects rows per shard keyed by (document, sentence),
  which absorbs any duplicate, and writes a shard only when every one of its documents
  is complete: to a temporary name, fsynced, then renamed. A final shard file is
  therefore always whole, and each document is in exactly one of them.
- **Resumable per shard.** ``DIR/manifest.json`` records the plan (shard count,
  format, model and a digest of each shard's document ids). A rerun with the same
  inputs skips shards whose file exists and tags the rest; temporary files left by a
  crash are deleted. A rerun whose plan differs (other inputs, shard count, format)
  is refused rather than silently mixing two runs.
- **Memory.** The driver reads every input once and hands the texts to Ray's object
  store (which spills to disk), keeping only document ids while results stream back
  shard by shard; the driver must still be able to read all inputs, so for archives
  far beyond one machine's disk, run one command per slice of the archive (each its
  own ``--out``).
- **Outputs stay on the driver's machine,** so only the model directory has to be
  readable by every node (shared storage, or the same path on each node).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from classifier.batch import TagSummary, _UniqueIds
from classifier.inputs import KNOWN_SUFFIXES, Document, InputError, ReadOptions, iter_documents, read_file

FORMATS = ("jsonl", "parquet")
PARQUET_SUFFIXES = {".parquet", ".pq"}
MANIFEST = "manifest.json"
INSTALL_HINT = "the Ray engine needs Ray: pip install '.[ray]' (or pip install 'ray[data]')"


def require_ray():
    """Import Ray, or explain how to install it."""
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise RuntimeError(f"{INSTALL_HINT} ({exc})") from None
    return ray


@dataclass
class RaySummary(TagSummary):
    """What ``tag_with_ray`` did: the local engine's ``TagSummary`` (``skipped`` counts documents in
    skipped shards) plus the shard counts."""

    shards: int = 0
    written_shards: int = 0
    skipped_shards: int = 0

    def text(self) -> str:
        rate = (f" ({self.tagged / self.seconds:.1f} docs/s, {self.sentences / self.seconds:.0f} sentences/s)"
                if self.seconds > 0 else "")
        first = (f"tagged {self.tagged} document(s), {self.sentences} sentences in {self.seconds:.1f}s{rate} on Ray; "
                 f"wrote {self.written_shards} of {self.shards} shard(s), skipped {self.skipped_shards} already "
                 f"complete ({self.skipped} document(s)); {self.failed} failed")
        return f"{first}\noutput: {self.output}"


# ---------------------------------------------------------------- reading


def read_parquet(path: Path, options: ReadOptions) -> Iterator[Document | InputError]:
    """One document per row: ``options.id_field`` and ``options.text_field`` columns; bad rows become errors."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    origin = str(path)
    try:
        handle = pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as exc:
        yield InputError(origin, f"not a readable Parquet file ({exc})")
        return
    names = handle.schema_arrow.names
    if options.text_field not in names:
        yield InputError(origin, f"no {options.text_field!r} column (use --text-field to choose another; "
                                 f"columns: {', '.join(names)})")
        return
    columns = [options.text_field] + ([options.id_field] if options.id_field in names else [])
    number = 0
    for batch in handle.iter_batches(columns=columns, batch_size=1024):
        texts = batch.column(options.text_field).to_pylist()
        ids = batch.column(options.id_field).to_pylist() if options.id_field in names else [None] * len(texts)
        for doc_id, text in zip(ids, texts):
            number += 1
            where = f"{origin}:{number}"
            if doc_id is None or (isinstance(doc_id, str) and not doc_id.strip()):
                doc_id = f"{path.stem}:{number}"
            if not isinstance(text, str):
                yield InputError(where, f"column {options.text_field!r} must be a string, got "
                                        f"{type(text).__name__}", doc_id=str(doc_id))
            elif not text.strip():
                yield InputError(where, "empty text", doc_id=str(doc_id))
            else:
                yield Document(doc_id=str(doc_id), text=text, origin=where)
    if number == 0:
        yield InputError(origin, "empty input (no rows)")


def iter_all_documents(inputs: Sequence[str | Path], options: ReadOptions) -> Iterator[Document | InputError]:
    """``classifier.inputs.iter_documents`` plus Parquet files (also inside folders), in the same stable order."""
    for item in inputs:
        path = Path(item)
        if str(item) != "-" and path.is_file() and path.suffix.lower() in PARQUET_SUFFIXES:
            yield from read_parquet(path, options)
        elif str(item) != "-" and path.is_dir():
            suffixes = KNOWN_SUFFIXES | PARQUET_SUFFIXES
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)
            if not files:
                yield InputError(str(path), f"no files ending in {', '.join(sorted(suffixes))}")
            for file in files:
                if file.suffix.lower() in PARQUET_SUFFIXES:
                    yield from read_parquet(file, options)
                else:
                    yield from read_file(file, options)
        else:
            yield from iter_documents([item], options)


# ---------------------------------------------------------------- workers


class TaggerActor:
    """A Ray Data stateful worker: loads the model once, then tags one shard per call.

    Input batch (pyarrow): columns ``shard``, ``doc_ids``, ``texts``, ``origins`` (one row
    per shard). Output: ``shard``, ``doc_id``, ``sentence`` and ``record`` (the JSON of
    one ``TaggedDocument.records()`` entry; ``sentence == -1`` marks a document with no
    sentences, which has no record).

    ``crash_marker``/``crash_after`` exist for the worker-failure test: the first actor
    that has tagged ``crash_after`` documents while the marker file exists deletes it
    and kills its own process, once.
    """

    def __init__(self, model_dir: str, backend: str = "torch-fp32", threads: int | None = 1,
                 batch_size: int = 32, crash_marker: str | None = None, crash_after: int = 0):
        from transformers.utils import logging as hf_logging

        from classifier.tagger import Tagger

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        self.tagger = Tagger.from_pretrained(model_dir, backend=backend, threads=threads, batch_size=batch_size)
        self.crash_marker = crash_marker
        self.crash_after = crash_after
        self.seen = 0

    def __call__(self, batch):
        import pyarrow as pa

        out = {"shard": [], "doc_id": [], "sentence": [], "record": []}
        for row in batch.to_pylist():
            documents = [Document(doc_id=d, text=t, origin=o)
                         for d, t, o in zip(row["doc_ids"], row["texts"], row["origins"])]
            for tagged in self.tagger.tag_many(documents):
                self._maybe_crash()
                records = tagged.records()
                if not records:
                    out["shard"].append(row["shard"])
                    out["doc_id"].append(tagged.doc_id)
                    out["sentence"].append(-1)
                    out["record"].append("")
                for record in records:
                    out["shard"].append(row["shard"])
                    out["doc_id"].append(tagged.doc_id)
                    out["sentence"].append(record["sentence"])
                    out["record"].append(json.dumps(record, ensure_ascii=False))
        return pa.table({"shard": pa.array(out["shard"], pa.int64()), "doc_id": pa.array(out["doc_id"], pa.string()),
                         "sentence": pa.array(out["sentence"], pa.int64()),
                         "record": pa.array(out["record"], pa.string())})

    def _maybe_crash(self) -> None:
        self.seen += 1
        if self.crash_marker and self.seen >= self.crash_after:
            try:
                os.unlink(self.crash_marker)
            except FileNotFoundError:
                return
            os._exit(1)  # a worker dying mid-shard, as an out-of-memory kill or a lost node would


# ---------------------------------------------------------------- outputs


def shard_name(index: int, fmt: str) -> str:
    return f"part-{index:05d}.{fmt}"


def _plan_digest(doc_ids: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(doc_ids).encode("utf-8")).hexdigest()[:16]


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _parquet_schema(labels: Sequence[str]):
    import pyarrow as pa

    return pa.schema([("doc_id", pa.string()), ("sentence", pa.int64()), ("n_sentences", pa.int64()),
                      ("start", pa.int64()), ("end", pa.int64()), ("text", pa.string()),
                      ("labels", pa.list_(pa.string())),
                      ("scores", pa.struct([(label, pa.float64()) for label in labels])),
                      ("break_before", pa.bool_()), ("model", pa.string())])


def write_shard(path: Path, records: list[dict], fmt: str, labels: Sequence[str]) -> None:
    """Write a whole shard atomically: temporary file, fsync, rename."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with tmp.open("wb") as handle:
        if fmt == "jsonl":
            handle.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8"))
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.Table.from_pylist(records, schema=_parquet_schema(labels)), handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def read_shards(out_dir: Path) -> list[dict]:
    """Every record of a sharded output (JSONL or Parquet), shard by shard."""
    records: list[dict] = []
    for path in sorted(Path(out_dir).glob("part-*")):
        if path.suffix == ".jsonl":
            with path.open(encoding="utf-8") as handle:
                records.extend(json.loads(line) for line in handle if line.strip())
        elif path.suffix == ".parquet":
            import pyarrow.parquet as pq

            records.extend(pq.read_table(path).to_pylist())
    return records


# ---------------------------------------------------------------- the job


def tag_with_ray(
    inputs: Sequence[str | Path],
    model_dir: str | Path,
    out_dir: str | Path,
    *,
    shards: int = 16,
    fmt: str = "jsonl",
    address: str | None = None,
    backend: str = "torch-fp32",
    workers: int | None = None,
    threads: int = 1,
    batch_size: int = 32,
    options: ReadOptions | None = None,
    on_error=None,
    log=None,
    actor_kwargs: dict | None = None,
) -> RaySummary:
    """Tag ``inputs`` on Ray into ``out_dir/part-NNNNN.{jsonl,parquet}``; see the module docstring.

    ``address``: None starts (or joins, if this process already did ``ray.init``) a local Ray
    instance; ``auto`` joins the cluster this machine belongs to; ``ray://HEAD:10001`` connects
    through Ray Client. ``workers``: number of tagging actors (default: the cluster's CPUs
    divided by ``threads``). ``backend``: as for the local engine; ``auto`` is resolved once on
    the driver, so all workers use the same backend.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    if shards < 1:
        raise ValueError("shards must be at least 1")
    model_dir = Path(model_dir).resolve()
    if not (model_dir / "config.json").is_file():
        raise FileNotFoundError(f"no model at {model_dir} (expected a Hugging Face model directory with "
                                "config.json; train one with `framing train` or `make run`)")
    options = options or ReadOptions()
    ray = require_ray()
    from classifier.backends import weights_digest
    from classifier.model import FramingModel

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = RaySummary(output=out_dir)
    started = time.perf_counter()

    # 1. read and plan, on the driver
    unique = _UniqueIds()
    documents: list[Document] = []
    for item in iter_all_documents(inputs, options):
        if isinstance(item, InputError):
            summary.failed += 1
            summary.errors.append(item)
            if on_error:
                on_error(item)
            continue
        documents.append(Document(doc_id=unique(item.doc_id), text=item.text, origin=item.origin))
    n_shards = max(1, min(shards, len(documents)))
    size, extra = divmod(len(documents), n_shards)
    blocks, begin = [], 0
    for index in range(n_shards):
        end = begin + size + (1 if index < extra else 0)
        blocks.append(documents[begin:end])
        begin = end
    if backend == "auto":  # measured once here, so every worker uses the same backend (and gives the same labels)
        from classifier.tagger import Tagger

        backend = Tagger.from_pretrained(model_dir, backend="auto", threads=threads).backend
        if log:
            log(f"backend: {backend} (measured on the driver, used by every worker)")
    model = FramingModel.from_pretrained(model_dir)
    labels = list(model.labels)
    manifest = {"format": fmt, "shards": n_shards, "documents": len(documents),
                "model": f"{model.name or 'model'}@{weights_digest(model)[:12]}",
                "shard_digests": [_plan_digest([d.doc_id for d in block]) for block in blocks]}
    del model
    manifest_path = out_dir / MANIFEST
    if manifest_path.exists():
        previous = json.loads(manifest_path.read_text(encoding="utf-8"))
        if previous != manifest:
            differs = ", ".join(k for k in manifest if previous.get(k) != manifest[k])
            raise ValueError(f"{out_dir} holds a run with a different plan ({differs} differ); use another --out "
                             "or the same inputs, --shards, --format and model to resume")
    else:
        tmp = out_dir / f".{MANIFEST}.tmp"
        tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, manifest_path)
    for stale in out_dir.glob(".part-*.tmp-*"):  # left by a crash before its rename
        stale.unlink()
    summary.shards = n_shards
    todo = []
    for index, block in enumerate(blocks):
        if (out_dir / shard_name(index, fmt)).exists():
            summary.skipped_shards += 1
            summary.skipped += len(block)
        else:
            todo.append(index)
    if not todo:
        summary.seconds = time.perf_counter() - started
        return summary

    # 2. tag on Ray
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False,
                 runtime_env={"env_vars": {"TOKENIZERS_PARALLELISM": "false"}})
    if workers is None:
        workers = max(1, int(ray.cluster_resources().get("CPU", 1) // max(threads, 1)))
    workers = max(1, min(workers, len(todo)))
    rows = [{"shard": i, "doc_ids": [d.doc_id for d in blocks[i]], "texts": [d.text for d in blocks[i]],
             "origins": [d.origin for d in blocks[i]]} for i in todo]
    dataset = ray.data.from_items(rows, override_num_blocks=len(rows))
    # the texts now live in Ray's object store (which spills to disk); the driver keeps only ids
    del rows, documents
    blocks = [[Document(doc_id=d.doc_id, text="", origin=d.origin) for d in block] for block in blocks]
    kwargs = {"model_dir": str(model_dir), "backend": backend, "threads": threads, "batch_size": batch_size,
              **(actor_kwargs or {})}
    # compute=ActorPoolStrategy(size=N): a fixed pool of N stateful actors. (Ray 2.51+ deprecates the
    # ``concurrency=N`` spelling in favour of this one, which older 2.x releases accept too.)
    tagged = dataset.map_batches(TaggerActor, fn_constructor_kwargs=kwargs, batch_size=1, batch_format="pyarrow",
                                 compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=threads)

    # 3. gather per shard (duplicates from retried tasks collapse on (document, sentence)); write each shard
    #    as soon as all its documents are complete
    pending: dict[int, dict[str, dict[int, str]]] = {i: {} for i in todo}
    totals: dict[int, dict[str, int]] = {i: {} for i in todo}
    complete: dict[int, set[str]] = {i: set() for i in todo}
    for batch in tagged.iter_batches(batch_format="pyarrow", batch_size=None):
        for row in batch.to_pylist():
            shard, doc_id, sentence = row["shard"], row["doc_id"], row["sentence"]
            if shard not in pending:  # already written: a retried task's duplicate
                continue
            sentences = pending[shard].setdefault(doc_id, {})
            if sentence >= 0:
                sentences[sentence] = row["record"]
                if doc_id not in totals[shard]:
                    totals[shard][doc_id] = json.loads(row["record"])["n_sentences"]
            else:
                totals[shard][doc_id] = 0
            if len(sentences) == totals[shard][doc_id]:
                complete[shard].add(doc_id)
            if len(complete[shard]) == len(blocks[shard]):
                _finish_shard(out_dir, shard, blocks[shard], pending.pop(shard), fmt, labels, summary)
                if log:
                    log(f"shard {shard}: {len(blocks[shard])} documents written")
    if pending:
        raise RuntimeError(f"Ray returned incomplete results for shard(s) {sorted(pending)}; rerun to resume")
    summary.seconds = time.perf_counter() - started
    return summary


def _finish_shard(out_dir: Path, shard: int, block: list[Document], rows: dict[str, dict[int, str]], fmt: str,
                  labels: Sequence[str], summary: RaySummary) -> None:
    records = [json.loads(rows[d.doc_id][i]) for d in block for i in sorted(rows.get(d.doc_id, {}))]
    write_shard(out_dir / shard_name(shard, fmt), records, fmt, labels)
    summary.written_shards += 1
    summary.tagged += len(block)
    summary.sentences += len(records)
