"""Real web processes for drills: gunicorn serving the portal on a local port."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from core.testing.services import free_port, stop_process, wait_for_port

BASE_DIR = Path(__file__).resolve().parents[2]
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class GunicornProcess:
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
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "portal.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        if not wait_for_port(self.port, timeout=30):
            self.stop()
            raise RuntimeError(f"gunicorn did not start:\n{self.log_path.read_text()[-3000:]}")
        return self

    def stop(self) -> None:
        stop_process(self.process, timeout=15)


def csrf_token(page: str) -> str:
    match = CSRF_INPUT.search(page)
    assert match, "no CSRF token in the page"
    return match.group(1)
