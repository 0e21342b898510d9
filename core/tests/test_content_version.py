"""The content version moves once per committed change, never for a rolled-back one."""

from __future__ import annotations

import pytest
from django.db import transaction

from core import content_version

# Real commits and rollbacks: the version moves on commit.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def moves(monkeypatch) -> list[str]:
    happened: list[str] = []
    monkeypatch.setattr(content_version, "_move", lambda: happened.append("move"))
    return happened


def test_many_bumps_in_one_transaction_move_the_version_once_at_commit(moves):
    with transaction.atomic():
        for _ in range(5):
            content_version.bump()
        with transaction.atomic():  # a savepoint, as a service inside the admin's transaction
            content_version.bump()
        assert moves == []  # nothing before the commit
    assert moves == ["move"]


def test_a_rolled_back_change_does_not_move_the_version(moves):
    with pytest.raises(RuntimeError), transaction.atomic():
        content_version.bump()
        raise RuntimeError("the save failed")
    assert moves == []

    with transaction.atomic():
        content_version.bump()
    assert moves == ["move"]


def test_outside_a_transaction_the_version_moves_at_once(moves):
    content_version.bump()
    content_version.bump()
    assert moves == ["move", "move"]


def test_refreshes_run_once_per_key_after_the_commit_and_before_the_move(moves):
    with transaction.atomic():
        content_version.before_move("vector-1", lambda: moves.append("refresh 1"))
        content_version.before_move("vector-1", lambda: moves.append("refresh 1 again"))
        content_version.before_move("vector-2", lambda: moves.append("refresh 2"))
        content_version.bump()
        assert moves == []
    assert moves == ["refresh 1 again", "refresh 2", "move"]


def test_a_failing_refresh_is_logged_and_the_version_moves_all_the_same(moves, caplog):
    def broken() -> None:
        raise ValueError("database hiccup")

    with transaction.atomic():
        content_version.before_move("vector-1", broken)
    assert moves == ["move"]
    assert "vector-1" in caplog.text and "database hiccup" in caplog.text


def test_a_lost_counter_restarts_above_every_version_used_before(settings):
    settings.PAGE_CACHE_VERSION_RECHECK_SECONDS = 0
    from django.core.cache import cache

    first = content_version.current()
    content_version.bump()
    assert content_version.current() == first + 1
    cache.delete(content_version.CACHE_KEY)
    assert content_version.current() > first + 1
