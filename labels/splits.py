"""Document-grouped, deterministic splits.

No document is ever in two splits: sentences of one article share vocabulary,
actors and framing, so a random sentence split would overstate every score.
Documents are ordered by a seeded SHA-256 of their id (stable across Python and
NumPy versions and machines) and dealt out to fill each split's share of
sentences as closely as possible.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence


def _order(groups: Sequence[str], seed: int) -> list[str]:
    unique = sorted(set(groups))
    return sorted(unique, key=lambda g: hashlib.sha256(f"{seed}\x00{g}".encode()).hexdigest())


def grouped_split(groups: Sequence[str], fractions: Mapping[str, float], seed: int = 0) -> dict[str, list[int]]:
    """Assign item indices to named splits so that each group lands in exactly one split.

    ``fractions`` are shares of items (sentences), e.g. ``{"train": .8, "validation": .1, "test": .1}``.
    Each document, in seeded order, goes to the split furthest below its target.
    """
    if not fractions:
        raise ValueError("fractions must name at least one split")
    if any(f < 0 for f in fractions.values()) or abs(sum(fractions.values()) - 1.0) > 1e-6:
        raise ValueError(f"fractions must be non-negative and sum to 1, got {dict(fractions)}")
    sizes = Counter(groups)
    total = len(groups)
    filled = {name: 0 for name in fractions}
    assignment: dict[str, str] = {}
    for group in _order(groups, seed):
        # deficit relative to target; ties broken by the order the splits were given
        name = max(fractions, key=lambda n: (fractions[n] * total - filled[n]) / max(fractions[n], 1e-9)
                   if fractions[n] > 0 else float("-inf"))
        assignment[group] = name
        filled[name] += sizes[group]
    out: dict[str, list[int]] = {name: [] for name in fractions}
    for index, group in enumerate(groups):
        out[assignment[group]].append(index)
    return out


def grouped_kfold(groups: Sequence[str], k: int, seed: int = 0) -> list[tuple[list[int], list[int]]]:
    """K (train, test) index pairs; every document is in exactly one test fold."""
    if k < 2:
        raise ValueError("k must be at least 2")
    n_groups = len(set(groups))
    if n_groups < k:
        raise ValueError(f"cannot make {k} folds from {n_groups} documents")
    parts = grouped_split(groups, {f"fold{i}": 1.0 / k for i in range(k)}, seed)
    folds = []
    for i in range(k):
        test = parts[f"fold{i}"]
        test_set = set(test)
        folds.append(([j for j in range(len(groups)) if j not in test_set], test))
    return folds
