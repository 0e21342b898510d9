"""P2 of issue 8: the pages outside the apps' own query-count tests stay within 6 queries,
and the count does not grow with the data (the bench reports the same counts at scale)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from media_library.tests.factories import (
    DownloadFactory,
    RenditionFactory,
    VideoFactory,
)
from newsletter.tests.factories import SubscriptionFactory
from speeches.tests.factories import SpeechFactory

pytestmark = pytest.mark.django_db

MAX_QUERIES = 6


def _count(client, url: str, django_assert_max_num_queries) -> int:
    client.get(url)  # per-process caches (site, content types) warm up first
    with django_assert_max_num_queries(MAX_QUERIES) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_home_page_queries_stay_within_six_and_do_not_grow_with_the_catalogue(
    client, django_assert_max_num_queries
):
    VideoFactory.create_batch(2)
    SpeechFactory.create_batch(2, published=True)
    small = _count(client, reverse("home"), django_assert_max_num_queries)

    VideoFactory.create_batch(30)
    SpeechFactory.create_batch(30, published=True)
    large = _count(client, reverse("home"), django_assert_max_num_queries)

    assert small == large


def test_my_account_queries_stay_within_six_and_do_not_grow_with_the_download_history(
    client, django_assert_max_num_queries
):
    user = UserFactory(verified=True)
    SubscriptionFactory(user=user)
    client.force_login(user)
    rendition = RenditionFactory()
    DownloadFactory.create_batch(2, user=user, rendition=rendition)
    small = _count(client, reverse("accounts:my_account"), django_assert_max_num_queries)

    for video in VideoFactory.create_batch(10):
        DownloadFactory.create_batch(3, user=user, rendition=RenditionFactory(video=video))
    large = _count(client, reverse("accounts:my_account"), django_assert_max_num_queries)

    assert small == large
