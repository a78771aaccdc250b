"""Resumable outputs: JSON Lines and CSV, one record per sentence, written a whole document at a time.

Each document's records are written in one write and flushed to the operating
system, so a process crash or Ctrl-C can only ever leave a torn tail. Data is also
fsynced at most once a second and on close (one fsync per document would cost more
than tagging a short article), so a power cut loses at most the last second, which
a rerun redoes. Reopening an output repairs a torn tail (truncates a partial line,
and the records of a document that is not complete, using each record's
``n_sentences``) and reports which documents are done, so a rerun skips them.
Nothing already complete is ever rewritten or lost.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path

from classifier.tagger import TaggedDocument


class CorruptOutputError(RuntimeError):
    """An existing output cannot be resumed safely (corruption before its tail)."""


class Sink(ABC):
    """An output file that knows which documents it already holds."""

    def __init__(self, path: Path, labels: Sequence[str]):
        self.path = Path(path)
        self.labels = list(labels)
        self.done: set[str] = set()
        self.repaired_bytes = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and self.path.stat().st_size:
            self._recover()
        self.handle = self.path.open("a", encoding="utf-8", newline="")
        self._synced = time.monotonic()
        if self.path.stat().st_size == 0:
            self._start()

    def _start(self) -> None:
        """Write a header into a new, empty file (CSV)."""

    @abstractmethod
    def _serialise(self, document: TaggedDocument) -> str: ...

    @abstractmethod
    def _parse(self, lines: list[str]) -> list[tuple[str, int, int]]:
        """(doc_id, sentence index, n_sentences) for each data line, in order."""

    SYNC_SECONDS = 1.0

    def write(self, document: TaggedDocument) -> None:
        if not document.sentences:
            return
        self.handle.write(self._serialise(document))
        self.handle.flush()
        if time.monotonic() - self._synced >= self.SYNC_SECONDS:
            os.fsync(self.handle.fileno())
            self._synced = time.monotonic()
        self.done.add(document.doc_id)

    def close(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()

    def _recover(self) -> None:
        raw = self.path.read_bytes()
        cut = raw.rfind(b"\n") + 1  # drop a torn last line
        text = raw[:cut].decode("utf-8", errors="strict")
        lines = text.splitlines(keepends=True)
        header = self._header_lines()
        body = lines[header:]
        try:
            rows = self._parse([line.rstrip("\r\n") for line in body])
        except (ValueError, KeyError) as exc:
            raise CorruptOutputError(f"{self.path} cannot be resumed: {exc}; move it away to start afresh") from None
        # documents are contiguous; the last one may be incomplete
        offsets = [sum(len(line.encode("utf-8")) for line in lines[:header])]
        for line in body:
            offsets.append(offsets[-1] + len(line.encode("utf-8")))
        keep_until, i = offsets[0], 0
        while i < len(rows):
            doc_id, _, total = rows[i]
            j = i
            while j < len(rows) and rows[j][0] == doc_id:
                j += 1
            if j - i == total:
                self.done.add(doc_id)
                keep_until = offsets[j]
            elif j < len(rows):
                raise CorruptOutputError(f"{self.path}: document {doc_id!r} is incomplete in the middle of the "
                                         "file; move it away to start afresh")
            i = j
        if keep_until < len(raw):
            self.repaired_bytes = len(raw) - keep_until
            with self.path.open("r+b") as handle:
                handle.truncate(keep_until)

    def _header_lines(self) -> int:
        return 0


class JsonlSink(Sink):
    def _serialise(self, document: TaggedDocument) -> str:
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in document.records())

    def _parse(self, lines: list[str]) -> list[tuple[str, int, int]]:
        out = []
        for number, line in enumerate(lines, 1):
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"line {number} is not JSON ({exc.msg})") from None
            out.append((str(record["doc_id"]), int(record["sentence"]), int(record["n_sentences"])))
        return out


class CsvSink(Sink):
    """Flat CSV: one score column per label, labels joined with ';'."""

    def columns(self) -> list[str]:
        return ["doc_id", "sentence", "n_sentences", "start", "end", "text", "labels",
                *[f"score_{label}" for label in self.labels], "break_before", "model"]

    def _start(self) -> None:
        self.handle.write(self._rows([self.columns()]))
        self.handle.flush()

    def _header_lines(self) -> int:
        return 1

    def _rows(self, rows: list[list]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        return buffer.getvalue()

    def _serialise(self, document: TaggedDocument) -> str:
        # one row per line: line breaks inside a sentence (only with --blocks paragraph) become spaces here;
        # start/end still point at the exact text in the input
        rows = [[r["doc_id"], r["sentence"], r["n_sentences"], r["start"], r["end"],
                 r["text"].replace("\r", " ").replace("\n", " "), ";".join(r["labels"]),
                 *[r["scores"][label] for label in self.labels], int(r["break_before"]), r["model"]]
                for r in document.records()]
        return self._rows(rows)

    def _parse(self, lines: list[str]) -> list[tuple[str, int, int]]:
        out = []
        for number, row in enumerate(csv.reader(lines), 1):
            if len(row) != len(self.columns()):
                raise ValueError(f"row {number} has {len(row)} columns, expected {len(self.columns())}")
            out.append((row[0], int(row[1]), int(row[2])))
        return out


def open_sink(path: Path, fmt: str, labels: Sequence[str]) -> Sink:
    if fmt == "jsonl":
        return JsonlSink(path, labels)
    if fmt == "csv":
        return CsvSink(path, labels)
    raise ValueError(f"unknown format {fmt!r}")


def read_records(path: Path) -> list[dict]:
    """All records of a JSONL or CSV output, as JSONL-style dicts (for the HTML report)."""
    path = Path(path)
    with path.open(encoding="utf-8", newline="") as handle:
        if path.suffix.lower() != ".csv":
            return [json.loads(line) for line in handle if line.strip()]
        rows = list(csv.DictReader(handle))
    records = []
    for row in rows:
        scores = {k[len("score_"):]: float(v) for k, v in row.items() if k.startswith("score_")}
        records.append({"doc_id": row["doc_id"], "sentence": int(row["sentence"]),
                        "n_sentences": int(row["n_sentences"]), "start": int(row["start"]), "end": int(row["end"]),
                        "text": row["text"], "labels": [x for x in row["labels"].split(";") if x], "scores": scores,
                        "break_before": row["break_before"] == "1", "model": row["model"]})
    return records
