"""Celery tasks: thin wrappers over newsletter.sending (all routed to the "email" queue)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from core.smtp import TemporaryDeliveryError
from newsletter import sending

# Connection-level failures (server down, refused, dropped): the batch is retried with
# backoff; every row keeps its state, so a retry resumes exactly where the batch stopped.
MAX_BATCH_RETRIES = 12


@shared_task(name=sending.SEND_BATCH_TASK, bind=True, max_retries=MAX_BATCH_RETRIES)
def send_batch_task(self, issue_id: int) -> dict[str, Any]:
    try:
        return sending.send_batch(issue_id=issue_id).as_dict()
    except TemporaryDeliveryError as exc:
        raise self.retry(exc=exc, countdown=sending.retry_delay(self.request.retries + 1)) from exc


@shared_task(name="newsletter.tasks.resume_stalled_sends")
def resume_stalled_sends_task() -> list[int]:
    return sending.resume_stalled_sends()
