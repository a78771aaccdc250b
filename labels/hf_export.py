"""Annotated items as a Hugging Face dataset on disk, with the same features as ``labels/hf.py``.

What the annotation tools produce (one label set per annotator) is not yet a
training set: this keeps one label set per sentence and refuses to guess when
annotators disagree, so disagreements go to adjudication instead of being
silently resolved by whoever was read last.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import datasets

from labels.errors import DataError
from labels.hf import to_dataset, to_dataset_dict
from labels.interchange import InterchangeItem
from labels.records import Example
from labels.schema import Schema


def items_to_examples(
    items: Iterable[InterchangeItem],
    schema: Schema,
    *,
    source: str,
    provenance: str = "gold",
    domain: str = "",
) -> list[Example]:
    """One example per annotated sentence (id ``doc:start-end``, as standoff gold resolves to).

    Unannotated items are left out; several annotators who agree collapse to one
    example; a sentence with conflicting label sets is a DataError listing them all.
    """
    by_unit: dict[tuple[str, int, int], InterchangeItem] = {}
    conflicts: dict[tuple[str, int, int], set[tuple[str, ...]]] = {}
    for item in items:
        if item.labels is None:
            continue
        labels = schema.validate_labels(item.labels)
        kept = by_unit.setdefault(item.unit, InterchangeItem(**{**item.__dict__, "labels": labels}))
        if kept.labels != labels:
            conflicts.setdefault(item.unit, {kept.labels}).add(labels)
    if conflicts:
        shown = "; ".join(f"{d}:{s}-{e} {sorted(map(list, sets))}" for (d, s, e), sets in sorted(conflicts.items()))
        raise DataError(f"{len(conflicts)} sentence(s) have conflicting label sets (adjudicate first): {shown}")
    return [
        Example(id=f"{item.doc_id}:{item.start}-{item.end}", doc_id=item.doc_id, text=item.text,
                labels=item.labels or (), source=source, provenance=provenance, start=item.start, end=item.end,
                domain=domain)
        for _, item in sorted(by_unit.items())
    ]


def save_dataset(examples: Sequence[Example], schema: Schema, path: str | Path) -> datasets.Dataset:
    """Write ``examples`` with ``save_to_disk``; reload with ``datasets.load_from_disk(path)``."""
    dataset = to_dataset(examples, schema)
    dataset.save_to_disk(str(path))
    return dataset


def save_dataset_dict(
    splits: Mapping[str, Sequence[Example]], schema: Schema, path: str | Path
) -> datasets.DatasetDict:
    """Several splits (e.g. train/dev/test) under one directory, reloaded as a ``DatasetDict``."""
    dataset = to_dataset_dict(splits, schema)
    dataset.save_to_disk(str(path))
    return dataset


def export_items(
    items: Iterable[InterchangeItem], schema: Schema, path: str | Path, *, source: str, provenance: str = "gold"
) -> datasets.Dataset:
    """Annotated items (e.g. from a Label Studio or Prodigy import) straight to a dataset on disk."""
    return save_dataset(items_to_examples(items, schema, source=source, provenance=provenance), schema, path)
