"""A real server process (waitress) on a free port, and a labeler client speaking HTTP with requests."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


class ServerProcess:
    def __init__(self, db_url: str, log: Path, threads: int = 24):
        from labels.annotate.server import free_port

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.log = open(log, "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "labels.annotate.server", "--db", db_url, "--port",
                                      str(self.port), "--threads", str(threads)], env=env, cwd=ROOT,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {log}")
            try:
                if requests.get(self.url + "/login", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not start; see {log}")

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing, like a power cut for the process."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.log.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Labeler:
    def __init__(self, base: str, username: str, password: str):
        self.base = base
        self.http = requests.Session()
        page = self.http.get(f"{base}/login", timeout=30).text
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        response = self.http.post(f"{base}/login", data={"username": username, "password": password,
                                                         "csrf_token": token}, allow_redirects=False, timeout=30)
        assert response.status_code == 302, response.text[:300]
        self.token = self.http.get(f"{base}/api/session", timeout=30).json()["csrf_token"]

    def next(self, project_id: int) -> dict | None:
        response = self.http.get(f"{self.base}/api/p/{project_id}/next", timeout=60)
        response.raise_for_status()
        return response.json()["item"]

    def submit(self, project_id: int, item_id: int, labels: list[str]) -> dict:
        response = self.http.post(f"{self.base}/api/p/{project_id}/items/{item_id}/annotation",
                                  json={"labels": labels}, headers={"X-CSRFToken": self.token}, timeout=60)
        response.raise_for_status()
        return response.json()
