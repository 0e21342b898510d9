"""What a feed reader or crawler gets: every address in a parsed feed, sitemap or page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

ADDRESS_KEYS = {"href", "link", "url", "id", "guid"}


def feed_addresses(parsed: Any) -> list[str]:
    """Every address of a feed that feedparser read: its own and its entries' links, ids and
    media URLs."""
    return addresses_in(parsed["feed"]) + addresses_in(parsed["entries"])


def addresses_in(parsed: Any) -> list[str]:
    """Every address in a part of feedparser's result, wherever it sits."""
    found: list[str] = []
    if isinstance(parsed, dict):
        for key, value in parsed.items():
            # feedparser leaves an empty `href` of its own on entries with media elements.
            if key in ADDRESS_KEYS and isinstance(value, str):
                if value:
                    found.append(value)
            else:
                found += addresses_in(value)
    elif isinstance(parsed, list):
        for value in parsed:
            found += addresses_in(value)
    return found


def off_site(addresses: list[str], site_url: str) -> list[str]:
    """The addresses that are not absolute on SITE_URL's scheme and host."""
    site = urlsplit(site_url)
    return [
        a
        for a in addresses
        if (urlsplit(a).scheme, urlsplit(a).netloc) != (site.scheme, site.netloc)
    ]
