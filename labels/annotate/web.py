"""The Flask app: server-rendered pages (Jinja, autoescaped) plus a small JSON API, over ``service``.

Security: session login (Flask-Login), Argon2id password hashes, CSRF tokens on every
state-changing request (Flask-WTF; forms carry a hidden field, the JSON API sends
``X-CSRFToken``), role checks on every route, and a labeler only ever sees their
own items and answers.
"""

from __future__ import annotations

import math
import tempfile
from functools import wraps
from pathlib import Path

from flask import (
    Flask,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from werkzeug.utils import secure_filename

from labels.annotate import exporting, service
from labels.annotate.db import Database, open_database
from labels.errors import DataError

csrf = CSRFProtect()


class SessionUser(UserMixin):
    def __init__(self, user):
        self.id = user.id
        self.username = user.username
        self.role = user.role

    @property
    def is_reviewer(self) -> bool:
        return self.role in ("admin", "reviewer")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def roles(*allowed: str):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)
        return wrapper
    return decorator


def create_app(db: Database | str | Path, *, secret_key: str | None = None, csrf_enabled: bool = True,
               migrate: bool = True, testing: bool = False, secure_cookies: bool = False) -> Flask:
    """The WSGI app over a database (URL, SQLite path, or an open ``Database``).

    ``secure_cookies``: send the session cookie over HTTPS only (behind a TLS proxy).
    """
    if not isinstance(db, Database):
        db = open_database(db, migrate=migrate)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key or service.secret_key(db),
        WTF_CSRF_ENABLED=csrf_enabled,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        MAX_CONTENT_LENGTH=50 * 1024 * 1024,
        TESTING=testing,
    )
    app.extensions["annotate_db"] = db
    csrf.init_app(app)
    login = LoginManager(app)
    login.login_view = "login"

    @login.user_loader
    def load_user(user_id: str):
        user = service.get_user(db, int(user_id))
        return SessionUser(user) if user is not None and user.active else None

    @login.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            return jsonify(error="login required"), 401
        return redirect(url_for("login", next=request.path))

    @app.context_processor
    def inject():
        return {"csrf_token": generate_csrf, "fmt": _fmt}

    @app.after_request
    def headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Content-Security-Policy", "default-src 'self'; script-src 'self'; "
                                    "style-src 'self' 'unsafe-inline'; img-src 'self' data:")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        if request.path.startswith("/api/"):
            return jsonify(error=f"CSRF: {error.description}"), 400
        return render_template("error.html", message=f"CSRF check failed: {error.description}"), 400

    @app.errorhandler(service.AccessError)
    def access_error(error):
        if request.path.startswith("/api/"):
            return jsonify(error=str(error)), 403
        return render_template("error.html", message=str(error)), 403

    @app.errorhandler(service.NotFound)
    def not_found(error):
        if request.path.startswith("/api/"):
            return jsonify(error=str(error)), 404
        return render_template("error.html", message=str(error)), 404

    # ---- session ------------------------------------------------------------------------

    @app.route("/login", methods=["GET", "POST"])
    def login():
        error = None
        if request.method == "POST":
            user = service.authenticate(db, request.form.get("username", ""), request.form.get("password", ""))
            if user is None:
                error = "Unknown user or wrong password."
            else:
                login_user(SessionUser(user))
                target = request.args.get("next") or ""
                return redirect(target if target.startswith("/") and not target.startswith("//")
                                else url_for("index"))
        return render_template("login.html", error=error), (401 if error else 200)

    @app.post("/logout")
    @login_required
    def logout():
        logout_user()
        return redirect(url_for("login"))

    @app.get("/api/session")
    @login_required
    def api_session():
        return jsonify(user=current_user.username, role=current_user.role, csrf_token=generate_csrf())

    # ---- projects and users (admin) -------------------------------------------------------

    @app.get("/")
    @login_required
    def index():
        projects = service.list_projects(db)
        rows = [(p, service.progress(db, p.id, current_user.id)) for p in projects]
        users = service.list_users(db) if current_user.is_admin else []
        from labels.schema import available_schemas

        return render_template("index.html", projects=rows, users=users, schemas=available_schemas())

    @app.post("/users")
    @roles("admin")
    def users_create():
        try:
            service.add_user(db, request.form["username"], request.form["password"], request.form.get("role",
                                                                                                     "labeler"))
            flash(f"user {request.form['username']} created")
        except DataError as exc:
            flash(f"error: {exc}")
        return redirect(url_for("index"))

    @app.post("/projects")
    @roles("admin")
    def projects_create():
        try:
            project = service.create_project(
                db, request.form["name"], request.form.get("schema", "framing"),
                overlap=int(request.form.get("overlap", 2)), order=request.form.get("order", "article"),
                model_dir=request.form.get("model_dir") or None)
        except (DataError, ValueError) as exc:
            flash(f"error: {exc}")
            return redirect(url_for("index"))
        return redirect(url_for("project", project_id=project.id))

    @app.get("/p/<int:project_id>")
    @login_required
    def project(project_id: int):
        p = service.get_project(db, project_id)
        return render_template("project.html", project=p, progress=service.progress(db, project_id, current_user.id),
                               schema=service.project_schema(p))

    @app.post("/p/<int:project_id>/import")
    @roles("admin")
    def project_import(project_id: int):
        service.get_project(db, project_id)
        files = request.files.getlist("files")
        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            for upload in files:
                name = secure_filename(upload.filename or "")
                if not name:
                    continue
                path = Path(tmp) / name
                upload.save(path)
                paths.append(path)
            if not paths:
                flash("error: choose one or more .txt, .html or .jsonl files")
                return redirect(url_for("project", project_id=project_id))
            result = service.import_documents(db, project_id, paths)
            errors = [error.replace(f"{tmp}/", "") for error in result.errors]  # show file names, not temp paths
        flash(f"imported {result.documents} document(s), {result.sentences} sentence(s)")
        for error in errors:
            flash(f"error: {error}")
        return redirect(url_for("project", project_id=project_id))

    @app.post("/p/<int:project_id>/query")
    @roles("admin", "reviewer")
    def project_query(project_id: int):
        n = int(request.form.get("n", 20))
        chosen = service.query(db, project_id, n)
        flash(f"{len(chosen)} most uncertain sentence(s) moved to the front of the queue")
        return redirect(url_for("project", project_id=project_id))

    # ---- labeling -----------------------------------------------------------------------

    @app.get("/p/<int:project_id>/label")
    @login_required
    def label(project_id: int):
        p = service.get_project(db, project_id)
        item_id = request.args.get("item", type=int)
        if item_id is not None:
            view = service.item_for_user(db, project_id, current_user.id, item_id)
        else:
            view = service.next_item(db, project_id, current_user.id)
        previous = service.previous_item_id(db, project_id, current_user.id, view.item_id if view else None)
        return render_template("label.html", project=p, schema=service.project_schema(p), view=view,
                               previous=previous)

    @app.post("/p/<int:project_id>/items/<int:item_id>")
    @login_required
    def label_submit(project_id: int, item_id: int):
        labels = request.form.getlist("labels")
        suggested = request.form.get("suggested")
        try:
            service.submit(db, project_id, current_user.id, item_id, labels,
                           suggested=suggested.split(",") if suggested else None)
        except service.AccessError:
            raise
        except DataError as exc:
            flash(f"error: {exc}")
            return redirect(url_for("label", project_id=project_id, item=item_id))
        return redirect(url_for("label", project_id=project_id))

    @app.get("/api/p/<int:project_id>/next")
    @login_required
    def api_next(project_id: int):
        view = service.next_item(db, project_id, current_user.id)
        if view is None:
            return jsonify(item=None, done=service.progress(db, project_id, current_user.id)["done"])
        return jsonify(item=_view_json(view))

    @app.get("/api/p/<int:project_id>/items/<int:item_id>")
    @login_required
    def api_item(project_id: int, item_id: int):
        return jsonify(item=_view_json(service.item_for_user(db, project_id, current_user.id, item_id)))

    @app.post("/api/p/<int:project_id>/items/<int:item_id>/annotation")
    @login_required
    def api_submit(project_id: int, item_id: int):
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("labels"), list):
            return jsonify(error='send JSON {"labels": [...]}'), 400
        try:
            annotation_id, created = service.submit(db, project_id, current_user.id, item_id, body["labels"],
                                                    suggested=body.get("suggested"))
        except service.AccessError:
            raise
        except DataError as exc:
            return jsonify(error=str(exc)), 400
        return jsonify(ok=True, annotation_id=annotation_id, created=created), 201 if created else 200

    # ---- agreement, review, export --------------------------------------------------------

    @app.get("/p/<int:project_id>/agreement")
    @roles("admin", "reviewer")
    def agreement(project_id: int):
        p = service.get_project(db, project_id)
        return render_template("agreement.html", project=p, summary=service.agreement_for_project(db, project_id))

    @app.get("/api/p/<int:project_id>/agreement")
    @roles("admin", "reviewer")
    def api_agreement(project_id: int):
        summary = service.agreement_for_project(db, project_id)
        if summary.report is None:
            return jsonify(error=summary.message, rows=[], labelers=[])
        rows = [{"label": r.label, "alpha": _num(r.alpha), "mean_kappa": _num(r.mean_kappa),
                 "kappa": {f"{a}|{b}": _num(v) for (a, b), v in r.kappa.items()}} for r in summary.report.rows]
        labelers = [{k: (_num(v) if isinstance(v, float) else v) for k, v in row.items() if k != "per_label_kappa"}
                    for row in summary.per_labeler]
        return jsonify(rows=rows, labelers=labelers, units=summary.report.units)

    @app.get("/p/<int:project_id>/review")
    @roles("admin", "reviewer")
    def review(project_id: int):
        p = service.get_project(db, project_id)
        show = request.args.get("show", "open")
        items = service.review_items(db, project_id, include_decided=(show == "all"))
        return render_template("review.html", project=p, schema=service.project_schema(p), items=items, show=show,
                               errors=None)

    @app.post("/p/<int:project_id>/label-errors")
    @roles("admin", "reviewer")
    def label_errors(project_id: int):
        p = service.get_project(db, project_id)
        try:
            found = service.label_error_candidates(db, project_id)
        except (ImportError, DataError, ValueError) as exc:
            flash(f"error: could not rank label errors: {exc}")
            found = []
        return render_template("review.html", project=p, schema=service.project_schema(p), items=[], show="errors",
                               errors=found)

    @app.post("/p/<int:project_id>/items/<int:item_id>/decision")
    @roles("admin", "reviewer")
    def decide(project_id: int, item_id: int):
        try:
            service.adjudicate(db, project_id, item_id, current_user.id, request.form.getlist("labels"),
                               note=request.form.get("note", ""))
        except DataError as exc:
            flash(f"error: {exc}")
        return redirect(request.form.get("back") if (request.form.get("back") or "").startswith("/")
                        else url_for("review", project_id=project_id))

    @app.get("/p/<int:project_id>/export/<fmt>")
    @roles("admin", "reviewer")
    def export(project_id: int, fmt: str):
        p = service.get_project(db, project_id)
        tmp = tempfile.mkdtemp(prefix="framing-export-")
        slug = exporting._slug(p.name)
        if fmt == "gold":
            import shutil

            exporting.export_gold(db, project_id, Path(tmp) / slug)
            archive = shutil.make_archive(str(Path(tmp) / f"{slug}-gold"), "zip", tmp, slug)
            return send_file(archive, as_attachment=True, download_name=f"{slug}-gold.zip")
        if fmt == "jsonl":
            path = Path(tmp) / f"{slug}.jsonl"
            exporting.export_jsonl(db, project_id, path)
        elif fmt == "gold.jsonl":
            path = Path(tmp) / "gold.jsonl"
            exporting.export_gold(db, project_id, Path(tmp) / "gold")
            path = Path(tmp) / "gold" / "gold.jsonl"
        elif fmt in ("label-studio", "prodigy"):
            path = Path(tmp) / (f"{slug}.label-studio.json" if fmt == "label-studio" else f"{slug}.prodigy.jsonl")
            exporting.export_interchange(db, project_id, path, fmt)
        else:
            abort(404)
        return send_file(path, as_attachment=True, download_name=path.name)

    return app


def _num(value: float):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else round(float(value), 4)


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _view_json(view: service.ItemView) -> dict:
    return {"id": view.item_id, "doc_id": view.doc_id, "sentence_index": view.sentence_index, "text": view.text,
            "before": view.before, "after": view.after, "labels": view.labels, "suggestion": view.suggestion,
            "done": view.done, "remaining": view.remaining}
