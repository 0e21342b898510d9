"""Sessions read from the cache and kept in the database (core/sessions.py)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_signed_in_page_reads_the_session_without_a_query(django_assert_num_queries):
    browser = Client()
    browser.force_login(UserFactory(verified=True))
    browser.get("/")

    with django_assert_num_queries(0):
        assert "Log out" in browser.get("/").content.decode()


def test_nobody_is_signed_out_when_the_cache_is_emptied():
    browser = Client()
    browser.force_login(UserFactory(verified=True))

    cache.clear()  # a Redis restart

    assert browser.get(reverse("accounts:my_account")).status_code == 200


def test_the_cached_copy_lives_no_longer_than_the_bound(settings):
    settings.SESSION_CACHE_SECONDS = 300
    settings.SESSION_COOKIE_AGE = 14 * 24 * 3600
    timeouts: list[int] = []

    class RecordingCache:
        def __contains__(self, key):
            return False

        def get(self, key, default=None, version=None):
            return default

        def set(self, key, value, timeout=None, version=None):
            timeouts.append(timeout)

    session = SessionStore()
    session._cache._cache = RecordingCache()
    session["cart"] = "anything"
    session.save()

    # A logout that could not delete the copy (Redis unreachable for a moment) cannot leave
    # a usable copy behind for two weeks.
    assert timeouts and set(timeouts) == {300}


def test_logging_out_ends_the_session_for_good():
    browser = Client()
    browser.force_login(UserFactory(verified=True))
    cookie = browser.cookies["sessionid"].value

    browser.post(reverse("account_logout"))

    replay = Client()
    replay.cookies["sessionid"] = cookie
    assert replay.get(reverse("accounts:my_account")).status_code == 302
