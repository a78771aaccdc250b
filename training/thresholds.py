"""Per-label decision thresholds tuned on the dev split.

With imbalanced labels a fixed 0.5 cut throws away recall on rare labels; each
label gets the cut that maximises its own F1 on dev (ties go to the cut nearest
0.5, so a flat stretch does not drift to an extreme).
"""

from __future__ import annotations

import numpy as np

GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)


def f1_at(scores: np.ndarray, truth: np.ndarray, threshold: float, weights: np.ndarray | None = None) -> float:
    """F1 of ``scores >= threshold``; ``weights`` count some examples more (e.g. real text)."""
    w = np.ones(len(scores)) if weights is None else weights
    predicted = scores >= threshold
    tp = float(np.sum(w * (predicted & truth)))
    fp = float(np.sum(w * (predicted & ~truth)))
    fn = float(np.sum(w * (~predicted & truth)))
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def tune_thresholds(scores: np.ndarray, truth: np.ndarray, grid: np.ndarray = GRID,
                    weights: np.ndarray | None = None) -> np.ndarray:
    """One threshold per column of ``scores`` (n x L), maximising that label's (weighted) F1."""
    scores = np.asarray(scores, dtype=float)
    truth = np.asarray(truth, dtype=bool)
    if scores.shape != truth.shape:
        raise ValueError(f"scores {scores.shape} and truth {truth.shape} differ in shape")
    out = np.full(scores.shape[1], 0.5)
    for j in range(scores.shape[1]):
        if not truth[:, j].any():
            continue  # no positives on dev: nothing to tune against, keep 0.5
        f1s = np.array([f1_at(scores[:, j], truth[:, j], t, weights) for t in grid])
        best = np.flatnonzero(np.isclose(f1s, f1s.max()))
        out[j] = grid[best[np.argmin(np.abs(grid[best] - 0.5))]]
    return out
