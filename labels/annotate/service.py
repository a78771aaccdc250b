"""The annotation app's Python API: every page and command is a thin layer over these functions.

Each function runs in one database transaction; a submitted annotation is
acknowledged (returned) only after its transaction committed.

Assignment with overlap k: a labeler's queue is the project's items, in queue order
(article order, or model uncertainty), that fewer than k labelers hold and that
this labeler does not hold yet. Fetching the next item claims it with one
conditional ``UPDATE items SET assigned = assigned + 1 WHERE assigned < k``, so no
item is ever held by more than k labelers, even under concurrent fetches, and a
unique (item, labeler) constraint makes a duplicate annotation impossible.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from labels.annotate.db import (
    ROLES,
    Annotation,
    Assignment,
    Database,
    Decision,
    Document,
    Item,
    Project,
    Setting,
    User,
    utcnow,
)
from labels.errors import DataError
from labels.schema import Schema, load_schema
from labels.segmentation import segment

_hasher = PasswordHasher()
ORDERS = ("article", "uncertainty")
CONTEXT_SENTENCES = 3


class AccessError(DataError):
    """The user may not do this (wrong role, or an item that is not theirs)."""


class NotFound(DataError):
    pass


# ---- users -------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def add_user(db: Database, username: str, password: str, role: str = "labeler") -> User:
    if role not in ROLES:
        raise DataError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    username = username.strip()
    if not username or len(username) > 80:
        raise DataError("username must be 1-80 characters")
    if len(password) < 8:
        raise DataError("password must have at least 8 characters")
    try:
        with db.session() as s:
            user = User(username=username, password_hash=hash_password(password), role=role, active=True)
            s.add(user)
            s.flush()
            return user
    except IntegrityError:
        raise DataError(f"user {username!r} already exists") from None


def set_password(db: Database, username: str, password: str) -> None:
    if len(password) < 8:
        raise DataError("password must have at least 8 characters")
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"no user {username!r}")
        user.password_hash = hash_password(password)


def authenticate(db: Database, username: str, password: str) -> User | None:
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            _hasher.hash(password)  # same cost whether or not the user exists
            return None
        try:
            _hasher.verify(user.password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        return user


def get_user(db: Database, user_id: int) -> User | None:
    with db.reading() as s:
        return s.get(User, user_id)


def list_users(db: Database) -> list[User]:
    with db.reading() as s:
        return list(s.scalars(select(User).order_by(User.username)))


def secret_key(db: Database) -> str:
    """The session-signing secret, created once and kept in the database (survives restarts)."""
    try:
        with db.session() as s:
            row = s.get(Setting, "secret_key")
            if row is None:
                row = Setting(key="secret_key", value=secrets.token_hex(32))
                s.add(row)
            return row.value
    except IntegrityError:  # another server process created it first
        with db.session() as s:
            return s.get(Setting, "secret_key").value


# ---- projects and import -----------------------------------------------------------------


def create_project(db: Database, name: str, schema: str = "framing", *, overlap: int = 2, order: str = "article",
                   model_dir: str | Path | None = None, prefill: bool = True) -> Project:
    load_schema(schema)  # fails early with the list of schemas
    if overlap < 1:
        raise DataError(f"overlap k must be at least 1, got {overlap}")
    if order not in ORDERS:
        raise DataError(f"order must be one of {', '.join(ORDERS)}, got {order!r}")
    if order == "uncertainty" and not model_dir:
        raise DataError("ordering by uncertainty needs a model directory (--model)")
    if model_dir and not Path(model_dir).is_dir():
        raise DataError(f"model directory {model_dir} not found")
    name = name.strip()
    if not name:
        raise DataError("a project needs a name")
    try:
        with db.session() as s:
            project = Project(name=name, schema_name=str(schema), overlap=overlap, queue_order=order,
                              model_dir=str(model_dir) if model_dir else None, prefill=prefill)
            s.add(project)
            s.flush()
            return project
    except IntegrityError:
        raise DataError(f"project {name!r} already exists") from None


def set_model(db: Database, project_id: int, model_dir: str | Path | None, *, order: str | None = None) -> Project:
    """Point a project at a (re)trained model for suggestions; optionally change its queue order."""
    if model_dir and not Path(model_dir).is_dir():
        raise DataError(f"model directory {model_dir} not found")
    if order is not None and order not in ORDERS:
        raise DataError(f"order must be one of {', '.join(ORDERS)}, got {order!r}")
    with db.session() as s:
        project = _require_project(s, project_id)
        project.model_dir = str(model_dir) if model_dir else None
        if order is not None:
            project.queue_order = order
        if project.queue_order == "uncertainty" and not project.model_dir:
            raise DataError("ordering by uncertainty needs a model directory")
        s.execute(update(Item).where(Item.project_id == project_id).values(probs=None, uncertainty=None))
        return project


def get_project(db: Database, project: int | str) -> Project:
    with db.reading() as s:
        found = s.get(Project, project) if isinstance(project, int) else s.scalar(
            select(Project).where(Project.name == project))
        if found is None:
            raise NotFound(f"no project {project!r}")
        return found


def list_projects(db: Database) -> list[Project]:
    with db.reading() as s:
        return list(s.scalars(select(Project).order_by(Project.id)))


def project_schema(project: Project) -> Schema:
    return load_schema(project.schema_name)


@dataclass
class ImportResult:
    documents: int = 0
    sentences: int = 0
    errors: list[str] = field(default_factory=list)


def _valid_doc_id(doc_id: str) -> str | None:
    if not doc_id or "/" in doc_id or "\\" in doc_id or doc_id in (".", "..") or len(doc_id) > 255:
        return None
    return doc_id


def import_texts(db: Database, project_id: int, documents: Iterable[tuple[str, str, str]]) -> ImportResult:
    """Add ``(doc_id, text, origin)`` documents, each segmented into sentence items with exact offsets."""
    result = ImportResult()
    with db.session() as s:
        project = s.get(Project, project_id)
        if project is None:
            raise NotFound(f"no project {project_id}")
        existing = set(s.scalars(select(Document.doc_id).where(Document.project_id == project_id)))
        doc_pos = s.scalar(select(func.coalesce(func.max(Document.position), -1)).where(
            Document.project_id == project_id)) + 1
        item_pos = s.scalar(select(func.coalesce(func.max(Item.position), -1)).where(
            Item.project_id == project_id)) + 1
        for doc_id, text, origin in documents:
            if _valid_doc_id(doc_id) is None:
                result.errors.append(f"{origin}: document id {doc_id!r} must be a plain name (no '/')")
                continue
            if doc_id in existing:
                result.errors.append(f"{origin}: document {doc_id!r} is already in the project (skipped)")
                continue
            sentences = [x for x in segment(text)]
            if not sentences:
                result.errors.append(f"{origin}: no sentences found")
                continue
            document = Document(project_id=project_id, doc_id=doc_id, text=text, origin=origin, position=doc_pos)
            s.add(document)
            s.flush()
            doc_pos += 1
            existing.add(doc_id)
            for sentence in sentences:
                s.add(Item(project_id=project_id, document_id=document.id, sentence_index=sentence.index,
                           start=sentence.start, end=sentence.end, text=sentence.text,
                           text_sha256=hashlib.sha256(sentence.text.encode("utf-8")).hexdigest(),
                           position=item_pos, priority=float(item_pos), assigned=0))
                item_pos += 1
            result.documents += 1
            result.sentences += len(sentences)
    return result


def import_documents(db: Database, project_id: int, paths: Sequence[str | Path], *, id_field: str = "id",
                     text_field: str = "text", suggest: bool = True) -> ImportResult:
    """Import .txt, .html (main text via trafilatura) and .jsonl files or folders; bad inputs are reported."""
    from classifier.inputs import InputError, ReadOptions, iter_documents

    docs, errors = [], []
    for doc in iter_documents(paths, ReadOptions(id_field=id_field, text_field=text_field)):
        if isinstance(doc, InputError):
            errors.append(str(doc))
        else:
            docs.append((doc.doc_id, doc.text, doc.origin))
    result = import_texts(db, project_id, docs)
    result.errors[:0] = errors
    if suggest and result.sentences and get_project(db, project_id).model_dir:
        compute_suggestions(db, project_id)
    return result


# ---- model suggestions and uncertainty order ---------------------------------------------


def _uncertainty(probs, thresholds) -> list[float]:
    """Per-row uncertainty: closeness of the most borderline label to its threshold (1 = on it)."""
    import numpy as np

    try:
        from labels.active import uncertainty_scores
    except ImportError:
        pass
    else:
        return [float(x) for x in uncertainty_scores(np.asarray(probs, dtype=float), thresholds)]

    probs = np.asarray(probs, dtype=float)
    cut = np.asarray(thresholds, dtype=float)
    margin = np.abs(probs - cut) / np.where(probs >= cut, 1 - cut, cut).clip(1e-9)
    return list(1.0 - margin.min(axis=1))


def uncertainty_ranking(probs, thresholds) -> list[int]:
    """Row indices, most uncertain first (``labels.active.uncertainty_order`` when available)."""
    try:
        from labels.active import uncertainty_order
    except ImportError:  # integration point: the shared active-learning module
        scores = _uncertainty(probs, thresholds)
        return sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    return [int(i) for i in uncertainty_order(probs, thresholds)]


_MODELS: dict[str, object] = {}


def load_model(model_dir: str | Path):
    from classifier.model import FramingModel

    key = str(Path(model_dir).resolve())
    if key not in _MODELS:
        _MODELS[key] = FramingModel.from_pretrained(key)
    return _MODELS[key]


def compute_suggestions(db: Database, project_id: int, *, model=None, all_items: bool = False) -> int:
    """Score the project's items with its model (cached per item); re-rank the queue if ordered by uncertainty."""
    project = get_project(db, project_id)
    if model is None:
        if not project.model_dir:
            raise DataError(f"project {project.name!r} has no model directory")
        model = load_model(project.model_dir)
    schema = project_schema(project)
    if set(model.labels) != set(schema.label_names):
        raise DataError(f"the model's labels {model.labels} differ from schema {schema.name!r}")
    with db.session() as s:
        query = select(Item.id, Item.text).where(Item.project_id == project_id)
        if not all_items:
            query = query.where(Item.probs.is_(None))
        rows = s.execute(query.order_by(Item.position)).all()
    if rows:
        probs = model.predict_proba([r.text for r in rows])
        decided = model.decide(probs)
        thresholds = [model.thresholds[label] for label in model.labels]
        scores = _uncertainty(probs, thresholds)
        with db.session() as s:
            for row, p, labels, u in zip(rows, probs, decided, scores):
                item = s.get(Item, row.id)
                item.probs = {"scores": {label: round(float(v), 6) for label, v in zip(model.labels, p)},
                              "labels": list(labels),
                              "thresholds": dict(zip(model.labels, thresholds))}
                item.uncertainty = float(u)
    if project.queue_order == "uncertainty":
        rerank(db, project_id)
    return len(rows)


