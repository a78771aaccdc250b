"""Label schemas: data files (``labels/schemas/*.yaml``) loaded and validated here.

A schema is the single source of truth for label names, their order (``id2label``)
and whether the task is multi-label. Adding a schema is adding a YAML file.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from labels.errors import DataError, ErrorCollector, UnknownLabelError
from labels.yamlio import LineDict, LineList, load_yaml

SCHEMA_DIR = Path(__file__).parent / "schemas"
NONE = "none"
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")


@dataclass(frozen=True)
class LabelExample:
    """A team-written example sentence with its full label set and a short reason."""

    text: str
    labels: tuple[str, ...]
    why: str = ""


@dataclass(frozen=True)
class Label:
    name: str
    title: str
    definition: str
    includes: tuple[str, ...]
    excludes: tuple[str, ...]
    positive_examples: tuple[LabelExample, ...]
    negative_examples: tuple[LabelExample, ...]
    key: str = ""
    color: str = "#888888"


@dataclass(frozen=True)
class Schema:
    name: str
    title: str
    description: str
    multi_label: bool
    allow_none: bool
    labels: tuple[Label, ...]
    version: int = 1
    unit: str = "sentence"
    path: str | None = field(default=None, compare=False)

    @property
    def label_names(self) -> list[str]:
        return [label.name for label in self.labels]

    @property
    def id2label(self) -> dict[int, str]:
        return dict(enumerate(self.label_names))

    @property
    def label2id(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.label_names)}

    def label(self, name: str) -> Label:
        for label in self.labels:
            if label.name == name:
                return label
        raise UnknownLabelError(name, self.name, suggestion=self.suggest(name))

    def suggest(self, name: str) -> str | None:
        matches = difflib.get_close_matches(name, self.label_names + [NONE], n=1, cutoff=0.6)
        if not matches:
            lowered = {n.lower(): n for n in self.label_names}
            return lowered.get(name.lower())
        return matches[0]

    def validate_labels(
        self, labels: Iterable[str], *, path: str | Path | None = None, line: int | None = None
    ) -> tuple[str, ...]:
        """Check one annotation's labels; return them deduplicated in schema order.

        ``[]`` (or ``["none"]``) means no label applies, which only multi-label schemas
        with ``allow_none`` accept; single-label schemas need exactly one label.
        """
        if isinstance(labels, str) or not isinstance(labels, Iterable):
            raise DataError(f"labels must be a list of label names, got {labels!r}", path=path, line=line)
        given = list(labels)
        for item in given:
            if not isinstance(item, str):
                raise DataError(f"label must be a string, got {item!r}", path=path, line=line)
        if NONE in given:
            if len(given) > 1:
                raise DataError(f"{NONE!r} cannot be combined with other labels: {given}", path=path, line=line)
            given = []
        known = self.label2id
        for item in given:
            if item not in known:
                raise UnknownLabelError(item, self.name, suggestion=self.suggest(item), path=path, line=line)
        canonical = tuple(sorted(set(given), key=known.__getitem__))
        if not self.multi_label and len(canonical) != 1:
            raise DataError(
                f"schema {self.name!r} is single-label: expected exactly one label, got {list(canonical)}",
                path=path,
                line=line,
            )
        if self.multi_label and not canonical and not self.allow_none:
            raise DataError(f"schema {self.name!r} does not allow an empty label set", path=path, line=line)
        return canonical

    def encode(self, labels: Sequence[str]) -> list[float]:
        """Multi-hot vector in ``id2label`` order (one-hot for single-label schemas)."""
        vector = [0.0] * len(self.labels)
        for name in labels:
            vector[self.label2id[name]] = 1.0
        return vector

    def decode(self, vector: Sequence[float], threshold: float = 0.5) -> tuple[str, ...]:
        return tuple(name for name, value in zip(self.label_names, vector) if value >= threshold)


def available_schemas() -> list[str]:
    return sorted(p.stem for p in SCHEMA_DIR.glob("*.yaml"))


def load_schema(name_or_path: str | Path) -> Schema:
    """Load a schema by name (``framing``) or by path to a YAML file."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = SCHEMA_DIR / f"{name_or_path}.yaml"
        if not path.exists():
            raise DataError(
                f"unknown schema {str(name_or_path)!r}; available: {', '.join(available_schemas())}",
                path=path,
            )
    return _load_schema_cached(str(path.resolve()), path.stat().st_mtime_ns)


