"""The newsletter's settings, each with a default so the app works before settings.py names it.

A setting is read from Django settings first, then from the environment variable of the same
name: the knobs of the delivery drills (throttle, backoff, stall time) reach a worker process
through its environment.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from email.utils import parseaddr
from typing import TypeVar

from django.conf import settings

T = TypeVar("T")


def _read(name: str, default: T, cast: Callable[[str], T]) -> T:
    value = getattr(settings, name, None)
    if value not in (None, ""):
        return cast(value) if isinstance(value, str) else value
    raw = os.environ.get(name, "")
    return cast(raw) if raw.strip() else default


def site_url() -> str:
    return _read("SITE_URL", "http://127.0.0.1:8000", str).rstrip("/")


def unsubscribe_mailto() -> str:
    default = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "noreply@localhost"
    return _read("NEWSLETTER_UNSUBSCRIBE_MAILTO", default, str)


def batch_size() -> int:
    """Messages sent over one SMTP connection by one task."""
    return _read("NEWSLETTER_BATCH_SIZE", 200, int)


def parallel_batches() -> int:
    """Batch tasks queued at once for one issue (each chains its successor)."""
    return _read("NEWSLETTER_PARALLEL_BATCHES", 4, int)


def send_interval_seconds() -> float:
    """A pause after each message, to respect a mail provider's rate limit (0: none)."""
    return _read("NEWSLETTER_SEND_INTERVAL_SECONDS", 0.0, float)


def retry_base_seconds() -> float:
    return _read("NEWSLETTER_RETRY_BASE_SECONDS", 30.0, float)


def retry_max_seconds() -> float:
    return _read("NEWSLETTER_RETRY_MAX_SECONDS", 3600.0, float)


def max_attempts() -> int:
    return _read("NEWSLETTER_MAX_ATTEMPTS", 10, int)


def stalled_after_seconds() -> float:
    """An issue with pending rows and no attempt for this long has lost its tasks.

    30 s, with beat's resume every 15 s: a killed worker's send moves again within a minute
    (issue 22 measured 5 min 53 s with 300 s). A batch attempts a row every few milliseconds
    while it lives, so 30 s of silence is no live batch; resuming one that was only slow
    costs a few extra batches, which skip the rows it holds (SKIP LOCKED)."""
    return _read("NEWSLETTER_STALLED_AFTER_SECONDS", 30.0, float)
