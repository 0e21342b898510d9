from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import feedparser
import pytest
from django.urls import reverse

from speeches.tests.factories import SpeechFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def speeches():
    return {
        "published": SpeechFactory(published=True, title="Public remarks", body="Hello *all*."),
        "draft": SpeechFactory(title="Draft remarks"),
        "scheduled": SpeechFactory(scheduled=True, title="Embargoed remarks"),
    }


def test_rss_feed_is_rss_2_0_and_lists_only_published_speeches(client, speeches):
    response = client.get(reverse("speeches:feed_rss"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own output, under test
    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel.findtext("title")
    assert channel.findtext("link").endswith(reverse("speeches:speech_list"))
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == ["Public remarks"]
    item = items[0]
    assert item.findtext("link").endswith(speeches["published"].get_absolute_url())
    assert item.findtext("guid").endswith(speeches["published"].get_absolute_url())
    assert item.findtext("pubDate")
    assert "Hello all." in item.findtext("description")
    assert "<em>" not in item.findtext("description")


def test_atom_feed_is_atom_1_0_and_lists_only_published_speeches(client, speeches):
    response = client.get(reverse("speeches:feed_atom"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own output, under test
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}id")
    assert root.findtext(f"{ATOM}updated")
    entries = root.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == ["Public remarks"]
    entry = entries[0]
    assert entry.find(f"{ATOM}link").get("href").endswith(speeches["published"].get_absolute_url())
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == speeches["published"].speaker_name
    assert entry.findtext(f"{ATOM}updated")


def test_feeds_render_a_hostile_body_inert(client):
    SpeechFactory(
        published=True, body='<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">'
    )

    for name in ("speeches:feed_rss", "speeches:feed_atom"):
        content = client.get(reverse(name)).content.decode()
        assert "alert(" not in content
        assert "onerror" not in content


def test_sitemap_lists_published_speeches_only(rf, speeches):
    from django.contrib.sites.models import Site

    from speeches.sitemaps import SpeechSitemap

    urls = {entry["location"] for entry in SpeechSitemap().get_urls(protocol="https")}

    # The site's domain follows SITE_URL after migrate (portal.sites).
    domain = Site.objects.get_current().domain
    assert urls == {f"https://{domain}{speeches['published'].get_absolute_url()}"}


# --- Finding 9 of the security review: speaker fields reached feed readers as markup ---------

HOSTILE_NAME = "<script>alert(1)</script> & Co"
HOSTILE_ROLE = '<img src=x onerror="alert(2)"> Envoy'


class _Markup(HTMLParser):
    """The elements and the text an HTML fragment holds, as a browser would read it."""

    def __init__(self, fragment: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text = ""
        self.feed(fragment)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text += data


@pytest.mark.parametrize("name", ["speeches:feed_rss", "speeches:feed_atom"])
def test_finding_9_a_hostile_speaker_reaches_feed_readers_as_text_not_markup(client, name):
    SpeechFactory(
        published=True,
        speaker_name=HOSTILE_NAME,
        speaker_role=HOSTILE_ROLE,
        body="Thank you & welcome, 1 < 2.",
        event="Summit <i>2026</i>",
    )

    # What the feed says, not what a careful reader makes of it: no sanitising.
    feed = feedparser.parse(client.get(reverse(name)).content, sanitize_html=False)

    assert not feed.bozo, feed.get("bozo_exception")
    (entry,) = feed.entries
    # RSS <description> and Atom <summary type="html"> are HTML to the reader: no element.
    assert entry.summary_detail.type == "text/html"
    summary = _Markup(entry.summary)
    assert summary.tags == []
    assert summary.text == f"{HOSTILE_NAME}, {HOSTILE_ROLE}. Thank you & welcome, 1 < 2."
    # The author (dc:creator, Atom's author name) and the category are text to the reader.
    assert entry.author == HOSTILE_NAME
    assert [tag.term for tag in entry.tags] == ["Summit <i>2026</i>"]
