"""Fixtures shared by every app's tests, including the real services of the integration tests.

Integration tests ask for a service through a fixture (`postgres`, `redis_url`, `smtp_server`,
`celery_worker`). Where the service is missing they skip with the reason; with
REQUIRE_SERVICES=1 (as .ci/run sets it) they fail instead, so CI can never pass by skipping.
"""

from __future__ import annotations

import os
import random
import time
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.testing.celery import CeleryWorkerProcess
from core.testing.services import free_port, postgres_server_url, service_unavailable
from core.testing.smtp import SMTPTestServer

# --- Isolation of every test ------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path: Path) -> None:
    """Media files go to a fresh folder per test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_MEDIA_ROOT = tmp_path / "media" / "public"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media" / "private", "base_url": None},
        },
        "public": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media" / "public", "base_url": "/media/public/"},
        },
    }
    settings.MEDIA_STORAGE = "local"
    settings.DOWNLOAD_ACCEL_REDIRECT_PREFIX = ""


@pytest.fixture(autouse=True)
def _no_rendition_ladder(settings) -> None:
    """Ingesting a file makes no renditions unless a test sets `RENDITION_LADDER` itself
    (encoding every test's master would cost minutes and add renditions tests do not expect)."""
    settings.RENDITION_LADDER = ""


@pytest.fixture(autouse=True)
def _isolated_cache(settings) -> None:
    """A private in-memory cache per test, so rate limits never leak between tests."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": uuid.uuid4().hex,
        }
    }
    # Sessions as production keeps them with Redis (core/sessions.py), on this cache.
    settings.SESSION_ENGINE = "core.sessions"
    # Pages and versions a previous test left in this process's memory belong to its cache.
    from core.page_cache import forget_local_copies

    forget_local_copies()


@pytest.fixture(autouse=True)
def _language_as_the_test_found_it() -> Iterator[None]:
    """A French request activates French in this thread, and the tests after it (in any order)
    would read French messages: each test starts and ends in the default language."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _tasks_run_in_process() -> Iterator[None]:
    """Unit tests run Celery tasks eagerly; `celery_worker` switches to the real worker."""
    from celery.result import _set_task_join_will_block

    from portal.celery import app

    # Celery keeps "this thread is inside a task" in one global for the whole process: an
    # in-process task of a live server's thread stopped midway left it set, and every later
    # test's `result.get()` raised "Never call result.get() within a task!".
    _set_task_join_will_block(False)
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run the on-commit callbacks (queued emails, queued tasks) of what the block does.

    Tests run inside a transaction that never commits; this runs the callbacks as a real
    commit would.
    """
    return lambda: django_capture_on_commit_callbacks(execute=True)


# --- Real services ----------------------------------------------------------------------------


@pytest.fixture
def postgres(db) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        service_unavailable(
            "needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal"
        )


def _redis_url_or_none() -> str | None:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return None
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return None
    return url


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = _redis_url_or_none()
    if url is None:
        service_unavailable(
            "needs Redis: set REDIS_URL=redis://127.0.0.1:6379/1 to a running Redis"
        )
    return url


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SMTPTestServer]:
    """A real SMTP server (aiosmtpd) on a free local port, for the whole session."""
    server = SMTPTestServer(port=free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server: SMTPTestServer, settings) -> SMTPTestServer:
    """The SMTP server, emptied, with this process's email pointed at it."""
    smtp_server.reset()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    return smtp_server


def database_url_for_subprocess() -> str:
    """The URL of the database the tests use (pytest-django's test database)."""
    from django.db import connection

    conf = connection.settings_dict
    if conf["ENGINE"] != "django.db.backends.postgresql":
        service_unavailable("a real worker shares the test database: needs PostgreSQL")
    return f"{postgres_server_url(conf)}/{conf['NAME']}"


@pytest.fixture(scope="session")
def worker_environment(
    django_db_setup,
    django_db_blocker,
    redis_url: str,
    smtp_server: SMTPTestServer,
    tmp_path_factory,
) -> dict[str, str]:
    with django_db_blocker.unblock():
        database_url = database_url_for_subprocess()
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}?timeout=5",
        "MEDIA_ROOT": str(tmp_path_factory.mktemp("worker-media")),
        "PYTHONUNBUFFERED": "1",
        # As in-process tests (`_no_rendition_ladder`); a drill passes its own.
        "RENDITION_LADDER": "",
    }


