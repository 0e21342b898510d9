from __future__ import annotations

from celery import shared_task

from mailer import services


@shared_task(
    name="mailer.tasks.deliver_email",
    autoretry_for=(services.TemporaryDeliveryError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=services.MAX_ATTEMPTS,
)
def deliver_email_task(email_id: int) -> str | None:
    status = services.deliver_email(email_id=email_id)
    return str(status) if status else None


@shared_task(name="mailer.tasks.sweep_outbox")
def sweep_outbox_task() -> dict[str, int]:
    return services.sweep_outbox()
