"""Saved searches, the videos announced to each, and the publications still to be matched.

A saved search is a catalogue search (its words and filters, never its order) that a verified
reader asked to be told about. Publishing videos writes `PendingMatch` rows in the publishing
transaction; the matcher turns them into `Announcement` rows, one per (saved search, video)
and never two (a unique pair, inserted with ON CONFLICT DO NOTHING), written in the same
transaction as the outbox email that announces them (docs/alerts.md).
"""

from __future__ import annotations

import hashlib
import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from media_library.models import Category, Event, Language

FEED_TOKEN_BYTES = 32


def new_feed_token() -> str:
    return secrets.token_urlsafe(FEED_TOKEN_BYTES)


class SavedSearchQuerySet(models.QuerySet["SavedSearch"]):
    def of(self, user) -> SavedSearchQuerySet:
        return self.filter(user=user)

    def receiving(self) -> SavedSearchQuerySet:
        """Alerts that may be emailed: switched on, of an active account holding a verified
        address (an account that lost its verification stops receiving them)."""
        verified = EmailAddress.objects.filter(user=models.OuterRef("user"), verified=True)
        return self.filter(active=True, user__is_active=True).filter(models.Exists(verified))


class SavedSearch(models.Model):
    class Frequency(models.TextChoices):
        INSTANT = "instant", _("As soon as videos are published")
        DAILY = "daily", _("Once a day, in a digest")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="saved_searches",
    )
    # The catalogue's search words, their spaces normalised as the catalogue does.
    query = models.CharField(_("search words"), max_length=200, blank=True)
    # Whether the words hold a quoted phrase that the catalogue checks by its word pairs
    # (media_library.models.PhraseSearchQuery): decided once, by the catalogue's own rule.
    phrase = models.BooleanField(default=False, editable=False)
    # A deleted term leaves the filter empty (SET_NULL); `wanted` keeps its name to say so.
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.SET_NULL, null=True, blank=True
    )
    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.SET_NULL, null=True, blank=True
    )
    language = models.ForeignKey(
        Language,
        verbose_name=_("language"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    country = models.CharField(_("country"), max_length=2, blank=True)
    date_from = models.DateField(_("recorded from"), null=True, blank=True)
    date_to = models.DateField(_("recorded until"), null=True, blank=True)
    min_height = models.PositiveIntegerField(_("minimum resolution"), null=True, blank=True)
    # {"category": "Sport", ...}: the names of the terms chosen when the alert was saved.
    wanted = models.JSONField(default=dict, blank=True, editable=False)
    # What makes two saved searches the same search (one per user).
    signature = models.CharField(max_length=64, editable=False)

    frequency = models.CharField(
        _("how often"), max_length=10, choices=Frequency.choices, default=Frequency.INSTANT
    )
    # The language of its emails: the reader's when they saved it.
    email_language = models.CharField(
        _("language of the emails"), max_length=10, choices=settings.LANGUAGES
    )
    active = models.BooleanField(_("emails on"), default=True)
    feed_token = models.CharField(
        max_length=64, unique=True, null=True, blank=True, default=new_feed_token
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = SavedSearchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")
        constraints = [
            models.UniqueConstraint(fields=["user", "signature"], name="alerts_one_per_search")
        ]
        indexes = [models.Index(fields=["active", "frequency"], name="alerts_search_active_idx")]

    def __str__(self) -> str:
        return f"{self.query or '*'} ({self.user_id})"

    def compute_signature(self) -> str:
        parts = (
            self.query.casefold(),
            self.category_id,
            self.event_id,
            self.language_id,
            self.country,
            str(self.date_from or ""),
            str(self.date_to or ""),
            self.min_height,
        )
        return hashlib.sha256(repr(parts).encode()).hexdigest()


class Announcement(models.Model):
    """A video announced to a saved search: once, whatever the processes and retries.

    Written by the matcher waiting (`emailed_at` empty); `sending` sets `emailed_at` in the
    transaction that writes the email into the outbox: at once for an instant alert, in the
    daily digest for the others.
    """

    saved_search = models.ForeignKey(
        SavedSearch, on_delete=models.CASCADE, related_name="announcements"
    )
    # Indexed for deleting a video (its announcements go with it); the unique pair below
    # leads with the saved search.
    video = models.ForeignKey("media_library.Video", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # The alert's frequency when it was matched: instant ones are emailed at once.
    instant = models.BooleanField(default=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["saved_search", "video"], name="alerts_announced_once")
        ]
        indexes = [
            models.Index(
                fields=["saved_search"],
                condition=models.Q(emailed_at__isnull=True),
                name="alerts_waiting_digest_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.saved_search_id} ← {self.video_id}"


class PendingMatch(models.Model):
    """A video whose publication state changed and is still to be matched against the saved
    searches: written in the publishing transaction, deleted by the matcher in its own, so a
    lost task or a killed worker leaves it for the next run or the beat sweep."""

    video = models.OneToOneField(
        "media_library.Video", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return str(self.video_id)
