"""The Python API under the web app: import, assignment with overlap k, submit, agreement, review, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labels.annotate import exporting, service
from labels.errors import DataError
from labels.schema import load_schema
from labels.standoff import read_standoff, text_sha256
from tests.annotate.conftest import ARTICLE


def label_all(db, project_id, user, choose):
    done = []
    while (view := service.next_item(db, project_id, user.id)) is not None:
        service.submit(db, project_id, user.id, view.item_id, choose(view))
        done.append(view.item_id)
    return done


def test_import_segments_with_exact_offsets_and_reports_bad_inputs(db, people, tmp_path: Path):
    project = service.create_project(db, "p", overlap=1)
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "b.html").write_text("<html><body><article><p>" + "The minister said talks may resume. " * 3 +
                                     "</p><p>They will never accept it.</p></article></body></html>", encoding="utf-8")
    (tmp_path / "c.jsonl").write_text(json.dumps({"id": "c1", "text": "We demand everything."}) + "\n{bad\n",
                                      encoding="utf-8")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    result = service.import_documents(db, project.id, [tmp_path])
    assert result.documents == 3
    assert any("malformed JSON" in e for e in result.errors) and any("empty" in e for e in result.errors)
    again = service.import_texts(db, project.id, [("a", ARTICLE, "x"), ("bad/id", "Text.", "y")])
    assert again.documents == 0 and len(again.errors) == 2
    with db.session() as s:
        from sqlalchemy import select

        from labels.annotate.db import Document, Item

        for item, doc in s.execute(select(Item, Document).join(Document, Document.id == Item.document_id)):
            assert doc.text[item.start:item.end] == item.text
            assert item.text_sha256 == text_sha256(item.text)


def test_overlap_k_each_sentence_gets_at_most_k_distinct_labelers(db, people, project):
    seen = {}
    for name in ("ann", "bob", "cy"):
        seen[name] = label_all(db, project.id, people[name], lambda v: [])
    assert len(seen["ann"]) == len(seen["bob"]) == 4  # first two labelers take every sentence
    assert seen["cy"] == []  # k = 2: nothing left for a third
    assert service.progress(db, project.id, people["cy"].id) == {"done": 0, "remaining": 0}


def test_queue_is_deterministic_article_order_and_next_returns_the_open_item(db, people, project):
    first = service.next_item(db, project.id, people["ann"].id)
    assert first.sentence_index == 0 and "20% raise" in first.text
    again = service.next_item(db, project.id, people["ann"].id)
    assert again.item_id == first.item_id  # an unanswered item stays current (no second claim)
    assert first.before == "" and first.after.startswith("\nThe company")
    assert first.done == 0 and first.remaining == 4


def test_submit_refuses_items_not_held_and_unknown_labels(db, people, project):
    view = service.next_item(db, project.id, people["ann"].id)
    with pytest.raises(service.AccessError):
        service.submit(db, project.id, people["bob"].id, view.item_id + 1, [])
    with pytest.raises(service.AccessError):
        service.item_for_user(db, project.id, people["bob"].id, view.item_id)
    with pytest.raises(DataError, match="unknown label"):
        service.submit(db, project.id, people["ann"].id, view.item_id, ["hedgin"])


def test_resubmit_changes_the_answer_and_back_goes_to_the_previous_item(db, people, project):
    ann = people["ann"]
    a = service.next_item(db, project.id, ann.id)
    assert service.submit(db, project.id, ann.id, a.item_id, ["maximalist_demand"])[1] is True
    b = service.next_item(db, project.id, ann.id)
    service.submit(db, project.id, ann.id, b.item_id, ["concession", "hedging"])
    current = service.next_item(db, project.id, ann.id)
    assert service.previous_item_id(db, project.id, ann.id, current.item_id) == b.item_id
    assert service.previous_item_id(db, project.id, ann.id, b.item_id) == a.item_id
    _, created = service.submit(db, project.id, ann.id, b.item_id, ["hedging", "concession"])
    assert created is False
    assert service.item_for_user(db, project.id, ann.id, b.item_id).labels == ["concession", "hedging"]
    assert service.progress(db, project.id, ann.id)["done"] == 2


def test_agreement_disagreements_adjudication_and_gold(db, people, project):
    answers = {0: (["maximalist_demand"], ["maximalist_demand"]), 1: (["concession", "hedging"], ["concession"]),
               2: (["hedging"], ["hedging"]), 3: ([], [])}
    for i, name in enumerate(("ann", "bob")):
        label_all(db, project.id, people[name], lambda v, i=i: answers[v.sentence_index][i])
    summary = service.agreement_for_project(db, project.id)
    report = summary.report
    assert report.annotators == ("ann", "bob") and report.units == 4
    assert report.row("maximalist_demand").alpha == pytest.approx(1.0)
    assert report.row("hedging").kappa[("ann", "bob")] == pytest.approx(0.5)
    assert {row["labeler"] for row in summary.per_labeler} == {"ann", "bob"}
    open_items = service.disagreements(db, project.id)
    assert [d.answers for d in open_items] == [{"ann": ["concession", "hedging"], "bob": ["concession"]}]
    assert len(service.gold_records(db, project.id)) == 3  # the disagreement waits for a decision
    service.adjudicate(db, project.id, open_items[0].item_id, people["rita"].id, ["concession"], note="no hedge")
    assert service.disagreements(db, project.id) == []
    gold = service.gold_records(db, project.id)
    assert [labels for _, labels, *_ in gold] == [("maximalist_demand",), ("concession",), ("hedging",), ()]
    assert gold[1][2] == "rita" and gold[0][2] == "ann+bob"


def test_agreement_needs_two_labelers(db, people, project):
    label_all(db, project.id, people["ann"], lambda v: [])
    assert service.agreement_for_project(db, project.id).report is None


def test_gold_export_is_standoff_and_loads_as_a_training_corpus(db, people, project, tmp_path: Path):
    for name in ("ann", "bob"):
        label_all(db, project.id, people[name], lambda v: ["hedging"] if v.sentence_index == 2 else [])
    info = exporting.export_gold(db, project.id, tmp_path / "gold")
    assert info == {"records": 4, "documents": 1, "undecided": 0, "dir": str(tmp_path / "gold")}
    schema = load_schema("framing")
    records = [r for _, r in read_standoff(tmp_path / "gold" / "gold.jsonl", schema)]
    assert [r.labels for r in records] == [(), (), ("hedging",), ()]
    from labels.corpora import load_corpus
    from training.config import TrainConfig

    corpus = load_corpus(str(tmp_path / "gold" / "corpora.yaml"))
    assert [ex.text for ex in corpus.examples][2] == "It is too early to say whether a strike can be avoided."
    config = TrainConfig.from_yaml(tmp_path / "gold" / "train.yaml")
    assert load_corpus(config.corpus).name == "strike-talks"
    assert config.train_splits == ["train"] and config.loao_split == ""


def test_jsonl_and_interchange_exports_round_trip(db, people, project, tmp_path: Path):
    pytest.importorskip("labels.interchange")
    for name in ("ann", "bob"):
        label_all(db, project.id, people[name], lambda v, n=name: ["hedging"] if n == "ann" else [])
    assert exporting.export_jsonl(db, project.id, tmp_path / "all.jsonl") == 4
    rows = [json.loads(line) for line in (tmp_path / "all.jsonl").read_text().splitlines()]
    assert rows[0]["annotations"] == {"ann": ["hedging"], "bob": []} and rows[0]["gold"] is None
    for fmt, name in (("label-studio", "ls.json"), ("prodigy", "p.jsonl")):
        assert exporting.export_interchange(db, project.id, tmp_path / name, fmt) == 8
        other = service.create_project(db, f"copy-{fmt}", overlap=2)
        result = exporting.import_interchange(db, other.id, tmp_path / name, fmt)
        assert result["answers"] == 8 and result["sentences"] == 4
        assert service.annotation_table(db, other.id) == service.annotation_table(db, project.id)


def test_suggestions_prefill_but_are_never_stored_until_submitted(db, people, tmp_path: Path, framing_model_dir):
    project = service.create_project(db, "with model", overlap=1, order="uncertainty", model_dir=framing_model_dir)
    service.import_texts(db, project.id, [("strike", ARTICLE, "t")])
    assert service.compute_suggestions(db, project.id) == 4
    view = service.next_item(db, project.id, people["ann"].id)
    assert view.suggestion is not None and set(view.scores) == set(load_schema("framing").label_names)
    assert service.annotation_table(db, project.id) == {}  # a shown suggestion is not an answer
    # uncertainty order: the first item is the most uncertain of the four
    with db.session() as s:
        from sqlalchemy import select

        from labels.annotate.db import Item

        uncertainties = {i.id: i.uncertainty for i in s.scalars(select(Item).where(Item.project_id == project.id))}
    assert uncertainties[view.item_id] == max(uncertainties.values())
    service.submit(db, project.id, people["ann"].id, view.item_id, view.suggestion, suggested=view.suggestion)
    assert len(service.annotation_table(db, project.id)["ann"]) == 1


def test_query_moves_the_most_uncertain_open_items_to_the_front(db, people, framing_model_dir):
    project = service.create_project(db, "al", overlap=1, model_dir=framing_model_dir)  # article order
    service.import_texts(db, project.id, [("strike", ARTICLE, "t")])
    service.compute_suggestions(db, project.id)
    chosen = service.query(db, project.id, 2)
    assert len(chosen) == 2
    got = [service.next_item(db, project.id, people["ann"].id).item_id]
    service.submit(db, project.id, people["ann"].id, got[0], [])
    got.append(service.next_item(db, project.id, people["ann"].id).item_id)
    assert got == chosen


def test_migrations_are_at_head_and_idempotent(db):
    assert db.current_revision() == "0001"
    db.migrate()
    assert db.current_revision() == "0001"


def test_passwords_are_argon2id_hashes(db, people):
    from labels.annotate.db import User

    with db.session() as s:
        hashed = s.get(User, people["ann"].id).password_hash
    assert hashed.startswith("$argon2id$") and "labeler-ann-1" not in hashed
    assert service.authenticate(db, "ann", "labeler-ann-1") is not None
    assert service.authenticate(db, "ann", "wrong-password") is None
    assert service.authenticate(db, "nobody", "whatever1") is None


def test_a_training_config_may_name_a_corpus_registry_file(tmp_path: Path):
    from labels.corpora import corpus_reference

    registry = tmp_path / "two.yaml"
    registry.write_text("a:\n  schema: framing\n  sources: [{name: s, format: standoff, annotations: g.jsonl, "
                        "texts: t, split: train}]\nb:\n  schema: framing\n  sources: [{name: s, format: standoff, "
                        "annotations: g.jsonl, texts: t, split: train}]\n", encoding="utf-8")
    assert corpus_reference("framing") == ("framing", corpus_reference("framing")[1])
    assert corpus_reference(f"{registry}#b") == ("b", str(registry))
    with pytest.raises(DataError, match="declares 2 corpora"):
        corpus_reference(str(registry))
    with pytest.raises(DataError, match="not found"):
        corpus_reference(str(tmp_path / "missing.yaml"))
