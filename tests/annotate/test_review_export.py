"""Review helpers and exports that need the optional libraries: cleanlab label errors, Hugging Face datasets."""

from __future__ import annotations

from pathlib import Path

import pytest

from labels.annotate import exporting, service
from tests.annotate.conftest import login

TEXTS = {
    "maximalist_demand": "They will never accept anything less than full withdrawal {i}.",
    "concession": "The company agreed to drop its demand for back pay {i}.",
    "hedging": "It is perhaps too early to say whether a deal is likely {i}.",
    "": "Talks resume on Monday at the ministry {i}.",
}


@pytest.fixture
def gold_project(db, people):
    """40 sentences over 8 articles, both labelers agree, with 3 planted label errors."""
    project = service.create_project(db, "Gold", overlap=2)
    docs = []
    kinds = list(TEXTS)
    for d in range(8):
        docs.append((f"a{d}", "\n".join(TEXTS[kinds[(d + i) % 4]].format(i=d * 10 + i) for i in range(5)), "t"))
    service.import_texts(db, project.id, docs)
    wrong = set()
    for name in ("ann", "bob"):
        while (view := service.next_item(db, project.id, people[name].id)) is not None:
            kind = next(k for k in kinds if k and TEXTS[k].split()[1] in view.text) if "Talks" not in view.text else ""
            labels = [kind] if kind else []
            if view.item_id % 13 == 0:  # planted error: the wrong label, by both labelers
                labels = ["posturing"]
                wrong.add(view.item_id)
            service.submit(db, project.id, people[name].id, view.item_id, labels)
    return project, wrong


def test_label_errors_are_ranked_from_out_of_fold_predictions(db, gold_project):
    pytest.importorskip("cleanlab")
    project, wrong = gold_project
    found = service.label_error_candidates(db, project.id, limit=10)
    assert found and {f["item_id"] for f in found[:len(wrong) + 2]} >= wrong
    assert all(set(f) >= {"item_id", "text", "labels", "quality", "flagged", "suspects"} for f in found)


def test_label_error_page_lets_a_reviewer_correct_the_gold(app, db, gold_project):
    pytest.importorskip("cleanlab")
    project, wrong = gold_project
    client = app.test_client()
    token = login(client, "rita")
    page = client.post(f"/p/{project.id}/label-errors", data={"csrf_token": token}).get_data(as_text=True)
    assert "label quality" in page and page.count('class="card decision"') >= len(wrong)
    item = sorted(wrong)[0]
    client.post(f"/p/{project.id}/items/{item}/decision", data={"labels": ["concession"], "csrf_token": token})
    gold = {unit: labels for unit, labels, *_ in service.gold_records(db, project.id)}
    assert ("concession",) in gold.values()


def test_hugging_face_export_loads_with_datasets(db, gold_project, tmp_path: Path):
    datasets = pytest.importorskip("datasets")
    project, _ = gold_project
    exporting.export_hf(db, project.id, tmp_path / "hf")
    loaded = datasets.load_from_disk(str(tmp_path / "hf"))
    assert len(loaded) == 40
    row = loaded[0]
    assert row["doc_id"] == "a0" and isinstance(row["text"], str)
