"""The PostgreSQL path: migrations, the whole round, and concurrent claims, on a real throwaway server."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select, text

from labels.annotate import exporting, service
from labels.annotate.db import Annotation, Assignment, open_database
from tests.annotate.conftest import ARTICLE, PASSWORDS, login
from tests.pg import postgres_cluster, postgres_url  # noqa: F401 - fixtures


@pytest.fixture
def pg_db(postgres_cluster, request):  # noqa: F811
    name = "annotate_" + request.node.name.lower().replace("[", "_").replace("]", "")[:40]
    database = open_database(postgres_cluster.create_database(name))
    assert database.dialect == "postgresql"
    yield database
    database.dispose()


def test_round_on_postgresql(pg_db, tmp_path: Path):
    db = pg_db
    assert db.current_revision() == "0001"
    with db.engine.connect() as conn:
        tables = set(conn.execute(text("select tablename from pg_tables where schemaname='public'")).scalars())
    assert {"users", "projects", "items", "annotations", "decisions", "alembic_version"} <= tables
    people = {name: service.add_user(db, name, PASSWORDS[name], role)
              for name, role in (("admin", "admin"), ("rita", "reviewer"), ("ann", "labeler"), ("bob", "labeler"))}
    evil = "x'); DROP TABLE annotations;--"
    project = service.create_project(db, evil, overlap=2)
    service.import_texts(db, project.id, [("strike", ARTICLE, "t")])
    for name, labels in (("ann", ["hedging"]), ("bob", [])):
        while (view := service.next_item(db, project.id, people[name].id)) is not None:
            service.submit(db, project.id, people[name].id, view.item_id, labels)
    assert service.agreement_for_project(db, project.id).report.units == 4
    for item in service.disagreements(db, project.id):
        service.adjudicate(db, project.id, item.item_id, people["rita"].id, ["hedging"])
    info = exporting.export_gold(db, project.id, tmp_path / "gold")
    assert info["records"] == 4 and service.get_project(db, evil).id == project.id


def test_concurrent_claims_on_postgresql_respect_k_and_never_duplicate(pg_db):
    db = pg_db
    users = [service.add_user(db, f"u{i}", "password-x", "labeler") for i in range(10)]
    project = service.create_project(db, "pg-load", overlap=3)
    service.import_texts(db, project.id, [(f"d{d}", "\n".join(f"Sentence {d}-{i} may matter." for i in range(20)), "t")
                                          for d in range(5)])

    def work(user):
        done = 0
        while (view := service.next_item(db, project.id, user.id)) is not None:
            service.submit(db, project.id, user.id, view.item_id, [])
            done += 1
        return done

    with ThreadPoolExecutor(10) as pool:
        total = sum(pool.map(work, users))
    assert total == 300
    with db.session() as s:
        pairs = s.execute(select(Annotation.item_id, Annotation.user_id)).all()
        claims = Counter(s.scalars(select(Assignment.item_id)))
    assert len(pairs) == len(set(pairs)) == 300
    assert set(Counter(i for i, _ in pairs).values()) == {3} and set(claims.values()) == {3}


def test_web_app_on_postgresql(pg_db):
    from labels.annotate.web import create_app

    service.add_user(pg_db, "ann", PASSWORDS["ann"], "labeler")
    project = service.create_project(pg_db, "pg-web", overlap=1)
    service.import_texts(pg_db, project.id, [("strike", ARTICLE, "t")])
    client = create_app(pg_db, testing=True).test_client()
    login(client, "ann")
    token = client.get("/api/session").get_json()["csrf_token"]
    item = client.get(f"/api/p/{project.id}/next").get_json()["item"]
    response = client.post(f"/api/p/{project.id}/items/{item['id']}/annotation", json={"labels": ["hedging"]},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 201
    assert client.get(f"/api/p/{project.id}/items/{item['id']}").get_json()["item"]["labels"] == ["hedging"]
