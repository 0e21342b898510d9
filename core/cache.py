"""A Redis cache that degrades instead of failing when Redis is unreachable.

The cache holds derived data and rate-limit counters, so a Redis outage must not turn a
signup or a page view into an error page: reads of derived data miss and writes are dropped.
Rate limits fail closed instead of open: while Redis is down their counters (allauth's
`allauth:rl:` keys and their locks) live in this process's memory, so each web process still
refuses the sixth wrong password, on its own. The outage is logged once per call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)
# The cache keys of allauth's rate limits (allauth.core.internal.ratelimit.get_cache_key).
RATE_LIMIT_PREFIX = "allauth:rl:"


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django builds a new `redis.Redis` for every cache call (~0.2 ms of Python each time,
    more than the round trip itself); one per connection pool does the same job."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        # Shared by the threads of this process (LocMemCache keeps its data per name).
        self._rate_limits = LocMemCache(
            "core.cache.rate-limits", {"OPTIONS": {"MAX_ENTRIES": 50_000}}
        )

    def _unless_redis_is_down(self, fallback: Any, call: Callable[..., Any], *args: Any) -> Any:
        """`call(*args)`, or while Redis is unreachable (with a warning): for a rate-limit key
        the same call on this process's memory, for anything else `fallback`."""
        try:
            return call(*args)
        except REDIS_DOWN:
            key = args[0] if args else None
            if isinstance(key, str) and key.startswith(RATE_LIMIT_PREFIX):
                logger.warning(
                    "cache %s: Redis is unreachable, rate limit kept in this process", call.__name__
                )
                return getattr(self._rate_limits, call.__name__)(*args)
            logger.warning("cache %s skipped: Redis is unreachable", call.__name__)
            return fallback

    # Each call keeps RedisCache's arguments; what it answers while Redis is down comes first.

    def get(self, key, default=None, version=None):
        return self._unless_redis_is_down(default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._unless_redis_is_down({}, super().get_many, keys, version)

    def set(self, key, value, timeout=None, version=None):
        return self._unless_redis_is_down(None, super().set, key, value, timeout, version)

    def set_many(self, data, timeout=None, version=None):
        return self._unless_redis_is_down(list(data), super().set_many, data, timeout, version)

    def add(self, key, value, timeout=None, version=None):
        return self._unless_redis_is_down(True, super().add, key, value, timeout, version)

    def delete(self, key, version=None):
        return self._unless_redis_is_down(False, super().delete, key, version)

    def has_key(self, key, version=None):
        return self._unless_redis_is_down(False, super().has_key, key, version)

    def delete_many(self, keys, version=None):
        return self._unless_redis_is_down(None, super().delete_many, keys, version)

    def incr(self, key, delta=1, version=None):
        return self._unless_redis_is_down(delta, super().incr, key, delta, version)

    def touch(self, key, timeout=None, version=None):
        return self._unless_redis_is_down(False, super().touch, key, timeout, version)

    def count_up(self, key: str, timeout: int) -> int:
        """Add one to the counter `key` and return it; it expires `timeout` seconds after its
        last count. One round trip (INCR and EXPIRE pipelined) where add() then incr() take
        three (Django's incr asks EXISTS first). While Redis is down a rate limit's counter
        counts in this process's memory, as with add() and incr()."""
        full = self.make_and_validate_key(key)
        try:
            pipe = self._cache.get_client(full, write=True).pipeline(transaction=False)
            pipe.incr(full)
            pipe.expire(full, timeout)
            return int(pipe.execute()[0])
        except REDIS_DOWN:
            return _count_up_by_add_and_incr(self, key, timeout)


def count_up(backend: Any, key: str, *, timeout: int) -> int:
    """`ResilientRedisCache.count_up` on Redis; on any other cache (the tests' and the
    one-command run's local memory) the same count with add() and incr()."""
    if isinstance(backend, ResilientRedisCache):
        return backend.count_up(key, timeout)
    return _count_up_by_add_and_incr(backend, key, timeout)


def _count_up_by_add_and_incr(backend: Any, key: str, timeout: int) -> int:
    backend.add(key, 0, timeout)
    try:
        return backend.incr(key)
    except ValueError:  # expired between add and incr
        backend.set(key, 1, timeout)
        return 1
