"""The videos feed (issue 16): RSS 2.0 and Atom with Media RSS, one per catalogue listing,
read here as a feed reader reads it (feedparser), every address on SITE_URL."""

from __future__ import annotations

import re
from datetime import timedelta

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from core.testing.links import feed_addresses, off_site
from media_library.models import Video
from media_library.tests.factories import CategoryFactory, TagFactory, VideoFactory

pytestmark = pytest.mark.django_db

SITE_URL = "https://media.example.org"
RSS = reverse("media_library:feed_rss")
ATOM = reverse("media_library:feed_atom")


@pytest.fixture(autouse=True)
def _site_url(settings) -> None:
    settings.SITE_URL = SITE_URL


@pytest.fixture
def frigate() -> Video:
    return VideoFactory(
        title="Frigate leaves harbour",
        slug="frigate-leaves",
        summary="The frigate <b>leaves</b> the harbour.",
        preview="previews/frigate.mp4",
        thumbnail="thumbnails/frigate.jpg",
        duration_seconds=95.4,
        credits="NATO Multimedia",
        usage_terms="Free for editorial use. Credit NATO.",
        category=CategoryFactory(name="Exercises", slug="exercises"),
        tags=[TagFactory(name="navy"), TagFactory(name="Baltic")],
    )


def read(client, url: str, **params) -> feedparser.FeedParserDict:
    # Asked through another host name: a feed's links never follow the request's Host.
    response = client.get(url, params, HTTP_HOST="localhost")
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


@pytest.mark.parametrize(("url", "version"), [(RSS, "rss20"), (ATOM, "atom10")])
def test_the_videos_feed_gives_each_published_video_with_its_preview_thumbnail_credit_and_terms(
    client, frigate, url, version
):
    VideoFactory(title="Draft footage", status=Video.Status.DRAFT, published_at=None)
    VideoFactory(title="Embargoed", status=Video.Status.SCHEDULED,
                 published_at=timezone.now() + timedelta(days=1))  # fmt: skip

    feed = read(client, url)

    assert feed.version == version
    assert [entry.title for entry in feed.entries] == ["Frigate leaves harbour"]
    entry = feed.entries[0]
    assert entry.link == f"{SITE_URL}/videos/frigate-leaves/"
    assert "The frigate &lt;b&gt;leaves&lt;/b&gt; the harbour." in entry.summary
    assert entry.media_content == [
        {
            "url": f"{SITE_URL}/media/public/previews/frigate.mp4",
            "type": "video/mp4",
            "medium": "video",
            "duration": "95",
        }
    ]
    assert entry.media_thumbnail == [{"url": f"{SITE_URL}/media/public/thumbnails/frigate.jpg"}]
    assert entry.media_credit == [{"role": "producer", "content": "NATO Multimedia"}]
    assert entry.media_license == {
        "type": "text/html",
        "href": f"{SITE_URL}/terms/",
        "content": "Free for editorial use. Credit NATO.",
    }
    assert entry.media_keywords == "Baltic, navy"
    assert off_site(feed_addresses(feed), SITE_URL) == []


def test_a_search_has_its_own_feed_at_the_same_query_string(client, frigate):
    VideoFactory(title="Frigate in the Baltic", category=CategoryFactory(slug="news"))
    VideoFactory(title="Press conference", category=frigate.category)
    query = {"q": '"frigate leaves"', "category": "exercises"}

    page = client.get(reverse("media_library:video_list"), {**query, "page": "1"})
    feed_links = re.findall(r'<link rel="alternate" type="([^"]+)"[^>]*href="([^"]+)"',
                            page.content.decode())  # fmt: skip
    feed = read(client, RSS, **query)

    expected_query = "q=%22frigate+leaves%22&amp;category=exercises"
    assert feed_links == [
        ("application/rss+xml", f"{RSS}?{expected_query}"),
        ("application/atom+xml", f"{ATOM}?{expected_query}"),
    ]
    assert [entry.title for entry in feed.entries] == ["Frigate leaves harbour"]
    assert feed.feed.link == f"{SITE_URL}/videos/?q=%22frigate+leaves%22&category=exercises"
    assert feed.feed.title == 'Multimedia Portal videos: "frigate leaves", Exercises'


def test_the_feed_lists_the_newest_first_and_at_most_thirty(client):
    now = timezone.now()
    for n in range(32):
        VideoFactory(title=f"Clip {n}", published_at=now - timedelta(hours=n + 1))

    feed = read(client, ATOM)

    assert [entry.title for entry in feed.entries] == [f"Clip {n}" for n in range(30)]


@pytest.mark.parametrize("videos", [1, 10])
def test_the_feed_takes_the_same_queries_whatever_the_number_of_videos(
    client, django_assert_num_queries, videos
):
    for _ in range(videos):
        VideoFactory(tags=[TagFactory(name="navy")], preview="previews/p.mp4")

    # The filter form's choices (cached afterwards), the videos, their tags.
    client.get(RSS)
    with django_assert_num_queries(2):
        response = client.get(RSS, {"q": "press"})

    assert len(feedparser.parse(response.content).entries) == videos


def test_the_feed_speaks_the_readers_language(client, frigate):
    response = client.get(RSS, HTTP_ACCEPT_LANGUAGE="fr")

    feed = feedparser.parse(response.content)
    assert feed.feed.language == "fr"
    assert (
        feed.feed.description == "Les dernières vidéos publiées de cette liste, avec leurs aperçus."
    )
