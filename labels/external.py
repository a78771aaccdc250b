"""Readers for the public corpora in ../shared, read in place and never copied.

- SemEval-2023 Task 3 (subtask 3): line-level persuasion techniques. Each labelled
  line is checked against its article file and gets exact character offsets there.
- Szeged Uncertainty Corpus: BioScope-style XML; a sentence with at least one
  ``<ccue>`` is uncertain.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from labels.errors import DataError, ErrorCollector
from labels.records import Example, read_text
from labels.schema import Schema

_SPACES = re.compile(r"\s+")


def _read_tsv(path: Path, errors: ErrorCollector, columns: int) -> list[tuple[int, list[str]]]:
    text = read_text(path)
    rows = []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        parts = line.rstrip("\r").split("\t")
        if len(parts) < columns:
            errors.add(DataError(f"expected {columns} tab-separated columns, got {len(parts)}", path=path,
                                 line=number))
            continue
        rows.append((number, parts[: columns - 1] + ["\t".join(parts[columns - 1:])]))
    return rows


def load_semeval2023(root: str | Path, schema: Schema, *, source: str = "semeval2023") -> list[Example]:
    """Join ``train.template`` (text) and ``train.labels`` (techniques) on (article, line)."""
    root = Path(root)
    if not root.is_dir():
        raise DataError("SemEval-2023 directory not found (set FRAMING_SHARED or --shared)", path=root)
    errors = ErrorCollector()
    template_path, labels_path = root / "train.template", root / "train.labels"
    labels: dict[tuple[str, int], tuple[int, tuple[str, ...]]] = {}
    invalid: set[tuple[str, str]] = set()  # reported once, on the labels line
    for number, (article, line_no, value) in _read_tsv(labels_path, errors, 3):
        names = [name.strip() for name in value.split(",") if name.strip()]
        try:
            key = (article, int(line_no))
            labels[key] = (number, schema.validate_labels(names, path=labels_path, line=number))
        except ValueError as exc:
            invalid.add((article, line_no))
            errors.add(exc if isinstance(exc, DataError) else
                       DataError(f"line number must be an integer, got {line_no!r}", path=labels_path, line=number))

    articles: dict[str, tuple[str, list[int]] | None] = {}
    examples = []
    used = set()
    for number, (article, line_no, text) in _read_tsv(template_path, errors, 3):
        try:
            key = (article, int(line_no))
        except ValueError:
            errors.add(DataError(f"line number must be an integer, got {line_no!r}", path=template_path,
                                 line=number))
            continue
        if key not in labels:
            if (article, line_no) in invalid:
                continue
            errors.add(DataError(f"article {article} line {line_no} has no entry in {labels_path.name}",
                                 path=template_path, line=number))
            continue
        used.add(key)
        if article not in articles:
            articles[article] = _read_article(root / "articles" / f"article{article}.txt")
        document = articles[article]
        if document is None:
            errors.add(DataError(f"article file articles/article{article}.txt not found", path=template_path,
                                 line=number))
            continue
        body, starts = document
        index = key[1] - 1
        if not 0 <= index < len(starts) - 1:
            errors.add(DataError(f"article {article} has no line {line_no}", path=template_path, line=number))
            continue
        start, end = starts[index], starts[index + 1] - 1
        if body[start:end] != text:
            errors.add(DataError(f"text differs from line {line_no} of article {article}", path=template_path,
                                 line=number))
            continue
        examples.append(Example(
            id=f"{article}:{line_no}", doc_id=article, text=text, labels=labels[key][1], source=source,
            provenance="external", start=start, end=end,
        ))
    for key in labels.keys() - used:
        errors.add(DataError(f"article {key[0]} line {key[1]} has labels but no text in {template_path.name}",
                             path=labels_path, line=labels[key][0]))
    errors.raise_if_any()
    return examples


def _read_article(path: Path) -> tuple[str, list[int]] | None:
    try:
        body = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    starts = [0]
    for i, char in enumerate(body):
        if char == "\n":
            starts.append(i + 1)
    starts.append(len(body) + 1)
    return body, starts


def load_szeged(path: str | Path, schema: Schema, *, source: str | None = None) -> list[Example]:
    """Sentences of one Szeged XML file; labels are ``uncertain`` iff a ``<ccue>`` is inside.

    Runs of white space (left where the corpus removed event markup) are collapsed.
    """
    path = Path(path)
    names = set(schema.label_names)
    if names != {"certain", "uncertain"}:
        raise DataError(f"the Szeged reader needs a certain/uncertain schema, got {sorted(names)}", path=path)
    try:
        root = ET.parse(path).getroot()
    except FileNotFoundError:
        raise DataError("Szeged XML not found (set FRAMING_SHARED or --shared)", path=path) from None
    except ET.ParseError as exc:
        raise DataError(f"malformed XML: {exc}", path=path, line=exc.position[0]) from None
    source = source or f"szeged-{path.stem}"
    examples = []
    errors = ErrorCollector()
    for doc_number, document in enumerate(root.iter("Document")):
        doc_id_node = document.find("DocID")
        doc_id = (doc_id_node.text or "").strip() if doc_id_node is not None else ""
        if not doc_id:
            errors.add(DataError(f"Document #{doc_number + 1} has no DocID", path=path))
            continue
        for sentence in document.iter("Sentence"):
            text = _SPACES.sub(" ", "".join(sentence.itertext())).strip()
            if not text:
                continue
            label = "uncertain" if sentence.find(".//ccue") is not None else "certain"
            examples.append(Example(
                id=f"{doc_id}:{sentence.get('id')}", doc_id=doc_id, text=text, labels=(label,), source=source,
                provenance="external",
            ))
    errors.raise_if_any()
    return examples
