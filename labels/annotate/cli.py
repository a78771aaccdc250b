"""`framing annotate ...`: the annotation app's commands, thin over ``labels.annotate.service``.

The database is ``--db`` (a SQLite file path or a ``postgresql://`` URL), default
``$FRAMING_ANNOTATE_DB`` or ``annotate.db``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Optional

import typer

from labels.errors import DataError

annotate_app = typer.Typer(help="The annotation web app: projects, labelers, agreement, review, export.",
                           no_args_is_help=True)
user_app = typer.Typer(help="Accounts (admin, reviewer, labeler).", no_args_is_help=True)
project_app = typer.Typer(help="Projects.", no_args_is_help=True)
annotate_app.add_typer(user_app, name="user")
annotate_app.add_typer(project_app, name="project")

DbOpt = Annotated[str, typer.Option("--db", envvar="FRAMING_ANNOTATE_DB",
                                    help="SQLite file or database URL (postgresql://user@host/db).")]
DEFAULT_DB = "annotate.db"


def _fail(error: Exception) -> None:
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(2)


def _db(url: str):
    from labels.annotate.db import open_database

    try:
        return open_database(url)
    except Exception as exc:  # a wrong URL or an unreachable server: say so, without a traceback
        _fail(DataError(f"cannot open database {url}: {exc}"))


def _project(db, name: str):
    from labels.annotate import service

    try:
        return service.get_project(db, int(name) if name.isdigit() else name)
    except DataError as exc:
        _fail(exc)


@annotate_app.command("init")
def init_cmd(
    db: DbOpt = DEFAULT_DB,
    admin: Annotated[Optional[str], typer.Option(help="Also create this admin account.")] = None,
    password: Annotated[Optional[str], typer.Option(envvar="FRAMING_ANNOTATE_PASSWORD",
                                                    help="Admin password (prompted if omitted).")] = None,
) -> None:
    """Create (or migrate) the database, optionally with a first admin."""
    from labels.annotate import service

    database = _db(db)
    typer.echo(f"database {database.url} at revision {database.current_revision()}")
    if admin:
        password = password or typer.prompt("admin password", hide_input=True, confirmation_prompt=True)
        try:
            service.add_user(database, admin, password, "admin")
        except DataError as exc:
            _fail(exc)
        typer.echo(f"admin {admin} created")


@annotate_app.command("migrate")
def migrate_cmd(db: DbOpt = DEFAULT_DB) -> None:
    """Bring the database schema to the newest revision (Alembic)."""
    database = _db(db)
    typer.echo(f"{database.url}: revision {database.current_revision()}")


@annotate_app.command("serve")
def serve_cmd(
    db: DbOpt = DEFAULT_DB,
    host: Annotated[str, typer.Option(help="Interface to listen on (0.0.0.0 for a team network).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8080,
    threads: Annotated[int, typer.Option(help="Worker threads.")] = 16,
    secure_cookies: Annotated[bool, typer.Option(help="Session cookie over HTTPS only (behind a TLS proxy).")] = False,
) -> None:
    """Start the web app (waitress)."""
    from labels.annotate.server import serve

    _db(db).dispose()  # migrate first, with a clear error if the database is unreachable
    serve(db, host, port, threads, echo=typer.echo, secure_cookies=secure_cookies)


@user_app.command("add")
def user_add(
    username: str,
    role: Annotated[str, typer.Option(help="admin, reviewer or labeler.")] = "labeler",
    password: Annotated[Optional[str], typer.Option(envvar="FRAMING_ANNOTATE_PASSWORD",
                                                    help="Password (prompted if omitted).")] = None,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Add an account (the password is stored as an Argon2id hash)."""
    from labels.annotate import service

    password = password or typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        service.add_user(_db(db), username, password, role)
    except DataError as exc:
        _fail(exc)
    typer.echo(f"{role} {username} created")


@user_app.command("list")
def user_list(db: DbOpt = DEFAULT_DB) -> None:
    """List accounts and roles."""
    from labels.annotate import service

    for user in service.list_users(_db(db)):
        typer.echo(f"{user.username:24s} {user.role}")


