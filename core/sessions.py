"""Sessions read from Redis and kept in the database: Django's `cached_db`, with a bounded copy.

Every signed-in page reads the session; from Redis that is a round trip instead of a query
(docs/PERFORMANCE.md, P1b). The database stays the record, so a Redis restart loses nobody's
session. The cached copy lives at most `SESSION_CACHE_SECONDS`: when a logout (or the end of
other sessions after a password reset) could not delete the copy because Redis was
unreachable at that moment, the copy cannot outlive that bound.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.sessions.backends import cached_db


class _BoundedCache:
    """The session cache with every timeout capped."""

    def __init__(self, cache: Any, cap: int) -> None:
        self._cache = cache
        self._cap = cap

    def set(self, key: str, value: Any, timeout: int | None = None, version=None) -> None:
        bounded = self._cap if timeout is None else max(0, min(timeout, self._cap))
        self._cache.set(key, value, bounded, version=version)

    def __contains__(self, key: str) -> bool:
        return key in self._cache

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cache, name)


class SessionStore(cached_db.SessionStore):
    cache_key_prefix = "core.sessions"

    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self._cache = _BoundedCache(self._cache, settings.SESSION_CACHE_SECONDS)
