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
                    weights: np.ndarray | None = None, *, min_positives: int = 1,
                    objective: str = "label") -> np.ndarray:
    """One threshold per column of ``scores`` (n x L).

    ``objective="label"`` maximises each label's (weighted) F1, which is what macro-F1
    rewards; ``"micro"`` maximises micro-F1 over all labels by coordinate ascent. A label
    with fewer than ``min_positives`` positives on dev keeps 0.5: a cut fitted to a handful
    of examples is noise, and on rare labels it floods the output with false positives.
    """
    scores = np.asarray(scores, dtype=float)
    truth = np.asarray(truth, dtype=bool)
    if scores.shape != truth.shape:
        raise ValueError(f"scores {scores.shape} and truth {truth.shape} differ in shape")
    if objective == "micro":
        return _tune_micro(scores, truth, grid, weights, max(1, min_positives))
    if objective != "label":
        raise ValueError(f"objective must be 'label' or 'micro', got {objective!r}")
    out = np.full(scores.shape[1], 0.5)
    for j in range(scores.shape[1]):
        if truth[:, j].sum() < max(1, min_positives):
            continue  # too few positives on dev to tune against: keep 0.5
        f1s = np.array([f1_at(scores[:, j], truth[:, j], t, weights) for t in grid])
        best = np.flatnonzero(np.isclose(f1s, f1s.max()))
        out[j] = grid[best[np.argmin(np.abs(grid[best] - 0.5))]]
    return out


def _tune_micro(scores: np.ndarray, truth: np.ndarray, grid: np.ndarray, weights: np.ndarray | None,
                min_positives: int) -> np.ndarray:
    w = (np.ones(len(scores)) if weights is None else weights)[:, None]
    cuts = np.full(scores.shape[1], 0.5)
    tunable = [j for j in range(scores.shape[1]) if truth[:, j].sum() >= min_positives]

    def counts(predicted: np.ndarray) -> np.ndarray:
        return np.stack([(w * (predicted & truth)).sum(0), (w * (predicted & ~truth)).sum(0),
                         (w * (~predicted & truth)).sum(0)])

    for _ in range(3):  # coordinate ascent; converges in two or three sweeps
        base = counts(scores >= cuts)
        for j in tunable:
            others = base.sum(1) - base[:, j]
            best, best_cut = -1.0, cuts[j]
            for t in grid:
                p = scores[:, j] >= t
                tp = others[0] + float(np.sum(w[:, 0] * (p & truth[:, j])))
                fp = others[1] + float(np.sum(w[:, 0] * (p & ~truth[:, j])))
                fn = others[2] + float(np.sum(w[:, 0] * (~p & truth[:, j])))
                f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
                if f1 > best + 1e-12 or (abs(f1 - best) <= 1e-12 and abs(t - 0.5) < abs(best_cut - 0.5)):
                    best, best_cut = f1, t
            cuts[j] = best_cut
            base = counts(scores >= cuts)
    return cuts
