from __future__ import annotations

import logging

import pytest

from core.cache import ResilientRedisCache
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
