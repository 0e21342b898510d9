"""Celery tasks: thin wrappers that load ids and call the services (routed to the "media" queue)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from media_library import services
from media_library.models import Rendition


@shared_task(
    name="media_library.tasks.ingest_rendition",
    autoretry_for=(OSError, OperationalError),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
)
def ingest_rendition_task(rendition_id: int) -> str:
    if not Rendition.objects.filter(pk=rendition_id).exists():
        return "gone"  # deleted before the worker got to it
    return services.ingest_rendition(rendition_id=rendition_id).status


@shared_task(
    name="media_library.tasks.update_term_search_vectors",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def update_term_search_vectors_task(kind: str, term_id: int) -> int:
    return services.update_term_search_vectors(kind=kind, term_id=term_id)