@project_app.command("create")
def project_create(
    name: str,
    schema: Annotated[str, typer.Option(help="Schema name from labels/schemas or a YAML path.")] = "framing",
    overlap: Annotated[int, typer.Option("--overlap", "-k", help="Labelers per sentence.")] = 2,
    order: Annotated[str, typer.Option(help="Queue order: article or uncertainty (needs --model).")] = "article",
    model: Annotated[Optional[Path], typer.Option(help="Model directory for suggestions (a run's model/).")] = None,
    prefill: Annotated[bool, typer.Option(help="Pre-fill the model's suggestion on the labeling screen.")] = True,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Create a project."""
    from labels.annotate import service

    try:
        project = service.create_project(_db(db), name, schema, overlap=overlap, order=order, model_dir=model,
                                         prefill=prefill)
    except DataError as exc:
        _fail(exc)
    typer.echo(f"project {project.id}: {project.name}")


@project_app.command("set-model")
def project_set_model(
    project: str,
    model: Annotated[Optional[Path], typer.Argument(help="Model directory (omit to switch suggestions off).")] = None,
    order: Annotated[Optional[str], typer.Option(help="Also set the queue order: article or uncertainty.")] = None,
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Point a project at a (re)trained model and rescore its sentences."""
    from labels.annotate import service

    database = _db(db)
    p = _project(database, project)
    try:
        service.set_model(database, p.id, model, order=order)
        n = service.compute_suggestions(database, p.id) if model else 0
    except DataError as exc:
        _fail(exc)
    typer.echo(f"project {p.name}: model {model or 'none'}, {n} sentence(s) scored")


@project_app.command("list")
def project_list(db: DbOpt = DEFAULT_DB) -> None:
    """List projects."""
    from labels.annotate import service

    for p in service.list_projects(_db(db)):
        typer.echo(f"{p.id:4d}  {p.name:30s} {p.schema_name:12s} k={p.overlap} {p.queue_order}")


@annotate_app.command("import")
def import_cmd(
    project: str,
    inputs: Annotated[list[Path], typer.Argument(help="Files or folders: .txt, .html, .jsonl (or a Label Studio / "
                                                      "Prodigy file with --format).")],
    format: Annotated[str, typer.Option("--format", help="documents, label-studio or prodigy.")] = "documents",
    id_field: str = "id",
    text_field: str = "text",
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Import articles (segmented into sentences), or sentences and answers from Label Studio / Prodigy."""
    from labels.annotate import exporting, service

    database = _db(db)
    p = _project(database, project)
    try:
        if format == "documents":
            result = service.import_documents(database, p.id, inputs, id_field=id_field, text_field=text_field)
            for error in result.errors:
                typer.echo(f"error: {error}", err=True)
            typer.echo(f"imported {result.documents} document(s), {result.sentences} sentence(s)")
        elif format in ("label-studio", "prodigy"):
            for path in inputs:
                info = exporting.import_interchange(database, p.id, path, format)
                typer.echo(f"{path}: {info['sentences']} sentence(s), {info['answers']} answer(s) imported, "
                           f"{info['skipped_answers']} answer(s) skipped (unknown user or sentence)")
        else:
            raise DataError("--format must be documents, label-studio or prodigy")
    except DataError as exc:
        _fail(exc)


@annotate_app.command("suggest")
def suggest_cmd(project: str, all_items: Annotated[bool, typer.Option("--all", help="Rescore every sentence.")] = False,
                db: DbOpt = DEFAULT_DB) -> None:
    """Score the project's sentences with its model (suggestions and uncertainty order)."""
    from labels.annotate import service

    database = _db(db)
    try:
        n = service.compute_suggestions(database, _project(database, project).id, all_items=all_items)
    except DataError as exc:
        _fail(exc)
    typer.echo(f"scored {n} sentence(s)")


@annotate_app.command("query")
def query_cmd(project: str, n: int = 20, db: DbOpt = DEFAULT_DB) -> None:
    """Active learning: move the n most uncertain open sentences to the front of the queue."""
    from labels.annotate import service

    database = _db(db)
    ids = service.query(database, _project(database, project).id, n)
    typer.echo(f"{len(ids)} sentence(s) moved to the front: {ids}")


@annotate_app.command("agreement")
def agreement_cmd(project: str, db: DbOpt = DEFAULT_DB) -> None:
    """Per-label Krippendorff's alpha and Cohen's kappa, and per-labeler figures."""
    from labels.agreement import agreement_markdown
    from labels.annotate import service

    database = _db(db)
    summary = service.agreement_for_project(database, _project(database, project).id)
    if summary.report is None:
        typer.echo(summary.message)
        return
    typer.echo(agreement_markdown(summary.report))
    typer.echo("\n| labeler | answers | mean κ with others (exact set) | agreement with gold |\n|---|---|---|---|")
    for row in summary.per_labeler:
        gold = "n/a" if math.isnan(row["gold_agreement"]) else f"{row['gold_agreement']:.1%} of {row['gold_units']}"
        kappa = "n/a" if math.isnan(row["mean_kappa"]) else f"{row['mean_kappa']:.3f}"
        typer.echo(f"| {row['labeler']} | {row['answers']} | {kappa} | {gold} |")


@annotate_app.command("export")
def export_cmd(
    project: str,
    out: Annotated[Path, typer.Option(help="Output folder (gold, hf) or file (jsonl, label-studio, prodigy).")],
    format: Annotated[str, typer.Option("--format", help="gold (standoff + texts + corpora.yaml + train.yaml), "
                                                         "jsonl, hf, label-studio or prodigy.")] = "gold",
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Export the adjudicated gold (directly trainable) or every answer."""
    from labels.annotate import exporting

    database = _db(db)
    p = _project(database, project)
    try:
        if format == "gold":
            info = exporting.export_gold(database, p.id, out)
            typer.echo(f"wrote {info['records']} gold record(s) over {info['documents']} document(s) to {out}"
                       + (f"; {info['undecided']} disagreement(s) still undecided (left out)" if info["undecided"]
                          else ""))
            typer.echo(f"train on it: framing train --config {out / 'train.yaml'}")
        elif format == "jsonl":
            typer.echo(f"wrote {exporting.export_jsonl(database, p.id, out)} row(s) to {out}")
        elif format == "hf":
            typer.echo(f"wrote a Hugging Face dataset to {exporting.export_hf(database, p.id, out)}")
        elif format in ("label-studio", "prodigy"):
            typer.echo(f"wrote {exporting.export_interchange(database, p.id, out, format)} item(s) to {out}")
        else:
            raise DataError("--format must be gold, jsonl, hf, label-studio or prodigy")
    except DataError as exc:
        _fail(exc)


@annotate_app.command("screenshots")
def screenshots_cmd(
    out: Annotated[Path, typer.Option(help="Folder for the PNGs.")] = Path("reports/annotate"),
    model: Annotated[Optional[Path], typer.Option(help="Model directory, to show suggestions.")] = None,
) -> None:
    """PNGs of the labeling, agreement and review pages (a demo project in headless Chromium)."""
    from labels.annotate.screenshots import take_screenshots

    try:
        for path in take_screenshots(out, model_dir=model):
            typer.echo(str(path))
    except RuntimeError as exc:
        _fail(exc)


