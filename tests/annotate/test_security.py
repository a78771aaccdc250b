"""Security: authentication, roles, cross-user isolation, CSRF, inert HTML, verbatim SQL strings, no hash leaks."""

from __future__ import annotations

import io
import zipfile

import pytest

from labels.annotate import exporting, service
from tests.annotate.conftest import PASSWORDS, csrf_of, login


def test_unauthenticated_requests_are_refused(app, project):
    client = app.test_client()
    for url in ("/", f"/p/{project.id}", f"/p/{project.id}/label", f"/p/{project.id}/review",
                f"/p/{project.id}/agreement", f"/p/{project.id}/export/gold"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    for url in (f"/api/p/{project.id}/next", "/api/session"):
        assert client.get(url).status_code == 401
    assert client.post(f"/api/p/{project.id}/items/1/annotation", json={"labels": []}).status_code in (400, 401)


def test_labelers_cannot_review_export_administer_or_see_agreement(app, project):
    client = app.test_client()
    token = login(client, "ann")
    for url in (f"/p/{project.id}/review", f"/p/{project.id}/agreement", f"/p/{project.id}/export/gold",
                f"/p/{project.id}/export/jsonl", f"/api/p/{project.id}/agreement"):
        assert client.get(url).status_code == 403, url
    assert client.post("/projects", data={"name": "x", "csrf_token": token}).status_code == 403
    assert client.post("/users", data={"username": "evil", "password": "12345678", "role": "admin",
                                       "csrf_token": token}).status_code == 403
    assert client.post(f"/p/{project.id}/items/1/decision", data={"labels": [], "csrf_token": token}).status_code == 403
    reviewer = app.test_client()
    tok = login(reviewer, "rita")
    assert reviewer.post("/users", data={"username": "evil", "password": "12345678", "role": "admin",
                                         "csrf_token": tok}).status_code == 403


def test_a_labeler_never_sees_or_changes_another_labelers_item_or_answer(app, project):
    db = app.extensions["annotate_db"]
    ann = app.test_client()
    login(ann, "ann")
    ann_token = ann.get("/api/session").get_json()["csrf_token"]
    item = ann.get(f"/api/p/{project.id}/next").get_json()["item"]
    ann.post(f"/api/p/{project.id}/items/{item['id']}/annotation", json={"labels": ["posturing"]},
             headers={"X-CSRFToken": ann_token})
    cy = app.test_client()
    login(cy, "cy")
    cy_token = cy.get("/api/session").get_json()["csrf_token"]
    # cy does not hold this item: reading it or answering it is refused
    assert cy.get(f"/api/p/{project.id}/items/{item['id']}").status_code == 403
    assert cy.get(f"/p/{project.id}/label?item={item['id']}").status_code == 403
    refused = cy.post(f"/api/p/{project.id}/items/{item['id']}/annotation", json={"labels": []},
                      headers={"X-CSRFToken": cy_token})
    assert refused.status_code == 403
    # when cy gets the same sentence in their own queue, ann's answer is not shown
    mine = cy.get(f"/api/p/{project.id}/next").get_json()["item"]
    assert mine["id"] == item["id"] and mine["labels"] is None
    page = cy.get(f"/p/{project.id}/label").get_data(as_text=True)
    assert " checked" not in page and "posturing\" data-key=\"3\" id=\"choice-posturing\" checked" not in page
    assert service.annotation_table(db, project.id)["ann"]  # ann's answer unchanged
    assert list(service.annotation_table(db, project.id)) == ["ann"]


def test_csrf_token_is_required(app, project):
    client = app.test_client()
    token = login(client, "ann")
    item = client.get(f"/api/p/{project.id}/next").get_json()["item"]
    url = f"/api/p/{project.id}/items/{item['id']}/annotation"
    assert client.post(url, json={"labels": []}).status_code == 400
    assert client.post(url, json={"labels": []}, headers={"X-CSRFToken": "forged"}).status_code == 400
    form = client.post(f"/p/{project.id}/items/{item['id']}", data={"labels": ["hedging"]})
    assert form.status_code == 400 and "CSRF" in form.get_data(as_text=True)
    assert service.annotation_table(app.extensions["annotate_db"], project.id) == {}
    # login itself needs the token
    other = app.test_client()
    assert other.post("/login", data={"username": "bob", "password": PASSWORDS["bob"]}).status_code == 400
    assert client.post(url, json={"labels": []}, headers={"X-CSRFToken": token}).status_code == 201


def test_html_and_script_in_sentences_are_rendered_inert(app, db, people):
    project = service.create_project(db, "<b>xss</b> project", overlap=2)
    text = '<script>alert(1)</script> The talks failed.\n<img src=x onerror="alert(2)"> They may resume.'
    service.import_texts(db, project.id, [("xss", text, "t")])
    client = app.test_client()
    login(client, "ann")
    html = client.get(f"/p/{project.id}/label").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<img src=x onerror' not in html and "&lt;img src=x onerror=" in html
    assert "<b>xss</b>" not in html and "&lt;b&gt;xss&lt;/b&gt;" in html
    response = client.get(f"/p/{project.id}/label")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_sql_injection_strings_are_stored_verbatim(app, db, people, tmp_path):
    evil = "Robert'); DROP TABLE annotations;-- said \"1\"=\"1\" OR 1=1."
    project = service.create_project(db, "x'; DROP TABLE projects;--", overlap=1)
    service.import_texts(db, project.id, [("evil' OR '1'='1", evil, "t")])
    client = app.test_client()
    login(client, "ann")
    token = client.get("/api/session").get_json()["csrf_token"]
    item = client.get(f"/api/p/{project.id}/next").get_json()["item"]
    assert evil.startswith(item["text"]) and item["doc_id"] == "evil' OR '1'='1"
    from labels.annotate.db import Document

    with db.session() as s:
        assert [d.text for d in s.query(Document).filter_by(project_id=project.id)] == [evil]
    assert client.post(f"/api/p/{project.id}/items/{item['id']}/annotation", json={"labels": ["hedging"]},
                       headers={"X-CSRFToken": token}).status_code == 201
    assert service.get_project(db, "x'; DROP TABLE projects;--").id == project.id
    rows = exporting.project_rows(db, project.id)
    assert rows[0]["text"] == item["text"] and rows[0]["annotations"] == {"ann": ["hedging"]}
    login_attempt = app.test_client()
    tok = csrf_of(login_attempt.get("/login").get_data(as_text=True))
    assert login_attempt.post("/login", data={"username": "' OR '1'='1", "password": "' OR '1'='1",
                                              "csrf_token": tok}).status_code == 401


def test_exports_never_contain_password_hashes(app, db, people, project, tmp_path):
    for name in ("ann", "bob"):
        while (view := service.next_item(db, project.id, people[name].id)) is not None:
            service.submit(db, project.id, people[name].id, view.item_id, ["hedging"])
    out = tmp_path / "exports"
    exporting.export_gold(db, project.id, out / "gold")
    exporting.export_jsonl(db, project.id, out / "all.jsonl")
    exporting.export_interchange(db, project.id, out / "ls.json", "label-studio")
    exporting.export_interchange(db, project.id, out / "p.jsonl", "prodigy")
    blobs = [p.read_bytes() for p in out.rglob("*") if p.is_file()]
    assert len(blobs) >= 7
    client = app.test_client()
    login(client, "rita")
    for fmt in ("gold", "gold.jsonl", "jsonl", "label-studio", "prodigy"):
        data = client.get(f"/p/{project.id}/export/{fmt}").data
        blobs.extend(zipfile.ZipFile(io.BytesIO(data)).read(n) for n in zipfile.ZipFile(io.BytesIO(data)).namelist()
                     ) if fmt == "gold" else blobs.append(data)
    from labels.annotate.db import User

    with db.session() as s:
        hashes = [u.password_hash for u in s.query(User)]
    for blob in blobs:
        assert b"$argon2" not in blob
        for secret in [*hashes, *PASSWORDS.values()]:
            assert secret.encode() not in blob


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/"])
def test_login_does_not_redirect_off_site(app, people, target):
    client = app.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    response = client.post(f"/login?next={target}", data={"username": "ann", "password": PASSWORDS["ann"],
                                                           "csrf_token": token})
    assert response.headers["Location"] == "/"
