"""Writes of collections: create, add, reorder, annotate, share, feed, remove.

Every function takes its owner: a collection is changed only through its owner's account,
and someone else's collection is `NotFound` (the same answer as one that does not exist).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clips.models import Clip
from lightboxes.models import Collection, Item
from media_library.models import Video

TOKEN_BYTES = 32
NOTE_MAX_LENGTH = 2000


class Refused(Exception):
    """What the reader is told, as it is: a limit reached, a name taken, an item withdrawn."""


class NotFound(Exception):
    """Not theirs, or gone: the views answer 404 either way."""


def new_token() -> str:
    """256 bits from the OS's generator, URL-safe: a link nobody can guess or enumerate."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def owned(*, owner, collection_id: int, lock: bool = False) -> Collection:
    queryset = Collection.objects.owned_by(owner)
    if lock:
        queryset = queryset.select_for_update()
    try:
        return queryset.get(pk=collection_id)
    except Collection.DoesNotExist:
        raise NotFound from None


def _check_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise Refused(_("Give the collection a name."))
    max_length = Collection._meta.get_field("name").max_length
    if len(name) > max_length:
        raise Refused(
            ngettext(
                "A collection's name has at most %(limit)d character.",
                "A collection's name has at most %(limit)d characters.",
                max_length,
            )
            % {"limit": max_length}
        )
    return name


@transaction.atomic
def create_collection(*, owner, name: str) -> Collection:
    name = _check_name(name)
    # The owner's row is the lock: two tabs creating at once cannot both pass the cap.
    get_user_model().objects.select_for_update().filter(pk=owner.pk).first()
    limit = settings.LIGHTBOXES_MAX_PER_USER
    if Collection.objects.owned_by(owner).count() >= limit:
        raise Refused(
            ngettext(
                "You already have %(limit)d collection, the most one account may keep. "
                "Delete one to make room.",
                "You already have %(limit)d collections, the most one account may keep. "
                "Delete one to make room.",
                limit,
            )
            % {"limit": limit}
        )
    if Collection.objects.owned_by(owner).filter(name__iexact=name).exists():
        raise Refused(_("You already have a collection named “%(name)s”.") % {"name": name})
    try:
        with transaction.atomic():
            return Collection.objects.create(owner=owner, name=name)
    except IntegrityError:
        raise Refused(
            _("You already have a collection named “%(name)s”.") % {"name": name}
        ) from None


@transaction.atomic
def rename_collection(*, owner, collection_id: int, name: str) -> Collection:
    collection = owned(owner=owner, collection_id=collection_id, lock=True)
    name = _check_name(name)
    taken = Collection.objects.owned_by(owner).filter(name__iexact=name).exclude(pk=collection.pk)
    if taken.exists():
        raise Refused(_("You already have a collection named “%(name)s”.") % {"name": name})
    collection.name = name
    collection.save(update_fields=["name", "updated_at"])
    return collection


@transaction.atomic
def delete_collection(*, owner, collection_id: int) -> None:
    owned(owner=owner, collection_id=collection_id, lock=True).delete()


def collection_named(*, owner, name: str) -> Collection:
    """The owner's collection of that name (any case), made if there is none yet."""
    existing = Collection.objects.owned_by(owner).filter(name__iexact=" ".join(name.split()))
    return existing.first() or create_collection(owner=owner, name=name)


def addable_video(*, slug: str) -> Video:
    video = Video.objects.published().filter(slug=slug).first()
    if video is None:
        raise Refused(_("This video is not published: it cannot be added to a collection."))
    return video


def addable_clip(*, user, clip_id: int) -> Clip:
    """A ready clip the user asked for, cut from a published video."""
    clip = (
        Clip.objects.filter(
            pk=clip_id,
            requests__user=user,
            status=Clip.Status.READY,
            rendition__video__in=Video.objects.published(),
        )
        .select_related("rendition__video")
        .first()
    )
    if clip is None:
        raise Refused(_("This clip is not ready, or its video is no longer published."))
    return clip