def rerank(db: Database, project_id: int) -> None:
    """Queue order = model uncertainty (most uncertain first) among scored items; the rest keep article order."""
    with db.session() as s:
        items = list(s.scalars(select(Item).where(Item.project_id == project_id, Item.probs.is_not(None))
                               .order_by(Item.position)))
        if not items:
            return
        labels = list(items[0].probs["scores"])
        probs = [[it.probs["scores"][label] for label in labels] for it in items]
        thresholds = [items[0].probs["thresholds"][label] for label in labels]
        for rank, index in enumerate(uncertainty_ranking(probs, thresholds)):
            items[index].priority = float(rank) - 1e9


def query(db: Database, project_id: int, n: int) -> list[int]:
    """Active-learning step: the ``n`` most uncertain items still open move to the front of every queue.

    Returns their ids (most uncertain first). Items need model scores (see ``compute_suggestions``).
    """
    project = get_project(db, project_id)
    with db.session() as s:
        items = list(s.scalars(select(Item).where(Item.project_id == project_id, Item.probs.is_not(None),
                                                  Item.assigned < project.overlap).order_by(Item.position)))
        if not items:
            return []
        labels = list(items[0].probs["scores"])
        probs = [[it.probs["scores"][label] for label in labels] for it in items]
        thresholds = [items[0].probs["thresholds"][label] for label in labels]
        chosen = [items[i] for i in uncertainty_ranking(probs, thresholds)[:n]]
        front = s.scalar(select(func.min(Item.priority)).where(Item.project_id == project_id))
        for rank, item in enumerate(chosen):
            item.priority = front - len(chosen) + rank
        return [item.id for item in chosen]


