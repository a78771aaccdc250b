"""The common example record and the JSON Lines reader every loader shares."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labels.errors import DataError, ErrorCollector


def read_text(path: str | Path) -> str:
    """A UTF-8 file's text; a missing file or bad bytes raise a DataError naming the file."""
    path = Path(path)
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise DataError("file not found", path=path) from None
    except UnicodeDecodeError as exc:
        raise DataError(f"not valid UTF-8 ({exc.reason} at byte {exc.start})", path=path) from None


@dataclass(frozen=True)
class Example:
    """One labelled unit (a sentence or a line), whatever corpus it came from.

    ``start``/``end`` index the source document when the corpus has one (standoff
    gold, SemEval article lines); they are -1 for sentences that are their own text.
    """

    id: str
    doc_id: str
    text: str
    labels: tuple[str, ...]
    source: str
    provenance: str
    start: int = -1
    end: int = -1
    domain: str = ""


def iter_jsonl(path: str | Path, errors: ErrorCollector | None = None) -> Iterator[tuple[int, dict]]:
    """Yield ``(line_number, object)`` for each non-blank line of a JSON Lines file.

    Every line is accounted for: a line that is not UTF-8, not JSON or not an object
    becomes a DataError naming the file and line. With ``errors`` the error is
    collected and reading carries on (so one pass reports every bad line); without
    it the first one is raised.
    """

    def fail(error: DataError) -> None:
        if errors is None:
            raise error
        errors.add(error)

    path = Path(path)
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        fail(DataError("file not found", path=path))
        return
    with handle:
        for number, raw in enumerate(handle, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                fail(DataError(f"not valid UTF-8 ({exc.reason} at byte {exc.start})", path=path, line=number))
                continue
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                fail(DataError(f"malformed JSON: {exc.msg} (column {exc.colno})", path=path, line=number))
                continue
            if not isinstance(obj, dict):
                fail(DataError("each line must be a JSON object", path=path, line=number))
                continue
            yield number, obj


def write_jsonl(path: str | Path, rows: list[dict]) -> None:
    """Write rows atomically (temp file + rename), so a crash never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    tmp.replace(path)
