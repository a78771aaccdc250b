from __future__ import annotations

import numpy as np
import pytest

from labels.active import UncertaintyQueue, margins, uncertainty_order, uncertainty_scores
from labels.errors import UnknownLabelError
from labels.schema import load_schema

PROBS = np.array([
    [0.10, 0.90],  # confident on both: min margin 0.8
    [0.45, 0.00],  # margins 0.1, 1.0 (mean 0.55)
    [0.55, 0.20],  # margins 0.1, 0.6 (mean 0.35): same min as row 1, less sure overall
    [0.50, 0.50],  # on the boundary
    [0.55, 0.20],  # identical to row 2: the pool position breaks the tie
])


def test_margins_are_normalised_per_side_of_the_threshold():
    m = margins(np.array([[0.6, 0.1, 0.2, 1.0]]), [0.2, 0.2, 0.2, 0.2])
    np.testing.assert_allclose(m, [[0.5, 0.5, 0.0, 1.0]])


def test_uncertainty_order_exact():
    assert uncertainty_order(PROBS).tolist() == [3, 2, 4, 1, 0]
    np.testing.assert_allclose(uncertainty_scores(PROBS), [0.2, 0.9, 0.9, 1.0, 0.9])


def test_per_label_thresholds_change_the_order():
    probs = np.array([[0.12], [0.30]])
    # raw distance |p - 0.2| would put row 0 first (0.08 < 0.10); normalised, row 1 is closer (0.125 < 0.4)
    assert uncertainty_order(probs, [0.2]).tolist() == [1, 0]
    assert uncertainty_order(probs, 0.5).tolist() == [1, 0]
    assert uncertainty_order(probs, 0.13).tolist() == [0, 1]  # 0.077 < 0.195


def test_uncertainty_order_rejects_bad_input():
    with pytest.raises(ValueError, match="2-D"):
        uncertainty_order(np.array([0.1, 0.2]))
    with pytest.raises(ValueError, match="strictly between"):
        uncertainty_order(PROBS, [0.5, 1.0])
    assert uncertainty_order(np.zeros((0, 2))).tolist() == []


def make_queue(**kw) -> tuple[UncertaintyQueue, list]:
    ids = ["a", "b", "c", "d", "e"]
    table = dict(zip(ids, PROBS))
    calls: list = []

    def predict(batch):
        calls.append(list(batch))
        return np.array([table[i] for i in batch])

    return UncertaintyQueue(ids, predict, **kw), calls


def test_query_then_update_moves_on():
    queue, calls = make_queue()
    assert queue.query(2) == ["d", "c"]
    queue.update(["d", "c"], [["x"], []])
    assert queue.query(2) == ["e", "b"]
    assert calls[-1] == ["a", "b", "e"]  # only unlabelled ids are scored
    assert queue.query(2, exclude=["e"]) == ["b", "a"]
    assert queue.query(10) == ["e", "b", "a"]
    assert queue.labelled == {"d": ("x",), "c": ()}


def test_refit_runs_every_n_new_labels():
    seen = []
    queue, _ = make_queue(refit=lambda labelled: seen.append(sorted(labelled)), refit_every=2)
    queue.update(["a"], [["x"]])
    assert seen == []
    queue.update(["a"], [["y"]])  # relabelling is not a new label
    assert seen == [] and queue.labelled["a"] == ("y",)
    queue.update(["b"], [[]])
    assert seen == [["a", "b"]]


def test_cold_start_without_a_model_keeps_pool_order():
    queue = UncertaintyQueue(["x", "y", "z"])
    queue.update(["x"], [[]])
    assert queue.query(5) == ["y", "z"]
    assert queue.scores() == {}


def test_schema_validates_labels_and_columns():
    schema = load_schema("framing")
    queue = UncertaintyQueue(["s1", "s2"], lambda ids: np.full((len(ids), 2), 0.5), schema=schema)
    with pytest.raises(UnknownLabelError):
        queue.update(["s1"], [["concesion"]])
    queue.update(["s1"], [["hedging", "posturing"]])
    assert queue.labelled["s1"] == tuple(n for n in schema.label_names if n in {"hedging", "posturing"})
    with pytest.raises(ValueError, match="columns"):
        queue.query(1)
    with pytest.raises(KeyError):
        queue.update(["nope"], [[]])
