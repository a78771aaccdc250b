"""The Ray engine: same records as the local engine, a killed worker loses and duplicates nothing, shards resume.

A local Ray instance (2 CPUs, no dashboard) is started once for the module and shut
down at the end. Skipped when Ray is not installed (``pip install '.[ray]'``).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install '.[ray]'")

from classifier.batch import tag_inputs
from classifier.cli import app
from classifier.outputs import read_records
from classifier.ray_engine import read_shards, tag_with_ray
from classifier.tagger import Tagger
from tests.conftest import write

SENTENCES = ["The union said its demands remain unchanged and must be met.",
             "We are ready for dialogue at any time, the minister said.",
             "It is unclear if talks may resume next week.", "The strike was on friday.",
             "The company raised its pay offer and dropped the demand."]


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"TOKENIZERS_PARALLELISM": "false"}})
    yield
    ray.shutdown()


def article(i: int) -> str:
    return "\n".join(" ".join(SENTENCES[(i + j + k) % 5] for k in range(1 + (i + j) % 3)) for j in range(1 + i % 4))


def feed(root: Path, n: int, name: str = "feed.jsonl") -> Path:
    return write(root / name, "".join(json.dumps({"id": f"doc{i:03d}", "text": article(i)}) + "\n" for i in range(n)))


def by_document(records: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in records:
        out.setdefault(r["doc_id"], []).append(r)
    for doc in out.values():
        doc.sort(key=lambda r: r["sentence"])
        assert [r["sentence"] for r in doc] == list(range(doc[0]["n_sentences"])), "a document is not whole"
    return out


def test_ray_and_local_engines_give_identical_records(tmp_path: Path, tiny_framing_model: Path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    inputs = tmp_path / "in"
    for i in range(3):
        write(inputs / f"a{i}.txt", article(i + 10))
    write(inputs / "a0" / "a0.txt", article(20))  # a second 'a0': both engines must call it a0~2
    (inputs / "empty.txt").write_bytes(b"")
    write(inputs / "docs.jsonl", '{"id": "j1", "text": "Talks resumed."}\n{oops\n{"id": "j3"}\n')
    rows = [json.loads(line) for line in feed(tmp_path, 9).read_text().splitlines()]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "feed.parquet")

    local_out = tmp_path / "local.jsonl"
    tagger = Tagger.from_pretrained(tiny_framing_model, backend="torch-fp32")
    local = tag_inputs([inputs, tmp_path / "feed.jsonl", tmp_path / "missing.txt"], tagger, local_out)
    errors = []
    summary = tag_with_ray([inputs, tmp_path / "feed.parquet", tmp_path / "missing.txt"], tiny_framing_model,
                           tmp_path / "ray", shards=3, backend="torch-fp32", workers=2, on_error=errors.append)

    assert [str(e) for e in errors] == [str(e) for e in local.errors] and len(errors) == 4
    assert summary.failed == local.failed == 4
    assert summary.tagged == local.tagged == 14 and summary.sentences == local.sentences
    assert summary.written_shards == 3 and sorted(p.name for p in (tmp_path / "ray").glob("part-*")) == [
        "part-00000.jsonl", "part-00001.jsonl", "part-00002.jsonl"]
    expected, got = by_document(read_records(local_out)), by_document(read_shards(tmp_path / "ray"))
    assert set(got) == set(expected) and "a0~2" in got
    for doc_id, records in expected.items():
        for mine, theirs in zip(got[doc_id], records, strict=True):
            assert mine.keys() == theirs.keys()
            for key in ("doc_id", "sentence", "n_sentences", "start", "end", "text", "labels", "break_before",
                        "model"):
                assert mine[key] == theirs[key], (doc_id, key)
            for label, score in theirs["scores"].items():  # 4-decimal scores; batching may move the last digit
                assert mine["scores"][label] == pytest.approx(score, abs=1.01e-4)


def test_a_killed_worker_loses_and_duplicates_nothing(tmp_path: Path, tiny_framing_model: Path):
    source = feed(tmp_path, 24)
    marker = write(tmp_path / "crash-once", "x")
    summary = tag_with_ray([source], tiny_framing_model, tmp_path / "out", shards=6, fmt="parquet",
                           backend="torch-fp32", workers=2,
                           actor_kwargs={"crash_marker": str(marker), "crash_after": 7})
    assert not marker.exists(), "the worker never crashed, so the test proved nothing"
    assert summary.tagged == 24 and summary.written_shards == 6
    records = read_shards(tmp_path / "out")
    counts = Counter((r["doc_id"], r["sentence"]) for r in records)
    assert max(counts.values()) == 1
    assert set(by_document(records)) == {f"doc{i:03d}" for i in range(24)}
    assert not list((tmp_path / "out").glob(".*tmp*"))


def test_rerun_skips_complete_shards_and_redoes_the_rest(tmp_path: Path, tiny_framing_model: Path):
    source = feed(tmp_path, 16)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["tag", str(source), "--engine", "ray", "--model", str(tiny_framing_model),
                                      "--out", str(out), "--shards", "4", "--backend", "torch-fp32",
                                      "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "tagged 16 document(s)" in result.output and "wrote 4 of 4 shard(s)" in result.output
    first = {p.name: p.read_bytes() for p in out.glob("part-*")}
    kept = {name: (out / name).stat().st_mtime_ns for name in ("part-00000.jsonl", "part-00002.jsonl")}
    (out / "part-00001.jsonl").unlink()  # as if the driver had been killed before these two were complete
    (out / "part-00003.jsonl").unlink()
    write(out / ".part-00003.jsonl.tmp-999", '{"torn": ')

    summary = tag_with_ray([source], tiny_framing_model, out, shards=4, backend="torch-fp32", workers=2)
    assert (summary.skipped_shards, summary.written_shards, summary.skipped, summary.tagged) == (2, 2, 8, 8)
    assert {name: (out / name).stat().st_mtime_ns for name in kept} == kept  # untouched
    assert {p.name: p.read_bytes() for p in out.glob("part-*")} == first
    assert not list(out.glob(".*tmp*"))

    with pytest.raises(ValueError, match="different plan"):
        tag_with_ray([source], tiny_framing_model, out, shards=3, backend="torch-fp32")
    done = tag_with_ray([source], tiny_framing_model, out, shards=4, backend="torch-fp32")
    assert done.skipped_shards == 4 and done.tagged == 0


def test_parquet_errors_and_cli_usage_errors(tmp_path: Path, tiny_framing_model: Path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from classifier.inputs import ReadOptions
    from classifier.ray_engine import read_parquet

    pq.write_table(pa.Table.from_pylist([{"url": "u1", "body": "Talks resumed."}, {"url": None, "body": " "},
                                         {"url": "u3", "body": None}]), tmp_path / "a.parquet")
    items = list(read_parquet(tmp_path / "a.parquet", ReadOptions(id_field="url", text_field="body")))
    assert items[0].doc_id == "u1" and items[0].origin.endswith("a.parquet:1")
    assert [str(e).split("a.parquet")[1] for e in items[1:]] == [":2: empty text",
                                                                 ":3: column 'body' must be a string, got NoneType"]
    assert "no 'text' column" in str(next(read_parquet(tmp_path / "a.parquet", ReadOptions())))
    write(tmp_path / "b.parquet", "not parquet")
    assert "not a readable Parquet file" in str(next(read_parquet(tmp_path / "b.parquet", ReadOptions())))

    def tag(*args):
        return CliRunner().invoke(app, ["tag", str(tmp_path / "a.parquet"), "--engine", "ray", "--model",
                                        str(tiny_framing_model), *args])
    result = tag("--out", str(tmp_path / "x.jsonl"))
    assert result.exit_code == 2 and "directory of shards" in result.output
    result = tag("--out", str(tmp_path / "x"), "--format", "csv")
    assert result.exit_code == 2 and "jsonl, parquet with --engine ray" in result.output
    result = CliRunner().invoke(app, ["tag", "x.txt", "--address", "auto"])
    assert result.exit_code == 2 and "--address needs --engine ray" in result.output
