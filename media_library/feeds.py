"""The videos feed, in RSS 2.0 and Atom 1.0, with Media RSS: one per catalogue listing.

The catalogue's query string, whatever search and filters it holds, is the feed's too:
`/videos/feed/rss/?q=frigate&country=BE` is the feed of `/videos/?q=frigate&country=BE`.
Each item carries the video's preview (`media:content`), thumbnail (`media:thumbnail`), credit
line (`media:credit`) and usage terms (`media:license`), every link on SITE_URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from core.site import absolute
from core.syndication import SiteFeed
from media_library import search
from media_library.forms import VideoFilterForm
from media_library.models import Video

FEED_SIZE = 30
MEDIA_RSS = "http://search.yahoo.com/mrss/"
# The filters that name the listing in the feed's title, beside the search words.
NAMED_FILTERS = ("category", "event", "language", "country")


class MediaRssMixin:
    """Media RSS elements (https://www.rssboard.org/media-rss) in an RSS or Atom item."""

    def add_item_elements(self, handler, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        media = item.get("media") or {}
        if media.get("content"):
            handler.addQuickElement("media:content", "", media["content"])
        if media.get("thumbnail"):
            handler.addQuickElement("media:thumbnail", "", {"url": media["thumbnail"]})
        if media.get("credit"):
            handler.addQuickElement("media:credit", media["credit"], {"role": "producer"})
        if media.get("license"):
            text, href = media["license"]
            handler.addQuickElement("media:license", text, {"type": "text/html", "href": href})
        if media.get("keywords"):
            handler.addQuickElement("media:keywords", media["keywords"])


class MediaRssFeed(MediaRssMixin, Rss201rev2Feed):
    def rss_attributes(self) -> dict[str, str]:
        return {**super().rss_attributes(), "xmlns:media": MEDIA_RSS}


class MediaAtomFeed(MediaRssMixin, Atom1Feed):
    def root_attributes(self) -> dict[str, str]:
        return {**super().root_attributes(), "xmlns:media": MEDIA_RSS}


@dataclass(frozen=True)
class Listing:
    """A catalogue listing: its valid filters (None: every published video) and its query."""

    filters: dict[str, Any] | None
    query: QueryDict


class VideosFeed(SiteFeed):
    feed_type = MediaRssFeed
    catalogue = "media_library:video_list"
    feed_name = "media_library:feed_rss"

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Listing:
        # As the catalogue reads it: an invalid filter lists what no filter lists.
        form = VideoFilterForm(request.GET or None)
        filters = form.cleaned_data if form.is_bound and form.is_valid() else None
        query = request.GET.copy()
        query.pop("page", None)
        return Listing(filters=filters, query=query)

    def title(self, obj: Listing) -> str:
        named = [str(obj.filters.get(name) or "") for name in NAMED_FILTERS] if obj.filters else []
        words = (obj.filters or {}).get("q") or ""
        described = ", ".join(filter(None, [words, *named]))
        if described:
            return _("%(site)s videos: %(listing)s") % {
                "site": settings.SITE_NAME,
                "listing": described,
            }
        return _("%(site)s videos") % {"site": settings.SITE_NAME}

    def description(self, obj: Listing) -> str:
        return _("The latest published videos of this listing, with their previews.")

    def link(self, obj: Listing) -> str:
        return _with_query(reverse(self.catalogue), obj.query)

    def feed_url(self, obj: Listing) -> str:
        return _with_query(reverse(self.feed_name), obj.query)

    def author_name(self) -> str:
        return settings.SITE_NAME

    def items(self, obj: Listing) -> list[Video]:
        return search.feed_videos(obj.filters, limit=FEED_SIZE)

    def item_title(self, item: Video) -> str:
        return item.title

    def item_description(self, item: Video) -> str:
        """Plain text, escaped once as HTML (readers take it as HTML; see speeches.feeds)."""
        return escape(Truncator(item.summary).words(80))

    def item_link(self, item: Video) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Video) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: Video) -> datetime:
        return item.updated_at

    def item_categories(self, item: Video) -> list[str]:
        return [term.name for term in (item.category, item.event) if term is not None]

    def item_copyright(self, item: Video) -> str:
        return item.credits

    def item_extra_kwargs(self, item: Video) -> dict[str, Any]:
        content = None
        if item.preview:
            content = {"url": absolute(item.preview_url), "type": "video/mp4", "medium": "video"}
            if item.duration_seconds:
                content["duration"] = str(round(item.duration_seconds))
        terms = item.usage_terms or _("Free of charge for journalists and broadcasters.")
        return {
            "media": {
                "content": content,
                "thumbnail": absolute(item.thumbnail_url) if item.thumbnail else "",
                "credit": item.credits or settings.SITE_NAME,
                "license": (Truncator(terms).chars(500), absolute(reverse("terms"))),
                "keywords": ", ".join(tag.name for tag in item.tags.all()),
            }
        }


class VideosAtomFeed(VideosFeed):
    feed_type = MediaAtomFeed
    feed_name = "media_library:feed_atom"

    def subtitle(self, obj: Listing) -> str:
        return self.description(obj)


def _with_query(path: str, query: QueryDict) -> str:
    encoded = query.urlencode()
    return f"{path}?{encoded}" if encoded else path
