"""The private Atom feed of a collection, at an address only its owner was given."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from core import publishing
from lightboxes import services

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(response) -> list[str]:
    root = ET.fromstring(response.content)  # noqa: S314 - our own feed
    return [entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")]


def test_the_feed_lists_the_available_items_newest_first_without_signing_in(
    client, collection, django_assert_num_queries
):
    feed = services.issue_feed(owner=collection.owner, collection_id=collection.pk)
    publishing.unpublish(item=collection.items.first().video)
    client.get(feed.feed_url)  # the process's first read of the site's domain, kept after
    with django_assert_num_queries(2):  # the collection by its token, its items
        response = client.get(feed.feed_url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert response["Cache-Control"] == "private, no-store"
    assert entries(response) == ["Press conference"]
    assert "Summit story" in response.content.decode()


def test_a_note_with_markup_reaches_the_reader_as_text(client, collection):
    item = collection.items.first()
    item.note = "<script>alert(1)</script>"
    item.save()
    feed = services.issue_feed(owner=collection.owner, collection_id=collection.pk)
    body = client.get(feed.feed_url).content.decode()
    assert "<script>" not in body and "&amp;lt;script&amp;gt;" in body


def test_a_revoked_or_replaced_feed_address_is_not_found(client, collection):
    old = services.issue_feed(owner=collection.owner, collection_id=collection.pk).feed_url
    new = services.issue_feed(owner=collection.owner, collection_id=collection.pk).feed_url
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    services.revoke_feed(owner=collection.owner, collection_id=collection.pk)
    assert client.get(new).status_code == 404
    assert client.get(reverse("lightboxes:feed", args=["forged"])).status_code == 404


def test_the_owner_revokes_the_feed_from_my_account(verified_client, collection):
    feed = services.issue_feed(owner=collection.owner, collection_id=collection.pk)
    account = reverse("accounts:my_account")
    page = verified_client.get(account).content.decode()
    assert feed.feed_url in page
    response = verified_client.post(
        reverse("lightboxes:feed_revoke", args=[collection.pk]), {"next": account}
    )
    assert response["Location"] == account
    assert verified_client.get(feed.feed_url).status_code == 404
    assert feed.feed_url not in verified_client.get(account).content.decode()
