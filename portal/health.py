"""Health checks behind /healthz: each says whether its service answers.

The reason for a failure goes to the log, never into the answer: `/healthz` is public, and
a driver's error text names hosts, ports and database users (security review, finding 10).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)


def check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"; the reason is logged
        _log_failure("database", exc)
        return False
    return True


def check_redis() -> bool | None:
    """None when Redis is not configured (the one-command run)."""
    if not settings.REDIS_URL:
        return None
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
    except Exception as exc:  # noqa: BLE001
        _log_failure("redis", exc)
        return False
    return True


def run_checks() -> dict[str, bool]:
    """Every configured check by name: True when its service answers."""
    checks = {"database": check_database()}
    redis_ok = check_redis()
    if redis_ok is not None:
        checks["redis"] = redis_ok
    return checks


def _log_failure(check: str, exc: Exception) -> None:
    # No traceback: a load balancer asks every few seconds while the service is down.
    logger.warning(
        "health check %s failed: %s: %s", check, type(exc).__name__, exc, extra={"check": check}
    )
