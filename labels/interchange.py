"""Moving sentence labels between this project, Label Studio and Prodigy.

Teams label where they like; the project's gold stays standoff (``labels/standoff.py``).
This module converts both tools' formats for sentence-level multi-label
classification to and from one neutral record, :class:`InterchangeItem`, so a
batch can go out to a tool, come back, and be checked against the schema with
errors that name the file and line, like every other loader here.

Label Studio: a task per sentence, ``data = {text, doc_id, sentence_index, start,
end, ...meta}``; a ``Choices`` control named ``labels`` with ``choice="multiple"``
(see :func:`label_studio_config`). Each non-cancelled annotation of a task is one
annotator's label set; an annotation with no choice selected means *none*.
Predictions are ignored: they are a model's, not an annotator's.

Prodigy: ``textcat.manual``-style choice tasks, one JSON line per annotation, with
``options`` (``id`` = label name), ``accept`` (chosen ids) and ``answer``. Only
``accept`` rows are label sets; ``reject`` says the shown labels are wrong without
saying which are right, so it cannot be gold, and ``ignore`` is a skip: both are
dropped and counted in :attr:`ImportResult.skipped`, as are binary
``textcat.teach`` rows (``label`` without ``options``), which judge one label only.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from labels.errors import DataError, ErrorCollector
from labels.records import iter_jsonl, read_text, write_jsonl
from labels.schema import Schema
from labels.segmentation import segment
from labels.standoff import StandoffRecord, text_sha256

FROM_NAME = "labels"  # the Choices control's name in the Label Studio config
TO_NAME = "text"  # the Text object's name
_POSITION_KEYS = ("doc_id", "sentence_index", "start", "end")
_RESERVED = frozenset({"text", *_POSITION_KEYS})


@dataclass(frozen=True)
class InterchangeItem:
    """One sentence, optionally with one annotator's labels (``labels is None``: not annotated yet).

    ``labels == ()`` is an explicit *none*. ``meta`` carries whatever else the tool
    stored with the task (it must not reuse the position keys).
    """

    doc_id: str
    sentence_index: int
    start: int
    end: int
    text: str
    labels: tuple[str, ...] | None = None
    annotator: str | None = None
    meta: dict[str, Any] = field(default_factory=dict, hash=False)  # a dict cannot be hashed
    time: str | None = None  # ISO 8601, UTC, when the labels were given

    @property
    def unit(self) -> tuple[str, int, int]:
        return (self.doc_id, self.start, self.end)


@dataclass
class ImportResult:
    """Items read from a tool's file and, by reason, how many annotations were left out."""

    items: list[InterchangeItem]
    skipped: Counter[str] = field(default_factory=Counter)


def items_from_document(doc_id: str, text: str, **meta: Any) -> list[InterchangeItem]:
    """Unannotated items, one per sentence of ``text``, ready to export to a tool."""
    return [InterchangeItem(doc_id, s.index, s.start, s.end, s.text, meta=dict(meta)) for s in segment(text)]


def to_standoff(items: Iterable[InterchangeItem], *, default_time: str = "") -> list[StandoffRecord]:
    """The annotated items as the project's gold records (hash of the item's text)."""
    out = []
    for item in items:
        if item.labels is None:
            continue
        out.append(StandoffRecord(
            doc_id=item.doc_id, start=item.start, end=item.end, text_sha256=text_sha256(item.text),
            labels=item.labels, annotator=item.annotator or "", time=item.time or default_time,
        ))
    return out


def _check_meta(item: InterchangeItem) -> None:
    clash = _RESERVED & set(item.meta)
    if clash:
        raise ValueError(f"meta of {item.doc_id}[{item.start}:{item.end}] reuses reserved key(s) {sorted(clash)}")


def _group_by_unit(items: Iterable[InterchangeItem]) -> list[list[InterchangeItem]]:
    groups: dict[tuple[str, int, int], list[InterchangeItem]] = {}
    for item in items:
        groups.setdefault(item.unit, []).append(item)
    return [groups[key] for key in sorted(groups)]


# --------------------------------------------------------------------------- Label Studio


