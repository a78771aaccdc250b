from __future__ import annotations

import numpy as np
import pytest

from training.significance import bootstrap_interval, macro_f1, micro_f1, paired_bootstrap


def data(n_docs: int = 40, per_doc: int = 5, seed: int = 0):
    rng = np.random.default_rng(seed)
    truth = rng.random((n_docs * per_doc, 3)) < 0.3
    docs = [f"d{i // per_doc}" for i in range(n_docs * per_doc)]
    return truth, docs, rng


def noisy(truth: np.ndarray, flip: float, rng) -> np.ndarray:
    return np.where(rng.random(truth.shape) < flip, ~truth, truth)


def test_metrics_on_known_values():
    truth = np.array([[1, 0], [1, 1], [0, 0]], dtype=bool)
    predicted = np.array([[1, 0], [0, 1], [0, 1]], dtype=bool)
    # label 0: tp1 fn1 -> F1 2/3; label 1: tp1 fp1 -> F1 2/3; micro: tp2 fp1 fn1 -> 2/3
    assert macro_f1(truth, predicted) == pytest.approx(2 / 3)
    assert micro_f1(truth, predicted) == pytest.approx(2 / 3)
    assert np.isnan(macro_f1(np.zeros((2, 1), bool), np.zeros((2, 1), bool)))


def test_identical_models_are_not_different():
    truth, docs, rng = data()
    predicted = noisy(truth, 0.2, rng)
    test = paired_bootstrap(truth, predicted, predicted.copy(), docs, samples=300)
    assert test.difference == 0.0 and test.p_value == 1.0


def test_a_much_better_model_is_significant_and_an_equal_one_is_not():
    truth, docs, rng = data(n_docs=60)
    good, bad = noisy(truth, 0.05, rng), noisy(truth, 0.35, rng)
    clear = paired_bootstrap(truth, good, bad, docs, samples=500)
    assert clear.difference > 0.3 and clear.p_value < 0.01 and clear.low > 0
    # equally good models with independent errors: no real difference to find
    twin_a, twin_b = noisy(truth, 0.15, np.random.default_rng(11)), noisy(truth, 0.15, np.random.default_rng(12))
    even = paired_bootstrap(truth, twin_a, twin_b, docs, samples=500)
    assert abs(even.difference) < 0.05 and even.p_value > 0.05 and even.low < 0 < even.high
    # a model strictly worse on the same sentences is detected even when the gap is small (that is pairing)
    worse = np.where(np.random.default_rng(5).random(truth.shape) < 0.02, ~good, good)
    assert paired_bootstrap(truth, good, worse, docs, samples=500).p_value < 0.05
    swapped = paired_bootstrap(truth, bad, good, docs, samples=500, seed=0)
    assert swapped.difference == pytest.approx(-clear.difference) and swapped.p_value < 0.01


def test_interval_contains_the_value_and_resamples_documents():
    truth, docs, rng = data()
    predicted = noisy(truth, 0.2, rng)
    interval = bootstrap_interval(truth, predicted, docs, samples=400, seed=3)
    assert interval.low <= interval.value <= interval.high
    assert interval == bootstrap_interval(truth, predicted, docs, samples=400, seed=3)  # deterministic
    # one document only: every resample is that document, so the interval collapses to the value
    single = bootstrap_interval(truth[:5], predicted[:5], docs[:5], samples=100)
    assert single.low == pytest.approx(single.value) == pytest.approx(single.high)
    # grouping matters: documents are resampled whole, giving wider intervals than sentence resampling
    by_doc = bootstrap_interval(truth, predicted, docs, samples=400)
    by_sentence = bootstrap_interval(truth, predicted, [str(i) for i in range(len(docs))], samples=400)
    assert by_doc.high - by_doc.low > 0 and by_sentence.high - by_sentence.low > 0


def test_seed_axis_averages_the_metric():
    truth, docs, rng = data()
    seeds = np.stack([noisy(truth, 0.1, rng), noisy(truth, 0.3, rng)])
    interval = bootstrap_interval(truth, seeds, docs, samples=200)
    assert interval.value == pytest.approx(np.mean([macro_f1(truth, p) for p in seeds]))
