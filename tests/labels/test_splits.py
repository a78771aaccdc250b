from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labels.splits import grouped_kfold, grouped_split

SHARES = {"train": 0.8, "validation": 0.1, "test": 0.1}


def make_groups(n_docs: int, per_doc: int = 5) -> list[str]:
    return [f"doc{d}" for d in range(n_docs) for _ in range(per_doc)]


def test_no_document_in_two_splits_and_every_item_once():
    groups = make_groups(100)
    parts = grouped_split(groups, SHARES, seed=3)
    seen = sorted(i for idx in parts.values() for i in idx)
    assert seen == list(range(len(groups)))
    owners = {}
    for name, idx in parts.items():
        for i in idx:
            assert owners.setdefault(groups[i], name) == name


def test_shares_are_close_to_targets():
    parts = grouped_split(make_groups(200), SHARES, seed=0)
    sizes = {k: len(v) for k, v in parts.items()}
    assert sizes == {"train": 800, "validation": 100, "test": 100}


def test_deterministic_for_a_seed_and_different_across_seeds():
    groups = make_groups(60)
    assert grouped_split(groups, SHARES, seed=1) == grouped_split(list(groups), SHARES, seed=1)
    assert grouped_split(groups, SHARES, seed=1) != grouped_split(groups, SHARES, seed=2)


def test_independent_of_input_order():
    groups = make_groups(40, per_doc=2)
    shuffled = list(reversed(groups))
    a = grouped_split(groups, SHARES, seed=5)
    b = grouped_split(shuffled, SHARES, seed=5)
    assert {n: sorted({groups[i] for i in idx}) for n, idx in a.items()} == \
           {n: sorted({shuffled[i] for i in idx}) for n, idx in b.items()}


def test_bad_shares_rejected():
    with pytest.raises(ValueError, match="sum to 1"):
        grouped_split(["a"], {"train": 0.5})


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=3, max_size=200), st.integers(2, 5), st.integers(0, 10))
def test_kfold_partitions_documents(doc_ids, k, seed):
    groups = [f"d{i}" for i in doc_ids]
    if len(set(groups)) < k:
        with pytest.raises(ValueError):
            grouped_kfold(groups, k, seed)
        return
    folds = grouped_kfold(groups, k, seed)
    assert len(folds) == k
    tested = sorted(i for _, test in folds for i in test)
    assert tested == list(range(len(groups)))
    for train, test in folds:
        assert not {groups[i] for i in train} & {groups[i] for i in test}
        assert sorted(train + test) == list(range(len(groups)))
