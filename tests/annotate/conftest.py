"""Fixtures for the annotation app: a fresh SQLite database with an admin, a reviewer and labelers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from labels.annotate import service
from labels.annotate.db import open_database

ARTICLE = (
    "Union leaders said they will never accept anything less than a 20% raise.\n"
    "The company said it may consider a smaller offer if talks resume.\n"
    "It is too early to say whether a strike can be avoided.\n"
    "Talks resume on Monday."
)
PASSWORDS = {"admin": "admin-pass-1", "rita": "reviewer-pass", "ann": "labeler-ann-1", "bob": "labeler-bob-1",
             "cy": "labeler-cy-12"}


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch):
    """Argon2id with small cost parameters in tests only (the app's defaults are argon2-cffi's)."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def db(tmp_path: Path):
    database = open_database(tmp_path / "annotate.db")
    yield database
    database.dispose()


@pytest.fixture
def people(db):
    roles = {"admin": "admin", "rita": "reviewer", "ann": "labeler", "bob": "labeler", "cy": "labeler"}
    return {name: service.add_user(db, name, PASSWORDS[name], role) for name, role in roles.items()}


@pytest.fixture
def project(db, people):
    project = service.create_project(db, "Strike talks", "framing", overlap=2)
    service.import_texts(db, project.id, [("strike", ARTICLE, "test")])
    return project


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client, username: str, password: str | None = None):
    page = client.get("/login")
    token = csrf_of(page.get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": password or PASSWORDS[username],
                                           "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return token


@pytest.fixture
def app(db):
    from labels.annotate.web import create_app

    app = create_app(db, testing=True)
    return app


@pytest.fixture(scope="session")
def framing_model_dir(tmp_path_factory) -> Path:
    """A random-weight 2-layer BERT with the framing labels (multi-label), saved like a run's model/."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    from labels.schema import load_schema
    from tests.conftest import TINY_WORDS

    root = tmp_path_factory.mktemp("tiny-framing-random") / "model"
    root.mkdir()
    chars = "abcdefghijklmnopqrstuvwxyz.,;:!?\"'%0123456789"
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *TINY_WORDS, *chars]
    (root / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab={token: i for i, token in enumerate(vocab)}, do_lower_case=True)
    labels = load_schema("framing").label_names
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128, num_labels=len(labels),
                        id2label=dict(enumerate(labels)), label2id={n: i for i, n in enumerate(labels)},
                        problem_type="multi_label_classification")
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(root)
    tokenizer.save_pretrained(root)
    return root
