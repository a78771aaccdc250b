"""The authored corpus: sentences the team wrote itself, stored with their text.

Each record is marked ``provenance: authored`` and belongs to a short invented
document (``doc_id``), so splits can keep whole documents together.
"""

from __future__ import annotations

from pathlib import Path

from labels.errors import DataError, ErrorCollector
from labels.records import Example, iter_jsonl
from labels.schema import Schema

VOICES = ("headline", "quote", "reported", "analysis", "interview", "bullet", "boilerplate", "background")
_REQUIRED = ("id", "doc_id", "text", "labels", "provenance", "domain", "voice", "author")
_OPTIONAL = ("note",)


def authored_files(path: str | Path) -> list[Path]:
    path = Path(path)
    if path.is_dir():
        return sorted(path.glob("*.jsonl"))
    return [path]


def load_authored(path: str | Path, schema: Schema, *, source: str = "authored") -> list[Example]:
    """Load one JSONL file or every ``*.jsonl`` in a directory; all problems are reported at once."""
    errors = ErrorCollector()
    examples: list[Example] = []
    first_seen: dict[str, tuple[Path, int]] = {}
    files = authored_files(path)
    if not files:
        raise DataError("no *.jsonl files found", path=path)
    for file in files:
        for line, row in iter_jsonl(file, errors):
            missing = [k for k in _REQUIRED if k not in row]
            unknown = sorted(set(row) - set(_REQUIRED) - set(_OPTIONAL))
            if missing:
                errors.add(DataError(f"missing field(s) {missing}", path=file, line=line))
                continue
            if unknown:
                errors.add(DataError(f"unknown field(s) {unknown}", path=file, line=line))
            if row["provenance"] != "authored":
                errors.add(DataError(f"provenance must be 'authored', got {row['provenance']!r}", path=file,
                                     line=line))
                continue
            if row["voice"] not in VOICES:
                errors.add(DataError(f"voice must be one of {list(VOICES)}, got {row['voice']!r}", path=file,
                                     line=line))
            text = row["text"]
            if not isinstance(text, str) or not text.strip() or text != text.strip():
                errors.add(DataError("text must be a non-empty string without surrounding blanks", path=file,
                                     line=line))
                continue
            if row["id"] in first_seen:
                where = first_seen[row["id"]]
                errors.add(DataError(f"duplicate id {row['id']!r} (first at {where[0]}:{where[1]})", path=file,
                                     line=line))
                continue
            first_seen[row["id"]] = (file, line)
            try:
                labels = schema.validate_labels(row["labels"], path=file, line=line)
            except DataError as exc:
                errors.add(exc)
                continue
            examples.append(Example(
                id=str(row["id"]), doc_id=str(row["doc_id"]), text=text, labels=labels, source=source,
                provenance="authored", domain=str(row["domain"]),
            ))
    errors.raise_if_any()
    return examples
