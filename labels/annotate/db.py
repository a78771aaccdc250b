"""Tables, engine set-up (SQLite WAL or PostgreSQL) and Alembic migrations.

SQLite is the single-machine default: WAL journal, ``synchronous=FULL`` (an
acknowledged commit survives a killed process) and ``BEGIN IMMEDIATE`` for every
transaction, so concurrent writers queue on the busy timeout instead of failing
with a stale snapshot. PostgreSQL is used for a ``postgresql://`` URL.
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

MIGRATIONS = Path(__file__).parent / "migrations"
READ_ONLY = "framing_read_only"
ROLES = ("admin", "reviewer", "labeler")


def utcnow() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class JSONText(TypeDecorator):
    """JSON kept as text: identical on SQLite and PostgreSQL, and byte-stable in exports."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def process_result_value(self, value, dialect):
        return None if value is None else json.loads(value)


class Base(DeclarativeBase):
    pass


class Setting(Base):
    """Server settings kept with the data (e.g. the session-signing secret)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created: Mapped[str] = mapped_column(String(32), nullable=False, default=utcnow)


class Project(Base):
    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    schema_name: Mapped[str] = mapped_column(String(255), nullable=False)
    overlap: Mapped[int] = mapped_column(Integer, nullable=False, default=2)
    queue_order: Mapped[str] = mapped_column(String(16), nullable=False, default="article")  # or 'uncertainty'
    model_dir: Mapped[str | None] = mapped_column(Text, nullable=True)
    prefill: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created: Mapped[str] = mapped_column(String(32), nullable=False, default=utcnow)


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("project_id", "doc_id", name="uq_document_project_doc"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), nullable=False)
    doc_id: Mapped[str] = mapped_column(String(255), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    origin: Mapped[str] = mapped_column(Text, nullable=False, default="")
    position: Mapped[int] = mapped_column(Integer, nullable=False)


class Item(Base):
    """One sentence to label, with exact offsets into its document."""

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("document_id", "sentence_index", name="uq_item_document_sentence"),
        Index("ix_items_queue", "project_id", "assigned", "priority"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), nullable=False)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), nullable=False)
    sentence_index: Mapped[int] = mapped_column(Integer, nullable=False)
    start: Mapped[int] = mapped_column(Integer, nullable=False)
    end: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    text_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)  # article order
    priority: Mapped[float] = mapped_column(Float, nullable=False)  # queue order (lower first)
    assigned: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # labelers holding it (<= overlap)
    probs: Mapped[dict | None] = mapped_column(JSONText, nullable=True)  # model suggestion: label -> probability
    uncertainty: Mapped[float | None] = mapped_column(Float, nullable=True)


class Assignment(Base):
    """A labeler holds an item: at most ``overlap`` labelers per item, each once."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("item_id", "user_id", name="uq_assignment_item_user"),
                      Index("ix_assignments_project_user", "project_id", "user_id"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), nullable=False)
    created: Mapped[str] = mapped_column(String(32), nullable=False, default=utcnow)


class Annotation(Base):
    __tablename__ = "annotations"
    __table_args__ = (UniqueConstraint("item_id", "user_id", name="uq_annotation_item_user"),
                      Index("ix_annotations_project", "project_id"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), nullable=False)
    labels: Mapped[list] = mapped_column(JSONText, nullable=False)
    suggested: Mapped[list | None] = mapped_column(JSONText, nullable=True)  # what the model showed, if anything
    created: Mapped[str] = mapped_column(String(32), nullable=False, default=utcnow)
    updated: Mapped[str] = mapped_column(String(32), nullable=False, default=utcnow)


class Decision(Base):
    """A reviewer's adjudicated (gold) label set for one item."""

    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), unique=True, nullable=False)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    labels: Mapped[list] = mapped_column(JSONText, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    time: Mapped[str] = mapped_column(String(32), nullable=False, default=utcnow)


def normalize_url(url_or_path: str | Path) -> str:
    """A database URL, or a plain file path for SQLite."""
    text = str(url_or_path)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).resolve()}"


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False}, pool_size=32,
                               max_overflow=32, pool_timeout=60)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # transactions are begun explicitly, below
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):
            # writers take the lock up front (no stale-snapshot failures); readers never block in WAL
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_size=32, max_overflow=32, pool_pre_ping=True)


class Database:
    """An engine plus a session factory; ``migrate()`` brings the schema to the newest revision."""

    def __init__(self, url: str | Path):
        self.url = normalize_url(url)
        self.engine = _make_engine(self.url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = threading.Lock() if self.dialect == "sqlite" else nullcontext()
        self.read_sessions = sessionmaker(self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self, revision: str = "head") -> None:
        from alembic import command

        with self.engine.begin() as connection:
            config = alembic_config(connection)
            command.upgrade(config, revision)

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    @contextmanager
    def session(self):
        """One transaction: committed on success (the caller's acknowledgement), rolled back on error.

        On SQLite, writers of this process queue on a lock first: a hand-over without the
        polling back-off of SQLite's busy handler (other processes still wait on busy_timeout).
        """
        with self._write_lock, self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self):
        """A read-only transaction (SQLite: a deferred BEGIN, so it never waits for writers)."""
        with self.read_sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(connection=None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def open_database(url: str | Path, *, migrate: bool = True) -> Database:
    db = Database(url)
    if migrate:
        db.migrate()
    return db


def session_of(db: Database) -> Session:  # pragma: no cover - convenience for the shell
    return db.sessions()
