"""Sessions read from Redis and kept in the database: Django's `cached_db`, with a bounded copy.

Every signed-in page reads the session; from Redis that is a round trip instead of a query
(docs/PERFORMANCE.md, P1b). The database stays the record, so a Redis restart loses nobody's
session. The cached copy lives at most `SESSION_CACHE_SECONDS`: when a logout (or the end of
other sessions after a password reset) could not delete the copy because Redis was
unreachable at that moment, the copy cannot outlive that bound. `end_user_sessions` ends
every session of one account (when it is deleted), rows and copies alike.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import cached_db
from django.core.cache import caches
from django.db import transaction


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


def end_user_sessions(user_id: object) -> int:
    """End every stored session that names the user: its row, and its copy in the cache.

    Sessions are stored by key, not by user, so each row is decoded to find them: the cost
    grows with the number of stored sessions, which suits a rare act (deleting an account).
    Works with either engine the settings choose (`core.sessions` or plain database). The
    cached copies are deleted now and again once the transaction commits, in case a request
    of that session read the still-committed row back into the cache meanwhile. Returns how
    many sessions were ended.
    """
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    decoder = store_class()
    wanted = str(user_id)
    rows = store_class.get_model_class().objects.values_list("session_key", "session_data")
    keys = [
        key
        for key, data in rows.iterator(chunk_size=2000)
        if decoder.decode(data).get(SESSION_KEY) == wanted
    ]
    if not keys:
        return 0
    store_class.get_model_class().objects.filter(session_key__in=keys).delete()
    if issubclass(store_class, cached_db.SessionStore):
        cache_keys = [store_class(key).cache_key for key in keys]
        session_cache = caches[settings.SESSION_CACHE_ALIAS]
        session_cache.delete_many(cache_keys)
        transaction.on_commit(lambda: session_cache.delete_many(cache_keys))
    return len(keys)
