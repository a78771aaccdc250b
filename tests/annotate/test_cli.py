"""`framing annotate ...` commands: init, users, project, import, agreement, export, set-model."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from classifier.cli import app
from labels.annotate import service
from labels.annotate.db import open_database
from tests.annotate.conftest import ARTICLE


def run(*args: str, env: dict | None = None):
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_round_from_the_command_line(tmp_path: Path, framing_model_dir):
    db_path = str(tmp_path / "cli.db")
    env = {"FRAMING_ANNOTATE_DB": db_path, "FRAMING_ANNOTATE_PASSWORD": "secret-pass-1"}
    assert "revision 0001" in run("annotate", "init", "--admin", "admin", env=env)
    run("annotate", "user", "add", "ann", env=env)
    run("annotate", "user", "add", "bob", env=env)
    assert "ann" in run("annotate", "user", "list", env=env)
    run("annotate", "project", "create", "Talks", "--overlap", "2", env=env)
    (tmp_path / "strike.txt").write_text(ARTICLE, encoding="utf-8")
    assert "imported 1 document(s), 4 sentence(s)" in run("annotate", "import", "Talks", str(tmp_path / "strike.txt"),
                                                          env=env)
    db = open_database(db_path)
    users = {u.username: u.id for u in service.list_users(db)}
    project = service.get_project(db, "Talks")
    for name, labels in (("ann", ["hedging"]), ("bob", ["hedging"])):
        while (view := service.next_item(db, project.id, users[name])) is not None:
            service.submit(db, project.id, users[name], view.item_id, labels)
    out = run("annotate", "agreement", "Talks", env=env)
    assert "Krippendorff" in out and "| ann | 4 |" in out
    out = run("annotate", "export", "Talks", "--out", str(tmp_path / "gold"), env=env)
    assert "wrote 4 gold record(s)" in out and "framing train --config" in out
    rows = [json.loads(line) for line in (tmp_path / "gold" / "gold.jsonl").read_text().splitlines()]
    assert all(r["labels"] == ["hedging"] for r in rows)
    run("annotate", "export", "Talks", "--format", "jsonl", "--out", str(tmp_path / "all.jsonl"), env=env)
    assert len((tmp_path / "all.jsonl").read_text().splitlines()) == 4
    out = run("annotate", "project", "set-model", "Talks", str(framing_model_dir), "--order", "uncertainty", env=env)
    assert "4 sentence(s) scored" in out
    assert service.get_project(db, "Talks").queue_order == "uncertainty"
    assert "moved to the front" in run("annotate", "query", "Talks", "--n", "2", env=env)
    db.dispose()


def test_errors_are_one_line_not_tracebacks(tmp_path: Path):
    env = {"FRAMING_ANNOTATE_DB": str(tmp_path / "e.db")}
    result = CliRunner().invoke(app, ["annotate", "project", "create", "X", "--schema", "nope"], env=env)
    assert result.exit_code == 2 and "unknown schema" in result.output
    result = CliRunner().invoke(app, ["annotate", "agreement", "missing"], env=env)
    assert result.exit_code == 2 and "no project" in result.output
