"""What the outbox sweep (beat, every minute) promises an operator: each due email gets its
try, one outcome never stops the others, the counts it returns say what happened, emails
younger than MAILER_SWEEP_AFTER_SECONDS (120 s) are left to their own task, and one sweep
takes at most 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from mailer import crypto, services
from mailer.models import OutboundEmail

pytestmark = pytest.mark.django_db


def _email(to: str, **fields) -> OutboundEmail:
    return OutboundEmail.objects.create(
        to=[to],
        subject="s",
        from_email="f@example.org",
        encrypted_payload=crypto.seal({"text": "t", "html": None, "headers": {}}),
        **fields,
    )


@pytest.mark.integration
def test_the_sweep_tries_every_due_email_and_counts_each_outcome(smtp):
    smtp.fail_temporarily(2)
    smtp.reject_recipient("gone@example.org")
    later = _email("later@example.org")  # the two oldest: answered 451 first
    _email("later-too@example.org")
    _email("gone@example.org")
    _email("a@example.org")
    _email("b@example.org")

    counts = services.sweep_outbox(older_than_seconds=0)

    assert counts == {"sent": 2, "failed": 1, "retry_later": 2, "skipped": 0, "errors": 0}
    assert len(smtp.messages_to("a@example.org")) == len(smtp.messages_to("b@example.org")) == 1
    later.refresh_from_db()
    assert (later.status, later.attempts) == (OutboundEmail.Status.PENDING, 1)


def test_an_email_another_worker_holds_is_counted_as_skipped(mailoutbox, monkeypatch):
    email = _email("a@example.org")
    real = services.deliver_email

    def held_elsewhere(*, email_id):
        # Between the sweep's listing and its try, another worker sent it.
        OutboundEmail.objects.filter(pk=email_id).update(status=OutboundEmail.Status.SENT)
        return real(email_id=email_id)

    monkeypatch.setattr(services, "deliver_email", held_elsewhere)

    assert services.sweep_outbox(older_than_seconds=0) == {
        "sent": 0,
        "failed": 0,
        "retry_later": 0,
        "skipped": 1,
        "errors": 0,
    }
    assert mailoutbox == []
    email.refresh_from_db()
    assert email.attempts == 0


def test_by_default_the_sweep_leaves_emails_younger_than_120_seconds_to_their_task(
    mailoutbox,
):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        _email("a@example.org")
        traveller.shift(timedelta(seconds=119))
        assert services.sweep_outbox()["sent"] == 0
        traveller.shift(timedelta(seconds=2))
        assert services.sweep_outbox()["sent"] == 1
    assert len(mailoutbox) == 1


def test_one_sweep_sends_at_most_500_emails_oldest_first(mailoutbox):
    payload = crypto.seal({"text": "t", "html": None, "headers": {}})
    start = timezone.now() - timedelta(hours=1)
    OutboundEmail.objects.bulk_create(
        OutboundEmail(
            to=[f"r{n}@example.org"],
            subject="s",
            from_email="f@example.org",
            encrypted_payload=payload,
            next_attempt_at=start,
        )
        for n in range(501)
    )
    for n in range(501):
        OutboundEmail.objects.filter(to=[f"r{n}@example.org"]).update(
            created_at=start + timedelta(seconds=n)
        )

    assert services.sweep_outbox(older_than_seconds=0)["sent"] == 500

    assert OutboundEmail.objects.get(status=OutboundEmail.Status.PENDING).to == ["r500@example.org"]
