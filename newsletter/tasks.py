"""Celery tasks: thin wrappers over newsletter.services (all routed to the "email" queue)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from newsletter import services

# Connection-level failures (server down, refused, dropped): the batch is retried with
# backoff; every row keeps its state, so a retry resumes exactly where the batch stopped.
MAX_BATCH_RETRIES = 12


@shared_task(name="newsletter.tasks.send_batch", bind=True, max_retries=MAX_BATCH_RETRIES)
def send_batch_task(self, issue_id: int) -> dict[str, Any]:
    try:
        return services.send_batch(issue_id=issue_id).as_dict()
    except services.TemporaryDeliveryError as exc:
        raise self.retry(exc=exc, countdown=services.retry_delay(self.request.retries + 1)) from exc


@shared_task(name="newsletter.tasks.resume_stalled_sends")
def resume_stalled_sends_task() -> list[int]:
    return services.resume_stalled_sends()
