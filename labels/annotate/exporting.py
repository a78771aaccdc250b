"""Exports of a project: standoff gold (+ texts + a corpus registry + a training config), JSON Lines,
a Hugging Face dataset, and Label Studio / Prodigy files; imports from the last two.

Only usernames ever leave the database: no export reads the users' password hashes.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from sqlalchemy import select

from labels.annotate import service
from labels.annotate.db import Annotation, Database, Document, Item, User
from labels.errors import DataError
from labels.records import write_jsonl
from labels.standoff import StandoffRecord, write_standoff


def _slug(name: str) -> str:
    out = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name.strip().lower()).strip("-")
    return out or "project"


def export_gold(db: Database, project_id: int, out_dir: str | Path, *, splits: dict | None = None) -> dict:
    """Adjudicated gold as the project's standoff format, ready for ``framing train``.

    Writes ``gold.jsonl`` (standoff records), ``texts/<doc_id>.txt`` (the source texts the
    offsets point into), ``corpora.yaml`` (a corpus registry naming both) and ``train.yaml``
    (a training config using it): ``framing train --config OUT/train.yaml``.
    """
    project = service.get_project(db, project_id)
    out = Path(out_dir)
    (out / "texts").mkdir(parents=True, exist_ok=True)
    records = service.gold_records(db, project_id)
    write_standoff(out / "gold.jsonl", [
        StandoffRecord(doc_id=unit[0], start=unit[1], end=unit[2], text_sha256=unit[3], labels=tuple(labels),
                       annotator=annotator, time=time, note=note)
        for unit, labels, annotator, time, note in records])
    doc_ids = sorted({unit[0] for unit, *_ in records})
    with db.session() as s:
        for document in s.scalars(select(Document).where(Document.project_id == project_id,
                                                         Document.doc_id.in_(doc_ids))):
            (out / "texts" / f"{document.doc_id}.txt").write_bytes(document.text.encode("utf-8"))
    name = _slug(project.name)
    registry = {name: {
        "schema": project.schema_name,
        "description": f"Gold adjudicated in the annotation app (project {project.name!r}).",
        "sources": [{"name": name, "format": "standoff", "annotations": "gold.jsonl", "texts": "texts"}],
        "splits": splits or {"train": 0.8, "validation": 0.1, "test": 0.1},
    }}
    (out / "corpora.yaml").write_text(yaml.safe_dump(registry, sort_keys=False), encoding="utf-8")
    train = {"name": f"{name}-minilm", "corpus": str((out / "corpora.yaml").resolve()), "train_splits": ["train"],
             "dev_split": "validation", "test_splits": ["test"], "loao_split": "",
             "output_dir": f"runs/{name}-minilm", "model_card": ""}
    (out / "train.yaml").write_text(yaml.safe_dump(train, sort_keys=False), encoding="utf-8")
    undecided = len(service.disagreements(db, project_id))
    return {"records": len(records), "documents": len(doc_ids), "undecided": undecided, "dir": str(out)}


def project_rows(db: Database, project_id: int) -> list[dict]:
    """One row per sentence with answers: text, offsets, every labeler's labels and the gold (if any)."""
    gold = {unit: (labels, annotator) for unit, labels, annotator, *_ in service.gold_records(db, project_id)}
    rows: dict[int, dict] = {}
    with db.reading() as s:
        for item, doc, username, labels in service._annotations(s, project_id):
            unit = service.unit_of(item, doc)
            row = rows.setdefault(item.id, {
                "doc_id": doc.doc_id, "sentence_index": item.sentence_index, "start": item.start, "end": item.end,
                "text": item.text, "text_sha256": item.text_sha256, "annotations": {},
                "gold": list(gold[unit][0]) if unit in gold else None})
            row["annotations"][username] = list(labels)
    return list(rows.values())


def export_jsonl(db: Database, project_id: int, path: str | Path) -> int:
    rows = project_rows(db, project_id)
    write_jsonl(path, rows)
    return len(rows)


