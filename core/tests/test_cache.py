from __future__ import annotations

import logging

import pytest

from core.cache import ResilientRedisCache, count_up
from core.testing.services import free_port


@pytest.fixture
def unreachable_cache() -> ResilientRedisCache:
    """The cache pointed at a local port where no Redis listens."""
    return ResilientRedisCache(
        f"redis://127.0.0.1:{free_port()}/0",
        {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}},
    )


@pytest.mark.parametrize(
    ("operation", "args", "answer"),
    [
        ("get", ("key",), None),
        ("get", ("key", "a default"), "a default"),
        ("get_many", (["a", "b"],), {}),
        ("set", ("key", 1), None),
        ("set_many", ({"a": 1, "b": 2},), ["a", "b"]),
        # allauth's rate-limit lock must not stall: the key counts as added.
        ("add", ("key", 1), True),
        ("delete", ("key",), False),
        ("has_key", ("key",), False),
        ("delete_many", (["a", "b"],), None),
        ("incr", ("key",), 1),
        ("incr", ("key", 5), 5),
        ("touch", ("key",), False),
    ],
)
def test_a_call_while_redis_is_unreachable_answers_as_a_miss_and_logs_it(
    unreachable_cache, caplog, operation, args, answer
):
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        assert getattr(unreachable_cache, operation)(*args) == answer

    assert caplog.messages == [f"cache {operation} skipped: Redis is unreachable"]


@pytest.fixture
def redis_cache(redis_url) -> ResilientRedisCache:
    """The cache on the real Redis, under a prefix of its own (cleared after the test)."""
    cache = ResilientRedisCache(redis_url, {"KEY_PREFIX": "test-core-cache", "TIMEOUT": 300})
    yield cache
    client = cache._cache.get_client(write=True)
    for key in client.scan_iter("test-core-cache:*"):
        client.delete(key)


def _ttl(cache: ResilientRedisCache, key: str, version: int) -> int:
    client = cache._cache.get_client()
    return client.ttl(cache.make_and_validate_key(key, version=version))


@pytest.mark.integration
def test_with_redis_up_each_call_reaches_redis_with_its_key_version_timeout_and_delta(
    redis_cache,
):
    """What the wrapper hands on is what Django's cache promises: the key, its version (a
    different version is a different entry), the timeout (None = no expiry, else seconds)
    and the increment."""
    cache = redis_cache
    assert cache.set("one", 1, 30, 2) is None
    assert cache.get("one", version=2) == 1
    assert cache.get("one", "absent", version=1) == "absent"
    assert 25 < _ttl(cache, "one", 2) <= 30

    assert cache.has_key("one", version=2) is True
    assert cache.has_key("one", version=1) is False

    assert cache.add("two", 2, 40, 2) is True
    assert cache.add("two", 3, 40, 2) is False
    assert 35 < _ttl(cache, "two", 2) <= 40

    assert cache.set_many({"a": 1, "b": 2}, 50, 2) == []
    assert 45 < _ttl(cache, "a", 2) <= 50
    assert cache.get_many(["a", "b"], version=2) == {"a": 1, "b": 2}
    assert cache.get_many(["a", "b"], version=1) == {}

    assert cache.incr("one", 5, version=2) == 6
    assert cache.incr("one", version=2) == 7
    assert cache.get("one", version=2) == 7

    assert cache.touch("one", 60, version=2) is True
    assert 55 < _ttl(cache, "one", 2) <= 60
    assert cache.touch("one", None, version=2) is True
    assert _ttl(cache, "one", 2) == -1  # no expiry
    assert cache.touch("one", 60, version=1) is False

    assert cache.delete("one", version=1) is False
    assert cache.delete("one", version=2) is True
    assert cache.get("one", version=2) is None

    cache.delete_many(["a", "b"], version=1)
    assert cache.get_many(["a", "b"], version=2) == {"a": 1, "b": 2}
    assert cache.delete_many(["a", "b"], version=2) is None
    assert cache.get_many(["a", "b"], version=2) == {}


