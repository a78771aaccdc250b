from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from labels.errors import DataError, DataErrors, UnknownLabelError
from labels.interchange import (
    InterchangeItem,
    items_from_document,
    label_studio_config,
    read_label_studio,
    read_prodigy,
    sort_items,
    to_label_studio,
    to_prodigy,
    to_standoff,
    write_label_studio,
    write_prodigy,
)
from labels.schema import load_schema
from labels.standoff import text_sha256
from tests.conftest import write

SCHEMA = load_schema("framing")
DOC = "Kremlin sets terms\nThe ministry said its demands remain unchanged. It may talk later.\n"


def annotated() -> list[InterchangeItem]:
    sentences = items_from_document("doc1", DOC, outlet="wire")
    a, b, c = sentences
    t = "2026-11-22T10:00:00Z"
    return [
        InterchangeItem(**{**a.__dict__, "labels": ("posturing",), "annotator": "ann", "time": t}),
        InterchangeItem(**{**a.__dict__, "labels": ("posturing", "hedging"), "annotator": "bob", "time": t}),
        InterchangeItem(**{**b.__dict__, "labels": ("maximalist_demand",), "annotator": "ann", "time": t}),
        InterchangeItem(**{**b.__dict__, "labels": (), "annotator": "bob", "time": t}),  # explicit none
        c,  # not annotated yet
    ]


def test_items_from_document_index_the_source():
    items = items_from_document("doc1", DOC)
    assert [i.sentence_index for i in items] == [0, 1, 2]
    assert all(DOC[i.start:i.end] == i.text for i in items)
    assert all(i.labels is None for i in items)


def test_label_studio_round_trip(tmp_path: Path):
    items = annotated()
    path = tmp_path / "ls.json"
    write_label_studio(path, items)
    result = read_label_studio(path, SCHEMA)
    assert sort_items(result.items) == sort_items(items)
    assert not result.skipped


def test_label_studio_export_shape():
    tasks = to_label_studio(annotated())
    assert len(tasks) == 3  # one task per sentence, annotations grouped
    first = tasks[0]
    assert first["data"] == {"text": "Kremlin sets terms", "doc_id": "doc1", "sentence_index": 0, "start": 0,
                             "end": 18, "outlet": "wire"}
    assert [a["completed_by"] for a in first["annotations"]] == [{"id": 1, "email": "ann"}, {"id": 2, "email": "bob"}]
    region = first["annotations"][1]["result"][0]
    assert region["from_name"] == "labels" and region["to_name"] == "text" and region["type"] == "choices"
    assert region["value"] == {"choices": ["posturing", "hedging"]}
    assert tasks[1]["annotations"][1]["result"] == []  # none: no choice selected
    assert tasks[2]["annotations"] == []


def test_label_studio_config_is_valid_xml_with_every_label():
    root = ET.fromstring(label_studio_config(SCHEMA))
    text = root.find("Text")
    choices = root.find("Choices")
    assert text.get("name") == "text" and text.get("value") == "$text"
    assert choices.get("name") == "labels" and choices.get("toName") == "text"
    assert choices.get("choice") == "multiple"
    assert [c.get("value") for c in choices.findall("Choice")] == SCHEMA.label_names


def ls_task(choices, *, cancelled=False, completed_by=7, task_id=1, extra=None) -> dict:
    annotation = {"id": 1, "completed_by": completed_by, "was_cancelled": cancelled,
                  "result": [{"from_name": "labels", "to_name": "text", "type": "choices",
                              "value": {"choices": choices}}]}
    return {"id": task_id, "data": {"text": "They will never accept.", **(extra or {})},
            "annotations": [annotation], "predictions": []}


def test_label_studio_import_of_a_foreign_export(tmp_path: Path):
    tasks = [ls_task(["posturing", "hedging"]), ls_task(["hedging"], cancelled=True, task_id=2),
             {"id": 3, "data": {"text": "Talks resume."}, "annotations": []}]
    path = write(tmp_path / "export.json", json.dumps(tasks, indent=2))
    result = read_label_studio(path, SCHEMA)
    assert result.skipped == {"cancelled": 1}
    first, skipped, unlabelled = result.items
    assert first.doc_id == "ls-task-1" and (first.start, first.end) == (0, 23)
    assert first.labels == ("posturing", "hedging") and first.annotator == "7"
    # task 2's only annotation was cancelled: the sentence stays, still to be labelled
    assert skipped.doc_id == "ls-task-2" and skipped.labels is None and skipped.annotator is None
    assert unlabelled.doc_id == "ls-task-3" and unlabelled.labels is None


