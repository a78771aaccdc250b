from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from labels.errors import DataError, DataErrors, UnknownLabelError
from labels.schema import available_schemas, load_schema
from tests.conftest import write

GOOD = """\
name: tiny
title: Tiny
multi_label: true
description: A test schema.
labels:
  - name: alpha
    key: "1"
    definition: First.
    includes: [a]
    excludes: [b]
    positive_examples:
      - {text: "A.", labels: [alpha]}
    negative_examples:
      - {text: "B.", labels: []}
  - name: beta
    key: "2"
    definition: Second.
    includes: [a]
    excludes: [b]
    positive_examples:
      - {text: "B.", labels: [beta, alpha]}
    negative_examples:
      - {text: "C.", labels: [alpha]}
"""


def test_all_committed_schemas_load_with_expected_shapes():
    assert available_schemas() == ["framing", "semeval2023_techniques", "szeged_hedging"]
    framing = load_schema("framing")
    assert framing.label_names == ["maximalist_demand", "concession", "posturing", "hedging"]
    assert framing.multi_label and framing.allow_none
    assert framing.id2label == {0: "maximalist_demand", 1: "concession", 2: "posturing", 3: "hedging"}
    assert framing.label2id["hedging"] == 3
    assert [label.key for label in framing.labels] == ["1", "2", "3", "4"]
    for label in framing.labels:
        assert label.definition and label.includes and label.excludes
        assert all(label.name in ex.labels for ex in label.positive_examples)
        assert all(label.name not in ex.labels for ex in label.negative_examples)
    semeval = load_schema("semeval2023_techniques")
    assert len(semeval.labels) == 23 and semeval.multi_label
    hedging = load_schema("szeged_hedging")
    assert hedging.label_names == ["certain", "uncertain"] and not hedging.multi_label


def test_validate_labels_canonical_order_and_none():
    schema = load_schema("framing")
    assert schema.validate_labels(["hedging", "maximalist_demand", "hedging"]) == ("maximalist_demand", "hedging")
    assert schema.validate_labels([]) == ()
    assert schema.validate_labels(["none"]) == ()
    with pytest.raises(DataError, match="cannot be combined"):
        schema.validate_labels(["none", "hedging"])
    with pytest.raises(DataError, match="list of label names"):
        schema.validate_labels("hedging")


def test_unknown_label_names_file_line_and_suggestion():
    schema = load_schema("framing")
    with pytest.raises(UnknownLabelError) as info:
        schema.validate_labels(["posturng"], path="ann.jsonl", line=7)
    assert str(info.value) == "ann.jsonl:7: unknown label 'posturng' for schema 'framing' (did you mean 'posturing'?)"
    assert info.value.label == "posturng" and info.value.line == 7


def test_single_label_schema_needs_exactly_one():
    schema = load_schema("szeged_hedging")
    assert schema.validate_labels(["uncertain"]) == ("uncertain",)
    with pytest.raises(DataError, match="exactly one label"):
        schema.validate_labels([])
    with pytest.raises(DataError, match="exactly one label"):
        schema.validate_labels(["certain", "uncertain"])


def test_encode_decode_round_trip():
    schema = load_schema("framing")
    assert schema.encode(("concession", "hedging")) == [0.0, 1.0, 0.0, 1.0]
    assert schema.decode([0.2, 0.9, 0.5, 0.1]) == ("concession", "posturing")


def test_adding_a_schema_is_adding_a_file(tmp_path: Path):
    schema = load_schema(write(tmp_path / "tiny.yaml", GOOD))
    assert schema.name == "tiny" and schema.label_names == ["alpha", "beta"]
    assert schema.labels[1].positive_examples[0].labels == ("alpha", "beta")


@pytest.mark.parametrize(
    ("edit", "line", "message"),
    [
        (("labels: [beta, alpha]", "labels: [beta, alpah]"), 21, "unknown label 'alpah'"),
        (("  - name: beta", "  - name: alpha"), 15, "duplicate label 'alpha' (first defined on line 6)"),
        (('    key: "2"', '    key: "1"'), 16, "key '1' already used on line 7"),
        (("      - {text: \"C.\", labels: [alpha]}", "      - {text: \"C.\", labels: [beta]}"), 23,
         "negative example of 'beta' carries that label"),
        (("title: Tiny", "title: Tiny\ncolour: red"), 3, "unknown field 'colour'"),
        (("title: Tiny", "title: Tiny\ntitle: Again"), 3, "duplicate key 'title'"),
        (("    definition: First.", "    definition: [First.]"), 8, "field 'definition' must be str"),
    ],
)
def test_schema_errors_name_the_line(tmp_path: Path, edit, line, message):
    old, new = edit
    assert old in GOOD
    path = write(tmp_path / "tiny.yaml", GOOD.replace(old, new, 1))
    with pytest.raises(DataError) as info:
        load_schema(path)
    errors = info.value.errors if isinstance(info.value, DataErrors) else [info.value]
    assert any(e.path == str(path.resolve()) and e.line == line and message in e.message for e in errors), [
        str(e) for e in errors]


def test_yaml_syntax_error_names_line(tmp_path: Path):
    path = write(tmp_path / "broken.yaml", textwrap.dedent("""\
        name: broken
        labels: [a, b
        title: x
        """))
    with pytest.raises(DataError, match=r"broken.yaml:3: invalid YAML"):
        load_schema(path)


def test_unknown_schema_name_lists_available():
    with pytest.raises(DataError, match="unknown schema 'framng'; available: framing, "):
        load_schema("framng")