# ---- labeling ----------------------------------------------------------------------------


@dataclass
class ItemView:
    """What the labeling screen shows: one sentence, its context, and only this labeler's answer."""

    item_id: int
    doc_id: str
    sentence_index: int
    text: str
    before: str
    after: str
    labels: list[str] | None  # this labeler's submitted labels, or None
    suggestion: list[str] | None  # model suggestion (never stored unless submitted)
    scores: dict[str, float] | None
    done: int = 0
    remaining: int = 0


def _require_project(s, project_id: int) -> Project:
    project = s.get(Project, project_id)
    if project is None:
        raise NotFound(f"no project {project_id}")
    return project


def _claim(s, project: Project, user_id: int) -> Item | None:
    held = select(Assignment.item_id).where(Assignment.user_id == user_id, Assignment.project_id == project.id)
    for _ in range(20):
        candidates = list(s.scalars(
            select(Item.id).where(Item.project_id == project.id, Item.assigned < project.overlap,
                                  Item.id.not_in(held)).order_by(Item.priority, Item.position).limit(8)))
        if not candidates:
            return None
        for item_id in candidates:
            claimed = s.execute(update(Item).where(Item.id == item_id, Item.assigned < project.overlap)
                                .values(assigned=Item.assigned + 1))
            if claimed.rowcount == 1:
                s.add(Assignment(item_id=item_id, user_id=user_id, project_id=project.id))
                s.flush()
                return s.get(Item, item_id)
    return None


