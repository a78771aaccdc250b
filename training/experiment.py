"""An experiment: models x datasets x seeds under one protocol, declared in YAML (training/experiments/).

Adding a model or a dataset is editing the YAML: models name a kind from
training/models.py plus its parameters; datasets name a corpus from
labels/corpora.yaml plus a protocol.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from labels.errors import DataError, DataErrors
from labels.yamlio import LineDict, LineList, load_yaml
from training.models import KINDS

PROTOCOLS = ("documents", "real_text")


@dataclass(frozen=True)
class ModelSpec:
    name: str
    kind: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DatasetSpec:
    """``documents``: K folds over all documents. ``real_text``: K folds over the real-text (gold)
    documents only; authored sentences are always training data, never test data."""

    name: str
    corpus: str
    protocol: str = "documents"
    max_documents: int | None = None  # a seeded sample of documents, to keep quick runs quick


@dataclass
class ExperimentConfig:
    name: str
    datasets: list[DatasetSpec]
    models: list[ModelSpec]
    seeds: list[int] = field(default_factory=lambda: [0])
    folds: int = 5
    dev_fraction: float = 0.15
    learning_curve: list[int] = field(default_factory=list)  # training-set sizes; the full set is always added
    learning_curve_models: list[str] = field(default_factory=list)
    bootstrap: int = 1000
    output_dir: str = ""

    def __post_init__(self) -> None:
        problems = []
        if not self.datasets:
            problems.append("datasets must name at least one dataset")
        if not self.models:
            problems.append("models must name at least one model")
        for kind, names in (("model", [m.name for m in self.models]), ("dataset", [d.name for d in self.datasets])):
            duplicates = sorted({n for n in names if names.count(n) > 1})
            if duplicates:
                problems.append(f"duplicate {kind} names: {duplicates}")
        for model in self.models:
            if model.kind not in KINDS:
                problems.append(f"model {model.name!r}: unknown kind {model.kind!r}; known: {', '.join(KINDS)}")
        for dataset in self.datasets:
            if dataset.protocol not in PROTOCOLS:
                problems.append(f"dataset {dataset.name!r}: protocol must be one of {PROTOCOLS}")
            if dataset.max_documents is not None and dataset.max_documents < self.folds:
                problems.append(f"dataset {dataset.name!r}: max_documents must be at least folds ({self.folds})")
        if not self.seeds:
            problems.append("seeds must list at least one seed")
        if len(set(self.seeds)) != len(self.seeds):
            problems.append("seeds must be distinct")
        if self.folds < 2:
            problems.append("folds must be at least 2")
        if not 0 < self.dev_fraction < 0.5:
            problems.append("dev_fraction must be in (0, 0.5)")
        if any(size < 10 for size in self.learning_curve):
            problems.append("learning_curve sizes must be at least 10")
        unknown = set(self.learning_curve_models) - {m.name for m in self.models}
        if unknown:
            problems.append(f"learning_curve_models names unknown models: {sorted(unknown)}")
        if self.bootstrap < 100:
            problems.append("bootstrap needs at least 100 resamples")
        if not self.output_dir:
            self.output_dir = f"runs/compare/{self.name}"
        if problems:
            raise DataError("; ".join(problems))

    @classmethod
    def from_yaml(cls, path: str | Path, overrides: list[str] | None = None) -> ExperimentConfig:
        data = load_yaml(path)
        if not isinstance(data, LineDict):
            raise DataError("an experiment must be a YAML mapping", path=path, line=1)
        for item in overrides or []:
            if "=" not in item:
                raise DataError(f"override must look like key=value, got {item!r}", path="--set")
            key, raw = item.split("=", 1)
            data[key.strip()] = yaml.safe_load(raw)
        errors: list[DataError] = []
        known = {f.name for f in dataclasses.fields(cls)}
        for key in data:
            if key not in known:
                errors.append(DataError(f"unknown experiment key {key!r}", path=path, line=data.line_of(key)))
        values: dict[str, Any] = {k: v for k, v in data.items() if k in known}
        values["models"] = _parse_list(data.get("models"), path, "models", _model, errors)
        values["datasets"] = _parse_list(data.get("datasets"), path, "datasets", _dataset, errors)
        values.setdefault("name", Path(path).stem)
        for key in ("seeds", "learning_curve", "learning_curve_models"):
            if key in values and not isinstance(values[key], list):
                errors.append(DataError(f"{key} must be a list", path=path, line=data.line_of(key)))
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise DataErrors(errors)
        try:
            return cls(**{k: (list(v) if isinstance(v, LineList) else v) for k, v in values.items()})
        except DataError as exc:
            raise DataError(exc.message, path=path) from None
        except TypeError as exc:
            raise DataError(str(exc), path=path) from None

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _parse_list(raw, path, key, parse, errors) -> list:
    if not isinstance(raw, list):
        errors.append(DataError(f"{key} must be a list", path=path))
        return []
    out = []
    for i, item in enumerate(raw):
        line = raw.line_of(i) if isinstance(raw, LineList) else None
        try:
            out.append(parse(item, path, line))
        except DataError as exc:
            errors.append(exc)
    return out


def _model(item, path, line) -> ModelSpec:
    if isinstance(item, str):
        return ModelSpec(name=item, kind=item)
    if not isinstance(item, dict) or "kind" not in item:
        raise DataError("each model needs at least a 'kind'", path=path, line=line)
    unknown = set(item) - {"name", "kind", "params"}
    if unknown:
        raise DataError(f"unknown model field(s) {sorted(unknown)}", path=path, line=line)
    if item["kind"] not in KINDS:
        raise DataError(f"unknown model kind {item['kind']!r}; known: {', '.join(KINDS)}", path=path, line=line)
    return ModelSpec(name=str(item.get("name", item["kind"])), kind=item["kind"], params=dict(item.get("params") or {}))


def _dataset(item, path, line) -> DatasetSpec:
    if isinstance(item, str):
        return DatasetSpec(name=item, corpus=item)
    if not isinstance(item, dict) or "corpus" not in item:
        raise DataError("each dataset needs at least a 'corpus'", path=path, line=line)
    unknown = set(item) - {"name", "corpus", "protocol", "max_documents"}
    if unknown:
        raise DataError(f"unknown dataset field(s) {sorted(unknown)}", path=path, line=line)
    return DatasetSpec(name=str(item.get("name", item["corpus"])), corpus=item["corpus"],
                       protocol=item.get("protocol", "documents"), max_documents=item.get("max_documents"))
