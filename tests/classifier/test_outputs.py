from __future__ import annotations

import json
from pathlib import Path

import pytest

from classifier.outputs import CorruptOutputError, CsvSink, JsonlSink, read_records
from classifier.tagger import TaggedDocument, TaggedSentence

LABELS = ["maximalist_demand", "concession", "posturing", "hedging"]


def doc(doc_id: str, n: int) -> TaggedDocument:
    sentences = [TaggedSentence(index=i, start=10 * i, end=10 * i + 5, text=f'S{i}, "quoted", {doc_id}',
                                labels=("hedging",) if i % 2 else (),
                                scores={label: 0.25 for label in LABELS}, break_before=i == 2) for i in range(n)]
    return TaggedDocument(doc_id=doc_id, origin="x", sentences=sentences, model="m@1")


@pytest.mark.parametrize("sink_class", [JsonlSink, CsvSink])
def test_round_trip_and_resume_skips_complete_documents(tmp_path: Path, sink_class):
    path = tmp_path / ("out.jsonl" if sink_class is JsonlSink else "out.csv")
    sink = sink_class(path, LABELS)
    sink.write(doc("a", 3))
    sink.write(doc("b", 2))
    sink.close()
    again = sink_class(path, LABELS)
    assert again.done == {"a", "b"} and again.repaired_bytes == 0
    again.close()
    records = read_records(path)
    assert [(r["doc_id"], r["sentence"]) for r in records] == [("a", 0), ("a", 1), ("a", 2), ("b", 0), ("b", 1)]
    assert records[1]["labels"] == ["hedging"] and records[2]["break_before"] is True
    assert records[0]["text"] == 'S0, "quoted", a' and records[0]["scores"]["posturing"] == 0.25


@pytest.mark.parametrize("sink_class", [JsonlSink, CsvSink])
def test_torn_tail_is_repaired_and_nothing_complete_is_lost(tmp_path: Path, sink_class):
    path = tmp_path / ("out.jsonl" if sink_class is JsonlSink else "out.csv")
    sink = sink_class(path, LABELS)
    sink.write(doc("a", 3))
    sink.close()
    complete = path.read_bytes()
    # a crash in the middle of document b: two whole lines of b, then half a line
    partial = sink_class.__new__(sink_class)
    partial.labels = LABELS
    b_text = partial._serialise(doc("b", 4))
    lines = b_text.splitlines(keepends=True)
    with path.open("ab") as handle:
        handle.write("".join(lines[:2]).encode() + lines[2].encode()[:7])
    resumed = sink_class(path, LABELS)
    assert resumed.done == {"a"} and resumed.repaired_bytes > 0
    assert path.read_bytes() == complete  # exactly the complete part, byte for byte
    resumed.write(doc("b", 4))
    resumed.close()
    assert [r["doc_id"] for r in read_records(path)] == ["a"] * 3 + ["b"] * 4


def test_corruption_before_the_tail_is_refused_not_overwritten(tmp_path: Path):
    path = tmp_path / "out.jsonl"
    sink = JsonlSink(path, LABELS)
    sink.write(doc("a", 2))
    sink.write(doc("b", 2))
    sink.close()
    lines = path.read_text().splitlines(keepends=True)
    path.write_text(lines[0] + "garbage\n" + "".join(lines[2:]))
    before = path.read_bytes()
    with pytest.raises(CorruptOutputError, match="cannot be resumed"):
        JsonlSink(path, LABELS)
    assert path.read_bytes() == before


def test_empty_documents_write_nothing(tmp_path: Path):
    sink = JsonlSink(tmp_path / "o.jsonl", LABELS)
    sink.write(TaggedDocument(doc_id="e", origin="x"))
    sink.close()
    assert (tmp_path / "o.jsonl").read_text() == ""


def test_csv_header_and_one_line_per_sentence(tmp_path: Path):
    path = tmp_path / "o.csv"
    sink = CsvSink(path, LABELS)
    d = doc("a", 1)
    d.sentences[0] = TaggedSentence(0, 0, 9, "two\nlines", (), {label: 0.1 for label in LABELS})
    sink.write(d)
    sink.close()
    lines = path.read_text().splitlines()
    assert lines[0].startswith("doc_id,sentence,n_sentences,start,end,text,labels,score_maximalist_demand")
    assert len(lines) == 2 and "two lines" in lines[1]
