"""Per-label precision, recall and F1, macro and micro F1, with bootstrap confidence intervals.

The bootstrap resamples sentences with replacement (percentile intervals). All
resamples are computed at once from per-sentence counts, so 1,000 resamples of a
few thousand sentences take well under a second.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    """F1, NaN where a label has neither gold nor predicted positives (undefined, not 0)."""
    denom = 2 * tp + fp + fn
    return np.divide(2 * tp, denom, out=np.full_like(denom, np.nan, dtype=float), where=denom > 0)


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.divide(a, b, out=np.zeros_like(b, dtype=float), where=b > 0)


def _nanmean(values: np.ndarray) -> np.ndarray:
    """Mean over labels, skipping undefined ones; NaN only when every label is undefined."""
    defined = ~np.isnan(values)
    total = np.where(defined, values, 0.0).sum(-1)
    count = defined.sum(-1)
    return np.divide(total, count, out=np.full_like(total, np.nan, dtype=float), where=count > 0)


def _scores(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> dict[str, np.ndarray]:
    """Metrics from count arrays whose last axis is the label."""
    f1 = _f1(tp, fp, fn)
    tp_all, fp_all, fn_all = tp.sum(-1), fp.sum(-1), fn.sum(-1)
    return {
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        "f1": f1,
        "macro_f1": _nanmean(f1),
        "micro_f1": _f1(tp_all, fp_all, fn_all),
    }


def indicator(label_sets: Sequence[Sequence[str]], labels: Sequence[str]) -> np.ndarray:
    index = {label: i for i, label in enumerate(labels)}
    out = np.zeros((len(label_sets), len(labels)), dtype=bool)
    for row, names in enumerate(label_sets):
        for name in names:
            out[row, index[name]] = True
    return out


def evaluate(
    truth: np.ndarray,
    predicted: np.ndarray,
    labels: Sequence[str],
    *,
    bootstrap: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> dict:
    """A JSON-ready report: per-label P/R/F1/support and macro/micro F1, each with a CI."""
    truth = np.asarray(truth, dtype=bool)
    predicted = np.asarray(predicted, dtype=bool)
    if truth.shape != predicted.shape or truth.shape[1] != len(labels):
        raise ValueError(f"shapes differ: truth {truth.shape}, predicted {predicted.shape}, {len(labels)} labels")
    tp_i = (truth & predicted).astype(float)
    fp_i = (~truth & predicted).astype(float)
    fn_i = (truth & ~predicted).astype(float)
    point = _scores(tp_i.sum(0), fp_i.sum(0), fn_i.sum(0))
    n = truth.shape[0]
    low_q, high_q = (1 - confidence) / 2, 1 - (1 - confidence) / 2
    intervals: dict[str, np.ndarray] = {}
    if bootstrap and n:
        rng = np.random.default_rng(seed)
        weights = np.stack([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(bootstrap)]).astype(float)
        boot = _scores(weights @ tp_i, weights @ fp_i, weights @ fn_i)
        # a resample where a label is undefined (no gold, no predicted positive) is skipped for that label
        intervals = {k: np.nanquantile(v, [low_q, high_q], axis=0) for k, v in boot.items()}

    def num(value) -> float | None:
        return None if np.isnan(value) else round(float(value), 4)

    def ci(key: str, j: int | None = None) -> list[float] | None:
        if key not in intervals:
            return None
        values = intervals[key] if j is None else intervals[key][:, j]
        if np.isnan(values).any():
            return None
        return [num(values[0]), num(values[1])]

    report = {
        "n": int(n),
        "macro_f1": num(point["macro_f1"]),
        "macro_f1_ci": ci("macro_f1"),
        "micro_f1": num(point["micro_f1"]),
        "micro_f1_ci": ci("micro_f1"),
        "per_label": {},
        "bootstrap": {"samples": bootstrap, "confidence": confidence, "seed": seed, "unit": "sentence"},
    }
    for j, label in enumerate(labels):
        report["per_label"][label] = {
            "precision": round(float(point["precision"][j]), 4),
            "recall": round(float(point["recall"][j]), 4),
            "f1": num(point["f1"][j]),
            "f1_ci": ci("f1", j),
            "support": int(truth[:, j].sum()),
            "predicted": int(predicted[:, j].sum()),
        }
    return report
