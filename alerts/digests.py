"""The daily digests: every daily alert's videos announced since its last digest, in one email,
at the time the operator sets (ALERTS_DIGEST_TIME, the beat schedule).

Each alert's digest is its own short transaction: its waiting announcements are marked
emailed by one UPDATE that still requires them to be waiting, and its email is queued in that
transaction. Two runs at once (two beats, a retry) cannot both take the same announcement: the
second waits for the first's row locks and then finds nothing left.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from alerts import emails
from alerts.models import Announcement, SavedSearch

logger = logging.getLogger(__name__)


def send_daily_digests() -> dict[str, int]:
    """Queue the digest of every daily alert with videos waiting; returns the counts."""
    waiting = (
        SavedSearch.objects.receiving()
        .filter(frequency=SavedSearch.Frequency.DAILY, announcements__emailed_at__isnull=True)
        .values_list("pk", flat=True)
        .distinct()
        .order_by("pk")
    )
    counts = {"alerts": 0, "emails": 0}
    for search_id in list(waiting):
        counts["alerts"] += 1
        counts["emails"] += send_digest(search_id=search_id)
    logger.info("alerts: %(emails)d daily digests queued for %(alerts)d alerts", counts)
    return counts


@transaction.atomic
def send_digest(*, search_id: int) -> int:
    """Queue one alert's digest; returns 1 if an email was queued, else 0."""
    now = timezone.now()
    waiting = Announcement.objects.select_for_update().filter(
        saved_search_id=search_id, emailed_at__isnull=True
    )
    video_ids = list(waiting.values_list("video_id", flat=True))
    if not video_ids:
        return 0
    Announcement.objects.filter(
        saved_search_id=search_id, video_id__in=video_ids, emailed_at__isnull=True
    ).update(emailed_at=now)
    return emails.queue_for({search_id: video_ids})
