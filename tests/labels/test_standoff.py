from __future__ import annotations

import json
from pathlib import Path

import pytest

from labels.errors import DataError, DataErrors, UnknownLabelError
from labels.schema import load_schema
from labels.segmentation import segment
from labels.standoff import StandoffRecord, load_standoff, read_standoff, text_sha256, write_standoff
from tests.conftest import write

SCHEMA = load_schema("framing")
DOC = "Kremlin sets terms\nThe ministry said its demands remain unchanged. It may talk later.\n"


def record(text: str, start: int, end: int, labels=(), **kw) -> dict:
    row = {"doc_id": "doc1", "start": start, "end": end, "text_sha256": text_sha256(text[start:end]),
           "labels": list(labels), "annotator": "ann", "time": "2026-11-22T00:00:00Z"}
    row.update(kw)
    return row


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, Path, list[dict]]:
    texts = tmp_path / "texts"
    write(texts / "doc1.txt", DOC)
    sentences = segment(DOC)
    rows = [record(DOC, s.start, s.end, labels) for s, labels in
            zip(sentences, [["posturing"], ["maximalist_demand"], ["hedging"]])]
    return tmp_path / "gold.jsonl", texts, rows


def dump(path: Path, rows: list, extra_lines: dict[int, str] | None = None) -> Path:
    lines = [json.dumps(r) if isinstance(r, dict) else r for r in rows]
    for index, raw in (extra_lines or {}).items():
        lines.insert(index, raw)
    return write(path, "\n".join(lines) + "\n")


def test_round_trip_and_join(corpus):
    path, texts, rows = corpus
    dump(path, rows)
    examples = load_standoff(path, texts, SCHEMA, source="seed_gold")
    assert [e.text for e in examples] == ["Kremlin sets terms", "The ministry said its demands remain unchanged.",
                                          "It may talk later."]
    assert [e.labels for e in examples] == [("posturing",), ("maximalist_demand",), ("hedging",)]
    assert examples[1].id == f"doc1:{examples[1].start}-{examples[1].end}"
    assert all(e.provenance == "gold" and e.source == "seed_gold" for e in examples)
    records = [r for _, r in read_standoff(path, SCHEMA)]
    out = path.with_name("copy.jsonl")
    write_standoff(out, reversed(records))
    assert [r for _, r in read_standoff(out, SCHEMA)] == records  # sorted on write, identical content


def test_the_record_never_holds_the_text(corpus):
    path, texts, rows = corpus
    dump(path, rows)
    raw = path.read_text(encoding="utf-8")
    assert "unchanged" not in raw and "Kremlin" not in raw


def test_every_bad_line_is_reported_with_its_number(corpus):
    path, texts, rows = corpus
    bad_label = dict(rows[1], labels=["maximalist_demands"])
    missing = {k: v for k, v in rows[2].items() if k != "annotator"}
    dump(path, [rows[0], bad_label, missing, dict(rows[0])], extra_lines={1: "{not json"})
    with pytest.raises(DataErrors) as info:
        read_standoff(path, SCHEMA)
    by_line = {e.line: e for e in info.value.errors}
    assert set(by_line) == {2, 3, 4, 5}
    assert "malformed JSON" in by_line[2].message
    assert isinstance(by_line[3], UnknownLabelError) and "did you mean 'maximalist_demand'" in str(by_line[3])
    assert "missing field(s) ['annotator']" in by_line[4].message
    assert "duplicate annotation" in by_line[5].message and "first on line 1" in by_line[5].message
    assert all(e.path == str(path) for e in info.value.errors)


def test_single_error_is_raised_as_itself(corpus):
    path, texts, rows = corpus
    dump(path, [rows[0], dict(rows[1], start=-3)])
    with pytest.raises(DataError, match=r"gold.jsonl:2: start/end must be integers"):
        read_standoff(path, SCHEMA)


def test_missing_source_text_names_annotation_line(corpus):
    path, texts, rows = corpus
    dump(path, [rows[0], dict(rows[1], doc_id="doc2")])
    with pytest.raises(DataError) as info:
        load_standoff(path, texts, SCHEMA, source="x")
    assert info.value.line == 2 and "doc2.txt not found" in info.value.message


def test_changed_text_is_detected_and_relocated(corpus):
    path, texts, rows = corpus
    dump(path, rows)
    write(texts / "doc1.txt", "UPDATED: " + DOC)  # every offset shifts by 9
    with pytest.raises(DataErrors) as info:
        load_standoff(path, texts, SCHEMA, source="x")
    assert len(info.value.errors) == 3
    first = info.value.errors[0]
    assert first.line == 1 and "no longer match the sentence hash" in first.message
    second = info.value.errors[1]
    assert f"now at {rows[1]['start'] + 9}-{rows[1]['end'] + 9}" in second.message


def test_edited_sentence_cannot_be_relocated(corpus):
    path, texts, rows = corpus
    dump(path, rows[1:2])
    write(texts / "doc1.txt", DOC.replace("unchanged", "UNCHANGED"))
    with pytest.raises(DataError, match="the source text changed or the offsets are wrong"):
        load_standoff(path, texts, SCHEMA, source="x")


def test_non_utf8_annotation_file(tmp_path: Path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"doc_id": "d"}\n\xff\xfe\n')
    with pytest.raises(DataErrors) as info:
        read_standoff(path, SCHEMA)
    assert {e.line for e in info.value.errors} == {1, 2}
    assert "not valid UTF-8" in info.value.errors[1].message


def test_standoff_record_unit_ignores_annotator():
    a = StandoffRecord("d", 0, 5, "0" * 64, ("hedging",), "a", "t")
    b = StandoffRecord("d", 0, 5, "0" * 64, (), "b", "t2")
    assert a.unit == b.unit
