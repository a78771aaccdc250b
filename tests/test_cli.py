"""The CLI is thin: these tests check its wiring, exit codes and error messages."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from classifier.cli import app
from labels.paths import SEED_DECISIONS, SEED_GOLD, SEED_PASSES
from tests.conftest import write

runner = CliRunner()


def test_schema_list_and_show():
    result = runner.invoke(app, ["schema", "list"])
    assert result.exit_code == 0
    assert "framing" in result.output and "semeval2023_techniques" in result.output
    result = runner.invoke(app, ["schema", "show", "framing"])
    assert result.exit_code == 0 and "[2] concession:" in result.output
    result = runner.invoke(app, ["schema", "show", "nope"])
    assert result.exit_code == 2 and "unknown schema 'nope'" in result.output


def test_segment_prints_offsets(tmp_path: Path):
    path = write(tmp_path / "a.txt", "• Headline\nFirst one. Second one.")
    result = runner.invoke(app, ["data", "segment", str(path)])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.output.splitlines()]
    text = path.read_text(encoding="utf-8")
    assert [r["text"] for r in rows] == ["Headline", "First one.", "Second one."]
    assert all(text[r["start"]:r["end"]] == r["text"] for r in rows)


def test_segment_rejects_binary_file(tmp_path: Path):
    path = tmp_path / "b.txt"
    path.write_bytes(b"\xff\xfe\x00binary")
    result = runner.invoke(app, ["data", "segment", str(path)])
    assert result.exit_code == 2 and "b.txt" in result.output


def test_agreement_and_adjudicate_reproduce_gold(tmp_path: Path):
    result = runner.invoke(app, ["data", "agreement", *map(str, SEED_PASSES)])
    assert result.exit_code == 0 and "| maximalist_demand |" in result.output
    out = tmp_path / "gold.jsonl"
    result = runner.invoke(app, ["data", "adjudicate", *map(str, SEED_PASSES), "--decisions", str(SEED_DECISIONS),
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == SEED_GOLD.read_bytes()


def test_adjudicate_todo_lists_open_disagreements(tmp_path: Path):
    result = runner.invoke(app, ["data", "adjudicate", *map(str, SEED_PASSES), "--decisions",
                                 str(tmp_path / "none-yet.jsonl"), "--todo"])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows and all(len(set(map(tuple, r["labels"].values()))) > 1 for r in rows)


def test_stats_skips_missing_shared_data_clearly(tmp_path: Path):
    result = runner.invoke(app, ["data", "stats", "semeval2023", "framing-authored", "--shared", str(tmp_path)])
    assert result.exit_code == 0
    assert "semeval2023: skipped" in result.output and "set FRAMING_SHARED" in result.output
    assert "**framing-authored**" in result.output


def test_validate_all_with_shared(shared: Path):
    result = runner.invoke(app, ["data", "validate", "--shared", str(shared)])
    assert result.exit_code == 0, result.output
    assert "ok  framing:" in result.output and "ok  szeged-wiki:" in result.output


def test_data_card_is_up_to_date(shared: Path):
    result = runner.invoke(app, ["docs", "--check", "--shared", str(shared)])
    assert result.exit_code == 0, result.output