@lru_cache(maxsize=32)
def _load_schema_cached(path: str, _mtime: int) -> Schema:
    return parse_schema(load_yaml(path), path=path)


def _require(mapping: LineDict, key: str, kind: type | tuple[type, ...], errors: ErrorCollector, path: str):
    if key not in mapping:
        errors.add(DataError(f"missing required field {key!r}", path=path, line=mapping.line))
        return None
    value = mapping[key]
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        errors.add(DataError(f"field {key!r} must be {names}, got {value!r}", path=path, line=mapping.line_of(key)))
        return None
    return value


def _strings(mapping: LineDict, key: str, errors: ErrorCollector, path: str) -> tuple[str, ...]:
    items = _require(mapping, key, list, errors, path)
    if items is None:
        return ()
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            line = items.line_of(i) if isinstance(items, LineList) else mapping.line_of(key)
            errors.add(DataError(f"{key}[{i}] must be a non-empty string", path=path, line=line))
        else:
            out.append(item)
    if not out:
        errors.add(DataError(f"{key!r} needs at least one entry", path=path, line=mapping.line_of(key)))
    return tuple(out)


_SCHEMA_KEYS = {"name", "title", "version", "multi_label", "allow_none", "unit", "description", "labels"}
_LABEL_KEYS = {
    "name", "title", "key", "color", "definition", "includes", "excludes", "positive_examples", "negative_examples",
}


