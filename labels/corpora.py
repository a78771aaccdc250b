"""One loader API for every corpus: ``load_corpus(name)`` and ``load_dataset_dict(name)``.

Corpora are declared in ``labels/corpora.yaml`` (schema + sources + split shares);
adding a corpus built from existing formats is adding YAML, not code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from labels.authored import load_authored
from labels.blocks import SourceUnavailable
from labels.errors import DataError
from labels.external import load_semeval2023, load_szeged
from labels.paths import PACKAGE_DIR, shared_dir
from labels.records import Example
from labels.schema import Schema, load_schema
from labels.splits import grouped_split
from labels.standoff import load_standoff
from labels.yamlio import LineDict, load_yaml

REGISTRY = PACKAGE_DIR / "corpora.yaml"


class MissingSourceError(SourceUnavailable):
    """A corpus source (usually under ../shared) is not on this machine."""


@dataclass(frozen=True)
class SourceSpec:
    name: str
    format: str
    options: dict
    split: str | None
    line: int


@dataclass(frozen=True)
class CorpusSpec:
    name: str
    schema: str
    description: str
    sources: tuple[SourceSpec, ...]
    splits: dict[str, float]
    registry: str


def _load_standoff_source(spec: SourceSpec, schema: Schema, resolve: Callable[[str], Path]) -> list[Example]:
    texts = resolve(spec.options["texts"])
    if not texts.is_dir():
        raise MissingSourceError(f"source texts for {spec.name!r} not found at {texts} "
                                 "(set FRAMING_SHARED or pass --shared)")
    return load_standoff(resolve(spec.options["annotations"]), texts, schema, source=spec.name)


def _need(path: Path, spec: SourceSpec) -> Path:
    if not path.exists():
        raise MissingSourceError(f"source {spec.name!r} not found at {path} (set FRAMING_SHARED or pass --shared)")
    return path


FORMATS: dict[str, tuple[tuple[str, ...], Callable[[SourceSpec, Schema, Callable[[str], Path]], list[Example]]]] = {
    "standoff": (("annotations", "texts"), _load_standoff_source),
    "authored": (("path",), lambda s, schema, r: load_authored(r(s.options["path"]), schema, source=s.name)),
    "semeval2023": (("path",), lambda s, schema, r: load_semeval2023(_need(r(s.options["path"]), s), schema,
                                                                      source=s.name)),
    "szeged": (("path",), lambda s, schema, r: load_szeged(_need(r(s.options["path"]), s), schema, source=s.name)),
}


def read_registry(path: str | Path = REGISTRY) -> dict[str, CorpusSpec]:
    """Parse and validate the corpus registry; problems name the YAML line."""
    path = Path(path)
    data = load_yaml(path)
    if not isinstance(data, LineDict):
        raise DataError("the corpus registry must be a mapping of corpus names", path=path, line=1)
    specs = {}
    for name, raw in data.items():
        line = data.line_of(name)
        if not isinstance(raw, LineDict):
            raise DataError(f"corpus {name!r} must be a mapping", path=path, line=line)
        unknown = set(raw) - {"schema", "description", "sources", "splits"}
        if unknown:
            raise DataError(f"unknown field(s) {sorted(unknown)} in corpus {name!r}", path=path, line=line)
        if "schema" not in raw or "sources" not in raw:
            raise DataError(f"corpus {name!r} needs 'schema' and 'sources'", path=path, line=line)
        load_schema(raw["schema"])  # fails early, naming the schema, if it does not exist
        sources = []
        for item in raw["sources"]:
            if not isinstance(item, LineDict) or "format" not in item:
                raise DataError(f"each source of {name!r} needs a 'format'", path=path, line=raw.line_of("sources"))
            fmt = item["format"]
            if fmt not in FORMATS:
                raise DataError(f"unknown source format {fmt!r}; known: {sorted(FORMATS)}", path=path,
                                line=item.line_of("format"))
            options = {k: v for k, v in item.items() if k not in ("name", "format", "split")}
            for required in FORMATS[fmt][0]:
                if required not in options:
                    raise DataError(f"source format {fmt!r} needs {required!r}", path=path, line=item.line)
            sources.append(SourceSpec(name=str(item.get("name", fmt)), format=fmt, options=options,
                                      split=item.get("split"), line=item.line))
        splits = dict(raw.get("splits") or {})
        if any(s.split is None for s in sources) and not splits:
            raise DataError(f"corpus {name!r} has sources without a fixed split but no 'splits' shares",
                            path=path, line=line)
        if splits and abs(sum(splits.values()) - 1.0) > 1e-6:
            raise DataError(f"split shares of {name!r} must sum to 1, got {splits}", path=path,
                            line=raw.line_of("splits"))
        specs[name] = CorpusSpec(name=name, schema=raw["schema"], description=str(raw.get("description", "")),
                                 sources=tuple(sources), splits=splits, registry=str(path))
    return specs


@dataclass
class Corpus:
    """A corpus loaded in full, with its schema; splits are computed on demand."""

    spec: CorpusSpec
    schema: Schema
    parts: dict[str, list[Example]] = field(default_factory=dict)  # source name -> examples

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def examples(self) -> list[Example]:
        return [ex for part in self.parts.values() for ex in part]

    def split(self, seed: int = 0, fractions: Mapping[str, float] | None = None) -> dict[str, list[Example]]:
        """Fixed splits (e.g. ``seed_gold``) plus a document-grouped split of every other source.

        Each source is split on its own with the same shares, so real and authored text
        are both present in train, validation and test in the same proportions.
        """
        fractions = dict(fractions or self.spec.splits)
        out: dict[str, list[Example]] = {name: [] for name in fractions}
        for source in self.spec.sources:
            examples = self.parts.get(source.name, [])
            if source.split:
                out.setdefault(source.split, []).extend(examples)
            elif examples:
                indices = grouped_split([ex.doc_id for ex in examples], fractions, seed)
                for name, idx in indices.items():
                    out[name].extend(examples[i] for i in idx)
        return out

    def to_dataset_dict(self, seed: int = 0, fractions: Mapping[str, float] | None = None):
        from labels.hf import to_dataset_dict

        return to_dataset_dict(self.split(seed, fractions), self.schema)


def corpus_reference(name: str, registry: str | Path = REGISTRY) -> tuple[str, str | Path]:
    """``(corpus name, registry)`` for a corpus name or a path to a registry YAML (optionally ``#name``)."""
    path, _, chosen = str(name).partition("#")
    if not path.endswith((".yaml", ".yml")):
        return name, registry
    if not Path(path).is_file():
        raise DataError(f"corpus registry {path} not found")
    if chosen:
        return chosen, path
    names = list(read_registry(path))
    if len(names) != 1:
        raise DataError(f"{path} declares {len(names)} corpora; pick one with {path}#NAME", path=path)
    return names[0], path


def load_corpus(
    name: str,
    *,
    shared: str | Path | None = None,
    registry: str | Path = REGISTRY,
    sources: list[str] | None = None,
) -> Corpus:
    """Load a named corpus. ``sources`` restricts it to some of its sources (e.g. only ``authored``).

    ``name`` may also be a path to a corpora-style YAML file (``exports/p/corpora.yaml``, or
    ``...yaml#corpus`` to pick one of several): that file is then the registry, so an
    exported gold directory trains with ``--set corpus=exports/p/corpora.yaml``.
    """
    name, registry = corpus_reference(name, registry)
    specs = read_registry(registry)
    if name not in specs:
        raise DataError(f"unknown corpus {name!r}; available: {', '.join(specs)}", path=registry)
    spec = specs[name]
    schema = load_schema(spec.schema)
    base = Path(registry).resolve().parent
    shared_root = shared_dir(shared)

    def resolve(value: str) -> Path:
        value = str(value).replace("${shared}", str(shared_root))
        path = Path(value)
        return path if path.is_absolute() else base / path

    corpus = Corpus(spec=spec, schema=schema)
    for source in spec.sources:
        if sources is not None and source.name not in sources:
            continue
        corpus.parts[source.name] = FORMATS[source.format][1](source, schema, resolve)
    return corpus


def load_dataset_dict(name: str, *, seed: int = 0, shared: str | Path | None = None):
    """The corpus as a ``datasets.DatasetDict``, split by document, deterministic for ``seed``."""
    return load_corpus(name, shared=shared).to_dataset_dict(seed)
