"""Emailing what the matcher announced: an instant alert's new videos as soon as they are
matched, a daily alert's in the digest at the time the operator sets (ALERTS_DIGEST_TIME).

The matcher writes each (saved search, video) once into the unique announcements table,
waiting (`emailed_at` empty). An email is written into the mailer's outbox in the same
transaction that marks its announcements emailed, and only for announcements this transaction
took while still waiting (rows locked, skipping any another worker holds): the pair is
emailed once, whatever the number of workers, retries or killed processes. A lost task
leaves its announcements waiting for the beat sweep (`send_overdue`).

Alerts are taken in chunks, one short transaction each, that several workers share: a burst
that matches thousands of alerts is not one long transaction that a killed worker would have
to redo from the start.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from alerts import emails
from alerts.models import Announcement, SavedSearch
from core.tasks import enqueue

logger = logging.getLogger(__name__)

SEND_TASK = "alerts.tasks.send_waiting"
# Alerts per task and transaction: the outbox rows of a chunk are one INSERT.
CHUNK = 200


def chunks(search_ids: Iterable[int], size: int = CHUNK) -> list[list[int]]:
    ids = sorted(set(search_ids))
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def queue_sending(search_ids: Iterable[int]) -> int:
    """Queue the emails of these alerts' waiting announcements, a task per chunk; returns how
    many tasks. Call after the announcements commit."""
    parts = chunks(search_ids)
    for part in parts:
        try:
            enqueue(SEND_TASK, part)
        except Exception:
            logger.warning(
                "alert emails not queued (broker unavailable); the beat sweep will send them",
                exc_info=True,
            )
            break
    return len(parts)


@transaction.atomic
def send_waiting(*, search_ids: list[int]) -> int:
    """Email each of these alerts its waiting announcements (still public videos only), and
    mark them emailed, in this transaction; returns how many emails were queued."""
    now = timezone.now()
    taken = list(
        Announcement.objects.select_for_update(skip_locked=True)
        .filter(
            saved_search_id__in=list(search_ids),
            emailed_at__isnull=True,
            saved_search__in=SavedSearch.objects.receiving(),
        )
        .values_list("pk", "saved_search_id", "video_id")
    )
    if not taken:
        return 0
    Announcement.objects.filter(pk__in=[pk for pk, _, _ in taken]).update(emailed_at=now)
    wanted: dict[int, list[int]] = defaultdict(list)
    for _pk, search_id, video_id in taken:
        wanted[search_id].append(video_id)
    return emails.queue_for(wanted)


def _waiting_alerts(frequency: str, *, older_than_seconds: float = 0) -> list[int]:
    waiting = Announcement.objects.filter(
        emailed_at__isnull=True,
        saved_search__frequency=frequency,
        saved_search__in=SavedSearch.objects.receiving(),
    )
    if older_than_seconds:
        waiting = waiting.filter(
            created_at__lte=timezone.now() - timezone.timedelta(seconds=older_than_seconds)
        )
    return list(waiting.values_list("saved_search_id", flat=True).distinct())


def send_in_chunks(search_ids: list[int]) -> dict[str, int]:
    counts = {"alerts": len(search_ids), "emails": 0}
    for part in chunks(search_ids):
        counts["emails"] += send_waiting(search_ids=part)
    return counts


def send_daily_digests() -> dict[str, int]:
    """Queue the digest of every daily alert with videos waiting; returns the counts."""
    counts = send_in_chunks(_waiting_alerts(SavedSearch.Frequency.DAILY))
    logger.info("alerts: %(emails)d daily digests queued for %(alerts)d alerts", counts)
    return counts


def send_overdue(*, older_than_seconds: float) -> dict[str, int]:
    """The beat sweep: instant alerts whose emails' task was lost (broker down, worker
    killed) get them now."""
    return send_in_chunks(
        _waiting_alerts(SavedSearch.Frequency.INSTANT, older_than_seconds=older_than_seconds)
    )
