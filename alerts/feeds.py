"""The private Atom feed of a saved search: the catalogue's newest matches, at an address only
its owner knows (`SavedSearch.feed_token`), which they can renew or revoke under My account."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from alerts.described import catalogue_querystring, describe
from alerts.matching import search_filters
from alerts.models import SavedSearch
from media_library.models import Video
from media_library.search import catalogue_page

FEED_ITEMS = 50


class SavedSearchFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, token: str) -> SavedSearch:
        search = (
            SavedSearch.objects.receiving()
            .select_related("category", "event", "language")
            .filter(feed_token=token)
            .first()
        )
        if search is None:
            raise Http404
        return search

    def title(self, obj: SavedSearch) -> str:
        return _("Alert: %(name)s") % {"name": describe(obj).name}

    def subtitle(self, obj: SavedSearch) -> str:
        return " ".join(describe(obj).missing)

    def link(self, obj: SavedSearch) -> str:
        query = catalogue_querystring(obj)
        return reverse("media_library:video_list") + (f"?{query}" if query else "")

    def items(self, obj: SavedSearch):
        filters = {"q": obj.query, **search_filters(obj), "sort": "newest"}
        return catalogue_page(filters, page_number=1, per_page=FEED_ITEMS).object_list

    def item_title(self, item: Video) -> str:
        return item.title

    def item_description(self, item: Video) -> str:
        return item.category.name if item.category else ""

    def item_pubdate(self, item: Video):
        return item.published_at

    def item_updateddate(self, item: Video):
        return item.published_at
