from __future__ import annotations

from pathlib import Path

import datasets
import pytest

from labels.errors import DataError
from labels.hf import features, label_names
from labels.hf_export import export_items, items_to_examples, save_dataset_dict
from labels.interchange import InterchangeItem, items_from_document
from labels.schema import load_schema

SCHEMA = load_schema("framing")
DOC = "Kremlin sets terms\nThe ministry said its demands remain unchanged. It may talk later.\n"


def labelled(item: InterchangeItem, labels, annotator: str) -> InterchangeItem:
    return InterchangeItem(**{**item.__dict__, "labels": tuple(labels), "annotator": annotator})


def test_export_reloads_with_the_same_values(tmp_path: Path):
    a, b, c = items_from_document("doc1", DOC)
    items = [labelled(a, ["posturing"], "ann"), labelled(a, ["posturing"], "bob"),
             labelled(b, ["hedging", "maximalist_demand"], "ann"), labelled(c, [], "ann")]
    export_items(items, SCHEMA, tmp_path / "ds", source="tool-import")
    reloaded = datasets.load_from_disk(str(tmp_path / "ds"))
    assert reloaded.features == features(SCHEMA)
    assert label_names(reloaded) == SCHEMA.label_names
    assert list(reloaded["id"]) == ["doc1:0-18", "doc1:19-66", "doc1:67-85"]
    assert list(reloaded["text"]) == [a.text, b.text, c.text] == [DOC[0:18], DOC[19:66], DOC[67:85]]
    ids = SCHEMA.label2id
    assert list(reloaded["labels"]) == [[ids["posturing"]], [ids["maximalist_demand"], ids["hedging"]], []]
    assert list(reloaded["start"]) == [0, 19, 67] and list(reloaded["end"]) == [18, 66, 85]
    assert set(reloaded["source"]) == {"tool-import"} and set(reloaded["provenance"]) == {"gold"}


def test_unannotated_items_are_left_out_and_conflicts_refused():
    a, b, _ = items_from_document("doc1", DOC)
    assert [e.id for e in items_to_examples([a, labelled(b, [], "x")], SCHEMA, source="s")] == ["doc1:19-66"]
    with pytest.raises(DataError, match=r"1 sentence\(s\) have conflicting.*doc1:0-18"):
        items_to_examples([labelled(a, ["hedging"], "x"), labelled(a, [], "y")], SCHEMA, source="s")


def test_dataset_dict_round_trip(tmp_path: Path):
    a, b, _ = items_from_document("doc1", DOC)
    train = items_to_examples([labelled(a, ["concession"], "x")], SCHEMA, source="s")
    test = items_to_examples([labelled(b, [], "x")], SCHEMA, source="s")
    save_dataset_dict({"train": train, "test": test}, SCHEMA, tmp_path / "dd")
    reloaded = datasets.load_from_disk(str(tmp_path / "dd"))
    assert set(reloaded) == {"train", "test"}
    assert reloaded["train"][0]["labels"] == [SCHEMA.label2id["concession"]]
    assert reloaded["test"][0]["labels"] == []
