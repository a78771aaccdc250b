"""Batch tagging through the CLI: bad inputs, exit status, summary, resume, Ctrl-C and crashes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from classifier.cli import app
from classifier.outputs import read_records
from tests.conftest import write

runner = CliRunner()
SENTENCES = ["The union said its demands remain unchanged and must be met.",
             "We are ready for dialogue at any time, the minister said.",
             "It is unclear if talks may resume next week.", "The strike was on friday."]


def tag(*args: str):
    return runner.invoke(app, ["tag", *args, "--backend", "torch-fp32", "--no-progress"])


def corpus(root: Path, n: int) -> Path:
    lines = [json.dumps({"id": f"doc{i:05d}", "text": " ".join(SENTENCES[j % 4] for j in range(i % 4 + 2))})
             for i in range(n)]
    return write(root / "docs.jsonl", "\n".join(lines) + "\n")


def complete_documents(path: Path) -> Counter:
    records = read_records(path)
    counts = Counter(r["doc_id"] for r in records)
    for r in records:
        assert counts[r["doc_id"]] == r["n_sentences"], r["doc_id"]
    return counts


def test_good_and_bad_inputs_together(tmp_path: Path, tiny_framing_model: Path):
    write(tmp_path / "in" / "good.txt", " ".join(SENTENCES))
    (tmp_path / "in" / "empty.txt").write_bytes(b"")
    (tmp_path / "in" / "bin.txt").write_bytes(b"\x00\x01\x02garbage")
    (tmp_path / "in" / "latin.txt").write_bytes("Caf\xe9.".encode("latin-1"))
    write(tmp_path / "in" / "docs.jsonl", '{"id": "j1", "text": "Talks resumed."}\n{oops\n{"id": "j3"}\n')
    out = tmp_path / "out.jsonl"
    result = tag(str(tmp_path / "in"), str(tmp_path / "nowhere.txt"), "--model", str(tiny_framing_model),
                 "--out", str(out))
    assert result.exit_code == 1, result.output
    for expected in ("empty.txt: empty input", "bin.txt: looks like a binary file", "latin.txt: not valid utf-8",
                     "docs.jsonl:2: malformed JSON", "docs.jsonl:3: no 'text' field",
                     "nowhere.txt: no such file or directory"):
        assert expected in result.output, expected
    assert "tagged 2 document(s), 5 sentences" in result.output and "6 failed" in result.output
    assert set(complete_documents(out)) == {"good", "j1"}
    text = (tmp_path / "in" / "good.txt").read_text()
    for record in read_records(out):
        if record["doc_id"] == "good":
            assert text[record["start"]:record["end"]] == record["text"]


def test_rerun_skips_documents_already_written(tmp_path: Path, tiny_framing_model: Path):
    source = corpus(tmp_path, 30)
    out = tmp_path / "out.csv"
    first = tag(str(source), "--model", str(tiny_framing_model), "--out", str(out), "--format", "csv")
    assert first.exit_code == 0 and "tagged 30 document(s)" in first.output
    before = out.read_bytes()
    second = tag(str(source), "--model", str(tiny_framing_model), "--out", str(out), "--format", "csv")
    assert second.exit_code == 0 and "tagged 0 document(s)" in second.output
    assert "skipped 30 already in the output" in second.output
    assert out.read_bytes() == before


def test_html_format_writes_report_and_records(tmp_path: Path, tiny_framing_model: Path):
    write(tmp_path / "a.txt", " ".join(SENTENCES))
    out = tmp_path / "report.html"
    result = tag(str(tmp_path / "a.txt"), "--model", str(tiny_framing_model), "--out", str(out), "--format",
                 "html")
    assert result.exit_code == 0, result.output
    assert out.is_file() and (tmp_path / "report.jsonl").is_file()
    assert 'data-doc="a"' in out.read_text()


def test_missing_model_and_bad_format_exit_2(tmp_path: Path):
    write(tmp_path / "a.txt", "x.")
    result = tag(str(tmp_path / "a.txt"), "--model", str(tmp_path / "no-model"), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and "no model at" in result.output
    result = tag(str(tmp_path / "a.txt"), "--format", "xml")
    assert result.exit_code == 2 and "--format must be one of" in result.output


def _framing(*args: str) -> list[str]:
    return [sys.executable, "-c", "from classifier.cli import main; main()", "tag", *args, "--backend",
            "torch-fp32", "--no-progress", "--threads", "1"]


def _wait_for_lines(path: Path, lines: int, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= lines:
            return
        if process.poll() is not None:
            pytest.fail(f"finished before it could be interrupted: {process.stderr.read()}")
        time.sleep(0.01)
    pytest.fail("no output appeared")


@pytest.mark.parametrize("kill", [signal.SIGINT, signal.SIGKILL])
def test_interrupted_run_loses_nothing_and_resumes_to_the_same_result(tmp_path: Path, tiny_framing_model: Path,
                                                                      kill):
    source = corpus(tmp_path, 3000)
    reference = tmp_path / "reference.jsonl"
    done = subprocess.run(_framing(str(source), "--model", str(tiny_framing_model), "--out", str(reference)),
                          capture_output=True, text=True, cwd=Path.cwd())
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out.jsonl"
    process = subprocess.Popen(_framing(str(source), "--model", str(tiny_framing_model), "--out", str(out)),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_lines(out, 200, process)
    process.send_signal(kill)
    process.wait(timeout=60)
    partial = complete_documents(out) if kill == signal.SIGINT else None
    if kill == signal.SIGINT:
        assert process.returncode == 130
        assert "interrupted" in process.stderr.read()
        assert 0 < len(partial) < 3000
    resumed = subprocess.run(_framing(str(source), "--model", str(tiny_framing_model), "--out", str(out)),
                             capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert "skipped" in resumed.stderr
    assert complete_documents(out) == complete_documents(reference)
    assert sorted(map(json.dumps, read_records(out))) == sorted(map(json.dumps, read_records(reference)))
