"""Conversion to Hugging Face ``datasets``: labels stay names in the schema's order.

Label ids come from the schema (``ClassLabel`` names), so a dataset carries its own
id2label and cannot silently drift from the model's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import datasets

from labels.records import Example
from labels.schema import Schema


def features(schema: Schema) -> datasets.Features:
    return datasets.Features({
        "id": datasets.Value("string"),
        "doc_id": datasets.Value("string"),
        "text": datasets.Value("string"),
        "labels": datasets.List(datasets.ClassLabel(names=schema.label_names)),
        "source": datasets.Value("string"),
        "provenance": datasets.Value("string"),
        "domain": datasets.Value("string"),
        "start": datasets.Value("int64"),
        "end": datasets.Value("int64"),
    })


def to_dataset(examples: Sequence[Example], schema: Schema) -> datasets.Dataset:
    label2id = schema.label2id
    columns = {
        "id": [ex.id for ex in examples],
        "doc_id": [ex.doc_id for ex in examples],
        "text": [ex.text for ex in examples],
        "labels": [[label2id[name] for name in ex.labels] for ex in examples],
        "source": [ex.source for ex in examples],
        "provenance": [ex.provenance for ex in examples],
        "domain": [ex.domain for ex in examples],
        "start": [ex.start for ex in examples],
        "end": [ex.end for ex in examples],
    }
    return datasets.Dataset.from_dict(columns, features=features(schema))


def to_dataset_dict(splits: Mapping[str, Sequence[Example]], schema: Schema) -> datasets.DatasetDict:
    return datasets.DatasetDict({name: to_dataset(examples, schema) for name, examples in splits.items()})


def label_names(dataset: datasets.Dataset) -> list[str]:
    """The schema's label order as stored in the dataset's features."""
    return list(dataset.features["labels"].feature.names)
