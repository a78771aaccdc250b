from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from classifier.backends import choose_backend, label_agreement, with_backend
from classifier.inputs import Document
from classifier.model import FramingModel
from classifier.tagger import Tagger

ARTICLE = ("Union digs in as talks collapse\n"
           "• The union said its demands remain unchanged and must be met.\n\n"
           "“We are ready for dialogue at any time,” the minister said. It is unclear if talks may resume next week.\n"
           "The company raised its pay offer and dropped the demand.")


@pytest.fixture(scope="module")
def tagger(tiny_framing_model) -> Tagger:
    return Tagger.from_pretrained(tiny_framing_model, backend="torch-fp32")


def test_tag_returns_sentences_with_exact_offsets_labels_and_scores(tagger):
    doc = tagger.tag(ARTICLE, doc_id="a1")
    assert doc.doc_id == "a1" and len(doc.sentences) == 5
    for s in doc.sentences:
        assert ARTICLE[s.start:s.end] == s.text
        assert set(s.scores) == {"maximalist_demand", "concession", "posturing", "hedging"}
        assert all(0.0 <= v <= 1.0 for v in s.scores.values())
        assert set(s.labels) <= set(s.scores)
    assert doc.sentences[1].text.startswith("The union")  # the bullet glyph is not part of the sentence
    assert [s.break_before for s in doc.sentences] == [False, True, True, False, True]
    records = doc.records()
    assert records[2]["n_sentences"] == 5 and records[2]["model"].startswith("tiny-framing@")


def test_labels_follow_the_thresholds(tagger):
    doc = tagger.tag(ARTICLE)
    thresholds = tagger.model.thresholds
    for s in doc.sentences:
        assert set(s.labels) == {k for k, v in s.scores.items() if v >= thresholds[k] - 5e-5}


def test_tag_many_streams_in_input_order_and_matches_tag(tagger):
    docs = [Document(doc_id=f"d{i}", text=ARTICLE if i % 2 else "Talks resumed on Monday.", origin="x")
            for i in range(7)]
    small = Tagger(tagger.model, buffer_sentences=3)  # forces several scoring rounds
    out = list(small.tag_many(iter(docs)))
    assert [d.doc_id for d in out] == [d.doc_id for d in docs]
    single = tagger.tag(ARTICLE, doc_id="d1")
    assert [s.scores for s in out[1].sentences] == [s.scores for s in single.sentences]


def test_empty_document_has_no_sentences(tagger):
    assert tagger.tag("   \n\n").sentences == []


def test_missing_model_directory_is_a_clear_error(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="no model at .*nope"):
        Tagger.from_pretrained(tmp_path / "nope")


def test_backends_agree_with_fp32_and_auto_choice_is_cached(tiny_framing_model, tmp_path: Path):
    model = FramingModel.from_pretrained(tiny_framing_model)
    texts = [ARTICLE.splitlines()[i % 4] for i in range(40)]
    reference = model.predict_proba(texts)
    onnx = with_backend(model, "onnx-fp32", cache_dir=tmp_path)
    np.testing.assert_allclose(onnx.predict_proba(texts), reference, atol=1e-4)
    bf16 = with_backend(model, "torch-bf16")
    assert np.abs(bf16.predict_proba(texts) - reference).max() < 0.05
    best, checks = choose_backend(model, texts, cache_dir=tmp_path, candidates=("onnx-fp32",))
    assert {c.backend for c in checks} == {"torch-fp32", "onnx-fp32"}
    assert best in {"torch-fp32", "onnx-fp32"} and all(c.ok for c in checks)
    cached, cached_checks = choose_backend(model, texts, cache_dir=tmp_path, candidates=("onnx-fp32",))
    assert cached == best and cached_checks == checks
    with pytest.raises(ValueError, match="unknown backend"):
        with_backend(model, "gpu")


def test_a_backend_that_changes_labels_is_never_chosen(tiny_framing_model, tmp_path: Path, monkeypatch):
    import classifier.backends as backends

    model = FramingModel.from_pretrained(tiny_framing_model)

    class Flipper:
        name = "onnx-int8"

        def __init__(self, *args, **kwargs):
            pass

        def __call__(self, batch):
            return -model.logits(batch)  # every label flips: fast, and wrong

    monkeypatch.setattr(backends, "OnnxRunner", Flipper)
    best, checks = choose_backend(model, ARTICLE.splitlines(), cache_dir=tmp_path, candidates=("onnx-int8",))
    assert best == "torch-fp32"
    flipped = next(c for c in checks if c.backend == "onnx-int8")
    assert not flipped.ok and flipped.identical_share < 0.99
    assert label_agreement([("a",), ()], [("a",), ("b",)]) == 0.5
