"""Documents to tag, from files, folders, JSON Lines and stdin; every bad input becomes an error record.

Readers never raise for bad input: a file that is empty, binary, not UTF-8, too
large, HTML without main text, or a JSON line that is malformed or lacks the text
field yields an ``InputError`` naming the input (and line), and reading goes on.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

TEXT_SUFFIXES = {".txt", ".text", ".md"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
KNOWN_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES
DEFAULT_MAX_BYTES = 5_000_000  # a news article is ~10 kB; 5 MB is a book, not an article


@dataclass(frozen=True)
class Document:
    """Text to tag. ``origin`` says where it came from (path, path:line, or stdin)."""

    doc_id: str
    text: str
    origin: str


@dataclass(frozen=True)
class InputError:
    origin: str
    message: str
    doc_id: str | None = None

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}"


@dataclass(frozen=True)
class ReadOptions:
    id_field: str = "id"
    text_field: str = "text"
    max_bytes: int = DEFAULT_MAX_BYTES
    encoding: str = "utf-8"
    stdin_format: str = "text"  # 'text' (one document) or 'jsonl'


def _decode(raw: bytes, origin: str, encoding: str) -> str | InputError:
    if not raw.strip():
        return InputError(origin, "empty input (nothing to tag)")
    sample = raw[:8192]
    if b"\x00" in sample:
        return InputError(origin, "looks like a binary file (contains NUL bytes); expected text, HTML or JSON Lines")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        return InputError(origin, f"not valid {encoding} (byte 0x{raw[exc.start]:02x} at line {line}); "
                                  "convert it to UTF-8 or pass --encoding (e.g. --encoding cp1252)")
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f\v")
    if controls > 0.1 * min(len(text), 8192):
        return InputError(origin, "looks like a binary file (mostly control characters)")
    return text


def _too_large(size: int, origin: str, limit: int) -> InputError | None:
    if size > limit:
        return InputError(origin, f"too large ({size / 1e6:.1f} MB > {limit / 1e6:.1f} MB limit); "
                                  "split it or raise --max-bytes")
    return None


def extract_html(html: str) -> str:
    """Main text of a web page (boilerplate, scripts, navigation dropped), one paragraph per line."""
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True,
                               deduplicate=True)
    return text or ""


def read_file(path: Path, options: ReadOptions = ReadOptions()) -> Iterator[Document | InputError]:
    origin = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        yield InputError(origin, f"cannot read: {exc.strerror or exc}")
        return
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        yield from _read_jsonl_file(path, options)
        return
    error = _too_large(size, origin, options.max_bytes)
    if error:
        yield error
        return
    try:
        raw = path.read_bytes()
    except OSError as exc:
        yield InputError(origin, f"cannot read: {exc.strerror or exc}")
        return
    text = _decode(raw, origin, options.encoding)
    if isinstance(text, InputError):
        yield text
        return
    if suffix in HTML_SUFFIXES:
        text = extract_html(text)
        if not text.strip():
            yield InputError(origin, "no main text found in the HTML page")
            return
    yield Document(doc_id=path.stem, text=text, origin=origin)


def _read_jsonl_file(path: Path, options: ReadOptions) -> Iterator[Document | InputError]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield InputError(str(path), f"cannot read: {exc.strerror or exc}")
        return
    with handle:
        yield from read_jsonl_lines(handle, str(path), options)


def read_jsonl_lines(lines: Iterable[bytes], origin: str, options: ReadOptions) -> Iterator[Document | InputError]:
    """One document per line: ``{id_field: ..., text_field: ...}``; bad lines become errors."""
    seen_any = False
    for number, raw in enumerate(lines, 1):
        where = f"{origin}:{number}"
        if not raw.strip():
            continue
        seen_any = True
        if len(raw) > options.max_bytes:
            yield InputError(where, f"line too large ({len(raw) / 1e6:.1f} MB); raise --max-bytes")
            continue
        try:
            record = json.loads(raw.decode(options.encoding))
        except UnicodeDecodeError:
            yield InputError(where, f"not valid {options.encoding}")
            continue
        except json.JSONDecodeError as exc:
            yield InputError(where, f"malformed JSON: {exc.msg} (column {exc.colno})")
            continue
        if not isinstance(record, dict):
            yield InputError(where, "each line must be a JSON object")
            continue
        doc_id = record.get(options.id_field)
        text = record.get(options.text_field)
        if doc_id is None or (isinstance(doc_id, str) and not doc_id.strip()):
            doc_id = f"{Path(origin).stem}:{number}"
        if text is None:
            yield InputError(where, f"no {options.text_field!r} field (use --text-field to choose another)",
                             doc_id=str(doc_id))
            continue
        if not isinstance(text, str):
            yield InputError(where, f"field {options.text_field!r} must be a string, got {type(text).__name__}",
                             doc_id=str(doc_id))
            continue
        if not text.strip():
            yield InputError(where, "empty text", doc_id=str(doc_id))
            continue
        yield Document(doc_id=str(doc_id), text=text, origin=where)
    if not seen_any:
        yield InputError(origin, "empty input (no JSON lines)")


def iter_documents(paths: Iterable[str | Path], options: ReadOptions = ReadOptions()) -> Iterator[
        Document | InputError]:
    """Files, folders (recursive, known suffixes only) and '-' for stdin, in a stable order."""
    for item in paths:
        if str(item) == "-":
            yield from _read_stdin(options)
            continue
        path = Path(item)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in KNOWN_SUFFIXES)
            if not files:
                yield InputError(str(path), f"no files ending in {', '.join(sorted(KNOWN_SUFFIXES))}")
            for file in files:
                yield from read_file(file, options)
        elif path.exists():
            yield from read_file(path, options)
        else:
            yield InputError(str(path), "no such file or directory")


def _read_stdin(options: ReadOptions) -> Iterator[Document | InputError]:
    stream = sys.stdin.buffer
    if options.stdin_format == "jsonl":
        yield from read_jsonl_lines(stream, "<stdin>", options)
        return
    raw = stream.read(options.max_bytes + 1)
    error = _too_large(len(raw), "<stdin>", options.max_bytes)
    if error:
        yield error
        return
    text = _decode(raw, "<stdin>", options.encoding)
    yield text if isinstance(text, InputError) else Document(doc_id="stdin", text=text, origin="<stdin>")