def label_studio_config(schema: Schema, *, header: str | None = None) -> str:
    """The labeling config XML matching :func:`to_label_studio` (multiple choice, one per label)."""
    lines = ["<View>"]
    lines.append(f"  <Header value={quoteattr(header or schema.title)}/>")
    lines.append(f'  <Text name="{TO_NAME}" value="$text"/>')
    lines.append(f'  <Choices name="{FROM_NAME}" toName="{TO_NAME}" choice="multiple" showInLine="true">')
    for label in schema.labels:
        hotkey = f" hotkey={quoteattr(label.key)}" if label.key else ""
        lines.append(f"    <Choice value={quoteattr(label.name)} hint={quoteattr(label.title)}{hotkey}/>")
    lines.append("  </Choices>")
    lines.append("</View>")
    return "\n".join(lines) + "\n"


def to_label_studio(items: Iterable[InterchangeItem]) -> list[dict]:
    """Label Studio tasks (its JSON export/import format), one per sentence, annotations grouped in.

    ``completed_by`` is written the way Label Studio's detailed export writes a user
    (``{"id", "email"}``) with the annotator name as ``email``; ids number the
    annotators in sorted order, as Label Studio user ids are only meaningful inside
    one server.
    """
    groups = _group_by_unit(items)
    annotators = sorted({i.annotator for group in groups for i in group if i.labels is not None and i.annotator})
    user_id = {name: n for n, name in enumerate(annotators, 1)}
    tasks = []
    annotation_id = 0
    for task_id, group in enumerate(groups, 1):
        first = group[0]
        for item in group:
            _check_meta(item)
        data = {"text": first.text, "doc_id": first.doc_id, "sentence_index": first.sentence_index,
                "start": first.start, "end": first.end, **first.meta}
        annotations = []
        for item in group:
            if item.labels is None:
                continue
            annotation_id += 1
            result = [{
                "id": f"{task_id}-{annotation_id}", "from_name": FROM_NAME, "to_name": TO_NAME, "type": "choices",
                "origin": "manual", "value": {"choices": list(item.labels)},
            }] if item.labels else []
            annotation: dict[str, Any] = {"id": annotation_id, "result": result, "was_cancelled": False,
                                          "ground_truth": False, "task": task_id}
            if item.annotator:
                annotation["completed_by"] = {"id": user_id[item.annotator], "email": item.annotator}
            if item.time:
                annotation["created_at"] = annotation["updated_at"] = item.time
            annotations.append(annotation)
        tasks.append({"id": task_id, "data": data, "annotations": annotations, "predictions": []})
    return tasks