def test_while_redis_is_unreachable_rate_limit_counters_live_in_process_memory(
    unreachable_cache, caplog
):
    """allauth's counters (`allauth:rl:` keys) keep counting while Redis is down, with their
    keys, versions, timeouts and increments; anything else is dropped."""
    cache = unreachable_cache
    key = "allauth:rl:login_failed:key:someone@example.com"
    cache._rate_limits.clear()
    try:
        with caplog.at_level(logging.WARNING, logger="core.cache"):
            assert cache.add(key, 1, 300, 2) is True
            assert cache.add(key, 1, 300, 2) is False
            assert cache.get(key, version=2) == 1
            assert cache.get(key, "none yet", version=1) == "none yet"
            assert cache.has_key(key, version=2) is True
            assert cache.has_key(key, version=1) is False
            assert cache.incr(key, 4, version=2) == 5
            assert cache.incr(key, version=2) == 6
            assert cache.touch(key, 600, version=2) is True
            assert cache.touch(key, 600, version=1) is False
            assert cache.get_many([key], version=2) == {}  # a list is not a rate-limit key
            assert cache.delete(key, version=1) is False
            assert cache.delete(key, version=2) is True
            assert cache.get(key, version=2) is None
            cache.set(key, 7, 300, 2)
            assert cache.get(key, version=2) == 7
        assert "cache incr: Redis is unreachable, rate limit kept in this process" in (
            caplog.messages
        )
        assert "cache get_many skipped: Redis is unreachable" in caplog.messages
    finally:
        cache._rate_limits.clear()


def test_while_redis_is_unreachable_a_rate_limit_counter_still_expires(unreachable_cache):
    """The in-memory counter keeps the timeout allauth gave it: a window ends."""
    import time_machine

    cache = unreachable_cache
    key = "allauth:rl:login:ip:127.0.0.9"
    cache._rate_limits.clear()
    try:
        with time_machine.travel(0, tick=False) as traveller:
            cache.set(key, 3, 60)
            traveller.shift(59)
            assert cache.get(key) == 3
            traveller.shift(2)
            assert cache.get(key) is None
            cache.set(key, 3, 60)
            assert cache.touch(key, 120) is True
            traveller.shift(100)
            assert cache.get(key) == 3
    finally:
        cache._rate_limits.clear()


def test_the_cache_reuses_one_redis_client_and_keeps_its_socket_timeouts(unreachable_cache):
    """One `redis.Redis` per connection pool, not one per call; and the OPTIONS' timeouts
    reach the connections, so an unreachable Redis costs half a second, not a hang."""
    client = unreachable_cache._cache

    assert client.get_client() is client.get_client()
    assert client.get_client("key", write=True) is client.get_client(write=True)
    assert client._pool_options["socket_connect_timeout"] == 0.5
    assert client._pool_options["socket_timeout"] == 0.5


def test_while_redis_is_unreachable_thousands_of_counters_are_kept_not_culled(
    unreachable_cache,
):
    """An attack from many addresses during an outage: the first address's counter is still
    there after 1,000 others (a default LocMemCache culls a third of it past 300 keys)."""
    cache = unreachable_cache
    cache._rate_limits.clear()
    try:
        for n in range(1_000):
            cache.set(f"allauth:rl:login:ip:10.0.{n // 256}.{n % 256}", 5, 300)
        assert cache.get("allauth:rl:login:ip:10.0.0.0") == 5
    finally:
        cache._rate_limits.clear()


@pytest.mark.integration
def test_count_up_counts_on_redis_in_one_round_trip_and_expires(redis_cache):
    """The rate limits' counter: created at 1, one more per call, readable as an int, gone
    `timeout` seconds after its last count."""
    key = "allauth:rl:api-address:192.0.2.1:123"
    assert [count_up(redis_cache, key, timeout=61) for _n in range(3)] == [1, 2, 3]
    assert redis_cache.get(key) == 3
    assert 55 < _ttl(redis_cache, key, 1) <= 61
    client = redis_cache._cache.get_client(write=True)
    calls = []
    original = client.pipeline
    client.pipeline = lambda **kw: calls.append(kw) or original(**kw)
    try:
        assert count_up(redis_cache, key, timeout=61) == 4
    finally:
        del client.pipeline
    assert calls == [{"transaction": False}]


def test_count_up_counts_in_process_memory_while_redis_is_down(unreachable_cache, caplog):
    key = "allauth:rl:api-address:192.0.2.2:123"
    unreachable_cache._rate_limits.clear()
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        assert [count_up(unreachable_cache, key, timeout=61) for _n in range(3)] == [1, 2, 3]


def test_count_up_on_another_cache_counts_with_add_and_incr():
    from django.core.cache.backends.locmem import LocMemCache

    local = LocMemCache("count-up-test", {})
    assert [count_up(local, "k", timeout=61) for _n in range(3)] == [1, 2, 3]