def next_item(db: Database, project_id: int, user_id: int) -> ItemView | None:
    """The labeler's current item: one they hold but have not answered, else a newly claimed one."""
    for attempt in range(5):
        try:
            with db.session() as s:
                project = _require_project(s, project_id)
                answered = select(Annotation.item_id).where(Annotation.user_id == user_id,
                                                            Annotation.project_id == project_id)
                item = s.scalar(select(Item).join(Assignment, Assignment.item_id == Item.id)
                                .where(Assignment.user_id == user_id, Assignment.project_id == project_id,
                                       Item.id.not_in(answered)).order_by(Item.priority, Item.position).limit(1))
                if item is None:
                    item = _claim(s, project, user_id)
                if item is None:
                    return None
                return _view(s, project, item, user_id)
        except IntegrityError:  # the same labeler claiming from two tabs at once: try again
            if attempt == 4:
                raise
    return None


def item_for_user(db: Database, project_id: int, user_id: int, item_id: int) -> ItemView:
    """An item this labeler holds (to go back and change an answer); anything else is refused."""
    with db.reading() as s:
        project = _require_project(s, project_id)
        held = s.scalar(select(Assignment).where(Assignment.item_id == item_id, Assignment.user_id == user_id,
                                                 Assignment.project_id == project_id))
        if held is None:
            raise AccessError("this item is not in your queue")
        return _view(s, project, s.get(Item, item_id), user_id)


def previous_item_id(db: Database, project_id: int, user_id: int, current_item_id: int | None) -> int | None:
    """The item answered just before ``current_item_id`` (or the last answered one)."""
    with db.reading() as s:
        history = list(s.scalars(select(Annotation.item_id).where(
            Annotation.user_id == user_id, Annotation.project_id == project_id).order_by(Annotation.id)))
    if not history:
        return None
    if current_item_id in history:
        index = history.index(current_item_id)
        return history[index - 1] if index > 0 else None
    return history[-1]


