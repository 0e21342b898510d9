"""Celery tasks: thin wrappers over clips.services (routed to the "media" queue)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from clips import services


@shared_task(
    name=services.CUT_TASK,
    autoretry_for=(OSError, OperationalError),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
    # Redelivered if the worker dies before finishing; the claim in the row decides who cuts.
    acks_late=True,
)
def cut_clip_task(clip_id: int) -> str:
    clip = services.cut_clip(clip_id=clip_id)
    return clip.status if clip is not None else "gone"


@shared_task(name="clips.tasks.sweep_clips")
def sweep_clips_task() -> dict[str, int]:
    """Run by Celery beat every minute (CELERY_BEAT_SCHEDULE["sweep-clips"])."""
    return services.sweep_clips()