@transaction.atomic
def add_item(
    *,
    owner,
    collection_id: int,
    video: Video | None = None,
    clip: Clip | None = None,
    note: str = "",
) -> Item:
    """Adds a video or a clip at the end; an item already there keeps its place (and gets the
    note, if one is given)."""
    if (video is None) == (clip is None):
        raise ValueError("add a video or a clip")
    collection = owned(owner=owner, collection_id=collection_id, lock=True)
    note = _check_note(note)
    existing = collection.items.filter(video=video) if video else collection.items.filter(clip=clip)
    item = existing.first()
    if item is not None:
        if note:
            item.note = note
            item.save(update_fields=["note"])
        return item
    limit = settings.LIGHTBOXES_MAX_ITEMS_PER_USER
    if Item.objects.filter(collection__owner=owner).count() >= limit:
        raise Refused(
            ngettext(
                "Your collections already hold %(limit)d item, the most one account may keep. "
                "Remove some to make room.",
                "Your collections already hold %(limit)d items, the most one account may keep. "
                "Remove some to make room.",
                limit,
            )
            % {"limit": limit}
        )
    last = collection.items.aggregate(last=Max("position"))["last"]
    item = Item.objects.create(
        collection=collection,
        video=video,
        clip=clip,
        note=note,
        position=0 if last is None else last + 1,
    )
    Collection.objects.filter(pk=collection.pk).update(updated_at=timezone.now())
    return item


def _check_note(note: str) -> str:
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise Refused(
            _("A note has at most %(limit)d characters; this one has %(length)d.")
            % {"limit": NOTE_MAX_LENGTH, "length": len(note)}
        )
    return note


def _owned_item(*, owner, collection_id: int, item_id: int) -> tuple[Collection, Item]:
    collection = owned(owner=owner, collection_id=collection_id, lock=True)
    item = collection.items.filter(pk=item_id).first()
    if item is None:
        raise NotFound
    return collection, item


@transaction.atomic
def set_note(*, owner, collection_id: int, item_id: int, note: str) -> Item:
    _, item = _owned_item(owner=owner, collection_id=collection_id, item_id=item_id)
    item.note = _check_note(note)
    item.save(update_fields=["note"])
    return item


@transaction.atomic
def remove_item(*, owner, collection_id: int, item_id: int) -> None:
    _, item = _owned_item(owner=owner, collection_id=collection_id, item_id=item_id)
    item.delete()


@transaction.atomic
def move_item(*, owner, collection_id: int, item_id: int, up: bool) -> None:
    """Swaps the item with its neighbour above (or below); at the end, nothing moves."""
    collection, item = _owned_item(owner=owner, collection_id=collection_id, item_id=item_id)
    ordered = list(collection.items.order_by("position", "pk").values_list("pk", flat=True))
    index = ordered.index(item.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    _renumber(ordered)


@transaction.atomic
def reorder(*, owner, collection_id: int, item_ids: list[int]) -> None:
    """The order a drag left (the script's enhancement): every item, each once."""
    collection = owned(owner=owner, collection_id=collection_id, lock=True)
    current = set(collection.items.values_list("pk", flat=True))
    if len(item_ids) != len(current) or set(item_ids) != current:
        raise Refused(_("The collection changed meanwhile: reload the page and try again."))
    _renumber(item_ids)


def _renumber(ordered: list[int]) -> None:
    # Positions are not unique, so one UPDATE per item needs no shuffling through a gap.
    for position, pk in enumerate(ordered):
        Item.objects.filter(pk=pk).exclude(position=position).update(position=position)


@transaction.atomic
def share(*, owner, collection_id: int) -> Collection:
    """A new read-only link; the previous one, if any, stops working."""
    collection = owned(owner=owner, collection_id=collection_id, lock=True)
    collection.share_token = new_token()
    collection.shared_at = timezone.now()
    collection.save(update_fields=["share_token", "shared_at", "updated_at"])
    return collection


@transaction.atomic
def revoke_share(*, owner, collection_id: int) -> Collection:
    collection = owned(owner=owner, collection_id=collection_id, lock=True)
    collection.share_token = None
    collection.shared_at = None
    collection.save(update_fields=["share_token", "shared_at", "updated_at"])
    return collection


@transaction.atomic
def issue_feed(*, owner, collection_id: int) -> Collection:
    """A new private feed address; the previous one, if any, stops working."""
    collection = owned(owner=owner, collection_id=collection_id, lock=True)
    collection.feed_token = new_token()
    collection.save(update_fields=["feed_token", "updated_at"])
    return collection


@transaction.atomic
def revoke_feed(*, owner, collection_id: int) -> Collection:
    collection = owned(owner=owner, collection_id=collection_id, lock=True)
    collection.feed_token = None
    collection.save(update_fields=["feed_token", "updated_at"])
    return collection


def shared_collection(*, token: str) -> Collection:
    """The collection behind a share link; a forged or revoked token is `NotFound`."""
    if not token or len(token) > 64:
        raise NotFound
    collection = Collection.objects.filter(share_token=token).select_related("owner").first()
    if collection is None:
        raise NotFound
    return collection
