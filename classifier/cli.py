"""The `framing` command: a thin layer over the Python API, one sub-command group per package."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from labels.annotate.cli import annotate_app
from labels.cli import data_app, fail, schema_app
from labels.errors import DataError
from training.cli import compare_cmd, train_cmd

app = typer.Typer(help="Framing and propaganda signals in news, sentence by sentence.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
app.add_typer(data_app, name="data")
app.add_typer(schema_app, name="schema")
app.add_typer(annotate_app, name="annotate")
app.command("train")(train_cmd)
app.command("compare")(compare_cmd)


@app.command("run")
def run_cmd(
    shared: Annotated[Optional[Path], typer.Option("--shared", help="Path to ../shared.")] = None,
    retrain: Annotated[bool, typer.Option(help="Train the default model even if it exists.")] = False,
) -> None:
    """The main job: corpus statistics, the default model (trained if absent) and its evaluation."""
    from classifier.mainjob import run_main_job

    try:
        run_main_job(shared=shared, echo=typer.echo, retrain=retrain)
    except DataError as exc:
        fail(exc)


@app.command("tag")
def tag_cmd(
    inputs: Annotated[list[str], typer.Argument(help="Files (.txt, .html, .jsonl), folders (recursive) or - for "
                                                     "stdin.")],
    model: Annotated[Path, typer.Option(help="Model directory (a `framing train` run's model/).")] = Path(
        "runs/framing-minilm/model"),
    out: Annotated[Optional[Path], typer.Option(help="Output file (default tagged.jsonl); rerunning with the same "
                                                     "file resumes. With --engine ray: a directory of shards "
                                                     "(default tagged/).")] = None,
    format: Annotated[str, typer.Option("--format", help="jsonl, csv or html (html also writes "
                                                         "<name>.jsonl); with --engine ray: jsonl or "
                                                         "parquet.")] = "jsonl",
    report: Annotated[Optional[Path], typer.Option(help="Also write an HTML report here.")] = None,
    id_field: Annotated[str, typer.Option(help="JSON Lines: field with the document id.")] = "id",
    text_field: Annotated[str, typer.Option(help="JSON Lines: field with the text.")] = "text",
    stdin_format: Annotated[str, typer.Option(help="How to read '-': text (one document) or jsonl.")] = "text",
    encoding: Annotated[str, typer.Option(help="Input text encoding.")] = "utf-8",
    max_bytes: Annotated[int, typer.Option(help="Refuse inputs larger than this.")] = 5_000_000,
    backend: Annotated[str, typer.Option(help="auto (fastest that agrees with fp32), torch-fp32, torch-bf16, "
                                              "onnx-fp32 or onnx-int8.")] = "auto",
    threads: Annotated[Optional[int], typer.Option(help="CPU threads (default: all available; with --engine "
                                                                 "ray: per worker, default 1).")] = None,
    batch_size: Annotated[int, typer.Option(help="Sentences per model batch.")] = 32,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    engine: Annotated[str, typer.Option(help="local (this process) or ray (Ray Data; needs the ray extra,"
                                             " see README; also reads .parquet).")] = "local",
    address: Annotated[Optional[str], typer.Option(help="Ray: cluster to use (auto, or ray://HEAD:10001); "
                                                        "default starts a local Ray instance.")] = None,
    shards: Annotated[int, typer.Option(help="Ray: output shards (the unit of work and of resuming).")] = 16,
    workers: Annotated[Optional[int], typer.Option(help="Ray: tagging actors (default: cluster CPUs / "
                                                        "threads).")] = None,
) -> None:
    """Tag articles sentence by sentence; bad inputs are reported and skipped, the rest goes on."""
    from classifier.batch import FORMATS, known_schema, tag_inputs
    from classifier.inputs import ReadOptions
    from classifier.tagger import Tagger

    if engine == "ray":
        if report is not None:
            fail(DataError("--report needs the local engine (an HTML report is for a batch one page can show)"))
        _tag_with_ray(inputs, model, out or Path("tagged"), format, backend, threads, batch_size, address, shards,
                      workers, ReadOptions(id_field=id_field, text_field=text_field, max_bytes=max_bytes,
                                           encoding=encoding, stdin_format=stdin_format))
    if engine != "local":
        fail(DataError("--engine must be local or ray"))
    if address is not None:
        fail(DataError("--address needs --engine ray"))
    out = out or Path("tagged.jsonl")
    if format not in FORMATS:
        fail(DataError(f"--format must be one of {', '.join(FORMATS)}"))
    if format == "html" and out.suffix.lower() not in (".html", ".htm"):
        fail(DataError("--format html needs an --out ending in .html"))
    try:
        tagger = Tagger.from_pretrained(model, backend=backend, threads=threads, batch_size=batch_size)
    except (FileNotFoundError, OSError, ValueError) as exc:
        fail(exc)
    typer.echo(tagger.describe(), err=True)
    options = ReadOptions(id_field=id_field, text_field=text_field, max_bytes=max_bytes, encoding=encoding,
                          stdin_format=stdin_format)
    try:
        summary = tag_inputs(inputs, tagger, out, fmt=format, options=options, report=report,
                             on_error=lambda e: typer.echo(f"error: {e}", err=True), progress=progress,
                             schema=known_schema(tagger.model.labels))
    except (ValueError, RuntimeError) as exc:
        fail(exc)
    typer.echo(summary.text(), err=True)
    raise typer.Exit(summary.exit_code)


def _tag_with_ray(inputs, model, out, format, backend, threads, batch_size, address, shards, workers,
                  options) -> None:
    from classifier.ray_engine import FORMATS, tag_with_ray

    if format not in FORMATS:
        fail(DataError(f"--format must be one of {', '.join(FORMATS)} with --engine ray"))
    if out.suffix.lower() in (".jsonl", ".csv", ".html", ".parquet"):
        fail(DataError("--engine ray writes a directory of shards: give --out a directory name"))
    try:
        summary = tag_with_ray(inputs, model, out, shards=shards, fmt=format, address=address,
                               backend=backend, workers=workers,
                               threads=threads or 1, batch_size=batch_size, options=options,
                               on_error=lambda e: typer.echo(f"error: {e}", err=True),
                               log=lambda line: typer.echo(line, err=True))
    except (FileNotFoundError, OSError, ValueError, RuntimeError) as exc:
        fail(exc)
    typer.echo(summary.text(), err=True)
    raise typer.Exit(summary.exit_code)


@app.command("screenshot")
def screenshot_cmd(
    target: Annotated[str, typer.Argument(help="An HTML file or URL.")],
    out: Annotated[Path, typer.Option(help="PNG to write.")] = Path("screenshot.png"),
    hover: Annotated[Optional[str], typer.Option(help="CSS selector to hover before the shot.")] = None,
    full_page: Annotated[bool, typer.Option(help="The whole page, not just the viewport.")] = True,
) -> None:
    """Render a page in headless Chromium and save a PNG (needs scripts/install-browser.sh)."""
    from classifier.browser import screenshot

    try:
        typer.echo(str(screenshot(target, out, hover=hover, full_page=full_page)))
    except RuntimeError as exc:
        fail(exc)


@app.command("docs")
def docs_cmd(
    check: Annotated[bool, typer.Option(help="Only check that the documents are up to date (exit 1 if not).")] = False,
    shared: Annotated[Optional[Path], typer.Option("--shared", help="Path to ../shared.")] = None,
) -> None:
    """Re-render the generated figures in labels/README.md, README.md, training/RESULTS.md and model_card.md."""
    from classifier.docs import render_docs
    from labels.paths import PROJECT_ROOT

    try:
        results = render_docs(shared, write=not check)
    except DataError as exc:
        fail(exc)
    stale = False
    for path, changed, skipped in results:
        name = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
        for key in skipped:
            typer.echo(f"{name}: kept '{key}' as committed (its source is not on this machine)", err=True)
        if changed:
            stale = True
            typer.echo(f"{path} {'is out of date' if check else 'updated'}", err=check)
    if check and stale:
        typer.echo("run `framing docs` to update", err=True)
        raise typer.Exit(1)
    if not stale:
        typer.echo("documents are up to date")


def main() -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # weight-loading reports are noise for a command-line user
    hf_logging.disable_progress_bar()
    app()