def write_label_studio(path: str | Path, items: Iterable[InterchangeItem]) -> None:
    """Tasks as one indented JSON array (what Label Studio's JSON export writes and its import reads)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(to_label_studio(items), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def _iter_json_array(text: str, path: Path) -> Iterator[tuple[int, int, object]]:
    """Yield ``(index, line, element)`` of a top-level JSON array, so errors can name the line."""
    decoder = json.JSONDecoder()

    def line_of(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    def skip_ws(pos: int) -> int:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        return pos

    pos = skip_ws(0)
    if pos >= len(text) or text[pos] != "[":
        raise DataError("a Label Studio export must be a JSON array of tasks", path=path, line=line_of(pos))
    pos = skip_ws(pos + 1)
    if pos < len(text) and text[pos] == "]":
        return
    index = 0
    while True:
        try:
            element, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise DataError(f"malformed JSON: {exc.msg} (column {exc.colno})", path=path, line=exc.lineno) from None
        yield index, line_of(pos), element
        index += 1
        pos = skip_ws(end)
        if pos < len(text) and text[pos] == ",":
            pos = skip_ws(pos + 1)
            continue
        if pos < len(text) and text[pos] == "]":
            if skip_ws(pos + 1) != len(text):
                raise DataError("unexpected data after the task array", path=path, line=line_of(pos + 1))
            return
        raise DataError("malformed JSON: expected ',' or ']' between tasks", path=path, line=line_of(pos))


def _annotator(completed_by: object) -> str | None:
    if isinstance(completed_by, dict):
        for key in ("email", "username", "id"):
            if completed_by.get(key) not in (None, ""):
                return str(completed_by[key])
        return None
    if completed_by is None or completed_by == "":
        return None
    return str(completed_by)


def _int_field(data: dict, key: str, default: int, where: str, path: Path, line: int) -> int:
    value = data.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise DataError(f"{where}: data.{key} must be an integer, got {value!r}", path=path, line=line)
    return value


def read_label_studio(path: str | Path, schema: Schema, *, from_name: str = FROM_NAME) -> ImportResult:
    """Read a Label Studio JSON export; every bad task is reported with its index and line.

    Tasks made outside this project (no ``doc_id`` in ``data``) become
    ``doc_id = "ls-task-<id>"`` spanning their whole text. Only results of the
    ``Choices`` control named ``from_name`` count. A task with no usable
    annotation (none, or all cancelled) comes back once with ``labels=None``:
    the sentence is still in the batch, just not labelled.
    """
    path = Path(path)
    text = read_text(path)
    errors = ErrorCollector()
    result = ImportResult(items=[])
    for index, line, task in _iter_json_array(text, path):
        try:
            result.items.extend(_parse_task(task, index, line, path, schema, from_name, result.skipped))
        except DataError as exc:
            errors.add(exc)
    errors.raise_if_any()
    return result


def _parse_task(task: object, index: int, line: int, path: Path, schema: Schema, from_name: str,
                skipped: Counter[str]) -> list[InterchangeItem]:
    where = f"task {index}"
    if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
        raise DataError(f"{where}: a task must be an object with a 'data' object", path=path, line=line)
    if "id" in task:
        where = f"task {index} (id {task['id']})"
    data = task["data"]
    text = data.get("text")
    if not isinstance(text, str) or not text:
        raise DataError(f"{where}: data.text must be a non-empty string", path=path, line=line)
    doc_id = data.get("doc_id", f"ls-task-{task.get('id', index)}")
    if not isinstance(doc_id, str) or not doc_id:
        raise DataError(f"{where}: data.doc_id must be a non-empty string", path=path, line=line)
    start = _int_field(data, "start", 0, where, path, line)
    end = _int_field(data, "end", start + len(text), where, path, line)
    if end - start != len(text):
        raise DataError(f"{where}: data.start/end ({start}-{end}) do not span the {len(text)} characters of "
                        "data.text", path=path, line=line)
    sentence_index = _int_field(data, "sentence_index", 0, where, path, line)
    meta = {k: v for k, v in data.items() if k not in _RESERVED}

    def item(labels: tuple[str, ...] | None, annotator: str | None = None, time: str | None = None):
        return InterchangeItem(doc_id, sentence_index, start, end, text, labels, annotator, dict(meta), time)

    annotations = task.get("annotations") or []
    if not isinstance(annotations, list):
        raise DataError(f"{where}: annotations must be a list", path=path, line=line)
    out = []
    for a_index, annotation in enumerate(annotations):
        if not isinstance(annotation, dict) or not isinstance(annotation.get("result", []), list):
            raise DataError(f"{where}: annotations[{a_index}] must be an object with a result list",
                            path=path, line=line)
        if annotation.get("was_cancelled"):
            skipped["cancelled"] += 1
            continue
        chosen: list[str] = []
        for region in annotation.get("result", []):
            if not isinstance(region, dict) or region.get("from_name") != from_name:
                continue
            choices = (region.get("value") or {}).get("choices")
            if not isinstance(choices, list):
                raise DataError(f"{where}: annotations[{a_index}]: value.choices must be a list",
                                path=path, line=line)
            chosen.extend(choices)
        try:
            labels = schema.validate_labels(chosen, path=path, line=line)
        except DataError as exc:  # keep the type (UnknownLabelError carries the label), add the task
            exc.message = f"{where}, annotations[{a_index}]: {exc.message}"
            exc.args = (str(exc),)
            raise
        out.append(item(labels, _annotator(annotation.get("completed_by")),
                        annotation.get("updated_at") or annotation.get("created_at")))
    if not out:
        out.append(item(None))
    return out


# --------------------------------------------------------------------------- Prodigy


def _timestamp(iso: str | None) -> int | None:
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _iso(timestamp: object) -> str | None:
    if not isinstance(timestamp, int | float) or isinstance(timestamp, bool):
        return None
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_prodigy(items: Iterable[InterchangeItem], schema: Schema, *, dataset: str = "") -> list[dict]:
    """Prodigy choice tasks: unannotated items are a stream to label, annotated ones are ``db-in`` rows.

    The position lives in ``meta`` (Prodigy shows it and keeps it). ``_annotator_id``
    is the annotator name; ``_session_id`` is ``"<dataset>-<annotator>"`` as Prodigy
    names sessions. Times keep whole seconds only (``_timestamp``).
    """
    options = [{"id": label.name, "text": label.title} for label in schema.labels]
    rows = []
    for item in sorted(items, key=lambda i: (*i.unit, i.annotator or "")):
        _check_meta(item)
        row: dict[str, Any] = {
            "text": item.text,
            "meta": {"doc_id": item.doc_id, "sentence_index": item.sentence_index, "start": item.start,
                     "end": item.end, **item.meta},
            "options": options,
            "_view_id": "choice",
            "config": {"choice_style": "multiple"},
        }
        if item.labels is not None:
            row["accept"] = list(item.labels)
            row["answer"] = "accept"
            if item.annotator:
                row["_annotator_id"] = item.annotator
                row["_session_id"] = f"{dataset}-{item.annotator}" if dataset else item.annotator
            stamp = _timestamp(item.time)
            if stamp is not None:
                row["_timestamp"] = stamp
        rows.append(row)
    return rows


def write_prodigy(path: str | Path, items: Iterable[InterchangeItem], schema: Schema, *, dataset: str = "") -> None:
    """JSONL for ``prodigy db-in`` (annotated rows) or as a recipe's source stream (unannotated rows)."""
    write_jsonl(path, to_prodigy(items, schema, dataset=dataset))