def _progress(s, project: Project, user_id: int) -> tuple[int, int]:
    done = s.scalar(select(func.count()).select_from(Annotation).where(
        Annotation.user_id == user_id, Annotation.project_id == project.id))
    held = select(Assignment.item_id).where(Assignment.user_id == user_id, Assignment.project_id == project.id)
    open_held = s.scalar(select(func.count()).select_from(Assignment).where(
        Assignment.user_id == user_id, Assignment.project_id == project.id,
        Assignment.item_id.not_in(select(Annotation.item_id).where(Annotation.user_id == user_id))))
    claimable = s.scalar(select(func.count()).select_from(Item).where(
        Item.project_id == project.id, Item.assigned < project.overlap, Item.id.not_in(held)))
    return done, open_held + claimable


def progress(db: Database, project_id: int, user_id: int) -> dict:
    with db.reading() as s:
        project = _require_project(s, project_id)
        done, remaining = _progress(s, project, user_id)
        return {"done": done, "remaining": remaining}


def _view(s, project: Project, item: Item, user_id: int) -> ItemView:
    document = s.get(Document, item.document_id)
    neighbours = list(s.execute(select(Item.sentence_index, Item.start, Item.end).where(
        Item.document_id == item.document_id,
        Item.sentence_index.between(item.sentence_index - CONTEXT_SENTENCES,
                                    item.sentence_index + CONTEXT_SENTENCES))))
    first = min(n.start for n in neighbours)
    last = max(n.end for n in neighbours)
    own = s.scalar(select(Annotation).where(Annotation.item_id == item.id, Annotation.user_id == user_id))
    suggestion = item.probs["labels"] if (item.probs and project.prefill) else None
    done, remaining = _progress(s, project, user_id)
    return ItemView(item_id=item.id, doc_id=document.doc_id, sentence_index=item.sentence_index, text=item.text,
                    before=document.text[first:item.start], after=document.text[item.end:last],
                    labels=list(own.labels) if own else None, suggestion=suggestion,
                    scores=item.probs["scores"] if item.probs else None, done=done, remaining=remaining)


def submit(db: Database, project_id: int, user_id: int, item_id: int, labels: Sequence[str],
           *, suggested: Sequence[str] | None = None) -> tuple[int, bool]:
    """Store (or change) this labeler's answer for an item they hold; returns (annotation id, created).

    The return means the transaction committed: the annotation is durable.
    """
    project = get_project(db, project_id)
    clean = list(project_schema(project).validate_labels(list(labels)))
    for attempt in range(5):
        try:
            with db.session() as s:
                held = s.scalar(select(Assignment.id).where(Assignment.item_id == item_id,
                                                            Assignment.user_id == user_id,
                                                            Assignment.project_id == project_id))
                if held is None:
                    raise AccessError("this item is not in your queue")
                existing = s.scalar(select(Annotation).where(Annotation.item_id == item_id,
                                                             Annotation.user_id == user_id))
                if existing is not None:
                    existing.labels = clean
                    existing.updated = utcnow()
                    if suggested is not None:
                        existing.suggested = list(suggested)
                    return existing.id, False
                annotation = Annotation(item_id=item_id, user_id=user_id, project_id=project_id, labels=clean,
                                        suggested=list(suggested) if suggested is not None else None)
                s.add(annotation)
                s.flush()
                return annotation.id, True
        except IntegrityError:  # a concurrent submit of the same answer won: update it instead
            if attempt == 4:
                raise
    raise RuntimeError("unreachable")


# ---- agreement, disagreements, adjudication ----------------------------------------------

Unit = tuple[str, int, int, str]


def _annotations(s, project_id: int) -> list[tuple[Item, Document, str, list[str]]]:
    rows = s.execute(select(Item, Document, User.username, Annotation.labels)
                     .join(Annotation, Annotation.item_id == Item.id)
                     .join(Document, Document.id == Item.document_id)
                     .join(User, User.id == Annotation.user_id)
                     .where(Annotation.project_id == project_id).order_by(Item.position, User.username))
    return [(item, doc, username, labels) for item, doc, username, labels in rows]


def unit_of(item: Item, doc: Document) -> Unit:
    return (doc.doc_id, item.start, item.end, item.text_sha256)


