"""The same settings run the portal on SQLite (the one-command run) and on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from core.testing.services import service_unavailable

BASE_DIR = Path(__file__).resolve().parents[2]

PROBE = """
import json
from django.test import Client
from django.db import connection
client = Client()
print(json.dumps({
    "vendor": connection.vendor,
    "home": client.get("/").status_code,
    "healthz": client.get("/healthz").json(),
}))
"""


def manage(*args: str, env: dict[str, str], stderr: bool = False):
    """`manage.py args` in a process of its own: its output (and with `stderr`, the whole
    result, its log lines included)."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}"
    return result if stderr else result.stdout


def postgres_server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        service_unavailable(
            "needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal"
        )
    return url.rsplit("/", 1)[0]


@pytest.fixture
def fresh_postgres_database():
    import psycopg

    server = postgres_server_url()
    name = f"portal_parity_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{server}/{name}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_portal_on(database_url: str, tmp_path: Path) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": "",
        "EMAIL_URL": "",
        "MEDIA_STORAGE": "local",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    manage("migrate", "--noinput", env=env)
    manage("load_demo", env=env)
    manage("load_demo", env=env)  # idempotent: a second run must not fail or duplicate
    manage("check", env=env)
    return json.loads(manage("shell", "-c", PROBE, env=env).strip().splitlines()[-1])


@pytest.mark.integration
def test_the_portal_migrates_loads_demo_content_and_serves_on_sqlite(tmp_path):
    result = run_portal_on(f"sqlite:///{tmp_path / 'portal.sqlite3'}", tmp_path)

    assert result["vendor"] == "sqlite"
    assert result["home"] == 200
    assert result["healthz"] == {"status": "ok", "checks": {"database": "ok"}}


@pytest.mark.integration
def test_the_portal_migrates_loads_demo_content_and_serves_on_postgres(
    fresh_postgres_database, tmp_path
):
    result = run_portal_on(fresh_postgres_database, tmp_path)

    assert result["vendor"] == "postgresql"
    assert result["home"] == 200
    assert result["healthz"] == {"status": "ok", "checks": {"database": "ok"}}