def read_prodigy(path: str | Path, schema: Schema) -> ImportResult:
    """Read Prodigy JSONL (``db-out`` of a choice dataset, or a stream); bad lines are reported by number.

    Rows without ``answer`` are unannotated items. Rows made outside this project
    (no position in ``meta``) become ``doc_id = "prodigy-<_input_hash or line>"``.
    """
    errors = ErrorCollector()
    result = ImportResult(items=[])
    for line, row in iter_jsonl(path, errors):
        try:
            item = _parse_prodigy(row, line, Path(path), schema, result.skipped)
        except DataError as exc:
            errors.add(exc)
            continue
        if item is not None:
            result.items.append(item)
    errors.raise_if_any()
    return result


def _parse_prodigy(row: dict, line: int, path: Path, schema: Schema, skipped: Counter[str]) -> InterchangeItem | None:
    text = row.get("text")
    if not isinstance(text, str) or not text:
        raise DataError("'text' must be a non-empty string", path=path, line=line)
    meta = row.get("meta") or {}
    if not isinstance(meta, dict):
        raise DataError("'meta' must be an object", path=path, line=line)
    answer = row.get("answer")
    if answer is not None and answer not in ("accept", "reject", "ignore"):
        raise DataError(f"'answer' must be accept, reject or ignore, got {answer!r}", path=path, line=line)
    if answer in ("reject", "ignore"):
        skipped[answer] += 1
        return None
    if answer == "accept" and "options" not in row and "label" in row:
        skipped["binary"] += 1
        return None
    labels = None
    if answer == "accept":
        accept = row.get("accept", [])
        if not isinstance(accept, list):
            raise DataError("'accept' must be a list of option ids", path=path, line=line)
        labels = schema.validate_labels([str(a) for a in accept], path=path, line=line)
    doc_id = meta.get("doc_id", f"prodigy-{row.get('_input_hash', line)}")
    if not isinstance(doc_id, str) or not doc_id:
        raise DataError("meta.doc_id must be a non-empty string", path=path, line=line)
    numbers = {}
    for key, default in (("start", 0), ("sentence_index", 0)):
        numbers[key] = meta.get(key, default)
    numbers["end"] = meta.get("end", numbers["start"] + len(text))
    for key, value in numbers.items():
        if not isinstance(value, int) or isinstance(value, bool):
            raise DataError(f"meta.{key} must be an integer, got {value!r}", path=path, line=line)
    if numbers["end"] - numbers["start"] != len(text):
        raise DataError(f"meta.start/end ({numbers['start']}-{numbers['end']}) do not span the {len(text)} "
                        "characters of text", path=path, line=line)
    annotator = row.get("_annotator_id") or row.get("_session_id")
    return InterchangeItem(
        doc_id=doc_id, sentence_index=numbers["sentence_index"], start=numbers["start"], end=numbers["end"],
        text=text, labels=labels, annotator=str(annotator) if labels is not None and annotator else None,
        meta={k: v for k, v in meta.items() if k not in _RESERVED},
        time=_iso(row.get("_timestamp")) if labels is not None else None,
    )


def sort_items(items: Sequence[InterchangeItem]) -> list[InterchangeItem]:
    """Canonical order (document, offsets, annotator), for comparing two imports."""
    return sorted(items, key=lambda i: (*i.unit, i.annotator or "", i.labels is None))
