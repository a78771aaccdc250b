from __future__ import annotations

from pathlib import Path

import pytest

from labels.adjudication import adjudicate, disagreements, read_passes
from labels.errors import DataError
from labels.paths import SEED_DECISIONS, SEED_GOLD, SEED_PASSES, SEMEVAL_DECISIONS, SEMEVAL_GOLD, SEMEVAL_PASSES
from labels.schema import load_schema
from labels.standoff import StandoffRecord, read_standoff, write_standoff

SCHEMA = load_schema("framing")


def rec(start: int, labels, annotator: str, note: str = "") -> StandoffRecord:
    return StandoffRecord("d", start, start + 5, f"{start:064x}", tuple(labels), annotator, "2026-01-01T00:00:00Z",
                          note)


def passes_from(tmp_path: Path) -> dict:
    a = [rec(0, ["hedging"], "a"), rec(10, [], "a"), rec(20, ["posturing"], "a")]
    b = [rec(0, ["hedging"], "b"), rec(10, ["concession"], "b"), rec(20, ["posturing"], "b")]
    write_standoff(tmp_path / "a.jsonl", a)
    write_standoff(tmp_path / "b.jsonl", b)
    return read_passes([tmp_path / "a.jsonl", tmp_path / "b.jsonl"], SCHEMA)


def test_gold_takes_agreement_and_decisions(tmp_path: Path):
    passes = passes_from(tmp_path)
    open_items = disagreements(passes)
    assert [d.unit[1] for d in open_items] == [10]
    assert open_items[0].labels == {"a": (), "b": ("concession",)}
    decision = rec(10, ["concession", "hedging"], "adjudicator", "offer, tentatively")
    gold = adjudicate(passes, [(1, decision)])
    assert [(g.start, g.labels, g.annotator) for g in gold] == [
        (0, ("hedging",), "a+b"), (10, ("concession", "hedging"), "adjudicator"), (20, ("posturing",), "a+b")]


def test_undecided_disagreement_is_an_error(tmp_path: Path):
    with pytest.raises(DataError, match=r"1 disagreement\(s\) have no decision yet: d\[10:15\]"):
        adjudicate(passes_from(tmp_path), [])


def test_stray_decision_is_an_error(tmp_path: Path):
    passes = passes_from(tmp_path)
    with pytest.raises(DataError, match="matches no annotated unit") as info:
        adjudicate(passes, [(1, rec(10, [], "adjudicator")), (2, rec(99, [], "adjudicator"))],
                   decisions_path="dec.jsonl")
    assert info.value.line == 2


def test_a_pass_file_holds_one_annotator(tmp_path: Path):
    write_standoff(tmp_path / "mixed.jsonl", [rec(0, [], "a"), rec(10, [], "b")])
    with pytest.raises(DataError, match="one annotator"):
        read_passes([tmp_path / "mixed.jsonl"], SCHEMA)


@pytest.mark.parametrize(("pass_files", "decisions_file", "gold_file"), [
    (SEED_PASSES, SEED_DECISIONS, SEED_GOLD), (SEMEVAL_PASSES, SEMEVAL_DECISIONS, SEMEVAL_GOLD)])
def test_committed_gold_is_rebuilt_exactly_from_passes_and_decisions(tmp_path: Path, pass_files, decisions_file,
                                                                      gold_file):
    passes = read_passes(list(pass_files), SCHEMA)
    decisions = read_standoff(decisions_file, SCHEMA)
    rebuilt = tmp_path / "gold.jsonl"
    write_standoff(rebuilt, adjudicate(passes, decisions, decisions_path=decisions_file))
    assert rebuilt.read_bytes() == gold_file.read_bytes()
    assert len(decisions) == len(disagreements(passes))