def annotation_table(db: Database, project_id: int) -> dict[str, dict[Unit, tuple[str, ...]]]:
    """``table[labeler][unit] = labels`` for ``labels.agreement.agreement``."""
    table: dict[str, dict[Unit, tuple[str, ...]]] = defaultdict(dict)
    with db.reading() as s:
        for item, doc, username, labels in _annotations(s, project_id):
            table[username][unit_of(item, doc)] = tuple(labels)
    return dict(table)


@dataclass
class AgreementSummary:
    report: object | None  # labels.agreement.AgreementReport, None with fewer than two labelers
    per_labeler: list[dict]
    message: str = ""


def agreement_for_project(db: Database, project_id: int) -> AgreementSummary:
    """Per-label Krippendorff's alpha and pairwise Cohen's kappa (project), and per-labeler figures."""
    from labels.agreement import agreement

    project = get_project(db, project_id)
    table = annotation_table(db, project_id)
    if len(table) < 2:
        return AgreementSummary(None, [], "agreement needs answers from at least two labelers")
    report = agreement(table, project_schema(project).label_names)
    gold = {unit: labels for unit, labels, *_ in gold_records(db, project_id)}
    exact = report.rows[-1]
    per_labeler = []
    for name in report.annotators:
        kappas = [v for (a, b), v in exact.kappa.items() if name in (a, b) and not math.isnan(v)]
        mine = table[name]
        judged = [u for u in mine if u in gold]
        per_labeler.append({
            "labeler": name, "answers": len(mine),
            "mean_kappa": sum(kappas) / len(kappas) if kappas else math.nan,
            "per_label_kappa": {row.label: _mean([v for (a, b), v in row.kappa.items() if name in (a, b)])
                                for row in report.rows},
            "gold_units": len(judged),
            "gold_agreement": (sum(tuple(mine[u]) == tuple(gold[u]) for u in judged) / len(judged)
                               if judged else math.nan),
        })
    return AgreementSummary(report, per_labeler)


def _mean(values: Sequence[float]) -> float:
    clean = [v for v in values if not math.isnan(v)]
    return sum(clean) / len(clean) if clean else math.nan


@dataclass
class ReviewItem:
    item_id: int
    doc_id: str
    start: int
    end: int
    text: str
    answers: dict[str, list[str]]
    decision: list[str] | None
    complete: bool


def review_items(db: Database, project_id: int, *, only_disagreements: bool = True,
                 include_decided: bool = False) -> list[ReviewItem]:
    """Items with answers, grouped; by default the complete ones whose labelers disagree and are undecided."""
    project = get_project(db, project_id)
    with db.reading() as s:
        decisions = {d.item_id: d.labels for d in s.scalars(select(Decision).where(
            Decision.project_id == project_id))}
        grouped: dict[int, ReviewItem] = {}
        for item, doc, username, labels in _annotations(s, project_id):
            entry = grouped.setdefault(item.id, ReviewItem(item.id, doc.doc_id, item.start, item.end, item.text, {},
                                                           decisions.get(item.id), False))
            entry.answers[username] = list(labels)
    out = []
    for entry in grouped.values():
        entry.complete = len(entry.answers) >= project.overlap
        disagree = len({tuple(v) for v in entry.answers.values()}) > 1
        if only_disagreements and not (entry.complete and disagree):
            continue
        if entry.decision is not None and not include_decided:
            continue
        out.append(entry)
    return out


def disagreements(db: Database, project_id: int) -> list[ReviewItem]:
    return review_items(db, project_id)


def adjudicate(db: Database, project_id: int, item_id: int, reviewer_id: int, labels: Sequence[str],
               note: str = "") -> None:
    """Record the reviewer's gold label set for an item (replacing an earlier decision)."""
    project = get_project(db, project_id)
    clean = list(project_schema(project).validate_labels(list(labels)))
    with db.session() as s:
        item = s.get(Item, item_id)
        if item is None or item.project_id != project_id:
            raise NotFound(f"no item {item_id} in project {project.name!r}")
        existing = s.scalar(select(Decision).where(Decision.item_id == item_id))
        if existing is None:
            s.add(Decision(item_id=item_id, project_id=project_id, user_id=reviewer_id, labels=clean, note=note))
        else:
            existing.labels, existing.user_id, existing.note, existing.time = clean, reviewer_id, note, utcnow()


