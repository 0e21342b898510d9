"""Celery tasks: thin wrappers over speeches.services."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from speeches import services


@shared_task(
    name=services.SYNC_CAPTIONS_TASK,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
)
def sync_captions_task(speech_ids: list[int], previous: list[list]) -> None:
    """Queued once a speech's change commits (`services.captions_changed`)."""
    places = [(int(video_id), str(language)) for video_id, language in previous]
    services.sync_captions(speech_ids=speech_ids, previous=places)


@shared_task(
    name="speeches.tasks.reconcile_captions",
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=3,
)
def reconcile_captions_task() -> dict[str, int]:
    """Run by Celery beat (CELERY_BEAT_SCHEDULE["reconcile-speech-captions"])."""
    return services.reconcile_captions()
