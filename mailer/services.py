"""Queue email in the database and deliver it from Celery workers.

`queue_email` is the only way the portal sends a transactional email: it writes an outbox row
in the caller's transaction and asks a worker to deliver it once that transaction commits.
If the broker is down the row waits; `sweep_outbox` (Celery beat) delivers whatever is due.
Delivery locks the row, so two workers never send the same message.

The row's `next_attempt_at` is the only retry clock: a temporary failure pushes it back
(`core.smtp.backoff_seconds`), the task retries itself at that time, and neither the task
nor the sweep touches a row before it is due.

A row that cannot be built or sent (a header with a line break, a body sealed with another
key, any unexpected exception) fails with its error on the row: it never blocks the sweep or
the rows behind it.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from core.smtp import Failure, TemporaryDeliveryError, backoff_seconds, classify, describe
from core.tasks import enqueue
from mailer import crypto
from mailer.models import OutboundEmail

logger = logging.getLogger(__name__)

DELIVER_TASK = "mailer.tasks.deliver_email"
MAX_ATTEMPTS = 12
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600


def queue_email(
    *,
    to: list[str],
    subject: str,
    text_body: str,
    html_body: str | None = None,
    from_email: str | None = None,
    headers: dict[str, str] | None = None,
    category: str = "",
) -> OutboundEmail:
    email = OutboundEmail.objects.create(
        to=list(to),
        subject=subject,
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        category=category,
        encrypted_payload=crypto.seal(
            {"text": text_body, "html": html_body, "headers": headers or {}}
        ),
    )
    transaction.on_commit(lambda: _enqueue_delivery(email.pk))
    return email


def queue_emails(emails: Iterable[dict[str, Any]]) -> list[OutboundEmail]:
    """`queue_email` for many messages at once (each a dict of its keyword arguments): one
    INSERT per thousand rows in the caller's transaction, and their tasks queued once it
    commits. For a burst whose size the caller does not control (alerts of a publication)."""
    rows = [
        OutboundEmail(
            to=list(email["to"]),
            recipient_key=crypto.recipient_key(email["to"][0]),
            subject=email["subject"],
            from_email=email.get("from_email") or settings.DEFAULT_FROM_EMAIL,
            category=email.get("category", ""),
            encrypted_payload=crypto.seal(
                {
                    "text": email["text_body"],
                    "html": email.get("html_body"),
                    "headers": email.get("headers") or {},
                }
            ),
        )
        for email in emails
    ]
    if any(len(row.to) != 1 for row in rows):
        raise ValueError("an outbox row has one recipient")
    created = OutboundEmail.objects.bulk_create(rows, batch_size=1000)
    ids = [row.pk for row in created]
    if ids:
        transaction.on_commit(lambda: [_enqueue_delivery(email_id) for email_id in ids])
    return created


def _enqueue_delivery(email_id: int) -> None:
    try:
        enqueue(DELIVER_TASK, email_id)
    except Exception:
        logger.warning(
            "outbox email %s not queued (broker unavailable); the outbox sweep will send it",
            email_id,
            exc_info=True,
        )


def _backoff(attempts: int) -> timedelta:
    return timedelta(
        seconds=backoff_seconds(attempts, base=BACKOFF_BASE_SECONDS, maximum=BACKOFF_MAX_SECONDS)
    )


def build_message(email: OutboundEmail) -> EmailMultiAlternatives:
    payload = crypto.unseal(email.encrypted_payload)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=payload["text"],
        from_email=email.from_email,
        to=email.to,
        headers=payload["headers"],
    )
    if payload.get("html"):
        message.attach_alternative(payload["html"], "text/html")
    return message


def deliver_email(*, email_id: int) -> OutboundEmail.Status | None:
    """Send one queued email if it is pending and due.

    Returns the row's new status, or None when there was nothing to do (already sent, not
    due yet, or another worker holds it). Raises TemporaryDeliveryError when the mail server
    failed for now: the row stays pending, its next attempt at the error's `retry_at`.
    """
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(
                pk=email_id,
                status=OutboundEmail.Status.PENDING,
                next_attempt_at__lte=timezone.now(),
            )
            .first()
        )
        if email is None:
            return None
        email.attempts += 1
        try:
            build_message(email).send()
        except (smtplib.SMTPException, OSError) as exc:
            # A connection-level failure (server down, refused sender) is temporary here:
            # it says nothing about this message.
            error = describe(exc)
            if classify(exc) is Failure.PERMANENT or email.attempts >= MAX_ATTEMPTS:
                return _mark_failed(email, error)
            email.last_error = error
            email.next_attempt_at = timezone.now() + _backoff(email.attempts)
            email.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            logger.warning("email %s: temporary failure (%s), will retry", email.pk, error)
        except Exception as exc:
            # Not the server's answer but the row itself (BadHeaderError for a line break in a
            # header, PayloadUnreadable, a bug): trying again would fail the same way.
            logger.exception("email %s cannot be built or sent", email.pk)
            return _mark_failed(email, describe(exc))
        else:
            email.status = OutboundEmail.Status.SENT
            email.sent_at = timezone.now()
            email.encrypted_payload = ""
            email.last_error = ""
            email.save(
                update_fields=["attempts", "status", "sent_at", "encrypted_payload", "last_error"]
            )
            logger.info("email %s sent (%s)", email.pk, email.category or "uncategorised")
            return email.status
    raise TemporaryDeliveryError(email.last_error, retry_at=email.next_attempt_at)


def _mark_failed(email: OutboundEmail, error: str) -> OutboundEmail.Status:
    email.status = OutboundEmail.Status.FAILED
    email.last_error = error
    email.save(update_fields=["attempts", "status", "last_error"])
    logger.error("email %s failed permanently: %s", email.pk, error)
    return email.status


def sweep_outbox(*, older_than_seconds: int | None = None, limit: int = 500) -> dict[str, int]:
    """Deliver every pending email that is due; used by beat and after a broker outage."""
    if older_than_seconds is None:
        older_than_seconds = settings.MAILER_SWEEP_AFTER_SECONDS
    counts = {"sent": 0, "failed": 0, "retry_later": 0, "skipped": 0, "errors": 0}
    due_ids = list(
        OutboundEmail.objects.due(older_than_seconds=older_than_seconds)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for email_id in due_ids:
        try:
            status = deliver_email(email_id=email_id)
        except TemporaryDeliveryError:
            counts["retry_later"] += 1
            continue
        except Exception:
            # deliver_email records a row's own failures; this is one it could not record
            # (the database, say). The row stays as it was; the rows behind it still go.
            logger.exception("outbox sweep: email %s could not be processed", email_id)
            counts["errors"] += 1
            continue
        if status is None:
            counts["skipped"] += 1
        else:
            counts[str(status)] += 1
    return counts


def delete_emails_to(*, addresses: Iterable[str]) -> int:
    """Delete every outbox row for these addresses, pending or sent; returns how many.

    For erasing a person (their account is deleted): a row holds their address and subject.
    A row a worker is sending right now is deleted once that send has finished.
    """
    keys = {key for address in addresses for key in crypto.recipient_keys(address)}
    deleted, _ = OutboundEmail.objects.filter(recipient_key__in=keys).delete()
    return deleted
