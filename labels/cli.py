"""`framing data ...` and `framing schema ...`: thin commands over the labels API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from labels.errors import DataError
from labels.records import write_jsonl

data_app = typer.Typer(help="Corpora, annotations, agreement and the data card.", no_args_is_help=True)
schema_app = typer.Typer(help="Label schemas.", no_args_is_help=True)

SharedOpt = Annotated[Optional[Path], typer.Option("--shared", help="Path to ../shared (default: FRAMING_SHARED or "
                                                                    "a 'shared' folder beside the project).")]


def fail(error: Exception, code: int = 2) -> None:
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(code)


@schema_app.command("list")
def schema_list() -> None:
    """List the schemas in labels/schemas."""
    from labels.schema import available_schemas, load_schema

    for name in available_schemas():
        schema = load_schema(name)
        kind = "multi-label" if schema.multi_label else "single-label"
        typer.echo(f"{name:26s} {len(schema.labels):3d} labels  {kind:12s} {schema.title}")


@schema_app.command("show")
def schema_show(name: str) -> None:
    """Print a schema's labels with definitions and keys."""
    from labels.schema import load_schema

    try:
        schema = load_schema(name)
    except DataError as exc:
        fail(exc)
    typer.echo(f"{schema.title} ({schema.name}, {'multi' if schema.multi_label else 'single'}-label)")
    for label in schema.labels:
        typer.echo(f"\n[{label.key}] {label.name}: {label.definition}")


@data_app.command("segment")
def segment_cmd(
    path: Path,
    blocks: Annotated[str, typer.Option(help="'line' (scraped pages) or 'paragraph' (hard-wrapped text).")] = "line",
) -> None:
    """Print a text file's sentences as JSON lines with their character offsets."""
    from labels.segmentation import segment
    from labels.standoff import text_sha256

    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(DataError(str(exc), path=path))
    for sentence in segment(text, blocks=blocks):
        typer.echo(json.dumps({"doc_id": path.stem, "index": sentence.index, "start": sentence.start,
                               "end": sentence.end, "text_sha256": text_sha256(sentence.text),
                               "text": sentence.text}, ensure_ascii=False))


@data_app.command("stats")
def stats_cmd(
    corpus: Annotated[Optional[list[str]], typer.Argument(help="Corpus names (default: all in the registry).")] = None,
    seed: int = 0,
    shared: SharedOpt = None,
) -> None:
    """Print per-split, per-label counts for corpora (the same tables as the data card)."""
    from labels.corpora import MissingSourceError, read_registry
    from labels.datacard import corpus_block

    names = corpus or list(read_registry())
    for name in names:
        try:
            typer.echo(corpus_block(name, seed=seed, shared=shared) + "\n")
        except MissingSourceError as exc:
            typer.echo(f"{name}: skipped, {exc.message}\n")
        except DataError as exc:
            fail(exc)


@data_app.command("validate")
def validate_cmd(shared: SharedOpt = None) -> None:
    """Load every corpus and schema, checking labels, offsets and hashes; exit 2 on any problem."""
    from labels.corpora import MissingSourceError, load_corpus, read_registry
    from labels.schema import available_schemas, load_schema

    problems = 0
    for name in available_schemas():
        try:
            load_schema(name)
        except DataError as exc:
            problems += 1
            typer.echo(f"error: {exc}", err=True)
    for name in read_registry():
        try:
            corpus = load_corpus(name, shared=shared)
            typer.echo(f"ok  {name}: {len(corpus.examples)} examples")
        except MissingSourceError as exc:
            typer.echo(f"--  {name}: skipped, {exc.message}")
        except DataError as exc:
            problems += 1
            typer.echo(f"error: {exc}", err=True)
    if problems:
        raise typer.Exit(2)


@data_app.command("agreement")
def agreement_cmd(
    passes: Annotated[list[Path], typer.Argument(help="Standoff files, one annotator each.")],
    schema: str = "framing",
) -> None:
    """Per-label Krippendorff's alpha and Cohen's kappa between annotation passes."""
    from labels.adjudication import read_passes
    from labels.agreement import agreement, agreement_markdown
    from labels.schema import load_schema

    try:
        loaded_schema = load_schema(schema)
        loaded = read_passes(passes, loaded_schema)
    except DataError as exc:
        fail(exc)
    report = agreement({a: {u: r.labels for u, r in recs.items()} for a, recs in loaded.items()},
                       loaded_schema.label_names)
    typer.echo(agreement_markdown(report))


@data_app.command("adjudicate")
def adjudicate_cmd(
    passes: Annotated[list[Path], typer.Argument(help="Pass files, one annotator each (standoff or id records).")],
    decisions: Annotated[Path, typer.Option(help="Adjudicator's records for the disagreements.")],
    out: Annotated[Optional[Path], typer.Option(help="Write the final records here (e.g. standoff gold).")] = None,
    apply: Annotated[Optional[Path], typer.Option(help="Authored corpus file whose labels to set from the result "
                                                       "(id passes only).")] = None,
    todo: Annotated[bool, typer.Option(help="List the disagreements still to decide, as JSON lines.")] = False,
    texts: Annotated[Optional[Path], typer.Option(help="Source text folder, to show sentences with --todo.")] = None,
    schema: str = "framing",
) -> None:
    """Build final labels from agreeing passes plus adjudication decisions (deterministic)."""
    from labels.adjudication import adjudicate, disagreements, read_passes, read_records
    from labels.schema import load_schema
    from labels.standoff import TextStore

    try:
        loaded_schema = load_schema(schema)
        loaded = read_passes(passes, loaded_schema)
        decided = read_records(decisions, loaded_schema) if decisions.exists() else []
        if todo:
            store = TextStore(texts) if texts else None
            done = {r.unit for _, r in decided}
            for item in disagreements(loaded):
                if item.unit in done:
                    continue
                row = {"unit": list(item.unit) if isinstance(item.unit, tuple) else item.unit}
                if store and isinstance(item.unit, tuple):
                    doc_id, start, end, _ = item.unit
                    row["text"] = store.get(doc_id)[start:end]
                row.update(labels={a: list(v) for a, v in item.labels.items()}, notes=item.notes)
                typer.echo(json.dumps(row, ensure_ascii=False))
            return
        final = adjudicate(loaded, decided, decisions_path=decisions)
        if out is None and apply is None:
            raise DataError("give --out and/or --apply (or --todo)")
        if out is not None:
            write_jsonl(out, [r.to_json() for r in final])
            typer.echo(f"wrote {len(final)} records to {out}", err=True)
        if apply is not None:
            changed = apply_labels(apply, {r.unit: r.labels for r in final})
            typer.echo(f"set labels of {changed} sentence(s) in {apply}", err=True)
    except DataError as exc:
        fail(exc)


def apply_labels(path: Path, labels: dict) -> int:
    """Set the ``labels`` of an authored file from final id records; every id must match."""
    from labels.records import iter_jsonl

    rows = [row for _, row in iter_jsonl(path)]
    ids = {row["id"] for row in rows}
    if ids != set(labels):
        missing, extra = sorted(ids - set(labels))[:5], sorted(set(labels) - ids)[:5]
        raise DataError(f"ids differ from the passes (in file only: {missing}; in passes only: {extra})", path=path)
    changed = 0
    for row in rows:
        new = list(labels[row["id"]])
        changed += sorted(new) != sorted(row["labels"])
        row["labels"] = new
    write_jsonl(path, rows)
    return changed