def parse_schema(data: object, *, path: str) -> Schema:
    """Validate a parsed schema document; every problem found is reported with its line."""
    errors = ErrorCollector()
    if not isinstance(data, LineDict):
        raise DataError("a schema file must be a YAML mapping", path=path, line=1)
    for key in data:
        if key not in _SCHEMA_KEYS:
            errors.add(DataError(f"unknown field {key!r}", path=path, line=data.line_of(key)))
    name = _require(data, "name", str, errors, path) or Path(path).stem
    title = _require(data, "title", str, errors, path) or name
    description = _require(data, "description", str, errors, path) or ""
    multi_label = _require(data, "multi_label", bool, errors, path)
    allow_none = data.get("allow_none", bool(multi_label))
    if not isinstance(allow_none, bool):
        errors.add(DataError("field 'allow_none' must be bool", path=path, line=data.line_of("allow_none")))
    if multi_label is False and allow_none is True:
        errors.add(DataError("a single-label schema cannot allow none", path=path, line=data.line_of("allow_none")))
    raw_labels = _require(data, "labels", list, errors, path) or LineList()

    labels: list[Label] = []
    raw_examples: list[tuple[str, str, LineDict]] = []
    seen_names: dict[str, int] = {}
    seen_keys: dict[str, int] = {}
    for index, raw in enumerate(raw_labels):
        if not isinstance(raw, LineDict):
            errors.add(DataError(f"labels[{index}] must be a mapping", path=path, line=raw_labels.line_of(index)))
            continue
        for key in raw:
            if key not in _LABEL_KEYS:
                errors.add(DataError(f"unknown field {key!r} in label", path=path, line=raw.line_of(key)))
        label_name = _require(raw, "name", str, errors, path)
        if label_name is None:
            continue
        if not _NAME.match(label_name) or label_name == NONE:
            errors.add(DataError(f"invalid label name {label_name!r}", path=path, line=raw.line_of("name")))
        if label_name in seen_names:
            errors.add(
                DataError(
                    f"duplicate label {label_name!r} (first defined on line {seen_names[label_name]})",
                    path=path,
                    line=raw.line_of("name"),
                )
            )
        seen_names[label_name] = raw.line_of("name")
        key = str(raw.get("key", ""))
        if key:
            if len(key) != 1 or key == "0":
                errors.add(DataError(f"key must be one character other than '0', got {key!r}", path=path,
                                     line=raw.line_of("key")))
            elif key in seen_keys:
                errors.add(DataError(f"key {key!r} already used on line {seen_keys[key]}", path=path,
                                     line=raw.line_of("key")))
            seen_keys[key] = raw.line_of("key")
        for kind in ("positive_examples", "negative_examples"):
            for example in _require(raw, kind, list, errors, path) or []:
                raw_examples.append((label_name, kind, example))
        labels.append(
            Label(
                name=label_name,
                title=str(raw.get("title", label_name)),
                definition=_require(raw, "definition", str, errors, path) or "",
                includes=_strings(raw, "includes", errors, path),
                excludes=_strings(raw, "excludes", errors, path),
                positive_examples=(),
                negative_examples=(),
                key=key,
                color=str(raw.get("color", "#888888")),
            )
        )
    if not labels:
        errors.add(DataError("a schema needs at least one label", path=path, line=data.line_of("labels")))
    errors.raise_if_any()

    schema = Schema(
        name=name,
        title=title,
        description=description.strip(),
        multi_label=bool(multi_label),
        allow_none=bool(allow_none),
        labels=tuple(labels),
        version=int(data.get("version", 1)),
        unit=str(data.get("unit", "sentence")),
        path=path,
    )
    examples: dict[tuple[str, str], list[LabelExample]] = {}
    for label_name, kind, raw in raw_examples:
        example = _parse_example(raw, schema, label_name, kind, errors, path)
        if example is not None:
            examples.setdefault((label_name, kind), []).append(example)
    errors.raise_if_any()
    final = tuple(
        Label(
            **{
                **label.__dict__,
                "positive_examples": tuple(examples.get((label.name, "positive_examples"), ())),
                "negative_examples": tuple(examples.get((label.name, "negative_examples"), ())),
            }
        )
        for label in schema.labels
    )
    for label in final:
        if not label.positive_examples:
            errors.add(DataError(f"label {label.name!r} needs at least one positive example", path=path))
        if not label.negative_examples:
            errors.add(DataError(f"label {label.name!r} needs at least one negative example", path=path))
    errors.raise_if_any()
    return Schema(**{**schema.__dict__, "labels": final})


def _parse_example(
    raw: object, schema: Schema, label_name: str, kind: str, errors: ErrorCollector, path: str
) -> LabelExample | None:
    if not isinstance(raw, LineDict):
        errors.add(DataError(f"{label_name}.{kind}: each example must be a mapping with text and labels",
                             path=path))
        return None
    text = _require(raw, "text", str, errors, path)
    raw_labels = _require(raw, "labels", list, errors, path)
    if text is None or raw_labels is None:
        return None
    line = raw.line_of("labels")
    try:
        canonical = schema.validate_labels(raw_labels, path=path, line=line)
    except DataError as exc:
        if isinstance(raw_labels, LineList) and isinstance(exc, UnknownLabelError):
            exc.line = raw_labels.line_of(list(raw_labels).index(exc.label))
            exc = UnknownLabelError(exc.label, exc.schema, suggestion=exc.suggestion, path=path, line=exc.line)
        errors.add(exc)
        return None
    if kind == "positive_examples" and label_name not in canonical:
        errors.add(DataError(f"positive example of {label_name!r} does not carry that label", path=path, line=line))
    if kind == "negative_examples" and label_name in canonical:
        errors.add(DataError(f"negative example of {label_name!r} carries that label", path=path, line=line))
    return LabelExample(text=text, labels=canonical, why=str(raw.get("why", "")))
