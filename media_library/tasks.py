"""Celery tasks: thin wrappers that load ids and call the services (routed to the "media" queue)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from media_library import services, transcode_jobs
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
    rendition = services.ingest_rendition(rendition_id=rendition_id)
    # A ready master gets the ladder's missing rungs (docs/media.md, "Automatic renditions").
    transcode_jobs.plan_renditions(master=rendition)
    return rendition.status


@shared_task(
    name="media_library.tasks.update_term_search_vectors",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def update_term_search_vectors_task(kind: str, term_id: int) -> int:
    return services.update_term_search_vectors(kind=kind, term_id=term_id)


@shared_task(
    name=transcode_jobs.TRANSCODE_TASK,
    autoretry_for=(OSError, OperationalError),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
    # Redelivered if the worker dies before finishing; the claim in the row decides who runs.
    acks_late=True,
)
def transcode_rendition_task(job_id: int) -> str:
    job = transcode_jobs.run_transcode(job_id=job_id)
    return job.state if job is not None else "gone"


@shared_task(name="media_library.tasks.sweep_transcode_jobs")
def sweep_transcode_jobs_task() -> dict[str, int]:
    """Run by Celery beat every minute (CELERY_BEAT_SCHEDULE["sweep-transcode-jobs"])."""
    return transcode_jobs.sweep_transcode_jobs()
