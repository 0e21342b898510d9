"""The content version: one counter that every cached public page and list is keyed on.

Any committed change to what the public sees (a video, a rendition, a speech, a category, the
links between them, a scheduled publication coming due) calls `bump()`, which moves the
counter once that transaction commits: a page rendered by another process before the commit
can then never be stored under the new version. However many saves, signals and services one
change runs through (an admin save touches the video, its renditions and its tags), the
counter moves once per transaction.

Each process also keeps the version it read last and asks the cache again at most every
`PAGE_CACHE_VERSION_RECHECK_SECONDS`: a hot page costs no round trip (docs/caching.md). A
change made in this process shows here at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

CACHE_KEY = "core:content-version"
_clock = time.monotonic
logger = logging.getLogger(__name__)


class _Known:
    """This process's copy of the version and when it was read."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.value: int | None = None
        self.read_at = 0.0

    def get(self, max_age: float) -> int | None:
        with self.lock:
            if self.value is not None and _clock() - self.read_at < max_age:
                return self.value
            return None

    def note(self, value: int) -> None:
        with self.lock:
            self.value, self.read_at = value, _clock()

    def clear(self) -> None:
        with self.lock:
            self.value, self.read_at = None, 0.0


_known = _Known()


def fresh_version() -> int:
    """A starting value never used before (microseconds now).

    Were the counter evicted and restarted at 1, pages stored under an earlier 1 would be
    served again as current.
    """
    return time.time_ns() // 1000


def current() -> int:
    """The version now: this process's copy while it is fresh, else the cache's."""
    max_age = getattr(settings, "PAGE_CACHE_VERSION_RECHECK_SECONDS", 1.0)
    version = _known.get(max_age)
    if version is None:
        version = cache.get_or_set(CACHE_KEY, fresh_version, timeout=None)
        _known.note(version)
    return version


T = TypeVar("T")


def remembered(key: str, compute: Callable[[], T], *, timeout: int) -> T:
    """`compute()`, kept in the cache under `key` and the current version for `timeout`
    seconds: what public pages share (counts, lists, choices) is computed once per version.

    The version is read before `compute()` reads the data, so a value computed from data
    older than an edit is never kept under the version that edit moved to.
    """
    versioned = f"{key}:{current()}"
    value = cache.get(versioned)
    if value is None:
        value = compute()
        cache.set(versioned, value, timeout)
    return value


def bump() -> None:
    """Move the version when the current transaction commits (at once outside of one).

    Called several times in one transaction, it moves the version once.
    """
    if _pending_move() is None:
        _move()


def before_move(key: Hashable, refresh: Callable[[], None]) -> None:
    """Run `refresh` once the current transaction commits, then move the version.

    For derived data that public pages read, such as a video's search vector: however many
    saves in one transaction ask for the same `key`, `refresh` runs once, after every one of
    them (an admin save writes a video, then its tags), and the version moves once, after it.
    """
    move = _pending_move()
    if move is None:
        _refresh(key, refresh)
        _move()
    else:
        move.refreshes[key] = refresh


def _pending_move() -> _Move | None:
    """The move this transaction will make when it commits; None in autocommit."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return None
    for _savepoints, callback, _robust in connection.run_on_commit:
        if isinstance(callback, _Move) and not callback.done:
            return callback
    move = _Move()
    transaction.on_commit(move)
    return move


class _Move:
    """The move registered for one transaction, with the refreshes to run before it.

    Django drops the callbacks of a transaction that commits or rolls back; tests that run
    them by hand keep them listed, so a move that ran is marked done and the next `bump()`
    registers a new one.
    """

    def __init__(self) -> None:
        self.done = False
        self.refreshes: dict[Hashable, Callable[[], None]] = {}

    def __call__(self) -> None:
        self.done = True
        for key, refresh in self.refreshes.items():
            _refresh(key, refresh)
        _move()


def _refresh(key: Hashable, refresh: Callable[[], None]) -> None:
    try:
        refresh()
    except Exception:  # the version must move all the same; the next edit refreshes again
        logger.exception("refresh %r before the content version moved failed", key)


def _move() -> None:
    try:
        version = cache.incr(CACHE_KEY)
    except ValueError:  # not set yet, or evicted
        version = fresh_version()
        cache.set(CACHE_KEY, version, timeout=None)
    _known.note(version)


def forget_local_copy() -> None:
    """Drop this process's copy (tests; the next read asks the cache)."""
    _known.clear()
