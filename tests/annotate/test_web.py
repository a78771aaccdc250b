"""HTTP: login, roles, the labeling screen, review and export through the Flask test client (real CSRF on)."""

from __future__ import annotations

import io
import json
import zipfile

from labels.annotate import service
from tests.annotate.conftest import csrf_of, login


def test_login_page_and_wrong_password(app, people):
    client = app.test_client()
    assert client.get("/").status_code == 302
    token = csrf_of(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": "ann", "password": "nope-nope", "csrf_token": token})
    assert response.status_code == 401 and "wrong password" in response.get_data(as_text=True)


def test_labeling_screen_keys_context_definitions_and_progress(app, project):
    client = app.test_client()
    login(client, "ann")
    html = client.get(f"/p/{project.id}/label").get_data(as_text=True)
    assert 'id="sentence">Union leaders said they will never accept anything less than a 20% raise.</mark>' in html
    assert "The company said it may consider" in html  # article context
    for key, name in enumerate(("maximalist_demand", "concession", "posturing", "hedging"), 1):
        assert f'data-key="{key}" id="choice-{name}"' in html
    assert "<kbd>0</kbd> none" in html and 'id="help"' in html and "Includes" in html  # definitions one key away
    assert 'id="remaining-count">4<' in html
    token = csrf_of(html)
    item = service.next_item(app.extensions["annotate_db"], project.id, 3).item_id  # ann is user 3
    response = client.post(f"/p/{project.id}/items/{item}", data={"labels": ["hedging"], "csrf_token": token})
    assert response.status_code == 302
    html = client.get(f"/p/{project.id}/label").get_data(as_text=True)
    assert 'id="done-count">1<' in html and 'id="back-link"' in html
    back = client.get(f"/p/{project.id}/label?item={item}").get_data(as_text=True)
    assert 'value="hedging" data-key="4" id="choice-hedging" checked' in back


def test_json_api_next_and_submit(app, project):
    client = app.test_client()
    login(client, "bob")
    token = client.get("/api/session").get_json()["csrf_token"]
    item = client.get(f"/api/p/{project.id}/next").get_json()["item"]
    assert item["sentence_index"] == 0 and item["labels"] is None
    url = f"/api/p/{project.id}/items/{item['id']}/annotation"
    first = client.post(url, json={"labels": ["maximalist_demand"]}, headers={"X-CSRFToken": token})
    assert first.status_code == 201 and first.get_json()["created"] is True
    again = client.post(url, json={"labels": ["maximalist_demand"]}, headers={"X-CSRFToken": token})
    assert again.status_code == 200 and again.get_json()["created"] is False
    bad = client.post(url, json={"labels": ["nope"]}, headers={"X-CSRFToken": token})
    assert bad.status_code == 400 and "unknown label" in bad.get_json()["error"]


def test_admin_creates_project_imports_file_and_reviewer_adjudicates_and_exports(app, people):
    admin = app.test_client()
    token = login(admin, "admin")
    response = admin.post("/projects", data={"name": "Web project", "schema": "framing", "overlap": "2",
                                             "order": "article", "csrf_token": token})
    assert response.status_code == 302
    project_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    data = {"files": (io.BytesIO(b"We will never give up.\nThey may talk later."), "talks.txt"), "csrf_token": token}
    response = admin.post(f"/p/{project_id}/import", data=data, content_type="multipart/form-data",
                          follow_redirects=True)
    assert "imported 1 document(s), 2 sentence(s)" in response.get_data(as_text=True)
    for name, labels in (("ann", ["maximalist_demand"]), ("bob", ["posturing"])):
        client = app.test_client()
        login(client, name)
        tok = client.get("/api/session").get_json()["csrf_token"]
        while (item := client.get(f"/api/p/{project_id}/next").get_json()["item"]) is not None:
            client.post(f"/api/p/{project_id}/items/{item['id']}/annotation", json={"labels": labels},
                        headers={"X-CSRFToken": tok})
    reviewer = app.test_client()
    tok = login(reviewer, "rita")
    page = reviewer.get(f"/p/{project_id}/review").get_data(as_text=True)
    assert page.count('class="card decision"') == 2
    agreement = reviewer.get(f"/p/{project_id}/agreement").get_data(as_text=True)
    assert "Krippendorff" in agreement and 'data-labeler="ann"' in agreement
    db = app.extensions["annotate_db"]
    for item in service.disagreements(db, project_id):
        reviewer.post(f"/p/{project_id}/items/{item.item_id}/decision",
                      data={"labels": ["maximalist_demand", "posturing"], "csrf_token": tok})
    assert service.disagreements(db, project_id) == []
    archive = zipfile.ZipFile(io.BytesIO(reviewer.get(f"/p/{project_id}/export/gold").data))
    gold = [json.loads(line) for line in archive.read("web-project/gold.jsonl").decode().splitlines()]
    assert [g["labels"] for g in gold] == [["maximalist_demand", "posturing"]] * 2
    assert archive.read("web-project/texts/talks.txt") == b"We will never give up.\nThey may talk later."
    assert {"web-project/corpora.yaml", "web-project/train.yaml"} <= set(archive.namelist())
    rows = reviewer.get(f"/p/{project_id}/export/jsonl").get_data(as_text=True).splitlines()
    assert len(rows) == 2
    api = reviewer.get(f"/api/p/{project_id}/agreement").get_json()
    assert api["units"] == 2 and {r["labeler"] for r in api["labelers"]} == {"ann", "bob"}


def test_model_suggestion_is_prefilled_but_only_stored_when_submitted(app, db, people, framing_model_dir):
    project = service.create_project(db, "Suggested", overlap=1, model_dir=framing_model_dir)
    service.import_documents(db, project.id, [])  # nothing to import: no scoring either
    service.import_texts(db, project.id, [("strike", "They may talk. We never yield.", "t")])
    assert service.compute_suggestions(db, project.id) == 2
    client = app.test_client()
    login(client, "ann")
    html = client.get(f"/p/{project.id}/label").get_data(as_text=True)
    assert 'id="suggestion-note"' in html and 'class="score"' in html
    assert service.annotation_table(db, project.id) == {}  # showing a suggestion stores nothing
    view = service.next_item(db, project.id, people["ann"].id)
    token = csrf_of(html)
    client.post(f"/p/{project.id}/items/{view.item_id}", data={"labels": ["concession"], "csrf_token": token,
                                                               "suggested": ",".join(view.suggestion)})
    assert list(service.annotation_table(db, project.id)["ann"].values()) == [("concession",)]
