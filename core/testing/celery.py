"""Real Celery workers of the portal, and pointing this process's app at another broker."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from celery import current_app

from core.testing.services import start_module


@contextmanager
def broker_at(url: str) -> Iterator[None]:
    """Queue tasks to `url` (e.g. a port where nothing listens) inside the block.

    The app's connection pools are swapped, never closed: kombu registers pools per broker
    and other parts of Celery keep references to them.
    """
    app = current_app._get_current_object()
    saved = (app.conf.broker_url, app.conf.task_always_eager, app._pool, app.amqp._producer_pool)
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = url
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        # Not closed: kombu keeps pools in a registry keyed by broker, and hands the same
        # (closed) pool out again to the next user of that broker.
        (app.conf.broker_url, app.conf.task_always_eager, app._pool, app.amqp._producer_pool) = (
            saved
        )


class CeleryWorkerProcess:
    """A `celery worker` process of the portal, with its own log file."""

    def __init__(
        self,
        *,
        env: dict[str, str],
        log_path: Path,
        name: str,
        queues: str = "celery,email,media",
        concurrency: int = 2,
        loglevel: str = "INFO",
    ) -> None:
        self.env = env
        self.log_path = log_path
        self.name = name
        self.queues = queues
        self.concurrency = concurrency
        self.loglevel = loglevel
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> CeleryWorkerProcess:
        self.process = start_module(
            "celery",
            "-A",
            "portal",
            "worker",
            "-Q",
            self.queues,
            "-n",
            f"{self.name}@%h",
            "--concurrency",
            str(self.concurrency),
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            self.loglevel,
            env=self.env,
            log_path=self.log_path,
        )
        try:
            self._wait_until_ready(timeout)
        except BaseException:
            self.kill()
            raise
        return self

    def _wait_until_ready(self, timeout: float) -> None:
        app = current_app._get_current_object()
        deadline = time.monotonic() + timeout
        # Ask on the worker's own broker (a drill may give it a private Redis).
        with broker_at(self.env["REDIS_URL"]):
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"celery worker exited:\n{self.log_path.read_text()[-4000:]}"
                    )
                if app.control.ping(destination=[self._hostname()], timeout=0.5):
                    return
        raise RuntimeError(f"celery worker did not answer:\n{self.log_path.read_text()[-4000:]}")

    def _hostname(self) -> str:
        return f"{self.name}@{socket.gethostname()}"

    def kill(self) -> None:
        """SIGKILL, as a crashed host would: no warm shutdown, no acks."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
            subprocess.run(["pkill", "-9", "-f", "--", f"{self.name}@"], check=False)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


class CeleryBeatProcess:
    """`celery beat` of the portal, with the deployed schedule and its own schedule file."""

    def __init__(self, *, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> CeleryBeatProcess:
        self.process = start_module(
            "celery",
            "--quiet",
            "-A",
            "portal",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            str(self.log_path.with_suffix(".schedule")),
            env=self.env,
            log_path=self.log_path,
        )
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