@pytest.fixture(scope="session")
def _session_worker(worker_environment, tmp_path_factory) -> Iterator[CeleryWorkerProcess]:
    worker = CeleryWorkerProcess(
        env=worker_environment,
        log_path=tmp_path_factory.mktemp("celery") / "worker.log",
        name=f"test-{uuid.uuid4().hex[:8]}",
    )
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def celery_worker(_session_worker, transactional_db) -> Iterator[CeleryWorkerProcess]:
    """A real Celery worker process on Redis; the test's data is committed so it can see it."""
    from portal.celery import app

    app.conf.task_always_eager = False
    yield _session_worker
    app.conf.task_always_eager = True


WORKER_QUEUES = ("celery", "email", "media")


@pytest.fixture
def start_celery_worker(worker_environment, tmp_path: Path, transactional_db):
    """Start extra worker processes (for kill-and-resume drills); all are stopped at the end.

    They are the only workers taking tasks while the drill runs: a worker already running
    (the session's, started by whichever test ran earlier in this order) stops consuming
    every queue until the drill ends, or it would take the drill's tasks with its own
    settings and media folder.
    """
    from portal.celery import app

    app.conf.task_always_eager = False
    others = [name for reply in app.control.ping(timeout=1.0) for name in reply]
    for queue in WORKER_QUEUES if others else ():
        app.control.cancel_consumer(queue, destination=others, reply=True, timeout=2)
    workers: list[CeleryWorkerProcess] = []

    def start(concurrency: int = 2, **extra_env: str) -> CeleryWorkerProcess:
        worker = CeleryWorkerProcess(
            env={**worker_environment, **extra_env},
            log_path=tmp_path / f"worker-{len(workers)}.log",
            name=f"drill-{uuid.uuid4().hex[:8]}",
            concurrency=concurrency,
        )
        workers.append(worker)
        worker.start()
        return worker

    yield start
    for worker in workers:
        worker.stop()
    for queue in WORKER_QUEUES if others else ():
        app.control.add_consumer(queue, destination=others, reply=True, timeout=2)
    app.conf.task_always_eager = True


def wait_for(predicate, *, timeout: float = 30, interval: float = 0.2, message: str = ""):
    """Poll until `predicate()` is truthy; returns its value or fails the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(message or f"condition not met within {timeout}s")


@pytest.fixture
def wait():
    return wait_for


# --- Fuzz seeds -------------------------------------------------------------------------------


@pytest.fixture
def fuzz_seed(request) -> int:
    """The seed of a fuzzer or drill: the same on every run, printed, and replayable.

    By default it is derived from the test's id (not from `hash()`, which changes per process
    with PYTHONHASHSEED). `FUZZ_SEED=<n>` replays a run, `FUZZ_SEED=random` explores new ones;
    the seed is printed either way, and pytest shows it with a failure.
    """
    chosen = os.environ.get("FUZZ_SEED", "")
    if chosen == "random":
        seed = random.randrange(2**32)
    elif chosen:
        seed = int(chosen)
    else:
        seed = zlib.crc32(request.node.nodeid.encode())
    print(f"fuzz seed {seed} (FUZZ_SEED={seed} to replay)")
    return seed


# --- Figures ----------------------------------------------------------------------------------
# Drills and checks print one line with their figure ("sent 500/500 after outage"). pytest hides
# a passing test's output, so the lines are gathered and shown together at the end of the run.

_FIGURES: list[str] = []


def pytest_runtest_logreport(report) -> None:
    if report.when == "call" and report.passed and report.capstdout:
        name = report.nodeid.split("::")[-1]
        _FIGURES.extend(
            f"{name}: {line.strip()}" for line in report.capstdout.splitlines() if line.strip()
        )


def pytest_terminal_summary(terminalreporter) -> None:
    if _FIGURES:
        terminalreporter.section("figures printed by drills and checks")
        for line in _FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def _search_statistics_already_read() -> Iterator[None]:
    """A process reads the catalogue's search statistics once every ten minutes
    (media_library.newest_matches). Each test starts with that read done and nothing found,
    so query counts do not depend on test order; the tests of the windows read them anew."""
    from django.db import DEFAULT_DB_ALIAS

    from media_library import newest_matches

    newest_matches.forget_timeline()
    newest_matches._timelines[DEFAULT_DB_ALIAS] = (time.monotonic(), None)
    yield
    newest_matches.forget_timeline()
