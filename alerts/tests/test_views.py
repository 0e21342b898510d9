"""A journalist saves a catalogue search as an alert, manages it under My account, reads its
private feed, and stops it from an email in one click."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from alerts import links
from alerts.models import SavedSearch
from alerts.tests.factories import SavedSearchFactory
from media_library.tests.factories import CategoryFactory, VideoFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_catalogue_offers_an_alert_for_the_search_on_screen(client):
    CategoryFactory(name="Sport")

    page = client.get(
        reverse("media_library:video_list"),
        {"q": "final", "category": "sport", "sort": "title", "page": "1"},
    )

    html = page.content.decode()
    assert f'href="{reverse("alerts:new")}?q=final&amp;category=sport"' in html


def test_a_journalist_saves_a_search_with_a_daily_digest(client):
    user = UserFactory()
    sport = CategoryFactory(name="Sport")
    client.force_login(user)
    query = {"q": "  cup   final ", "category": "sport", "sort": "title"}

    shown = client.get(reverse("alerts:new"), query)
    assert "“cup final” · Sport" in shown.content.decode()
    saved = client.post(
        reverse("alerts:new"),
        {**query, "frequency": "daily", "email_language": "fr"},
        follow=True,
    )

    [search] = SavedSearch.objects.of(user)
    assert (search.query, search.category, search.frequency, search.email_language) == (
        "cup final",
        sport,
        "daily",
        "fr",
    )
    assert search.feed_token and len(search.feed_token) >= 40
    assert "Your alert is saved: “cup final” · Sport." in saved.content.decode()


def test_the_same_search_twice_is_refused_with_a_message(client):
    user = UserFactory()
    client.force_login(user)
    data = {"q": "flood", "frequency": "instant", "email_language": "en"}
    client.post(reverse("alerts:new"), data)

    again = client.post(reverse("alerts:new"), {**data, "q": " Flood "})

    assert "You already have an alert for this search." in again.content.decode()
    assert SavedSearch.objects.of(user).count() == 1


def test_the_cap_on_alerts_is_explained(client, settings):
    settings.ALERTS_MAX_PER_USER = 2
    user = UserFactory()
    SavedSearchFactory(user=user, filters={"q": "one"})
    SavedSearchFactory(user=user, filters={"q": "two"})
    client.force_login(user)

    refused = client.post(
        reverse("alerts:new"), {"q": "three", "frequency": "instant", "email_language": "en"}
    )

    assert "You already have 2 alerts, the most an account may keep." in refused.content.decode()
    assert SavedSearch.objects.of(user).count() == 2


def test_an_unverified_account_is_asked_to_verify_first(client):
    user = UserFactory(verified=False)
    client.force_login(user)

    response = client.post(
        reverse("alerts:new"), {"q": "flood", "frequency": "instant", "email_language": "en"}
    )

    assert "Verify your email address to save alerts." in response.content.decode()
    assert not SavedSearch.objects.exists()


def test_visitors_are_sent_to_log_in_and_back(client):
    response = client.get(reverse("alerts:new"), {"q": "flood"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert "next=" in response.url


def test_a_bad_search_is_not_saved_and_says_why(client):
    client.force_login(UserFactory())

    response = client.get(
        reverse("alerts:new"), {"date_from": "2024-05-01", "date_to": "2024-01-01"}, follow=True
    )

    assert "This search cannot be saved" in response.content.decode()


def test_my_alerts_lists_changes_and_deletes_them(client, django_assert_num_queries):
    user = UserFactory()
    searches = [SavedSearchFactory(user=user, filters={"q": f"word{n}"}) for n in range(5)]
    SavedSearchFactory(filters={"q": "someone else"})
    client.force_login(user)

    client.get(reverse("alerts:list"))  # the session is read once
    with django_assert_num_queries(2):  # the user, the alerts with their terms
        listing = client.get(reverse("alerts:list")).content.decode()
    assert all(f"“word{n}”" in listing for n in range(5))
    assert "someone else" not in listing

    client.post(
        reverse("alerts:edit", args=[searches[0].pk]),
        {"frequency": "daily", "email_language": "fr", "active": ""},
    )
    searches[0].refresh_from_db()
    assert (searches[0].frequency, searches[0].email_language, searches[0].active) == (
        "daily",
        "fr",
        False,
    )
    client.post(reverse("alerts:delete", args=[searches[1].pk]))
    assert SavedSearch.objects.of(user).count() == 4


def test_another_readers_alert_cannot_be_changed_or_deleted(client):
    theirs = SavedSearchFactory(filters={"q": "private"})
    client.force_login(UserFactory())

    assert client.get(reverse("alerts:edit", args=[theirs.pk])).status_code == 404
    client.post(reverse("alerts:delete", args=[theirs.pk]))
    assert client.post(reverse("alerts:revoke_feed", args=[theirs.pk])).status_code == 404
    assert SavedSearch.objects.filter(pk=theirs.pk, feed_token__isnull=False).exists()


def test_my_account_shows_how_many_alerts_and_links_to_them(client):
    user = UserFactory()
    SavedSearchFactory.create_batch(2, user=user)
    client.force_login(user)

    html = client.get(reverse("accounts:my_account")).content.decode()

    assert "You have 2 alerts." in html
    assert reverse("alerts:list") in html


def test_an_alert_whose_category_was_deleted_says_so_on_its_page(client):
    user = UserFactory()
    sport = CategoryFactory(name="Sport")
    SavedSearchFactory(user=user, filters={"q": "final", "category": sport})
    sport.delete()
    client.force_login(user)

    html = client.get(reverse("alerts:list")).content.decode()

    assert "The category “Sport” no longer exists" in html


def test_the_private_feed_lists_the_newest_matches_until_it_is_revoked(client):
    search = SavedSearchFactory(filters={"q": "flood"})
    VideoFactory(title="Flood in the valley")
    VideoFactory(title="Election night")
    feed = reverse("alerts:feed", args=[search.feed_token])

    response = client.get(feed)

    assert response["Content-Type"].startswith("application/atom+xml")
    entries = ET.fromstring(response.content).findall(f"{ATOM}entry")  # noqa: S314 - our own
    assert [e.find(f"{ATOM}title").text for e in entries] == ["Flood in the valley"]

    client.force_login(search.user)
    client.post(reverse("alerts:renew_feed", args=[search.pk]))
    assert client.get(feed).status_code == 404
    search.refresh_from_db()
    assert client.get(reverse("alerts:feed", args=[search.feed_token])).status_code == 200
    client.post(reverse("alerts:revoke_feed", args=[search.pk]))
    search.refresh_from_db()
    assert search.feed_token is None


def test_a_guessed_feed_address_finds_nothing(client):
    SavedSearchFactory()

    assert client.get(reverse("alerts:feed", args=["x" * 43])).status_code == 404


def test_one_click_unsubscribe_stops_that_alert_only(client):
    user = UserFactory()
    stopped, kept = (
        SavedSearchFactory(user=user, filters={"q": "a"}),
        SavedSearchFactory(user=user, filters={"q": "b"}),
    )
    url = links.unsubscribe_urls(stopped.pk)["one_click"].removeprefix("https://portal.example")

    response = client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    stopped.refresh_from_db()
    kept.refresh_from_db()
    assert (stopped.active, kept.active) == (False, True)


def test_one_click_refuses_another_body_and_a_forged_token(client):
    search = SavedSearchFactory()
    url = links.unsubscribe_urls(search.pk)["one_click"].removeprefix("https://portal.example")
    forged = reverse("alerts:one_click", args=[links.unsubscribe_token(search.pk) + "x"])

    wrong_body = client.post(url, {"List-Unsubscribe": "yes"})
    forged_token = client.post(forged, {"List-Unsubscribe": "One-Click"})

    assert (wrong_body.status_code, forged_token.status_code) == (400, 400)
    search.refresh_from_db()
    assert search.active


def test_the_footer_link_asks_before_it_stops_the_alert(client):
    search = SavedSearchFactory(filters={"q": "flood"})
    url = links.unsubscribe_urls(search.pk)["page"].removeprefix("https://portal.example")

    asked = client.get(url)
    search.refresh_from_db()
    assert search.active and "Do you want to stop the emails" in asked.content.decode()
    done = client.post(url)

    search.refresh_from_db()
    assert not search.active
    assert "You will no longer receive the emails" in done.content.decode()
