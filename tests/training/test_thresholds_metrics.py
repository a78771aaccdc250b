from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score, precision_score, recall_score

from training.metrics import evaluate, indicator
from training.thresholds import GRID, tune_thresholds


def test_threshold_tuning_finds_the_separating_cut():
    scores = np.array([[0.1, 0.9], [0.35, 0.8], [0.6, 0.2], [0.8, 0.1]])
    truth = np.array([[0, 1], [0, 1], [1, 0], [1, 0]], dtype=bool)
    cuts = tune_thresholds(scores, truth)
    assert 0.35 < cuts[0] <= 0.6 and 0.2 < cuts[1] <= 0.8
    # among equally good cuts the one nearest 0.5 wins
    assert cuts[0] == pytest.approx(0.5) and cuts[1] == pytest.approx(0.5)


def test_threshold_without_positives_stays_at_half_and_shape_checked():
    scores = np.array([[0.9], [0.1]])
    assert tune_thresholds(scores, np.zeros((2, 1), dtype=bool)).tolist() == [0.5]
    with pytest.raises(ValueError, match="differ in shape"):
        tune_thresholds(scores, np.zeros((3, 1), dtype=bool))
    assert GRID.min() >= 0.05 and GRID.max() <= 0.95


def test_rare_label_gets_a_low_threshold():
    rng = np.random.default_rng(0)
    truth = rng.random((400, 1)) < 0.05
    scores = np.where(truth, rng.uniform(0.2, 0.45, (400, 1)), rng.uniform(0.0, 0.25, (400, 1)))
    cut = tune_thresholds(scores, truth)[0]
    assert cut < 0.5
    predicted = scores[:, 0] >= cut
    assert f1_score(truth[:, 0], predicted) > 0.8


def test_metrics_match_sklearn():
    rng = np.random.default_rng(1)
    truth = rng.random((300, 4)) < [0.1, 0.3, 0.5, 0.02]
    predicted = np.where(rng.random((300, 4)) < 0.8, truth, ~truth)
    labels = ["a", "b", "c", "d"]
    report = evaluate(truth, predicted, labels, bootstrap=200, seed=0)
    assert report["macro_f1"] == pytest.approx(f1_score(truth, predicted, average="macro", zero_division=0), abs=1e-4)
    assert report["micro_f1"] == pytest.approx(f1_score(truth, predicted, average="micro", zero_division=0), abs=1e-4)
    for j, label in enumerate(labels):
        row = report["per_label"][label]
        assert row["precision"] == pytest.approx(precision_score(truth[:, j], predicted[:, j], zero_division=0),
                                                 abs=1e-4)
        assert row["recall"] == pytest.approx(recall_score(truth[:, j], predicted[:, j], zero_division=0), abs=1e-4)
        assert row["support"] == truth[:, j].sum()
        low, high = row["f1_ci"]
        assert low <= row["f1"] <= high
    low, high = report["macro_f1_ci"]
    assert low <= report["macro_f1"] <= high and high - low < 0.25


def test_bootstrap_is_deterministic_and_narrows_with_more_data():
    rng = np.random.default_rng(2)
    def width(n):
        truth = rng.random((n, 1)) < 0.3
        predicted = np.where(rng.random((n, 1)) < 0.85, truth, ~truth)
        r = evaluate(truth, predicted, ["x"], bootstrap=300, seed=4)
        assert r == evaluate(truth, predicted, ["x"], bootstrap=300, seed=4)
        return r["macro_f1_ci"][1] - r["macro_f1_ci"][0]
    assert width(2000) < width(100)


def test_perfect_and_empty_predictions():
    truth = indicator([("a",), (), ("a", "b")], ["a", "b"])
    perfect = evaluate(truth, truth, ["a", "b"], bootstrap=50)
    assert perfect["macro_f1"] == 1.0 and perfect["macro_f1_ci"] == [1.0, 1.0]
    nothing = evaluate(truth, np.zeros_like(truth), ["a", "b"], bootstrap=0)
    assert nothing["macro_f1"] == 0.0 and nothing["macro_f1_ci"] is None
    with pytest.raises(ValueError, match="shapes differ"):
        evaluate(truth, truth[:2], ["a", "b"])


def test_weights_let_real_text_decide_the_threshold():
    # authored sentences separate at 0.7, real ones at 0.3: weighting the real ones moves the cut
    scores = np.array([[0.8], [0.75], [0.6], [0.2], [0.4], [0.35], [0.1]])
    truth = np.array([[1], [1], [0], [0], [1], [1], [0]], dtype=bool)
    real = np.array([0, 0, 0, 0, 1, 1, 1], dtype=bool)
    unweighted = tune_thresholds(scores[~real], truth[~real])[0]
    weighted = tune_thresholds(scores, truth, weights=np.where(real, 10.0, 1.0))[0]
    assert unweighted > 0.6 and weighted <= 0.35
    assert tune_thresholds(scores, truth, weights=np.ones(7))[0] == tune_thresholds(scores, truth)[0]


def test_rare_labels_keep_the_default_cut_and_micro_objective_beats_per_label_on_micro():
    rng = np.random.default_rng(7)
    n = 600
    truth = np.zeros((n, 3), dtype=bool)
    truth[:, 0] = rng.random(n) < 0.4            # common label
    truth[:6, 1] = True                          # rare label: 6 dev positives
    scores = np.clip(np.where(truth, 0.65, 0.35) + rng.normal(0, 0.2, (n, 3)), 0, 1)
    scores[:, 1] = np.where(truth[:, 1], 0.2, rng.uniform(0, 0.3, n))  # the rare label's positives score low
    per_label = tune_thresholds(scores, truth)
    assert per_label[1] <= 0.2  # fitted to six examples: a cut low enough to flood the output
    guarded = tune_thresholds(scores, truth, min_positives=10)
    assert guarded[1] == 0.5 and guarded[0] == per_label[0]
    micro = tune_thresholds(scores, truth, objective="micro")
    from sklearn.metrics import f1_score
    assert f1_score(truth, scores >= micro, average="micro") >= f1_score(truth, scores >= per_label,
                                                                            average="micro") - 1e-9
    with pytest.raises(ValueError, match="objective"):
        tune_thresholds(scores, truth, objective="macro")
