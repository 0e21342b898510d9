"""Feeds and sitemaps whose every address is on SITE_URL (core.site), whatever Host asked.

Django's syndication and sitemap views build links from the Sites framework's domain and the
request's scheme; behind a proxy, or before the Site was set, that gave `http://example.com/…`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.contrib.sitemaps import Sitemap
from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.utils.feedgenerator import SyndicationFeed

from core.site import absolute, site_domain, site_url


class SiteFeed(Feed):
    """A feed whose links, ids and own address are on SITE_URL.

    Subclasses give `link`, `item_link` and `feed_url` (by default the address asked, query
    string included) as paths or absolute URLs; all of them end up absolute.
    """

    def get_feed(self, obj: Any, request: HttpRequest) -> SyndicationFeed:
        feed = super().get_feed(obj, request)
        own = self._get_dynamic_attr("feed_url", obj) or request.get_full_path()
        feed.feed["feed_url"] = absolute(own)
        return feed

    def _get_dynamic_attr(self, attname: str, obj: Any, default: Any = None) -> Any:
        value = super()._get_dynamic_attr(attname, obj, default)
        if attname in ("link", "item_link", "feed_url") and value:
            return absolute(str(value))  # str(): a reverse_lazy() too
        return value


class SiteSitemap(Sitemap):
    """A sitemap on SITE_URL's scheme and host, with `hreflang` alternates per item.

    `alternates_of(item)` gives (language code, path or URL) pairs: the same page in other
    languages, the item's own among them (search engines want the whole set on each).
    """

    def get_protocol(self, protocol: str | None = None) -> str:
        return urlsplit(site_url()).scheme or "https"

    def get_domain(self, site: Any = None) -> str:
        return site_domain()

    def alternates_of(self, item: Any) -> Iterable[tuple[str, str]]:
        return ()

    def get_urls(self, page: int = 1, site: Any = None, protocol: str | None = None) -> list:
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        for url in urls:
            url["alternates"] = [
                {"lang_code": code, "location": absolute(location)}
                for code, location in self.alternates_of(url["item"])
            ]
        return urls
