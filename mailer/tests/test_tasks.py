"""The mail tasks through a real Celery worker process, Redis and an SMTP server."""

from __future__ import annotations

import pytest

from mailer import crypto
from mailer.models import OutboundEmail
from mailer.tasks import deliver_email_task, sweep_outbox_task

pytestmark = pytest.mark.integration


def make_email(to: str, text: str) -> OutboundEmail:
    return OutboundEmail.objects.create(
        to=[to],
        subject="Through the worker",
        from_email="portal@example.org",
        encrypted_payload=crypto.seal({"text": text, "html": "<p>html</p>", "headers": {}}),
    )


def test_a_task_sent_through_redis_runs_on_the_worker_and_updates_the_database(
    celery_worker, smtp, wait
):
    email = make_email("desk@example.org", "delivered by the worker")

    result = deliver_email_task.delay(email.pk)

    assert result.get(timeout=30) == "sent"
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    received = smtp.messages_to("desk@example.org")
    assert len(received) == 1
    assert received[0].text().strip() == "delivered by the worker"


def test_the_outbox_sweep_runs_on_the_worker(celery_worker, smtp, settings):
    email = make_email("sweep@example.org", "swept")
    OutboundEmail.objects.filter(pk=email.pk).update(
        created_at=email.created_at.replace(year=email.created_at.year - 1)
    )

    counts = sweep_outbox_task.delay().get(timeout=30)

    assert counts["sent"] >= 1, counts
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert len(smtp.messages_to("sweep@example.org")) == 1


def test_a_temporary_failure_is_retried_when_the_row_says_not_on_celerys_clock(
    celery_worker, smtp, wait
):
    from datetime import datetime, timedelta

    from celery import current_app as app

    smtp.fail_temporarily(1)
    email = make_email("later@example.org", "second time lucky")

    result = deliver_email_task.delay(email.pk)

    wait(lambda: result.state == "RETRY", timeout=30, message="the task did not retry")
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboundEmail.Status.PENDING, 1)
    assert "451" in email.last_error
    # The backoff after a first failure: 30 s, on the row.
    assert timedelta(seconds=25) < email.next_attempt_at - email.created_at < timedelta(seconds=35)
    scheduled = app.control.inspect(destination=[celery_worker._hostname()]).scheduled()
    (retry,) = [
        entry
        for entries in scheduled.values()
        for entry in entries
        if entry["request"]["id"] == result.id
    ]
    eta = datetime.fromisoformat(retry["eta"])
    assert abs((eta - email.next_attempt_at).total_seconds()) < 1
