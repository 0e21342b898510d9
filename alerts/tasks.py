"""Thin Celery tasks over the matcher and the digests (docs/alerts.md)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

from alerts import matching, sending


@shared_task(
    name="alerts.tasks.match_pending",
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=5,
)
def match_pending_task() -> dict[str, int]:
    """Queued once a publication commits: matches what it wrote down (and anything older)."""
    result = matching.match_pending()
    return {"claimed": result.claimed, "announced": result.announced, "alerts": result.alerts}


@shared_task(
    name=sending.SEND_TASK,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=5,
)
def send_waiting_task(search_ids: list[int]) -> int:
    """Queued once a matching commits, per chunk of instant alerts: writes their emails."""
    return sending.send_waiting(search_ids=search_ids)


@shared_task(name="alerts.tasks.sweep_pending")
def sweep_pending_task() -> dict[str, int]:
    """Run by beat every minute: matches what a lost task or a killed worker left behind, run
    after run until nothing older than the task's chance is left, then emails the instant
    alerts whose emails' task was lost."""
    wait = settings.ALERTS_SWEEP_AFTER_SECONDS
    claimed = 0
    while True:
        result = matching.match_pending(older_than_seconds=wait)
        claimed += result.claimed
        if result.claimed < matching.CLAIM_LIMIT:
            break
    return {"claimed": claimed, **sending.send_overdue(older_than_seconds=wait)}


@shared_task(name="alerts.tasks.send_daily_digests")
def send_daily_digests_task() -> dict[str, int]:
    """Run by beat once a day at ALERTS_DIGEST_TIME."""
    return sending.send_daily_digests()
