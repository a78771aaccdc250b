"""Document-level bootstrap intervals and a paired bootstrap test between two models.

Sentences of one article are not independent (same actors, same story, often the
same framing), so the resampling unit here is the document: each bootstrap sample
draws whole documents with replacement. The paired test draws the same documents
for both models, so what varies is only the difference between them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

Metric = Callable[[np.ndarray, np.ndarray], float]  # (truth n x L, predicted n x L) -> value


def macro_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    """Macro-F1 over labels that occur (in gold or predictions); undefined labels are skipped."""
    tp = (truth & predicted).sum(0).astype(float)
    denom = 2 * tp + (~truth & predicted).sum(0) + (truth & ~predicted).sum(0)
    defined = denom > 0
    return float((2 * tp[defined] / denom[defined]).mean()) if defined.any() else float("nan")


def micro_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    tp = float((truth & predicted).sum())
    denom = 2 * tp + float((~truth & predicted).sum()) + float((truth & ~predicted).sum())
    return 2 * tp / denom if denom else float("nan")


METRICS: dict[str, Metric] = {"macro_f1": macro_f1, "micro_f1": micro_f1}


def _groups(doc_ids: Sequence[str]) -> list[np.ndarray]:
    order: dict[str, list[int]] = {}
    for i, doc in enumerate(doc_ids):
        order.setdefault(doc, []).append(i)
    return [np.array(v) for v in order.values()]


def _resamples(doc_ids: Sequence[str], samples: int, seed: int) -> list[np.ndarray]:
    groups = _groups(doc_ids)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(groups), size=(samples, len(groups)))
    return [np.concatenate([groups[g] for g in row]) for row in picks]


@dataclass(frozen=True)
class Interval:
    value: float
    low: float
    high: float


def _score(metric: Metric, truth: np.ndarray, predicted: np.ndarray, idx: np.ndarray | None = None) -> float:
    """``metric`` on rows ``idx``; a leading seed axis on ``predicted`` is averaged over (mean over seeds)."""
    t = truth if idx is None else truth[idx]
    if predicted.ndim == 3:
        values = [metric(t, p if idx is None else p[idx]) for p in predicted]
        values = [v for v in values if not np.isnan(v)]
        return float(np.mean(values)) if values else float("nan")
    return metric(t, predicted if idx is None else predicted[idx])


def bootstrap_interval(truth: np.ndarray, predicted: np.ndarray, doc_ids: Sequence[str], metric: Metric = macro_f1,
                       *, samples: int = 1000, seed: int = 0, confidence: float = 0.95) -> Interval:
    """Percentile interval of ``metric`` over document resamples.

    ``predicted`` is (n, L), or (seeds, n, L) for runs with several seeds: each resample then
    scores every seed's predictions on the same documents and averages them.
    """
    values = np.array([_score(metric, truth, predicted, idx) for idx in _resamples(doc_ids, samples, seed)])
    values = values[~np.isnan(values)]
    alpha = (1 - confidence) / 2
    low, high = (np.quantile(values, [alpha, 1 - alpha]) if values.size else (np.nan, np.nan))
    return Interval(_score(metric, truth, predicted), float(low), float(high))


@dataclass(frozen=True)
class PairedTest:
    difference: float  # metric(a) - metric(b) on the full test set
    p_value: float  # two-sided
    low: float
    high: float


def paired_bootstrap(truth: np.ndarray, predicted_a: np.ndarray, predicted_b: np.ndarray, doc_ids: Sequence[str],
                     metric: Metric = macro_f1, *, samples: int = 1000, seed: int = 0) -> PairedTest:
    """Is A different from B? Both are scored on the same resampled documents.

    The two-sided p-value is twice the smaller share of resampled differences on either
    side of zero (with a +1 correction, so it is never exactly 0).
    """
    observed = _score(metric, truth, predicted_a) - _score(metric, truth, predicted_b)
    differences = []
    for idx in _resamples(doc_ids, samples, seed):
        d = _score(metric, truth, predicted_a, idx) - _score(metric, truth, predicted_b, idx)
        if not np.isnan(d):
            differences.append(d)
    differences = np.array(differences)
    if differences.size == 0 or np.all(differences == 0):
        return PairedTest(observed, 1.0, 0.0, 0.0)
    below = (np.sum(differences <= 0) + 1) / (differences.size + 1)
    above = (np.sum(differences >= 0) + 1) / (differences.size + 1)
    low, high = np.quantile(differences, [0.025, 0.975])
    return PairedTest(float(observed), float(min(1.0, 2 * min(below, above))), float(low), float(high))