def gold_records(db: Database, project_id: int) -> list[tuple[Unit, tuple[str, ...], str, str, str]]:
    """Final labels: the reviewer's decision, or the labels every one of the k labelers agreed on.

    Returns ``(unit, labels, annotator, time, note)`` in document and offset order; complete
    items whose labelers disagree and that have no decision yet are left out.
    """
    project = get_project(db, project_id)
    with db.reading() as s:
        reviewers = {u.id: u.username for u in s.scalars(select(User))}
        decisions = {d.item_id: d for d in s.scalars(select(Decision).where(Decision.project_id == project_id))}
        answers: dict[int, list] = defaultdict(list)
        meta: dict[int, tuple[Item, Document]] = {}
        times: dict[int, str] = {}
        for item, doc, username, labels in _annotations(s, project_id):
            answers[item.id].append((username, tuple(labels)))
            meta[item.id] = (item, doc)
        for annotation in s.scalars(select(Annotation).where(Annotation.project_id == project_id)):
            times[annotation.item_id] = max(times.get(annotation.item_id, ""), annotation.updated)
        decided_only = set(decisions) - set(meta)
        for item_id in decided_only:
            item = s.get(Item, item_id)
            meta[item_id] = (item, s.get(Document, item.document_id))
    out = []
    for item_id, (item, doc) in meta.items():
        unit = unit_of(item, doc)
        if item_id in decisions:
            d = decisions[item_id]
            out.append((unit, tuple(d.labels), reviewers.get(d.user_id, "reviewer"), d.time, d.note))
            continue
        given = answers[item_id]
        if len(given) >= project.overlap and len({labels for _, labels in given}) == 1:
            out.append((unit, given[0][1], "+".join(sorted(name for name, _ in given)), times[item_id], ""))
    out.sort(key=lambda r: (r[0][0], r[0][1], r[0][2]))
    return out


def label_error_candidates(db: Database, project_id: int, *, folds: int = 5, seed: int = 0,
                           limit: int = 30) -> list[dict]:
    """Gold sentences most likely mislabelled, from out-of-fold predictions ranked by cleanlab.

    A TF-IDF model is trained on k-1 folds of the project's own gold and predicts the held-out
    fold (``labels.label_errors.out_of_fold_probs``, folds grouped by article when there are
    enough articles); cleanlab's flags come first, then the rest by label quality (lowest first).
    """
    from labels import label_errors

    project = get_project(db, project_id)
    label_names = project_schema(project).label_names
    records = gold_records(db, project_id)
    if len(records) < 2 * folds:
        return []
    with db.session() as s:
        lookup = {unit_of(item, doc): (item.id, item.text) for item, doc in s.execute(
            select(Item, Document).join(Document, Document.id == Item.document_id).where(
                Item.project_id == project_id))}
    texts = [lookup[r[0]][1] for r in records]
    gold = [list(r[1]) for r in records]
    docs = [r[0][0] for r in records]
    groups = docs if len(set(docs)) >= folds else None
    probs = label_errors.out_of_fold_probs(texts, label_errors.label_matrix(gold, label_names), k=folds, seed=seed,
                                           groups=groups)
    flagged = label_errors.rank_label_issues(gold, probs, label_names, flagged_only=True)
    rest = label_errors.rank_label_issues(gold, probs, label_names, flagged_only=False)
    seen = {issue.index for issue in flagged}
    ordered = [(issue, True) for issue in flagged] + [(issue, False) for issue in rest if issue.index not in seen]
    out = []
    for issue, is_flagged in ordered[:limit]:
        unit, labels, annotator, *_ = records[issue.index]
        suspects = ", ".join(f"{x.label} ({'given' if x.gold else 'missing'}, p={x.prob:.2f})"
                             for x in issue.suspects)
        out.append({"item_id": lookup[unit][0], "doc_id": unit[0], "start": unit[1], "end": unit[2],
                    "text": texts[issue.index], "labels": list(labels), "annotator": annotator,
                    "quality": issue.quality, "flagged": is_flagged, "suspects": suspects})
    return out
