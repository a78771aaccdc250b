from __future__ import annotations

import math

import pytest
from sklearn.metrics import cohen_kappa_score

from labels.agreement import EXACT_ROW, NONE_ROW, agreement, agreement_markdown

LABELS = ["x", "y"]


def test_perfect_agreement_is_one():
    units = {1: ["x"], 2: [], 3: ["x", "y"], 4: ["y"]}
    report = agreement({"a": units, "b": dict(units)}, LABELS)
    for row in report.rows:
        assert row.alpha == pytest.approx(1.0) and row.percent == 1.0
        assert row.mean_kappa == pytest.approx(1.0)


def test_known_alpha_value():
    # Binary codes a=[1,1,0,0], b=[1,0,0,0]: coincidences o00=4, o01=o10=1, o11=2,
    # n0=5, n1=3, n=8 -> alpha = 1 - (n-1) * o01 / (n0 * n1) = 1 - 7/15 = 8/15.
    a = {1: ["x"], 2: ["x"], 3: [], 4: []}
    b = {1: ["x"], 2: [], 3: [], 4: []}
    report = agreement({"a": a, "b": b}, LABELS)
    row = report.row("x")
    assert row.alpha == pytest.approx(8 / 15)
    assert row.kappa[("a", "b")] == pytest.approx(cohen_kappa_score([1, 1, 0, 0], [1, 0, 0, 0]))
    assert row.percent == pytest.approx(0.75)
    assert row.positives == {"a": 2, "b": 1}
    # 'y' never used by anyone: undefined, not perfect
    assert math.isnan(report.row("y").alpha)
    assert report.row(NONE_ROW).positives == {"a": 2, "b": 3}


def test_missing_units_count_for_alpha_not_kappa():
    a = {1: ["x"], 2: [], 3: ["x"], 4: []}
    b = {1: ["x"], 2: [], 3: ["x"]}
    c = {1: ["x"], 2: ["x"], 4: []}
    report = agreement({"a": a, "b": b, "c": c}, LABELS)
    assert report.units == 4 and report.units_all == 2
    assert set(report.row("x").kappa) == {("a", "b"), ("a", "c"), ("b", "c")}
    assert report.row("x").kappa[("a", "b")] == pytest.approx(1.0)


def test_exact_set_row_and_markdown():
    a = {1: ["x", "y"], 2: ["x"]}
    b = {1: ["x"], 2: ["x"]}
    report = agreement({"a": a, "b": b}, LABELS)
    assert report.row(EXACT_ROW).percent == 0.5
    text = agreement_markdown(report)
    assert "| x |" in text and "| exact set |" in text and "2 units, 2 labelled by all of: a, b" in text


def test_needs_two_annotators():
    with pytest.raises(ValueError, match="at least two"):
        agreement({"a": {1: []}}, LABELS)
