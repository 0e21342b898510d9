"""The one way anything is published, scheduled, unpublished or comes due.

The admin (its form and its actions), the beat tasks and the management commands all call
these, for videos and speeches alike. Each change locks the row, so two editors (or an editor
and the beat task) cannot interleave their writes, and moves the content version once it
commits (cached public pages show the change at once).

Each change also sends `publication_changed` (sender: the model; `pks`: the items whose state
was written), inside its transaction. core names no app: an app whose files follow publication
connects to it (media_library publishes a video's thumbnail and preview, and withdraws them).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TypeVar

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from core import content_version
from core.publishable import PublicationStatus, Publishable

logger = logging.getLogger(__name__)

P = TypeVar("P", bound=Publishable)
PUBLICATION_FIELDS = ["status", "published_at", "updated_at"]

# sender: the Publishable model; pks: list of the items whose state was just written. Sent
# inside the transaction that writes it: a receiver with side effects outside the database
# runs them on commit.
publication_changed = Signal()


def _locked(item: P) -> P:
    return type(item)._default_manager.select_for_update().get(pk=item.pk)


def _save(item: P) -> P:
    item.save(update_fields=PUBLICATION_FIELDS)
    content_version.bump()
    publication_changed.send(sender=type(item), pks=[item.pk])
    logger.info("%s %s: %s at %s", item._meta.label, item.pk, item.status, item.published_at)
    return item


@transaction.atomic
def publish(*, item: P, at: datetime | None = None) -> P:
    """Publish now, or schedule (embargo) until `at` when that time is still to come.

    Without `at`, an item that is already public keeps its original publication time; `at` in
    the past publishes it with that time (back-dated, or an editor correcting the time).
    """
    locked = _locked(item)
    if at is not None and at > timezone.now():
        locked.status, locked.published_at = PublicationStatus.SCHEDULED, at
        return _save(locked)
    already_public = locked.is_public and locked.published_at is not None
    locked.status = PublicationStatus.PUBLISHED
    if at is not None or not already_public:
        locked.published_at = at or timezone.now()
    return _save(locked)


@transaction.atomic
def unpublish(*, item: P) -> P:
    """Take an item off the public site (also lifts a schedule): back to a draft, no time."""
    locked = _locked(item)
    locked.status, locked.published_at = PublicationStatus.DRAFT, None
    return _save(locked)


def set_state(*, item: P, status: str, at: datetime | None) -> P:
    """What an editor chose in a form: the state, and the time for a scheduled item."""
    if status == PublicationStatus.DRAFT:
        return unpublish(item=item)
    return publish(item=item, at=at)


@transaction.atomic
def publish_due(*, model: type[Publishable], now: datetime | None = None) -> int:
    """Flip every scheduled item whose time has come to published; returns how many.

    The due rows are locked, skipping any another worker holds, then flipped by one UPDATE
    that still requires them to be due: a second worker running at the same moment finds
    nothing left to do, so nothing is published twice. (The public queries already showed them
    since their minute; this keeps the state honest, and the cached pages move on now.)
    """
    now = now or timezone.now()
    due = model._default_manager.due(now=now)
    pks = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True))
    if not pks:
        return 0
    count = due.filter(pk__in=pks).update(status=PublicationStatus.PUBLISHED, updated_at=now)
    if count:
        content_version.bump()
        publication_changed.send(sender=model, pks=pks)
        logger.info("published %d scheduled %s", count, model._meta.verbose_name_plural)
    return count
