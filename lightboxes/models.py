"""Collections ("lightboxes"): a reader's named lists of videos and clips, with a note per item.

The app is not called `collections`, which would shadow the standard library's module. A
collection may be shared read-only by an unguessable link (`share_token`) and read by
newsroom tools as a private Atom feed (`feed_token`); either token is revoked by clearing it,
and sharing again makes a new one, so an old link never comes back to life.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clips.models import Clip
from media_library.models import Video


class CollectionQuerySet(models.QuerySet["Collection"]):
    def owned_by(self, user) -> CollectionQuerySet:
        return self.filter(owner=user)


class Collection(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="collections",
    )
    name = models.CharField(_("name"), max_length=120)
    share_token = models.CharField(
        _("share link token"), max_length=64, unique=True, null=True, blank=True
    )
    shared_at = models.DateTimeField(_("shared"), null=True, blank=True)
    feed_token = models.CharField(
        _("feed token"), max_length=64, unique=True, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CollectionQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("collection")
        verbose_name_plural = _("collections")
        constraints = [
            models.UniqueConstraint(
                "owner", models.functions.Lower("name"), name="collection_name_once_per_owner"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("lightboxes:detail", kwargs={"pk": self.pk})

    @property
    def share_url(self) -> str:
        if not self.share_token:
            return ""
        return reverse("lightboxes:shared", kwargs={"token": self.share_token})

    @property
    def feed_url(self) -> str:
        if not self.feed_token:
            return ""
        return reverse("lightboxes:feed", kwargs={"token": self.feed_token})


class Item(models.Model):
    """A video or a clip in a collection (exactly one of the two), at a position, with a note."""

    collection = models.ForeignKey(
        Collection, verbose_name=_("collection"), on_delete=models.CASCADE, related_name="items"
    )
    video = models.ForeignKey(
        Video,
        verbose_name=_("video"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="collection_items",
    )
    clip = models.ForeignKey(
        Clip,
        verbose_name=_("clip"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="collection_items",
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("collection item")
        verbose_name_plural = _("collection items")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(video__isnull=False, clip__isnull=True)
                    | Q(video__isnull=True, clip__isnull=False)
                ),
                name="collection_item_video_or_clip",
            ),
            models.UniqueConstraint(
                fields=["collection", "video"],
                condition=Q(video__isnull=False),
                name="collection_item_video_once",
            ),
            models.UniqueConstraint(
                fields=["collection", "clip"],
                condition=Q(clip__isnull=False),
                name="collection_item_clip_once",
            ),
        ]
        indexes = [models.Index(fields=["collection", "position"], name="collection_item_pos_idx")]

    def __str__(self) -> str:
        return f"{self.collection} · {self.the_video}"

    @property
    def the_video(self) -> Video:
        """The video itself, or the one the clip was cut from."""
        return self.video if self.video_id else self.clip.rendition.video

    @property
    def is_clip(self) -> bool:
        return self.clip_id is not None
