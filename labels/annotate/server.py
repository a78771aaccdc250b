"""Serve the app with waitress (a multi-threaded production WSGI server).

``python -m labels.annotate.server --db annotate.db --port 8080`` is what
``framing annotate serve`` runs; tests start it as a subprocess.
"""

from __future__ import annotations

import argparse
import socket
import threading

DEFAULT_THREADS = 16


def make_server(db_url: str, host: str = "127.0.0.1", port: int = 8080, threads: int = DEFAULT_THREADS, *,
                secure_cookies: bool = False):
    from waitress.server import create_server

    from labels.annotate.web import create_app

    app = create_app(db_url, secure_cookies=secure_cookies)
    return create_server(app, host=host, port=port, threads=threads, channel_timeout=120, ident="framing-annotate")


def serve(db_url: str, host: str = "127.0.0.1", port: int = 8080, threads: int = DEFAULT_THREADS,
          echo=print, *, secure_cookies: bool = False) -> None:
    server = make_server(db_url, host, port, threads, secure_cookies=secure_cookies)
    echo(f"serving http://{host}:{server.effective_port}/ (database {db_url}); Ctrl-C stops")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


class BackgroundServer:
    """The app on a free port in a daemon thread (screenshots, browser tests)."""

    def __init__(self, db_url: str, host: str = "127.0.0.1", threads: int = 8):
        self.server = make_server(db_url, host, 0, threads)
        self.url = f"http://{host}:{self.server.effective_port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> BackgroundServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    args = parser.parse_args(argv)
    serve(args.db, args.host, args.port, args.threads, echo=lambda msg: print(msg, flush=True))


if __name__ == "__main__":
    main()