def _interchange_items(db: Database, project_id: int, *, gold_only: bool = False) -> list:
    from labels.interchange import InterchangeItem

    items = []
    for row in project_rows(db, project_id):
        base = dict(doc_id=row["doc_id"], sentence_index=row["sentence_index"], start=row["start"], end=row["end"],
                    text=row["text"])
        if row["gold"] is not None:
            items.append(InterchangeItem(**base, labels=tuple(row["gold"]), annotator="gold"))
        if not gold_only:
            for name, labels in sorted(row["annotations"].items()):
                items.append(InterchangeItem(**base, labels=tuple(labels), annotator=name))
    return items


def export_interchange(db: Database, project_id: int, path: str | Path, fmt: str, *, gold_only: bool = False) -> int:
    """Label Studio JSON (``label-studio``) or Prodigy JSONL (``prodigy``), via ``labels.interchange``."""
    from labels import interchange

    project = service.get_project(db, project_id)
    schema = service.project_schema(project)
    items = _interchange_items(db, project_id, gold_only=gold_only)
    if fmt == "label-studio":
        interchange.write_label_studio(path, items)
    elif fmt == "prodigy":
        interchange.write_prodigy(path, items, schema)
    else:
        raise DataError(f"unknown interchange format {fmt!r}; use label-studio or prodigy")
    return len(items)


def import_interchange(db: Database, project_id: int, path: str | Path, fmt: str) -> dict:
    """Label Studio JSON or Prodigy JSONL in: sentences become items; answers of known users become answers.

    A document not yet in the project is rebuilt from its sentences (kept at their offsets,
    gaps filled with spaces), so exported offsets point at the same sentences.
    """
    from labels import interchange

    project = service.get_project(db, project_id)
    schema = service.project_schema(project)
    reader = {"label-studio": interchange.read_label_studio, "prodigy": interchange.read_prodigy}.get(fmt)
    if reader is None:
        raise DataError(f"unknown interchange format {fmt!r}; use label-studio or prodigy")
    read = reader(path, schema)
    items = list(read.items)
    by_doc: dict[str, list] = {}
    for it in items:
        by_doc.setdefault(it.doc_id, []).append(it)
    with db.session() as s:
        known = set(s.scalars(select(Document.doc_id).where(Document.project_id == project_id)))
    new_docs = []
    for doc_id, its in by_doc.items():
        if doc_id in known:
            continue
        length = max(it.end for it in its)
        chars = [" "] * length
        for it in its:
            chars[it.start:it.end] = list(it.text)
        new_docs.append((doc_id, "".join(chars), str(path)))
    result = service.import_texts(db, project_id, new_docs)
    answers = skipped = 0
    with db.session() as s:
        users = {u.username: u.id for u in s.scalars(select(User))}
        lookup = {(doc.doc_id, item.start, item.end): item for item, doc in s.execute(
            select(Item, Document).join(Document, Document.id == Item.document_id).where(
                Item.project_id == project_id))}
        for it in items:
            item = lookup.get((it.doc_id, it.start, it.end))
            if it.labels is None or item is None or it.annotator not in users:
                skipped += it.labels is not None
                continue
            user_id = users[it.annotator]
            exists = s.scalar(select(Annotation).where(Annotation.item_id == item.id, Annotation.user_id == user_id))
            labels = list(schema.validate_labels(list(it.labels)))
            if exists:
                exists.labels = labels
                continue
            from labels.annotate.db import Assignment

            if s.scalar(select(Assignment).where(Assignment.item_id == item.id,
                                                 Assignment.user_id == user_id)) is None:
                s.add(Assignment(item_id=item.id, user_id=user_id, project_id=project_id))
                item.assigned += 1
            s.add(Annotation(item_id=item.id, user_id=user_id, project_id=project_id, labels=labels))
            answers += 1
    return {"documents": result.documents, "sentences": result.sentences, "answers": answers,
            "skipped_answers": skipped + sum(read.skipped.values()), "errors": result.errors}


def export_hf(db: Database, project_id: int, out_dir: str | Path) -> str:
    """The gold as a Hugging Face dataset saved to disk (``datasets.load_from_disk``), via ``labels.hf_export``."""
    from labels import hf_export

    project = service.get_project(db, project_id)
    schema = service.project_schema(project)
    items = _interchange_items(db, project_id, gold_only=True)
    hf_export.export_items(items, schema, out_dir, source=_slug(project.name))
    return str(out_dir)


def dumps_jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
