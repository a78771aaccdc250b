from __future__ import annotations

import json
from pathlib import Path

from classifier.inputs import Document, InputError, ReadOptions, iter_documents
from tests.conftest import write


def collect(paths, **options):
    items = list(iter_documents([str(p) for p in paths], ReadOptions(**options)))
    return [i for i in items if isinstance(i, Document)], [i for i in items if isinstance(i, InputError)]


def test_text_html_jsonl_and_directories(tmp_path: Path):
    write(tmp_path / "in" / "a.txt", "Talks resumed. The union said no.")
    write(tmp_path / "in" / "sub" / "b.html",
          "<html><head><script>var x = 'Strike!';</script><title>T</title></head><body>"
          "<nav>Home | World | Sport</nav><article><h1>Union rejects offer</h1>"
          "<p>The union rejected the offer on Monday, its leader said in a statement to reporters.</p>"
          "<p>Negotiations are expected to resume next week, according to people close to the talks.</p>"
          "</article><footer>Copyright 2026</footer><script>track();</script></body></html>")
    write(tmp_path / "in" / "c.jsonl", json.dumps({"id": "x1", "text": "First."}) + "\n\n" +
          json.dumps({"id": "x2", "text": "Second."}) + "\n")
    write(tmp_path / "in" / "ignored.bin", "not a known suffix")
    docs, errors = collect([tmp_path / "in"])
    assert errors == []
    assert [d.doc_id for d in docs] == ["a", "x1", "x2", "b"]
    html = docs[-1].text
    assert "The union rejected the offer" in html and "track()" not in html and "var x" not in html
    assert docs[1].origin.endswith("c.jsonl:1") and docs[2].origin.endswith("c.jsonl:3")


def test_every_bad_input_is_an_error_naming_it(tmp_path: Path):
    (tmp_path / "empty.txt").write_bytes(b"   \n")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 talks\nsecond line \xe9".encode("latin-1"))
    (tmp_path / "big.txt").write_bytes(b"word " * 300_000)  # 1.5 MB
    write(tmp_path / "scripts.html", "<html><body><script>" + "alert(1);" * 500 + "</script></body></html>")
    write(tmp_path / "docs.jsonl", "\n".join([
        json.dumps({"id": "ok", "text": "Fine."}),
        "{not json",
        json.dumps({"id": "no-text", "body": "wrong field"}),
        json.dumps({"id": "num", "text": 42}),
        json.dumps(["a", "list"]),
    ]) + "\n")
    docs, errors = collect(sorted(tmp_path.iterdir()) + [tmp_path / "missing.txt"], max_bytes=1_000_000)
    assert [d.doc_id for d in docs] == ["ok"]
    by_origin = {Path(e.origin.split(":")[0]).name + (":" + e.origin.split(":")[1] if ":" in e.origin else ""):
                 e.message for e in errors}
    assert "too large (1.5 MB > 1.0 MB limit)" in by_origin["big.txt"]
    assert "binary" in by_origin["binary.txt"]
    assert by_origin["empty.txt"].startswith("empty input")
    assert "not valid utf-8 (byte 0xe9 at line 1)" in by_origin["latin1.txt"] and "--encoding" in by_origin[
        "latin1.txt"]
    assert by_origin["scripts.html"] == "no main text found in the HTML page"
    assert by_origin["docs.jsonl:2"].startswith("malformed JSON")
    assert "no 'text' field" in by_origin["docs.jsonl:3"]
    assert "must be a string" in by_origin["docs.jsonl:4"]
    assert "JSON object" in by_origin["docs.jsonl:5"]
    assert by_origin["missing.txt"] == "no such file or directory"
    assert len(errors) == 10


def test_encoding_option_and_custom_fields(tmp_path: Path):
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 talks.".encode("latin-1"))
    docs, errors = collect([tmp_path / "latin1.txt"], encoding="cp1252")
    assert errors == [] and docs[0].text == "Café talks."
    write(tmp_path / "d.jsonl", json.dumps({"key": "k1", "body": "Hello."}) + "\n")
    docs, errors = collect([tmp_path / "d.jsonl"], id_field="key", text_field="body")
    assert [(d.doc_id, d.text) for d in docs] == [("k1", "Hello.")]


def test_stdin(monkeypatch):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("One. Two.".encode())))
    docs, errors = collect(["-"])
    assert [(d.doc_id, d.text) for d in docs] == [("stdin", "One. Two.")]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"id": "s1", "text": "A."}\nbad\n')))
    docs, errors = collect(["-"], stdin_format="jsonl")
    assert [d.doc_id for d in docs] == ["s1"] and errors[0].origin == "<stdin>:2"
