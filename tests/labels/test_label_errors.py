from __future__ import annotations

import random

import numpy as np
import pytest

from labels.label_errors import (
    Suspect,
    label_matrix,
    model_probs,
    out_of_fold_probs,
    rank_label_issues,
    tfidf_fit_predict,
)
from labels.schema import load_schema

NAMES = load_schema("framing").label_names
CUES = {
    "maximalist_demand": ["demands total unconditional surrender", "insists on every single demand"],
    "concession": ["agreed to drop the condition", "accepted a compromise offer"],
    "posturing": ["warned rivals it stands strong", "boasted of unmatched resolve"],
    "hedging": ["perhaps it might possibly happen", "it is unclear and too early"],
}
FILLER = "the minister spoke on monday about the talks with the union in the capital".split()


def synthetic(n: int = 80, seed: int = 0) -> tuple[list[str], list[tuple[str, ...]], list[str]]:
    rng = random.Random(seed)
    texts, labels, docs = [], [], []
    for i in range(n):
        chosen = tuple(name for name in NAMES if rng.random() < 0.3)
        words = rng.sample(FILLER, 6)
        for name in chosen:
            words += rng.choice(CUES[name]).split()
        texts.append(" ".join(words))
        labels.append(chosen)
        docs.append(f"doc{i // 4}")
    return texts, labels, docs


def plant(labels, flips: dict[int, str]):
    noisy = list(labels)
    for i, name in flips.items():
        given = set(noisy[i])
        given ^= {name}
        noisy[i] = tuple(n for n in NAMES if n in given)
    return noisy


FLIPS = {3: "concession", 17: "hedging", 40: "maximalist_demand", 66: "posturing"}


@pytest.fixture(scope="module")
def data():
    texts, clean, docs = synthetic()
    noisy = plant(clean, FLIPS)
    probs = out_of_fold_probs(texts, label_matrix(noisy, NAMES), k=5, seed=0, groups=docs)
    return texts, clean, noisy, probs


def test_out_of_fold_probs_are_complete_and_separate_the_classes(data):
    _, clean, _, probs = data
    assert probs.shape == (80, 4) and not np.isnan(probs).any()
    truth = label_matrix(clean, NAMES)
    # a clearly separable set: every positive outscores every negative, per label
    for j in range(4):
        assert probs[truth[:, j] == 1, j].min() > probs[truth[:, j] == 0, j].max()


def test_planted_flips_rank_at_the_top(data):
    _, _, noisy, probs = data
    issues = rank_label_issues(noisy, probs, NAMES, ids=[f"s{i}" for i in range(80)])
    top = [issue.index for issue in issues[:len(FLIPS)]]
    assert sorted(top) == sorted(FLIPS)
    for issue in issues[:len(FLIPS)]:
        first = issue.suspects[0]
        assert first.label == FLIPS[issue.index]
        assert issue.id == f"s{issue.index}"
        # the direction is the flip's: gold now has the label iff the clean data did not
        assert first.gold == (first.label in noisy[issue.index])
        assert (first.prob > 0.5) != first.gold


def test_all_items_ranked_by_quality_when_not_only_flagged(data):
    _, _, noisy, probs = data
    issues = rank_label_issues(noisy, probs, NAMES, flagged_only=False)
    assert len(issues) == 80
    qualities = [i.quality for i in issues]
    assert qualities == sorted(qualities)
    assert sorted(i.index for i in issues[:4]) == sorted(FLIPS)


@pytest.mark.parametrize("seed", [1, 3])
def test_other_seeds_rank_the_flips_first_and_flag_nothing_else(seed: int):
    texts, clean, docs = synthetic(seed=seed)
    noisy = plant(clean, FLIPS)
    probs = out_of_fold_probs(texts, label_matrix(noisy, NAMES), k=5, seed=seed, groups=docs)
    ranked = rank_label_issues(noisy, probs, NAMES, flagged_only=False)
    assert sorted(i.index for i in ranked[:4]) == sorted(FLIPS)
    flagged = rank_label_issues(noisy, probs, NAMES)
    assert flagged and {i.index for i in flagged} <= set(FLIPS)
    loose = rank_label_issues(noisy, probs, NAMES, filter_by="predicted_neq_given")
    assert {i.index for i in loose} >= {i.index for i in flagged}


def test_suspect_description():
    assert Suspect("concession", False, 0.934).describe() == "gold says no concession, model says 0.93"
    assert Suspect("hedging", True, 0.04).describe() == "gold says hedging, model says 0.04"


def test_hand_made_issue_names_both_directions():
    names = ["a", "b"]
    labels = [("a",), ()] * 10 + [("a",)]
    probs = np.array([[0.95, 0.05], [0.05, 0.05]] * 10 + [[0.02, 0.97]])
    (issue, *_) = rank_label_issues(labels, probs, names)
    assert issue.index == 20
    assert issue.describe() == "gold says a, model says 0.02; gold says no b, model says 0.97"


def test_constant_label_in_training_predicts_its_rate():
    y = np.array([[1, 0], [0, 0], [1, 0]])
    out = tfidf_fit_predict(["yes deal", "no deal", "yes"], y, ["yes again"])
    assert out.shape == (1, 2) and out[0, 1] == 0.0 and out[0, 0] > 0.5


def test_groups_keep_a_document_in_one_fold():
    texts = [f"t{i}" for i in range(6)]
    groups = ["a", "a", "b", "b", "c", "c"]
    seen_train = []

    def spy(train_texts, train_y, test_texts):
        seen_train.append((set(train_texts), set(test_texts)))
        return np.zeros((len(test_texts), 1))

    out_of_fold_probs(texts, np.zeros((6, 1)), k=3, groups=groups, fit_predict=spy)
    assert len(seen_train) == 3
    for train, test in seen_train:
        assert not train & test
        assert test in ({"t0", "t1"}, {"t2", "t3"}, {"t4", "t5"})


def test_model_probs_reorders_columns():
    class Fake:
        labels = ["b", "a"]

        def predict_proba(self, texts, batch_size=32):
            return np.array([[0.9, 0.1]] * len(texts))

    np.testing.assert_allclose(model_probs(Fake(), ["x"], ["a", "b"]), [[0.1, 0.9]])
    with pytest.raises(ValueError, match="no output"):
        model_probs(Fake(), ["x"], ["a", "c"])


def test_unknown_label_is_an_error():
    with pytest.raises(ValueError, match="row 1: unknown label 'x'"):
        label_matrix([(), ("x",)], NAMES)
