"""Reliability over real HTTP: 20 concurrent labelers, 2,000 answers, none lost or duplicated; a SIGKILLed
server restarts with every acknowledged answer intact."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from sqlalchemy import func, select

from labels.annotate import service
from labels.annotate.db import Annotation, open_database
from tests.annotate.httpserver import Labeler, ServerProcess

LABELS = ["maximalist_demand", "concession", "posturing", "hedging"]
SENTENCE = "Sentence {i} says the talks may resume."


def answer_for(item_id: int, labeler: int) -> list[str]:
    """A deterministic, varied label set per (item, labeler), to check what was stored."""
    code = (item_id * 7 + labeler * 3) % 6
    return [] if code == 5 else [LABELS[code % 4]] if code < 4 else [LABELS[0], LABELS[3]]


def build(tmp_path: Path, sentences: int, labelers: int, overlap: int):
    url = f"sqlite:///{tmp_path / 'load.db'}"
    db = open_database(url)
    for i in range(labelers):
        service.add_user(db, f"l{i:02d}", f"password-{i:02d}", "labeler")
    project = service.create_project(db, "load", overlap=overlap)
    docs = [(f"doc{d}", "\n".join(SENTENCE.format(i=d * 100 + i) for i in range(100)), "t")
            for d in range(sentences // 100)]
    assert service.import_texts(db, project.id, docs).sentences == sentences
    return url, db, project.id


def run_labeler(base, index, project_id, acknowledged, stop=None):
    client = Labeler(base, f"l{index:02d}", f"password-{index:02d}")
    while stop is None or not stop.is_set():
        item = client.next(project_id)
        if item is None:
            return
        labels = answer_for(item["id"], index)
        result = client.submit(project_id, item["id"], labels)
        assert result["ok"] and result["created"]
        acknowledged.append((item["id"], f"l{index:02d}", tuple(labels)))


def stored(db, project_id):
    table = service.annotation_table(db, project_id)
    return {(unit, name): labels for name, per in table.items() for unit, labels in per.items()}


def test_twenty_concurrent_labelers_2000_answers_none_lost_none_duplicated(tmp_path: Path):
    url, db, project_id = build(tmp_path, sentences=1000, labelers=20, overlap=2)
    server = ServerProcess(url, tmp_path / "server.log")
    acknowledged: list = []
    try:
        with ThreadPoolExecutor(20) as pool:
            for future in [pool.submit(run_labeler, server.url, i, project_id, acknowledged) for i in range(20)]:
                future.result()
    finally:
        server.stop()
    assert len(acknowledged) == 2000
    assert len(set((item, who) for item, who, _ in acknowledged)) == 2000  # nothing acknowledged twice
    with db.session() as s:
        rows = s.execute(select(Annotation.item_id, Annotation.user_id, Annotation.labels)).all()
        assert s.scalar(select(func.count()).select_from(Annotation)) == 2000
    assert len({(r.item_id, r.user_id) for r in rows}) == 2000
    per_item = Counter(r.item_id for r in rows)
    assert set(per_item.values()) == {2}  # every sentence got exactly k = 2 distinct labelers
    by_key = {}
    users = {u.id: u.username for u in service.list_users(db)}
    for r in rows:
        by_key[(r.item_id, users[r.user_id])] = tuple(r.labels)
    assert by_key == {(item, who): labels for item, who, labels in acknowledged}
    assert len({who for _, who, _ in acknowledged}) == 20  # every labeler took part
    db.dispose()


def test_server_killed_mid_run_restarts_with_every_acknowledged_answer(tmp_path: Path):
    url, db, project_id = build(tmp_path, sentences=400, labelers=6, overlap=2)
    server = ServerProcess(url, tmp_path / "server.log")
    acknowledged: list = []
    stop = threading.Event()
    errors: list = []

    def worker(index):
        try:
            run_labeler(server.url, index, project_id, acknowledged, stop)
        except requests.RequestException as exc:  # the kill cuts requests off mid-flight
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    deadline = 120
    import time

    start = time.time()
    while len(acknowledged) < 150 and time.time() - start < deadline:
        time.sleep(0.02)
    server.kill()  # while the labelers are still submitting
    stop.set()
    for t in threads:
        t.join(60)
    assert 150 <= len(acknowledged) < 800 and errors, "the kill should interrupt a run in progress"
    before = list(acknowledged)

    restarted = ServerProcess(url, tmp_path / "server2.log")
    try:
        check = open_database(url)
        users = {u.id: u.username for u in service.list_users(check)}
        with check.session() as s:
            rows = {(r.item_id, users[r.user_id]): tuple(r.labels)
                    for r in s.execute(select(Annotation.item_id, Annotation.user_id, Annotation.labels))}
        for item, who, labels in before:
            assert rows.get((item, who)) == labels, f"acknowledged answer lost: {(item, who, labels)}"
        assert len(rows) >= len(before)  # at most the in-flight ones committed without their reply arriving
        # the restarted server carries on where the labelers left off
        more: list = []
        run_labeler(restarted.url, 0, project_id, more)
        assert more and all(item not in {i for i, w, _ in before if w == "l00"} for item, _, _ in more)
        check.dispose()
    finally:
        restarted.stop()
    db.dispose()

