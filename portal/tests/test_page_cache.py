"""Cached public pages (core/page_cache.py): served fast, never stale, never someone else's."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache, caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from core import content_version
from core.content_version import CACHE_KEY as VERSION_KEY
from core.page_cache import CSRF_PLACEHOLDER, MAX_CACHED_QUERY_LENGTH
from core.publishing import publish_due
from media_library.models import Rendition, Video
from media_library.tests.factories import (
    RenditionFactory,
    TagFactory,
    VideoFactory,
)

# Each edit commits, as an editor's does: the content version moves on commit
# (core.content_version), which a test wrapped in one transaction would never reach.
pytestmark = pytest.mark.django_db(transaction=True)

LIST_URL = reverse("media_library:video_list")


def csrf_token_in(response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert match, "the page has no CSRF token"
    return match.group(1)


def test_a_visitors_second_look_at_the_catalogue_costs_no_query_and_its_forms_still_work(
    django_assert_num_queries,
):
    VideoFactory(title="Summit arrival")
    browser = Client(enforce_csrf_checks=True)
    browser.get(LIST_URL)

    with django_assert_num_queries(0):
        page = browser.get(LIST_URL)

    html = page.content.decode()
    assert "Summit arrival" in html
    # A visitor's page carries no CSRF token: no new secret and cookie per visitor.
    assert "csrfmiddlewaretoken" not in html and CSRF_PLACEHOLDER not in html
    switched = browser.post(reverse("set_language"), {"language": "fr", "next": LIST_URL})
    assert switched.status_code == 302
    assert "Vidéos" in browser.get(LIST_URL).content.decode()


def test_each_cacheable_page_says_whether_it_came_from_the_cache(client):
    video = VideoFactory()
    editor = UserFactory(is_staff=True)

    first, second = client.get(LIST_URL), client.get(LIST_URL)
    other_page = client.get(f"{LIST_URL}?sort=title")
    video.title = "Edited"
    video.save()
    after_the_edit = client.get(LIST_URL)
    client.force_login(editor)
    for_the_editor = client.get(LIST_URL)

    assert [first["X-Page-Cache"], second["X-Page-Cache"]] == ["miss", "hit"]
    assert other_page["X-Page-Cache"] == "miss" and after_the_edit["X-Page-Cache"] == "miss"
    # Staff pages are never cached, and say nothing.
    assert "X-Page-Cache" not in for_the_editor


def test_a_visitor_who_wants_a_download_is_sent_to_log_in_and_back():
    video = VideoFactory()
    RenditionFactory(video=video, label="HD master")
    browser = Client(enforce_csrf_checks=True)
    browser.get(video.get_absolute_url())

    html = browser.get(video.get_absolute_url()).content.decode()

    # Back to the video's download buttons (which the login page reads as why).
    login = f"{reverse('account_login')}?next={video.get_absolute_url()}%23download"
    assert f'<a class="button button--small" href="{login}">Download' in html
    assert "csrfmiddlewaretoken" not in html


def test_a_reader_logs_out_from_a_cached_video_page():
    video = VideoFactory()
    RenditionFactory(video=video)
    reader = UserFactory(verified=True)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(reader)
    browser.get(video.get_absolute_url())

    page = browser.get(video.get_absolute_url())
    logged_out = browser.post(
        reverse("account_logout"), {"csrfmiddlewaretoken": csrf_token_in(page)}
    )

    assert logged_out.status_code == 302
    assert "Log in" in browser.get(video.get_absolute_url()).content.decode()


def test_an_editors_changes_show_at_once_on_cached_pages(client):
    video = VideoFactory(title="Original title")
    client.get(LIST_URL)
    client.get(video.get_absolute_url())

    video.title = "Corrected title"
    video.save()
    video.tags.add(TagFactory(name="ceremony"))
    RenditionFactory(video=video, label="ProRes master")

    assert "Corrected title" in client.get(LIST_URL).content.decode()
    detail = client.get(video.get_absolute_url()).content.decode()
    assert "Corrected title" in detail and "ceremony" in detail and "ProRes master" in detail


def test_a_rendition_that_finishes_processing_appears_at_once(client):
    rendition = RenditionFactory(status=Rendition.Status.PROCESSING, label="4K master")
    assert "4K master" not in client.get(rendition.video.get_absolute_url()).content.decode()

    rendition.status = Rendition.Status.READY
    rendition.save()

    assert "4K master" in client.get(rendition.video.get_absolute_url()).content.decode()


def test_a_scheduled_video_is_listed_as_soon_as_the_publication_task_runs(client):
    video = VideoFactory(
        title="Embargoed statement",
        status=Video.Status.SCHEDULED,
        published_at=timezone.now() + timedelta(hours=1),
    )
    assert "Embargoed statement" not in client.get(LIST_URL).content.decode()
    # The embargo passes (no save: the clock moves, not the row).
    Video.objects.filter(pk=video.pk).update(published_at=timezone.now() - timedelta(minutes=1))

    assert publish_due(model=Video) == 1

    assert "Embargoed statement" in client.get(LIST_URL).content.decode()


def test_an_editors_preview_of_a_draft_is_never_served_to_anyone_else(client):
    draft = VideoFactory(title="Unreleased footage", status=Video.Status.DRAFT)
    editor = Client()
    editor.force_login(UserFactory(is_staff=True, verified=True))

    preview = editor.get(draft.get_absolute_url())
    assert preview.status_code == 200 and "Editor preview" in preview.content.decode()

    assert client.get(draft.get_absolute_url()).status_code == 404
    reader = Client()
    reader.force_login(UserFactory(verified=True))
    assert reader.get(draft.get_absolute_url()).status_code == 404


def test_a_waiting_flash_message_is_shown_once_not_swallowed_by_the_cache():
    Client().get("/")  # the signed-out home page is cached
    reader = Client()
    reader.force_login(UserFactory(verified=True))

    reader.post(reverse("account_logout"))  # redirects home with "You have signed out."
    first = reader.get("/").content.decode()
    second = reader.get("/").content.decode()

    assert "You have signed out." in first
    assert "You have signed out." not in second


def test_who_may_download_is_part_of_the_cached_page():
    video = VideoFactory()
    RenditionFactory(video=video)
    unverified, verified = Client(), Client()
    unverified.force_login(UserFactory(verified=False))
    verified.force_login(UserFactory(verified=True))

    for _ in range(2):  # rendered, then cached: the same in both orders
        assert (
            "Verify your email address" in unverified.get(video.get_absolute_url()).content.decode()
        )
        assert (
            "Verify your email address"
            not in verified.get(video.get_absolute_url()).content.decode()
        )


def test_a_reader_who_verifies_later_gets_the_download_page_without_logging_in_again():
    video = VideoFactory()
    RenditionFactory(video=video)
    user = UserFactory(verified=False)
    browser = Client()
    browser.force_login(user)
    assert "Verify your email address" in browser.get(video.get_absolute_url()).content.decode()

    user.emailaddress_set.update(verified=True)

    assert "Verify your email address" not in browser.get(video.get_absolute_url()).content.decode()


def test_visitors_get_the_page_in_their_own_language_from_the_same_url():
    VideoFactory()
    french, english = Client(), Client()
    french.cookies["django_language"] = "fr"

    for _ in range(2):
        assert 'lang="fr"' in french.get(LIST_URL).content.decode()
        assert 'lang="en"' in english.get(LIST_URL).content.decode()


def test_signed_in_and_signed_out_layouts_never_mix():
    VideoFactory()
    visitor, reader = Client(), Client()
    reader.force_login(UserFactory(verified=True))

    for _ in range(2):
        assert "Log out" in reader.get(LIST_URL).content.decode()
        assert "Log out" not in visitor.get(LIST_URL).content.decode()


def test_a_session_whose_account_was_deleted_gets_the_signed_out_page():
    VideoFactory()
    leaver, reader = Client(), Client()
    account = UserFactory(verified=True)
    leaver.force_login(account)
    account.delete()

    assert "Log out" not in leaver.get(LIST_URL).content.decode()
    reader.force_login(UserFactory(verified=True))
    assert "Log out" in reader.get(LIST_URL).content.decode()


def test_a_lost_version_counter_never_brings_back_a_stale_page(client, settings):
    settings.PAGE_CACHE_VERSION_RECHECK_SECONDS = 0  # every request asks Redis
    video = VideoFactory(title="Before")
    client.get(video.get_absolute_url())
    # Redis evicted the counter, and the row changed without a signal (a raw update).
    cache.delete(VERSION_KEY)
    Video.objects.filter(pk=video.pk).update(title="After")

    assert "After" in client.get(video.get_absolute_url()).content.decode()


def test_very_long_query_strings_are_rendered_but_not_kept(client, django_assert_max_num_queries):
    VideoFactory()
    long_query = {"q": "x" * (MAX_CACHED_QUERY_LENGTH + 1)}
    client.get(LIST_URL, long_query)

    with django_assert_max_num_queries(10) as queries:
        assert client.get(LIST_URL, long_query).status_code == 200
    assert len(queries) > 0


def test_pages_still_render_when_redis_is_unreachable(settings, client):
    from core.testing.services import free_port

    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    cache.close()
    video = VideoFactory(title="Still served")
    reader = Client()
    reader.force_login(UserFactory(verified=True))

    for _ in range(2):
        assert "Still served" in client.get(LIST_URL).content.decode()
        assert "Still served" in reader.get(video.get_absolute_url()).content.decode()


def test_an_edit_made_through_another_process_shows_here_within_the_recheck_delay(
    client, settings, monkeypatch
):
    settings.PAGE_CACHE_VERSION_RECHECK_SECONDS = 1.0
    now = [1000.0]
    monkeypatch.setattr(content_version, "_clock", lambda: now[0])
    video = VideoFactory(title="Before")
    client.get(LIST_URL)
    # Another web process saved the video: the row and the shared counter moved, not this
    # process's copy of the counter.
    Video.objects.filter(pk=video.pk).update(title="After")
    cache.incr(VERSION_KEY)

    now[0] += 0.9
    assert "Before" in client.get(LIST_URL).content.decode()  # within the delay
    now[0] += 0.2
    assert "After" in client.get(LIST_URL).content.decode()


def test_editors_always_get_a_fresh_page_so_their_own_changes_show_at_once(
    django_assert_max_num_queries,
):
    video = VideoFactory(title="Before")
    reader, editor = Client(), Client()
    reader.force_login(UserFactory(verified=True))
    reader.get(LIST_URL)  # the signed-in page is cached
    editor.force_login(UserFactory(is_staff=True, verified=True))
    # Even a change that another process made a moment ago (no signal here).
    Video.objects.filter(pk=video.pk).update(title="After")

    with django_assert_max_num_queries(20) as queries:
        page = editor.get(LIST_URL).content.decode()
    assert "After" in page
    assert len(queries) > 0


def test_a_hot_page_is_served_from_the_process_memory_without_asking_redis(client, monkeypatch):
    VideoFactory(title="Hot page")
    client.get(LIST_URL)
    backend = caches["default"]
    calls: list[str] = []
    for method in ("get", "get_many", "set"):
        original = getattr(backend, method)
        monkeypatch.setattr(
            backend,
            method,
            lambda *a, _m=method, _o=original, **k: calls.append(_m) or _o(*a, **k),
        )

    assert "Hot page" in client.get(LIST_URL).content.decode()
    assert calls == []
