"""What feed readers and crawlers read (issue 16): every feed, the sitemap, robots.txt and
OpenGraph tags give addresses on SITE_URL only, whatever Host the request came through."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import feedparser
import pytest
from django.contrib.sites.models import Site
from django.urls import reverse

from core.testing.links import feed_addresses, off_site
from media_library.tests.factories import VideoFactory
from speeches.tests.factories import SpeechFactory

pytestmark = pytest.mark.django_db

SITE_URL = "https://media.example.org"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
FEEDS = [
    reverse("media_library:feed_rss"),
    reverse("media_library:feed_atom"),
    reverse("media_library:feed_rss") + "?q=frigate+or+summit&sort=title",
    reverse("media_library:feed_atom") + "?q=%22opening+remarks%22",
    reverse("speeches:feed_rss"),
    reverse("speeches:feed_atom"),
]


@pytest.fixture(autouse=True)
def _site_url(settings) -> None:
    settings.SITE_URL = SITE_URL


@pytest.fixture
def content() -> dict:
    video = VideoFactory(
        title="Frigate at the summit: opening remarks",
        slug="frigate-summit",
        preview="previews/frigate.mp4",
        thumbnail="thumbnails/frigate.jpg",
    )
    english = SpeechFactory(published=True, slug="opening-remarks", language="en",
                            title="Opening remarks", timecode_video=video)  # fmt: skip
    french = SpeechFactory(published=True, slug="allocution", language="fr",
                           title="Allocution d'ouverture", translations=[english])  # fmt: skip
    alone = SpeechFactory(published=True, slug="press-point", title="Press point")
    SpeechFactory(slug="draft-speech", translations=[english])  # a draft translation
    return {"video": video, "english": english, "french": french, "alone": alone}


def get(client, url: str):
    response = client.get(url, HTTP_HOST="localhost")
    assert response.status_code == 200, url
    return response


@pytest.mark.parametrize("url", FEEDS)
def test_feedparser_reads_every_feed_with_every_address_on_site_url(client, content, url):
    feed = feedparser.parse(get(client, url).content)

    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.entries
    assert off_site(feed_addresses(feed), SITE_URL) == []


def test_the_sitemap_lists_videos_and_speeches_with_their_translations(client, content):
    root = ET.fromstring(get(client, "/sitemap.xml").content)  # noqa: S314 - our own output

    entries = {
        url.findtext(f"{SITEMAP}loc"): {
            link.get("hreflang"): link.get("href") for link in url.findall(f"{XHTML}link")
        }
        for url in root.findall(f"{SITEMAP}url")
    }
    pair = {
        "en": f"{SITE_URL}/speeches/opening-remarks/",
        "fr": f"{SITE_URL}/speeches/allocution/",
    }
    assert entries == {
        f"{SITE_URL}/videos/frigate-summit/": {},
        f"{SITE_URL}/speeches/opening-remarks/": pair,
        f"{SITE_URL}/speeches/allocution/": pair,
        f"{SITE_URL}/speeches/press-point/": {},
    }


@pytest.mark.parametrize("translations", [1, 6])
def test_the_sitemap_takes_the_same_queries_whatever_the_number_of_translations(
    client, django_assert_num_queries, translations
):
    original = SpeechFactory(published=True)
    SpeechFactory.create_batch(translations, published=True, language="fr",
                               translations=[original])  # fmt: skip
    VideoFactory.create_batch(translations)

    # Django's view reads the current Site (once per process: forgotten here, so counted);
    # then per sitemap: the count of its pages, its items (speeches: and their translations).
    Site.objects.clear_cache()
    with django_assert_num_queries(6):
        get(client, "/sitemap.xml")


def test_robots_txt_gives_the_sitemap_at_its_absolute_address(client):
    text = get(client, "/robots.txt").content.decode()

    assert f"Sitemap: {SITE_URL}/sitemap.xml" in text.splitlines()


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("/", ["/videos/feed/rss/", "/videos/feed/atom/", "/speeches/feed/rss/",
               "/speeches/feed/atom/"]),
        ("/videos/?q=frigate&page=1", ["/videos/feed/rss/?q=frigate", "/videos/feed/atom/?q=frigate"]),
        ("/speeches/", ["/speeches/feed/rss/", "/speeches/feed/atom/"]),
        ("/speeches/opening-remarks/", ["/speeches/feed/rss/", "/speeches/feed/atom/"]),
    ],
)  # fmt: skip
def test_pages_with_feeds_name_them_in_their_head(client, content, page, expected):
    html = get(client, page).content.decode()
    head = html[: html.index("</head>")]

    links = re.findall(r'<link rel="alternate" type="application/(rss|atom)\+xml" title="[^"]+" '
                       r'href="([^"]+)">', head)  # fmt: skip
    assert [href for _, href in links] == expected
    for kind, href in links:
        feed = feedparser.parse(get(client, href.replace("&amp;", "&")).content)
        assert feed.version == {"rss": "rss20", "atom": "atom10"}[kind]


@pytest.mark.parametrize("page", ["/videos/frigate-summit/", "/speeches/opening-remarks/"])
def test_opengraph_tags_give_absolute_addresses_on_site_url(client, content, page):
    html = get(client, page).content.decode()

    tags = dict(re.findall(r'<meta property="(og:[a-z:]+)" content="([^"]*)">', html))
    assert tags["og:url"] == f"{SITE_URL}{page}"
    assert tags["og:image"] == f"{SITE_URL}/media/public/thumbnails/frigate.jpg"
    addresses = [tags[k] for k in ("og:url", "og:image", "og:video") if k in tags]
    assert all(urlsplit(a).netloc == "media.example.org" for a in addresses)
