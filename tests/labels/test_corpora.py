from __future__ import annotations

from pathlib import Path

import pytest

from labels.corpora import MissingSourceError, load_corpus, read_registry
from labels.errors import DataError
from labels.hf import label_names
from tests.conftest import write


def test_registry_lists_every_corpus_with_a_known_schema():
    specs = read_registry()
    assert {"framing", "framing-seeds", "framing-authored", "semeval2023", "szeged-factbank", "szeged-wiki"} <= set(
        specs)
    assert specs["framing"].schema == "framing"
    assert [s.split for s in specs["framing"].sources] == ["seed_gold", None, None]


def test_authored_dataset_dict_is_grouped_and_deterministic():
    corpus = load_corpus("framing-authored")
    dd = corpus.to_dataset_dict(seed=0)
    assert set(dd) == {"train", "validation", "test"}
    docs = {name: set(ds["doc_id"]) for name, ds in dd.items()}
    assert not docs["train"] & docs["validation"] and not docs["train"] & docs["test"]
    assert not docs["validation"] & docs["test"]
    total = sum(len(ds) for ds in dd.values())
    assert total == len(corpus.examples)
    assert 0.75 < len(dd["train"]) / total < 0.85
    assert label_names(dd["train"]) == corpus.schema.label_names
    again = load_corpus("framing-authored").to_dataset_dict(seed=0)
    assert again["test"]["id"] == dd["test"]["id"]
    other = load_corpus("framing-authored").to_dataset_dict(seed=1)
    assert set(other["test"]["doc_id"]) != docs["test"]


def test_framing_keeps_real_seed_gold_apart(shared: Path):
    dd = load_corpus("framing", shared=shared).to_dataset_dict(seed=0)
    assert set(dd) == {"train", "validation", "test", "seed_gold"}
    assert set(dd["seed_gold"]["provenance"]) == {"gold"}
    assert set(dd["train"]["provenance"]) == {"authored", "gold"}
    assert set(dd["train"]["source"]) == {"authored", "semeval_gold"}
    for split in ("train", "validation", "test"):  # each source is split on its own, by document
        assert set(dd[split]["source"]) == {"authored", "semeval_gold"}
    assert len(dd["seed_gold"]) == 181 and len(set(dd["seed_gold"]["doc_id"])) == 4
    first = dd["seed_gold"][0]
    text = (shared / "seeds" / f"{first['doc_id']}.txt").read_text(encoding="utf-8")
    assert text[first["start"]:first["end"]] == first["text"]
    names = dd["seed_gold"].features["labels"].feature.names
    assert names == ["maximalist_demand", "concession", "posturing", "hedging"]


@pytest.mark.parametrize(("source", "folder"), [("seed_gold", "seeds"),
                                                 ("semeval_gold", "data/semeval2023-task3-en/articles")])
def test_real_gold_covers_every_segment_of_its_articles(shared: Path, source: str, folder: str):
    """Whole articles are annotated, boilerplate included: the gold equals the segmenter's output."""
    from labels.segmentation import segment

    examples = load_corpus("framing-real", shared=shared).parts[source]
    spans = {(ex.doc_id, ex.start, ex.end) for ex in examples}
    expected = set()
    for doc_id in {ex.doc_id for ex in examples}:
        text = (shared / folder / f"{doc_id}.txt").read_text(encoding="utf-8")
        expected |= {(doc_id, s.start, s.end) for s in segment(text)}
    assert spans == expected
    if source == "seed_gold":
        assert {p.stem for p in (shared / folder).glob("*.txt")} == {ex.doc_id for ex in examples}


def test_missing_shared_data_is_a_clear_error(tmp_path: Path):
    with pytest.raises(MissingSourceError, match="set FRAMING_SHARED"):
        load_corpus("semeval2023", shared=tmp_path)
    with pytest.raises(MissingSourceError, match="source texts for 'seed_gold' not found"):
        load_corpus("framing-seeds", shared=tmp_path)


def test_registry_errors_name_the_line(tmp_path: Path):
    registry = write(tmp_path / "corpora.yaml", "mine:\n  schema: framing\n  sources:\n    - format: csv\n"
                                                "      path: x.csv\n")
    with pytest.raises(DataError) as info:
        read_registry(registry)
    assert info.value.line == 4 and "unknown source format 'csv'" in info.value.message
    registry = write(tmp_path / "corpora.yaml", "mine:\n  schema: framng\n  sources: []\n")
    with pytest.raises(DataError, match="unknown schema 'framng'"):
        read_registry(registry)


def test_a_new_corpus_is_yaml_only(tmp_path: Path):
    write(tmp_path / "mine" / "a.jsonl",
          '{"id": "m-1-1", "doc_id": "m-1", "text": "We will never yield.", "labels": ["posturing"], '
          '"provenance": "authored", "domain": "m", "voice": "quote", "author": "me"}\n')
    registry = write(tmp_path / "corpora.yaml", "mine:\n  schema: framing\n  sources:\n    - name: mine\n"
                                                "      format: authored\n      path: mine\n"
                                                "  splits: {train: 1.0}\n")
    corpus = load_corpus("mine", registry=registry)
    assert [ex.text for ex in corpus.examples] == ["We will never yield."]
    assert len(corpus.to_dataset_dict()["train"]) == 1
