"""Active learning: which unlabelled sentences to show the annotators next.

Shaped like small-text's ``PoolBasedActiveLearner`` (a pool, ``query(n)``, then
``update`` with the labels), but model-agnostic: the model is any callable that
maps pool ids to probabilities, so the web app can use a saved
``FramingModel``, a cheap TF-IDF model, or nothing at all (cold start).

Uncertainty for a multi-label sentence is the *smallest normalised margin* over
its labels: ``m_j = (p_j - t_j) / (1 - t_j)`` above the threshold and
``(t_j - p_j) / t_j`` below it, so 0 means "on the decision boundary" and 1
means "certain", whatever the threshold. The minimum, not the mean entropy,
because framing labels are rare: a sentence is almost always confidently
negative on most labels, and averaging would bury the one decision that is
actually in doubt. Ties (common with calibrated or clipped models) are broken
by the mean margin, then by pool position, so the order is deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence

import numpy as np

from labels.schema import Schema

ProbaFn = Callable[[Sequence[Hashable]], np.ndarray]
RefitFn = Callable[[dict[Hashable, tuple[str, ...]]], None]


def margins(probs: np.ndarray, thresholds: float | Sequence[float] = 0.5) -> np.ndarray:
    """Per-label normalised distance from the decision threshold, in [0, 1] (0 = undecided)."""
    probs = np.asarray(probs, dtype=float)
    if probs.ndim != 2:
        raise ValueError(f"probs must be a 2-D array (items x labels), got shape {probs.shape}")
    t = np.broadcast_to(np.asarray(thresholds, dtype=float), (probs.shape[1],))
    if np.any((t <= 0) | (t >= 1)):
        raise ValueError(f"thresholds must lie strictly between 0 and 1, got {t.tolist()}")
    above = (probs - t) / (1 - t)
    below = (t - probs) / t
    return np.clip(np.where(probs >= t, above, below), 0.0, 1.0)


def uncertainty_scores(probs: np.ndarray, thresholds: float | Sequence[float] = 0.5) -> np.ndarray:
    """One score per item: 1 - smallest margin (1 = a label is exactly on its threshold)."""
    m = margins(probs, thresholds)
    if m.shape[1] == 0:
        return np.zeros(m.shape[0])
    return 1.0 - m.min(axis=1)


def uncertainty_order(probs: np.ndarray, thresholds: float | Sequence[float] = 0.5) -> np.ndarray:
    """Item indices, most uncertain first (smallest margin, then smallest mean margin, then index)."""
    m = margins(probs, thresholds)
    if m.shape[0] == 0:
        return np.zeros(0, dtype=int)
    if m.shape[1] == 0:
        return np.arange(m.shape[0])
    index = np.arange(m.shape[0])
    # lexsort sorts by the last key first; rounding keeps float noise from beating the tie-breaks
    return np.lexsort((index, np.round(m.mean(axis=1), 12), np.round(m.min(axis=1), 12)))


class UncertaintyQueue:
    """A pool of sentence ids, the labels collected so far, and uncertainty sampling over the rest.

    ``predict_proba(ids)`` returns an ``(len(ids), n_labels)`` array in the
    schema's label order; it is called on every query (over the unlabelled ids
    only), so a model refit in ``refit`` is used at once. Without a model,
    ``query`` returns the pool in its own order (a cold start; shuffle the pool
    beforehand if the order is meaningful). ``refit(labelled)`` runs after every
    ``refit_every`` newly labelled items.
    """

    def __init__(
        self,
        ids: Iterable[Hashable],
        predict_proba: ProbaFn | None = None,
        *,
        thresholds: float | Sequence[float] = 0.5,
        schema: Schema | None = None,
        refit: RefitFn | None = None,
        refit_every: int = 1,
    ):
        self.ids = list(ids)
        if len(set(self.ids)) != len(self.ids):
            raise ValueError("pool ids must be unique")
        if refit_every < 1:
            raise ValueError("refit_every must be at least 1")
        self._position = {item: i for i, item in enumerate(self.ids)}
        self.predict_proba = predict_proba
        self.thresholds = thresholds
        self.schema = schema
        self.refit = refit
        self.refit_every = refit_every
        self.labelled: dict[Hashable, tuple[str, ...]] = {}
        self._since_refit = 0

    @property
    def unlabelled(self) -> list[Hashable]:
        return [item for item in self.ids if item not in self.labelled]

    def scores(self, ids: Sequence[Hashable] | None = None) -> dict[Hashable, float]:
        """Uncertainty (1 - smallest margin) of the given or all unlabelled ids, for display."""
        ids = self.unlabelled if ids is None else list(ids)
        if self.predict_proba is None or not ids:
            return {}
        values = uncertainty_scores(self._probs(ids), self.thresholds)
        return dict(zip(ids, values.tolist()))

    def query(self, n: int, *, exclude: Iterable[Hashable] = ()) -> list[Hashable]:
        """The ``n`` most uncertain unlabelled ids, skipping ``exclude`` (e.g. items handed out to others)."""
        if n < 0:
            raise ValueError("n must be non-negative")
        skip = set(exclude)
        candidates = [item for item in self.unlabelled if item not in skip]
        if n == 0 or not candidates:
            return []
        if self.predict_proba is None:
            return candidates[:n]
        order = uncertainty_order(self._probs(candidates), self.thresholds)
        return [candidates[i] for i in order[:n]]

    def _probs(self, ids: Sequence[Hashable]) -> np.ndarray:
        probs = np.asarray(self.predict_proba(ids), dtype=float)
        if probs.ndim != 2 or probs.shape[0] != len(ids):
            raise ValueError(f"predict_proba returned shape {probs.shape} for {len(ids)} ids")
        if self.schema is not None and probs.shape[1] != len(self.schema.labels):
            raise ValueError(f"predict_proba returned {probs.shape[1]} columns; schema {self.schema.name!r} "
                             f"has {len(self.schema.labels)} labels")
        return probs

    def update(self, ids: Sequence[Hashable], labels: Sequence[Sequence[str]]) -> None:
        """Record labels (a later update of the same id replaces it), then refit if it is due."""
        if len(ids) != len(labels):
            raise ValueError(f"{len(ids)} ids but {len(labels)} label sets")
        unknown = [item for item in ids if item not in self._position]
        if unknown:
            raise KeyError(f"ids not in the pool: {unknown[:5]}")
        for item, given in zip(ids, labels):
            canonical = self.schema.validate_labels(given) if self.schema is not None else tuple(given)
            if item not in self.labelled:
                self._since_refit += 1
            self.labelled[item] = canonical
        if self.refit is not None and self._since_refit >= self.refit_every:
            self._since_refit = 0
            self.refit(dict(self.labelled))
