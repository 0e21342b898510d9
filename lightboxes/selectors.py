"""Reads of collections: a reader's list, a collection's items with what is still available."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from lightboxes.models import Collection, Item
from media_library.models import Rendition

# What an item's line shows of its video (never the search vector, twice the rest of a row).
_HEAVY = ("video__search_vector", "clip__rendition__video__search_vector")


def collections_of(owner) -> QuerySet[Collection]:
    """The owner's collections by name, each with its number of items."""
    return Collection.objects.owned_by(owner).annotate(item_count=Count("items")).order_by("name")


def items_of(collection: Collection, *, with_renditions: bool = False) -> list[Item]:
    """The items in their order, each with `available` set: its video still published (and a
    clip still ready). With `with_renditions`, each video's ready renditions are loaded as
    `ready_renditions` (the zip picks one), in one more query."""
    queryset = (
        Item.objects.filter(collection=collection)
        .select_related(
            "video", "video__category", "clip", "clip__rendition", "clip__rendition__video"
        )
        .defer(*_HEAVY)
        .order_by("position", "pk")
    )
    if with_renditions:
        queryset = queryset.prefetch_related(
            Prefetch(
                "video__renditions",
                queryset=Rendition.objects.ready(),
                to_attr="ready_renditions",
            )
        )
    items = list(queryset)
    for item in items:
        item.available = is_available(item)
    return items


def is_available(item: Item) -> bool:
    if not item.the_video.is_public:
        return False
    if item.is_clip:
        return item.clip.status == item.clip.Status.READY and bool(item.clip.file)
    return True