def test_label_studio_unknown_label_names_task_and_line(tmp_path: Path):
    tasks = [ls_task(["posturing"]), ls_task(["concesion"], task_id=9)]
    path = write(tmp_path / "export.json", json.dumps(tasks, indent=2))
    with pytest.raises(UnknownLabelError) as info:
        read_label_studio(path, SCHEMA)
    text = path.read_text().splitlines()
    line = info.value.line
    assert text[line - 1].strip() == "{" and '"id": 9' in text[line]  # points at task 1's opening brace
    assert "task 1 (id 9)" in str(info.value) and "'concession'" in str(info.value)
    assert str(info.value).startswith(f"{path}:{line}:")


def test_label_studio_reports_every_bad_task(tmp_path: Path):
    tasks = [ls_task(["nope"]), {"id": 2, "data": {}}, ls_task(["hedging"])]
    path = write(tmp_path / "export.json", json.dumps(tasks))
    with pytest.raises(DataErrors) as info:
        read_label_studio(path, SCHEMA)
    assert len(info.value.errors) == 2
    assert "data.text" in str(info.value.errors[1])


@pytest.mark.parametrize("raw, message", [
    ('{"id": 1}', "JSON array"),
    ('[{"id": 1, "data": {"text": "x"}} {"id": 2}]', "expected ','"),
    ('[{"id": 1, "data": {"text": "x"},\n ', "malformed JSON"),
])
def test_label_studio_malformed_file(tmp_path: Path, raw: str, message: str):
    path = write(tmp_path / "bad.json", raw)
    with pytest.raises(DataError, match=message):
        read_label_studio(path, SCHEMA)


def test_label_studio_offsets_must_match_text(tmp_path: Path):
    path = write(tmp_path / "x.json", json.dumps([{"data": {"text": "abc", "doc_id": "d", "start": 0, "end": 5}}]))
    with pytest.raises(DataError, match="do not span the 3 characters"):
        read_label_studio(path, SCHEMA)


def test_prodigy_round_trip(tmp_path: Path):
    items = annotated()
    path = tmp_path / "prodigy.jsonl"
    write_prodigy(path, items, SCHEMA, dataset="framing")
    result = read_prodigy(path, SCHEMA)
    assert sort_items(result.items) == sort_items(items)


def test_prodigy_export_shape():
    rows = to_prodigy(annotated(), SCHEMA, dataset="framing")
    assert len(rows) == 5
    row = rows[1]  # bob on sentence 0
    assert row["accept"] == ["posturing", "hedging"] and row["answer"] == "accept"
    assert row["_annotator_id"] == "bob" and row["_session_id"] == "framing-bob"
    assert [o["id"] for o in row["options"]] == SCHEMA.label_names
    assert row["meta"] == {"doc_id": "doc1", "sentence_index": 0, "start": 0, "end": 18, "outlet": "wire"}
    assert row["_timestamp"] == 1795341600
    assert "answer" not in rows[4] and "accept" not in rows[4]  # a stream task to label


def test_prodigy_skips_reject_ignore_and_binary(tmp_path: Path):
    base = {"text": "They will never accept.", "options": [{"id": "posturing", "text": "P"}]}
    rows = [
        {**base, "accept": ["posturing"], "answer": "accept", "_annotator_id": "framing-ann"},
        {**base, "accept": ["posturing"], "answer": "reject"},
        {**base, "accept": [], "answer": "ignore"},
        {"text": "They will never accept.", "label": "posturing", "answer": "accept"},
    ]
    path = write(tmp_path / "p.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    result = read_prodigy(path, SCHEMA)
    assert result.skipped == {"reject": 1, "ignore": 1, "binary": 1}
    (item,) = result.items
    assert item.labels == ("posturing",) and item.annotator == "framing-ann"
    assert item.doc_id == "prodigy-1" and item.end == len(item.text)


def test_prodigy_errors_name_lines(tmp_path: Path):
    good = {"text": "a", "options": [], "accept": ["hedging"], "answer": "accept"}
    lines = [json.dumps(good), "{not json", json.dumps({**good, "accept": ["hedgin"]}),
             json.dumps({**good, "answer": "maybe"})]
    path = write(tmp_path / "p.jsonl", "\n".join(lines) + "\n")
    with pytest.raises(DataErrors) as info:
        read_prodigy(path, SCHEMA)
    assert [e.line for e in info.value.errors] == [2, 3, 4]
    assert isinstance(info.value.errors[1], UnknownLabelError)
    assert "did you mean 'hedging'" in str(info.value.errors[1])


def test_to_standoff_hashes_the_sentence_and_skips_unannotated():
    records = to_standoff(annotated())
    assert len(records) == 4
    first = records[0]
    assert first.text_sha256 == text_sha256("Kremlin sets terms")
    assert first.labels == ("posturing",) and first.annotator == "ann" and first.time == "2026-11-22T10:00:00Z"


def test_items_are_hashable_despite_meta():
    a, b = annotated()[:2]
    assert len({a, b, a}) == 2


def test_meta_may_not_shadow_positions():
    item = InterchangeItem("d", 0, 0, 1, "x", meta={"start": 3})
    with pytest.raises(ValueError, match="reserved"):
        to_label_studio([item])
