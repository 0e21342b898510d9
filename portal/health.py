"""Health checks: /healthz (liveness), /readyz (readiness) and `manage.py check_deployment`.

The reason for a failure goes to the log, never into the answer: `/healthz` is public, and
a driver's error text names hosts, ports and database users (security review, finding 10).

- liveness: this process reaches the database and Redis;
- readiness: the installation works: that, plus a worker answering for every queue and a
  beat whose heartbeat (written by `portal.beat.HeartbeatScheduler`) is fresh.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)

QUEUES = ("email", "media", "celery")
BEAT_HEARTBEAT_KEY = "portal:beat:heartbeat"
BEAT_HEARTBEAT_SECONDS = 10.0
# Beat is "alive" while its heartbeat is younger than this (several missed ticks).
BEAT_STALE_SECONDS = 60.0
# Asking the workers is a broadcast with a wait: its answer is shared for this long.
WORKERS_CACHE_SECONDS = 15
WORKERS_REPLY_SECONDS = 1.0


def check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"; the reason is logged
        _log_failure("database", exc)
        return False
    return True


def _redis():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)


def check_redis() -> bool | None:
    """None when Redis is not configured (the one-command run)."""
    if not settings.REDIS_URL:
        return None
    try:
        _redis().ping()
    except Exception as exc:  # noqa: BLE001
        _log_failure("redis", exc)
        return False
    return True


def run_checks() -> dict[str, bool]:
    """Liveness: every configured service by name, True when it answers."""
    checks = {"database": check_database()}
    redis_ok = check_redis()
    if redis_ok is not None:
        checks["redis"] = redis_ok
    return checks


def workers_per_queue(*, fresh: bool = False) -> dict[str, int] | None:
    """How many workers answer for each queue; None without Redis (tasks run in-process)."""
    if not settings.REDIS_URL:
        return None
    key = "portal:health:workers"
    if not fresh:
        cached = cache.get(key)
        if cached is not None:
            return cached
    from celery import current_app

    counts = dict.fromkeys(QUEUES, 0)
    try:
        replies = current_app.control.inspect(timeout=WORKERS_REPLY_SECONDS).active_queues()
    except Exception as exc:  # noqa: BLE001
        _log_failure("workers", exc)
        return counts
    for queues in (replies or {}).values():
        for queue in queues:
            if queue.get("name") in counts:
                counts[queue["name"]] += 1
    cache.set(key, counts, WORKERS_CACHE_SECONDS)
    return counts


def record_beat_heartbeat(now: float) -> None:
    _redis().set(BEAT_HEARTBEAT_KEY, repr(now), ex=24 * 3600)


def beat_heartbeat_age() -> float | None:
    """Seconds since beat last ticked; None if it never did (or Redis cannot say)."""
    if not settings.REDIS_URL:
        return None
    try:
        raw = _redis().get(BEAT_HEARTBEAT_KEY)
    except Exception as exc:  # noqa: BLE001
        _log_failure("beat", exc)
        return None
    return max(time.time() - float(raw), 0.0) if raw else None


def run_readiness() -> dict[str, bool]:
    """Readiness: the liveness checks, then workers for every queue and a live beat."""
    checks = run_checks()
    workers = workers_per_queue()
    if workers is not None:
        checks["workers"] = all(workers.values())
        if not checks["workers"]:
            missing = ", ".join(q for q, n in workers.items() if not n)
            logger.warning(
                "readiness: no worker answers for %s", missing, extra={"check": "workers"}
            )
        age = beat_heartbeat_age()
        checks["beat"] = age is not None and age < BEAT_STALE_SECONDS
        if not checks["beat"]:
            logger.warning("readiness: beat heartbeat age %s", age, extra={"check": "beat"})
    return checks


def _log_failure(check: str, exc: Exception) -> None:
    # No traceback: a load balancer asks every few seconds while the service is down.
    logger.warning(
        "health check %s failed: %s: %s", check, type(exc).__name__, exc, extra={"check": check}
    )
