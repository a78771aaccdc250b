"""The `framing` command: a thin layer over the Python API, one sub-command group per package."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from labels.cli import data_app, fail, schema_app
from labels.errors import DataError
from training.cli import train_cmd

app = typer.Typer(help="Framing and propaganda signals in news, sentence by sentence.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
app.add_typer(data_app, name="data")
app.add_typer(schema_app, name="schema")
app.command("train")(train_cmd)


@app.command("run")
def run_cmd(
    shared: Annotated[Optional[Path], typer.Option("--shared", help="Path to ../shared.")] = None,
) -> None:
    """The main job: validate the corpora and print their statistics (more stages as they land)."""
    from classifier.mainjob import run_main_job

    try:
        run_main_job(shared=shared, echo=typer.echo)
    except DataError as exc:
        fail(exc)


def main() -> None:
    app()
