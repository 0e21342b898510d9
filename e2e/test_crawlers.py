"""A feed reader and a search engine's crawler against the running portal (issue 16): from the
home page's `<link rel="alternate">` and robots.txt to every feed and the sitemap, every
address on SITE_URL's host, and every one of them answering."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import urljoin, urlsplit

import feedparser
import pytest
import requests

from core.testing.links import feed_addresses, off_site

pytestmark = pytest.mark.integration

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture
def site_url(live_server, settings) -> str:
    settings.SITE_URL = live_server.url
    return live_server.url


def alternates(url: str) -> list[str]:
    html = requests.get(url, timeout=30).text
    head = html[: html.index("</head>")]
    return [
        urljoin(url, href.replace("&amp;", "&"))
        for href in re.findall(r'<link rel="alternate" type="application/[a-z]+\+xml"[^>]* href="([^"]+)"', head)
    ]  # fmt: skip


def answers(url: str) -> int:
    with requests.get(url, timeout=30, stream=True) as response:
        return response.status_code


def test_a_feed_reader_finds_every_feed_and_every_address_in_them_answers(site_url, catalogue):
    feeds = alternates(site_url + "/") + alternates(site_url + "/videos/?q=%22opening+remarks%22")

    assert len(feeds) == 6
    addresses = []
    for url in feeds:
        feed = feedparser.parse(url)
        assert feed.status == 200 and not feed.bozo, (url, feed.get("bozo_exception"))
        assert feed.entries, url
        addresses += feed_addresses(feed)
    video_feed = feedparser.parse(feeds[0])
    entry = next(e for e in video_feed.entries if e.link.endswith(catalogue.video.slug + "/"))
    addresses += [entry.media_content[0]["url"], entry.media_thumbnail[0]["url"]]

    assert off_site(addresses, site_url) == []
    # Pages, previews, thumbnails and the terms: what a reader opens from the feed is there.
    assert {url: answers(url) for url in set(addresses)} == dict.fromkeys(set(addresses), 200)


def test_a_crawler_goes_from_robots_txt_to_the_sitemap_and_every_page_in_it(site_url, catalogue):
    robots = requests.get(site_url + "/robots.txt", timeout=30).text
    sitemap_url = re.search(r"^Sitemap: (\S+)$", robots, re.M).group(1)

    root = ET.fromstring(requests.get(sitemap_url, timeout=30).content)  # noqa: S314
    pages = [url.findtext(f"{SITEMAP}loc") for url in root.findall(f"{SITEMAP}url")]
    hreflang = {link.get("hreflang"): link.get("href") for link in root.iter(f"{XHTML}link")}

    assert urlsplit(sitemap_url).netloc == urlsplit(site_url).netloc
    assert f"{site_url}{catalogue.video.get_absolute_url()}" in pages
    assert f"{site_url}{catalogue.speech.get_absolute_url()}" in pages
    assert set(hreflang) == {"en", "fr"}
    assert off_site(pages + list(hreflang.values()), site_url) == []
    assert {url: answers(url) for url in pages} == dict.fromkeys(pages, 200)
