"""Real web processes for drills and the bench: gunicorn serving the portal on a local port."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from core.testing.services import free_port, start_module, stop_process, wait_for_port

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class GunicornProcess:
    """`gunicorn portal.wsgi` on a free local port, its output appended to `log_path`."""

    options = ["--timeout", "60", "--graceful-timeout", "5"]
    startup_seconds: float = 30
    stop_seconds: float = 15

    def __init__(self, *, env: dict[str, str], log_path: Path, workers: int = 2) -> None:
        self.env = env
        self.log_path = log_path
        self.workers = workers
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> GunicornProcess:
        self.process = start_module(
            "gunicorn",
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            *self.options,
            env=self.env,
            log_path=self.log_path,
        )
        if not wait_for_port(self.port, timeout=self.startup_seconds):
            self.stop()
            raise RuntimeError(f"gunicorn did not start:\n{self.log_path.read_text()[-3000:]}")
        return self

    def stop(self) -> None:
        stop_process(self.process, timeout=self.stop_seconds)


def csrf_token(page: str) -> str:
    match = CSRF_INPUT.search(page)
    assert match, "no CSRF token in the page"
    return match.group(1)
