from __future__ import annotations

import json
import re
from collections import Counter
from itertools import combinations
from pathlib import Path

import pytest

from labels.authored import load_authored
from labels.errors import DataError, DataErrors, UnknownLabelError
from labels.paths import PACKAGE_DIR
from labels.schema import load_schema
from tests.conftest import write

SCHEMA = load_schema("framing")
AUTHORED = PACKAGE_DIR / "corpus" / "authored"


@pytest.fixture(scope="module")
def authored():
    return load_authored(AUTHORED, SCHEMA)


def test_corpus_size_and_label_quotas(authored):
    assert len(authored) >= 2000
    counts = Counter(label for ex in authored for label in ex.labels)
    for label in SCHEMA.label_names:
        assert counts[label] >= 300, (label, counts[label])
    assert sum(not ex.labels for ex in authored) / len(authored) >= 0.30
    pairs = Counter(pair for ex in authored for pair in combinations(ex.labels, 2))
    assert len(pairs) == 6, pairs  # every pair of labels occurs together
    assert all(ex.provenance == "authored" for ex in authored)


def test_many_domains_and_voices(authored):
    rows = [json.loads(line) for path in AUTHORED.glob("*.jsonl") for line in path.open(encoding="utf-8")]
    assert len({r["domain"] for r in rows}) >= 8
    voices = Counter(r["voice"] for r in rows)
    for voice in ("headline", "quote", "reported", "analysis", "interview", "boilerplate", "background"):
        assert voices[voice] >= 30, voices
    docs = Counter(r["doc_id"] for r in rows)
    assert len(docs) >= 200 and max(docs.values()) <= 20


def test_ids_and_documents_are_consistent(authored):
    assert len({ex.id for ex in authored}) == len(authored)
    for ex in authored:
        assert ex.id.startswith(ex.doc_id + "-"), ex.id


def shingles(text: str, n: int = 8) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}


def test_seed_wording_stays_out(authored, seeds: Path):
    seed_shingles = set().union(*(shingles(p.read_text(encoding="utf-8")) for p in seeds.glob("*.txt")))
    copied = [ex.id for ex in authored if shingles(ex.text) & seed_shingles]
    assert copied == []


GOOD = {"id": "x-001-01", "doc_id": "x-001", "text": "Talks resumed.", "labels": [], "provenance": "authored",
        "domain": "x", "voice": "reported", "author": "t"}


def test_errors_name_file_and_line_and_nothing_is_dropped(tmp_path: Path):
    lines = [
        json.dumps(GOOD),
        json.dumps({**GOOD, "id": "x-001-02", "labels": ["hedgeing"]}),
        "{broken",
        json.dumps({**GOOD, "id": "x-001-01"}),
        json.dumps({**GOOD, "id": "x-001-04", "provenance": "gold"}),
        json.dumps({k: v for k, v in GOOD.items() if k != "voice"} | {"id": "x-001-05"}),
        json.dumps({**GOOD, "id": "x-001-06", "text": " padded "}),
    ]
    path = write(tmp_path / "bad.jsonl", "\n".join(lines) + "\n")
    with pytest.raises(DataErrors) as info:
        load_authored(path, SCHEMA)
    by_line = {e.line: e for e in info.value.errors}
    assert sorted(by_line) == [2, 3, 4, 5, 6, 7]
    assert isinstance(by_line[2], UnknownLabelError) and by_line[2].suggestion == "hedging"
    assert "malformed JSON" in by_line[3].message
    assert "duplicate id 'x-001-01'" in by_line[4].message and "bad.jsonl:1" in by_line[4].message
    assert "provenance must be 'authored'" in by_line[5].message
    assert "missing field(s) ['voice']" in by_line[6].message
    assert "surrounding blanks" in by_line[7].message


def test_empty_directory_is_an_error(tmp_path: Path):
    with pytest.raises(DataError, match="no \\*.jsonl files"):
        load_authored(tmp_path, SCHEMA)


def test_authored_labels_are_the_adjudicated_passes():
    """labels in the corpus == agreement of author and blind verifier, else the adjudicator's decision."""
    from labels.adjudication import read_passes, read_records, resolve
    from labels.datacard import authored_domains, authored_passes

    domains = authored_domains()
    assert len(domains) == 8
    for domain in domains:
        paths, decisions_path = authored_passes(domain)
        passes = read_passes(paths, SCHEMA)
        assert {name.split("-")[0] for name in passes} == {"author", "verifier"}
        final = resolve(passes, read_records(decisions_path, SCHEMA), decisions_path=decisions_path)
        corpus = {ex.id: ex.labels for ex in load_authored(AUTHORED / f"{domain}.jsonl", SCHEMA)}
        assert corpus == {unit: record.labels for unit, record in final.items()}, domain
