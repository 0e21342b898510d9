"""What videos and speeches share: a publication state, one rule for who may see them.

An item is a draft (editors only), scheduled (public from its publication time: an embargo),
or published. `PublishableQuerySet.published()` and `Publishable.is_public` are the same rule
on a query and on an instance in hand. State changes go through `core.publishing`.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")


class PublishableQuerySet(models.QuerySet):
    def published(self, *, now: datetime | None = None) -> PublishableQuerySet:
        """What the public may see: published, or scheduled with its time passed.

        The time check shows a scheduled item at its minute even before the beat task flips
        its status, and hides one with a future time whatever its status says.
        """
        now = now or timezone.now()
        return self.filter(
            Q(status=PublicationStatus.PUBLISHED, published_at__isnull=True)
            | Q(
                status__in=[PublicationStatus.PUBLISHED, PublicationStatus.SCHEDULED],
                published_at__lte=now,
            )
        )

    def due(self, *, now: datetime | None = None) -> PublishableQuerySet:
        """Scheduled items whose publication time has come."""
        now = now or timezone.now()
        return self.filter(status=PublicationStatus.SCHEDULED, published_at__lte=now)

    def visible_to(self, user) -> PublishableQuerySet:
        """Staff preview drafts and scheduled items; everyone else sees published ones."""
        if getattr(user, "is_staff", False):
            return self.all()
        return self.published()


class Publishable(models.Model):
    Status = PublicationStatus

    status = models.CharField(
        _("publication state"),
        max_length=12,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
    )
    published_at = models.DateTimeField(
        _("publication time"),
        null=True,
        blank=True,
        help_text=_("Scheduled: it becomes public at this time. Published: when it went out."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True

    @property
    def is_public(self) -> bool:
        """The same rule as `PublishableQuerySet.published()`, for one instance in memory."""
        now = timezone.now()
        if self.status == PublicationStatus.PUBLISHED:
            return self.published_at is None or self.published_at <= now
        if self.status == PublicationStatus.SCHEDULED:
            return self.published_at is not None and self.published_at <= now
        return False

    def clean(self) -> None:
        super().clean()
        if self.status == PublicationStatus.SCHEDULED and self.published_at is None:
            raise ValidationError(
                {"published_at": _("Choose the publication time of a scheduled item.")}
            )
        if (
            self.status == PublicationStatus.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        ):
            raise ValidationError(
                {
                    "published_at": _(
                        "This time is in the future: choose the status Scheduled instead."
                    )
                }
            )
