"""Finding the real services that integration tests need.

Missing service: the test skips with the reason, or fails when REQUIRE_SERVICES=1 (CI).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
PROJECT_DIR = Path(__file__).resolve().parents[2]


def service_unavailable(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1: integration tests may not skip)")
    pytest.skip(reason)


def find_executable(name: str) -> str | None:
    """A program on the PATH, or in /usr/sbin (nginx, redis-server) where the PATH may not look."""
    return shutil.which(name) or (
        f"/usr/sbin/{name}" if os.path.exists(f"/usr/sbin/{name}") else None
    )


def require_executable(name: str, *, hint: str) -> str:
    path = find_executable(name)
    if not path:
        service_unavailable(f"needs {name}: {hint}")
    return path  # type: ignore[return-value]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, *, host: str = "127.0.0.1", timeout: float = 20) -> bool:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((host, port)) == 0:
                return True
        time.sleep(0.1)
    return False


def start_module(*args: str, env: dict[str, str], log_path: Path) -> subprocess.Popen:
    """`python -m <args>` in the project's folder, its output appended to `log_path`."""
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", *args],
            cwd=PROJECT_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop_process(process, *, timeout: float = 15) -> None:
    """Ask a server process to stop (SIGTERM), and kill it if it has not within `timeout`."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def postgres_server_url(settings_dict: dict) -> str:
    """`postgres://user[:password]@host:port` of a Django database, without the database name."""
    from urllib.parse import quote

    user = quote(settings_dict["USER"] or "postgres")
    password = f":{quote(settings_dict['PASSWORD'])}" if settings_dict["PASSWORD"] else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}"
