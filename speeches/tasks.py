from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from core import publishing
from speeches.models import Speech


@shared_task(
    name="speeches.tasks.publish_due_speeches",
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=3,
)
def publish_due_speeches_task() -> int:
    """Run by Celery beat every minute (CELERY_BEAT_SCHEDULE["publish-due-speeches"])."""
    return publishing.publish_due(model=Speech)
