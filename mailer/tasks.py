"""Celery tasks: thin wrappers over mailer.services (routed to the "email" queue)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from core.smtp import TemporaryDeliveryError
from mailer import services


@shared_task(name=services.DELIVER_TASK, bind=True, max_retries=services.MAX_ATTEMPTS)
def deliver_email_task(self, email_id: int) -> str | None:
    """Deliver one outbox row; after a temporary failure, try again when the row says.

    The row's `next_attempt_at` is the one retry clock (not Celery's own backoff): the retry
    is queued for that time, and the beat sweep, which sends due rows whose task was lost,
    reads the same column. Whichever comes first sends; the other finds nothing due.
    """
    try:
        status = services.deliver_email(email_id=email_id)
    except TemporaryDeliveryError as exc:
        wait = (exc.retry_at - timezone.now()).total_seconds() if exc.retry_at else None
        raise self.retry(exc=exc, countdown=max(wait or 0, 0)) from exc
    return str(status) if status else None


@shared_task(name="mailer.tasks.sweep_outbox")
def sweep_outbox_task() -> dict[str, int]:
    return services.sweep_outbox()
