"""A small demo project (for screenshots and the README walk-through)."""

from __future__ import annotations

from pathlib import Path

from labels.annotate import service
from labels.annotate.db import Database

DEMO_ARTICLE = (
    "Strike talks stall as both sides dig in\n"
    "Union leaders said on Tuesday they would never accept anything less than a 20% pay rise.\n"
    "The company said it was ready to improve its offer if the union dropped its demand for back pay.\n"
    "\"We are open to dialogue, but our patience is not unlimited,\" the chief executive told reporters.\n"
    "It is too early to say whether a strike can be avoided, one negotiator said.\n"
    "Talks are expected to resume on Monday."
)
DEMO_USERS = {"admin": ("admin", "admin-password"), "reviewer": ("reviewer", "reviewer-password"),
              "ann": ("labeler", "ann-password"), "bob": ("labeler", "bob-password")}
DEMO_ANSWERS = {
    "ann": [[], ["maximalist_demand"], ["concession"], ["posturing"], ["hedging"]],
    "bob": [[], ["maximalist_demand"], ["concession", "hedging"], ["posturing", "hedging"], ["hedging"]],
}


def build_demo(db: Database, *, answered: int = 5, model_dir: str | Path | None = None) -> int:
    """Users, one project with the demo article, and the first ``answered`` answers of two labelers."""
    ids = {name: service.add_user(db, name, password, role).id for name, (role, password) in DEMO_USERS.items()}
    project = service.create_project(db, "Strike talks (demo)", "framing", overlap=2, model_dir=model_dir)
    service.import_texts(db, project.id, [("strike-talks", DEMO_ARTICLE, "demo")])
    if model_dir:
        service.compute_suggestions(db, project.id)
    for name, answers in DEMO_ANSWERS.items():
        for labels in answers[:answered]:
            view = service.next_item(db, project.id, ids[name])
            if view is None:
                break
            service.submit(db, project.id, ids[name], view.item_id, labels)
    return project.id
