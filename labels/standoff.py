"""Standoff annotations: labels on external text kept as (document id, offsets, hash).

The project never copies external text. A record points into a source document by
character offsets and carries the SHA-256 of the sentence it labelled, so a source
file that changed is detected (and the sentence relocated if possible) instead of
silently mislabelled.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from labels.errors import DataError, ErrorCollector
from labels.records import Example, iter_jsonl, write_jsonl
from labels.schema import Schema
from labels.segmentation import segment

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_FIELDS = ("doc_id", "start", "end", "text_sha256", "labels", "annotator", "time", "note")


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StandoffRecord:
    doc_id: str
    start: int
    end: int
    text_sha256: str
    labels: tuple[str, ...]
    annotator: str
    time: str
    note: str = ""

    @property
    def unit(self) -> tuple[str, int, int, str]:
        """What two annotations must share to be about the same sentence."""
        return (self.doc_id, self.start, self.end, self.text_sha256)

    def to_json(self) -> dict:
        row = asdict(self)
        row["labels"] = list(self.labels)
        if not self.note:
            del row["note"]
        return row


def read_standoff(path: str | Path, schema: Schema) -> list[tuple[int, StandoffRecord]]:
    """Read and validate a standoff file; every bad line is reported, with its number."""
    errors = ErrorCollector()
    out: list[tuple[int, StandoffRecord]] = []
    seen: dict[tuple[str, int, int], int] = {}
    for line, row in iter_jsonl(path, errors):
        record = _parse(row, schema, path, line, errors)
        if record is None:
            continue
        key = (record.doc_id, record.start, record.end)
        if key in seen:
            errors.add(DataError(f"duplicate annotation of {record.doc_id}[{record.start}:{record.end}] "
                                 f"(first on line {seen[key]})", path=path, line=line))
            continue
        seen[key] = line
        out.append((line, record))
    errors.raise_if_any()
    return out


def _parse(row: dict, schema: Schema, path, line: int, errors: ErrorCollector) -> StandoffRecord | None:
    unknown = set(row) - set(_FIELDS)
    missing = {"doc_id", "start", "end", "text_sha256", "labels", "annotator", "time"} - set(row)
    if unknown:
        errors.add(DataError(f"unknown field(s) {sorted(unknown)}", path=path, line=line))
    if missing:
        errors.add(DataError(f"missing field(s) {sorted(missing)}", path=path, line=line))
        return None
    start, end = row["start"], row["end"]
    if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool) or not 0 <= start < end:
        errors.add(DataError(f"start/end must be integers with 0 <= start < end, got {start!r}, {end!r}",
                             path=path, line=line))
        return None
    if not isinstance(row["doc_id"], str) or not row["doc_id"] or "/" in row["doc_id"]:
        errors.add(DataError(f"doc_id must be a file stem, got {row['doc_id']!r}", path=path, line=line))
        return None
    if not isinstance(row["text_sha256"], str) or not _HEX64.match(row["text_sha256"]):
        errors.add(DataError("text_sha256 must be 64 lowercase hex digits", path=path, line=line))
        return None
    try:
        labels = schema.validate_labels(row["labels"], path=path, line=line)
    except DataError as exc:
        errors.add(exc)
        return None
    return StandoffRecord(
        doc_id=row["doc_id"], start=start, end=end, text_sha256=row["text_sha256"], labels=labels,
        annotator=str(row["annotator"]), time=str(row["time"]), note=str(row.get("note") or ""),
    )


def write_standoff(path: str | Path, records: Iterable[StandoffRecord]) -> None:
    ordered = sorted(records, key=lambda r: (r.doc_id, r.start, r.end))
    write_jsonl(path, [r.to_json() for r in ordered])


class TextStore:
    """Source documents by id, read once, strictly decoded, from one directory."""

    def __init__(self, directory: str | Path, suffix: str = ".txt"):
        self.directory = Path(directory)
        self.suffix = suffix
        self._texts: dict[str, str] = {}

    def path(self, doc_id: str) -> Path:
        return self.directory / f"{doc_id}{self.suffix}"

    def get(self, doc_id: str) -> str:
        if doc_id not in self._texts:
            path = self.path(doc_id)
            try:
                raw = path.read_bytes()
            except FileNotFoundError:
                raise DataError(f"source text {path} not found") from None
            try:
                self._texts[doc_id] = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DataError(f"source text {path} is not valid UTF-8 (byte {exc.start})") from None
        return self._texts[doc_id]


def resolve(
    records: Sequence[tuple[int, StandoffRecord]],
    texts: TextStore,
    *,
    path: str | Path,
    source: str,
    provenance: str = "gold",
) -> list[Example]:
    """Join standoff records with their source texts, checking every offset against its hash."""
    errors = ErrorCollector()
    examples = []
    relocations: dict[str, dict[str, tuple[int, int]]] = {}
    for line, record in records:
        try:
            text = texts.get(record.doc_id)
        except DataError as exc:
            errors.add(DataError(exc.message, path=path, line=line))
            continue
        sentence = text[record.start:record.end]
        if record.end > len(text) or text_sha256(sentence) != record.text_sha256:
            if record.doc_id not in relocations:
                relocations[record.doc_id] = {text_sha256(s.text): (s.start, s.end) for s in segment(text)}
            moved = relocations[record.doc_id].get(record.text_sha256)
            hint = (f"; the same sentence is now at {moved[0]}-{moved[1]} (update the offsets)" if moved
                    else "; the source text changed or the offsets are wrong")
            errors.add(DataError(f"offsets {record.start}-{record.end} of {record.doc_id} no longer match "
                                 f"the sentence hash{hint}", path=path, line=line))
            continue
        examples.append(Example(
            id=f"{record.doc_id}:{record.start}-{record.end}",
            doc_id=record.doc_id,
            text=sentence,
            labels=record.labels,
            source=source,
            provenance=provenance,
            start=record.start,
            end=record.end,
        ))
    errors.raise_if_any()
    return examples


def load_standoff(annotations: str | Path, text_dir: str | Path, schema: Schema, *, source: str) -> list[Example]:
    records = read_standoff(annotations, schema)
    return resolve(records, TextStore(text_dir), path=annotations, source=source)
