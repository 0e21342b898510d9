"""The private Atom feed of a collection: its available items, for newsroom tools to poll.

Its address holds the collection's `feed_token`: whoever has it reads the feed without
signing in, so it is made on request, shown only to the owner, and revoked by them.
"""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from lightboxes.models import Collection, Item
from lightboxes.selectors import items_of


class CollectionFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, token: str) -> Collection:
        if not token or len(token) > 64:
            raise Http404
        collection = Collection.objects.filter(feed_token=token).first()
        if collection is None:
            raise Http404
        return collection

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
        return response

    def title(self, obj: Collection) -> str:
        return _("Collection: %(name)s") % {"name": obj.name}

    def link(self, obj: Collection) -> str:
        return obj.get_absolute_url()

    def subtitle(self, obj: Collection) -> str:
        return _("The videos and clips of your collection, newest first.")

    def items(self, obj: Collection) -> list[Item]:
        items = [item for item in items_of(obj) if item.available]
        return sorted(items, key=lambda item: (item.added_at, item.pk), reverse=True)

    def item_title(self, item: Item) -> str:
        video = item.the_video
        if item.is_clip:
            return f"{video.title} ({item.clip.range_display})"
        return video.title

    def item_description(self, item: Item) -> str:
        # Atom's summary is HTML: the text is escaped once (as the speeches feed does).
        video = item.the_video
        return escape(" — ".join(filter(None, [item.note, video.summary, video.credits])))

    def item_link(self, item: Item) -> str:
        return item.the_video.get_absolute_url()

    def item_guid(self, item: Item) -> str:
        return f"collection-item-{item.pk}"

    def item_pubdate(self, item: Item):
        return item.added_at

    def item_updateddate(self, item: Item):
        return item.the_video.updated_at
