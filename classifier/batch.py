"""Batch tagging: inputs -> Tagger -> resumable output (+ HTML report), with a closing summary.

Bad inputs are reported as they are met and the batch goes on; a document is
written only when all its sentences are scored; Ctrl-C stops after the document
being written, and a rerun with the same output skips what is already there.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from classifier.inputs import Document, InputError, ReadOptions, iter_documents
from classifier.outputs import open_sink, read_records
from classifier.report import write_report
from classifier.tagger import Tagger

FORMATS = ("jsonl", "csv", "html")


@dataclass
class TagSummary:
    tagged: int = 0
    sentences: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[InputError] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False
    output: Path | None = None
    report: Path | None = None
    repaired_bytes: int = 0

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        return 1 if self.failed else 0

    def text(self) -> str:
        rate = f"{self.tagged / self.seconds:.1f} docs/s, {self.sentences / self.seconds:.0f} sentences/s" \
            if self.seconds > 0 else ""
        lines = [f"tagged {self.tagged} document(s), {self.sentences} sentences in {self.seconds:.1f}s ({rate}); "
                 f"skipped {self.skipped} already in the output; {self.failed} failed"]
        if self.repaired_bytes:
            lines.append(f"repaired the output: dropped {self.repaired_bytes} bytes of an incomplete document "
                         "left by an earlier run")
        if self.interrupted:
            lines.append("interrupted: everything written so far is complete; rerun the same command to resume")
        if self.output:
            lines.append(f"output: {self.output}")
        if self.report:
            lines.append(f"report: {self.report}")
        return "\n".join(lines)


class _UniqueIds:
    """Deterministic, unique document ids (a second 'a.txt' becomes 'a~2'), stable across reruns."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def __call__(self, doc_id: str) -> str:
        count = self.seen.get(doc_id, 0) + 1
        self.seen[doc_id] = count
        return doc_id if count == 1 else f"{doc_id}~{count}"


def tag_inputs(
    inputs: Sequence[str | Path],
    tagger: Tagger,
    out: Path,
    *,
    fmt: str = "jsonl",
    options: ReadOptions = ReadOptions(),
    report: Path | None = None,
    on_error: Callable[[InputError], None] | None = None,
    progress: bool = False,
    schema=None,
) -> TagSummary:
    """Tag every input into ``out``; see the module docstring for the guarantees."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    out = Path(out)
    records_path = out.with_suffix(".jsonl") if fmt == "html" else out
    if fmt == "html" and records_path == out:
        raise ValueError("an HTML output needs a name ending in .html")
    report = out if fmt == "html" else report
    summary = TagSummary(output=records_path, report=report)
    sink = open_sink(records_path, "jsonl" if fmt == "html" else fmt, tagger.model.labels)
    summary.repaired_bytes = sink.repaired_bytes
    unique = _UniqueIds()
    stop = {"flag": False}

    def request_stop(signum, frame):  # finish the document being written, then stop
        if stop["flag"]:
            raise KeyboardInterrupt
        stop["flag"] = True

    def documents() -> Iterator[Document]:
        for item in iter_documents(inputs, options):
            if stop["flag"]:
                return
            if isinstance(item, InputError):
                summary.failed += 1
                summary.errors.append(item)
                if on_error:
                    on_error(item)
                continue
            doc_id = unique(item.doc_id)
            if doc_id in sink.done:
                summary.skipped += 1
                continue
            yield Document(doc_id=doc_id, text=item.text, origin=item.origin)

    bar = _progress_bar(progress)
    previous = signal.signal(signal.SIGINT, request_stop) if _main_thread() else None
    started = time.perf_counter()
    try:
        for tagged in tagger.tag_many(documents()):
            sink.write(tagged)
            summary.tagged += 1
            summary.sentences += len(tagged.sentences)
            if bar is not None:
                elapsed = max(time.perf_counter() - started, 1e-9)
                bar.update(1)
                bar.set_postfix_str(f"{summary.sentences / elapsed:.0f} sentences/s", refresh=False)
            if stop["flag"]:
                summary.interrupted = True
                break
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        summary.seconds = time.perf_counter() - started
        sink.close()
        if bar is not None:
            bar.close()
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if report is not None and not summary.interrupted:
        records = read_records(records_path)
        write_report(report, records, tagger.model.labels, schema=schema, model=tagger.model_id,
                     errors=[str(e) for e in summary.errors])
    return summary


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _progress_bar(enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(unit="doc", file=sys.stderr, dynamic_ncols=True, mininterval=0.5)


def known_schema(labels: Iterable[str]):
    """The project schema whose labels match the model's, for colours and definitions in reports."""
    from labels.schema import available_schemas, load_schema

    labels = list(labels)
    for name in available_schemas():
        schema = load_schema(name)
        if schema.label_names == labels:
            return schema
    return None
