"""Editorial workflows for speeches: each one a transaction, callable from admin and tasks."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from core import content_version
from speeches.models import Speech

logger = logging.getLogger(__name__)


def _locked(speech: Speech) -> Speech:
    # Re-read under a row lock so two editors (or an editor and the beat task) cannot
    # interleave their writes to the same speech.
    return Speech.objects.select_for_update().get(pk=speech.pk)


@transaction.atomic
def publish_speech(*, speech: Speech, publish_at: datetime | None = None) -> Speech:
    """Publish now, or schedule for `publish_at` when that time is still to come.

    A speech that is already public keeps its original publication time.
    """
    locked = _locked(speech)
    now = timezone.now()
    if publish_at is not None and publish_at > now:
        locked.status = Speech.Status.SCHEDULED
        locked.published_at = publish_at
    else:
        already_public = locked.is_public
        locked.status = Speech.Status.PUBLISHED
        if not already_public or locked.published_at is None:
            locked.published_at = publish_at or now
    locked.save(update_fields=["status", "published_at", "updated_at"])
    logger.info("speech %s: %s at %s", locked.pk, locked.status, locked.published_at)
    return locked


@transaction.atomic
def unpublish_speech(*, speech: Speech) -> Speech:
    """Take a speech off the public site (also cancels a schedule); it becomes a draft."""
    locked = _locked(speech)
    locked.status = Speech.Status.DRAFT
    locked.published_at = None
    locked.save(update_fields=["status", "published_at", "updated_at"])
    logger.info("speech %s: unpublished", locked.pk)
    return locked


@transaction.atomic
def publish_due_speeches(*, now: datetime | None = None) -> int:
    """Flip every scheduled speech whose time has come to published; returns how many.

    One conditional UPDATE: a second worker running at the same moment finds nothing left
    to do, so nothing is published twice.
    """
    now = now or timezone.now()
    count = Speech.objects.due(now=now).update(status=Speech.Status.PUBLISHED, updated_at=now)
    if count:
        logger.info("published %d scheduled speech(es)", count)
        content_version.bump()  # the cached pages show them now, not at their expiry
    return count
