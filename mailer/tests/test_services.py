from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from mailer import crypto, services
from mailer.models import OutboundEmail
from mailer.tests.factories import queued_email

pytestmark = pytest.mark.django_db


def test_queued_email_is_sent_by_the_task_once_the_transaction_commits(
    django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email = queued_email()
        assert mailoutbox == []  # nothing leaves inside the request's transaction

    for callback in callbacks:
        callback()

    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.body == "Plain body"
    assert message.alternatives == [("<p>HTML body</p>", "text/html")]


def test_bodies_are_encrypted_at_rest_and_wiped_once_sent(run_on_commit):
    with run_on_commit():
        email = queued_email(text_body="Your code is QWRT-ZXCV")
        stored = OutboundEmail.objects.values().get(pk=email.pk)
        assert "QWRT-ZXCV" not in str(stored)
        assert crypto.unseal(stored["encrypted_payload"])["text"] == "Your code is QWRT-ZXCV"

    email.refresh_from_db()
    assert email.encrypted_payload == ""


def test_a_broker_that_is_down_leaves_the_email_waiting_and_the_sweep_sends_it(
    run_on_commit, monkeypatch, mailoutbox
):
    from mailer import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.deliver_email_task, "delay", broker_down)
    with run_on_commit():
        email = queued_email()

    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.PENDING
    assert mailoutbox == []

    counts = services.sweep_outbox(older_than_seconds=0)

    assert counts["sent"] == 1
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert len(mailoutbox) == 1


def test_the_sweep_leaves_fresh_emails_to_their_own_task(mailoutbox):
    email = OutboundEmail.objects.create(
        to=["a@example.org"],
        subject="s",
        from_email="f@example.org",
        encrypted_payload=crypto.seal({"text": "t", "html": None, "headers": {}}),
    )

    counts = services.sweep_outbox(older_than_seconds=120)

    assert counts == {"sent": 0, "failed": 0, "retry_later": 0, "skipped": 0, "errors": 0}
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.PENDING


def test_an_email_is_never_sent_twice(mailoutbox):
    email = OutboundEmail.objects.create(
        to=["a@example.org"],
        subject="s",
        from_email="f@example.org",
        encrypted_payload=crypto.seal({"text": "t", "html": None, "headers": {}}),
    )

    assert services.deliver_email(email_id=email.pk) == OutboundEmail.Status.SENT
    assert services.deliver_email(email_id=email.pk) is None
    assert len(mailoutbox) == 1


def test_an_email_sealed_with_another_secret_key_fails_with_a_clear_error(settings):
    email = OutboundEmail.objects.create(
        to=["a@example.org"],
        subject="s",
        from_email="f@example.org",
        encrypted_payload=crypto.seal({"text": "t", "html": None, "headers": {}}),
    )
    settings.SECRET_KEY = "rotated-secret-key"

    assert services.deliver_email(email_id=email.pk) == OutboundEmail.Status.FAILED
    email.refresh_from_db()
    assert "cannot be decrypted" in email.last_error


@pytest.mark.integration
def test_a_mail_server_that_is_down_delays_the_email_and_loses_nothing(smtp):
    email = OutboundEmail.objects.create(
        to=["reader@example.org"],
        subject="Outage",
        from_email="f@example.org",
        encrypted_payload=crypto.seal({"text": "still here", "html": None, "headers": {}}),
    )
    smtp.stop()

    with pytest.raises(services.TemporaryDeliveryError):
        services.deliver_email(email_id=email.pk)

    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.PENDING
    assert email.attempts == 1
    assert "Connection refused" in email.last_error or "Errno 111" in email.last_error
    assert email.next_attempt_at > timezone.now()

    smtp.start()
    OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    counts = services.sweep_outbox(older_than_seconds=0)

    assert counts["sent"] == 1
    assert [m.text().strip() for m in smtp.messages_to("reader@example.org")] == ["still here"]


@pytest.mark.integration
def test_a_temporary_smtp_refusal_is_retried_and_a_permanent_one_fails_the_email(smtp):
    def make(to: str) -> OutboundEmail:
        return OutboundEmail.objects.create(
            to=[to],
            subject="s",
            from_email="f@example.org",
            encrypted_payload=crypto.seal({"text": "t", "html": None, "headers": {}}),
        )

    smtp.fail_temporarily(1)
    later = make("later@example.org")
    with pytest.raises(services.TemporaryDeliveryError):
        services.deliver_email(email_id=later.pk)
    assert services.deliver_email(email_id=later.pk) is None  # not due yet
    OutboundEmail.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now())
    assert services.deliver_email(email_id=later.pk) == OutboundEmail.Status.SENT

    smtp.reject_recipient("gone@example.org")
    gone = make("gone@example.org")
    assert services.deliver_email(email_id=gone.pk) == OutboundEmail.Status.FAILED
    gone.refresh_from_db()
    assert "550" in gone.last_error
    assert len(smtp.messages_to("later@example.org")) == 1
    assert smtp.messages_to("gone@example.org") == []


def test_an_email_is_not_tried_again_before_its_next_attempt_is_due(mailoutbox):
    email = OutboundEmail.objects.create(
        to=["a@example.org"],
        subject="s",
        from_email="f@example.org",
        encrypted_payload=crypto.seal({"text": "t", "html": None, "headers": {}}),
        attempts=1,
        next_attempt_at=timezone.now() + timezone.timedelta(seconds=30),
    )

    assert services.deliver_email(email_id=email.pk) is None  # an early task does nothing

    OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    assert services.deliver_email(email_id=email.pk) == OutboundEmail.Status.SENT
    assert len(mailoutbox) == 1


@pytest.mark.integration
def test_a_refused_sender_leaves_the_email_pending_for_a_later_try(smtp):
    email = OutboundEmail.objects.create(
        to=["reader@example.org"],
        subject="s",
        from_email="f@example.org",
        encrypted_payload=crypto.seal({"text": "t", "html": None, "headers": {}}),
    )
    smtp.refuse_sender()

    with pytest.raises(services.TemporaryDeliveryError) as raised:
        services.deliver_email(email_id=email.pk)

    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboundEmail.Status.PENDING, 1)
    assert "553" in email.last_error
    assert raised.value.retry_at == email.next_attempt_at


# --- Finding 6 of the security review: one bad row blocked the outbox ----------------------


def poisoned_rows(minutes_ago: int) -> dict[str, OutboundEmail]:
    """Rows that can never be sent, each for its own reason, queued before the good ones."""
    at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    plain = {"text": "t", "html": None, "headers": {}}

    def row(subject: str, payload: str) -> OutboundEmail:
        return OutboundEmail.objects.create(
            to=["editor@portal.example"],
            subject=subject,
            from_email="portal@example.org",
            encrypted_payload=payload,
            created_at=at,
            next_attempt_at=at,
        )

    return {
        # What "Send a test to me" queued for a subject typed with a line break.
        "header injection": row("[TEST] Hi\r\nBcc: attacker@evil.example", crypto.seal(plain)),
        "other secret key": row("Sealed elsewhere", "gAAAAABnot-a-token-of-ours"),
        "broken payload": row("Broken", crypto.seal({**plain, "headers": ["not", "a", "dict"]})),
    }


@pytest.mark.integration
def test_finding_6_rows_that_cannot_be_sent_fail_alone_and_the_sweep_sends_the_rows_behind_them(
    smtp, admin_client
):
    bad = poisoned_rows(minutes_ago=10)
    past = timezone.now() - datetime.timedelta(minutes=5)
    good = [
        OutboundEmail.objects.create(
            to=[f"reader{n}@example.org"],
            subject=f"Your code {n}",
            from_email="portal@example.org",
            encrypted_payload=crypto.seal({"text": f"code {n}", "html": None, "headers": {}}),
            created_at=past,
            next_attempt_at=past,
        )
        for n in range(2)
    ]

    counts = services.sweep_outbox(older_than_seconds=0)

    assert counts == {"sent": 2, "failed": 3, "retry_later": 0, "skipped": 0, "errors": 0}
    for n in range(2):
        assert [m.text().strip() for m in smtp.messages_to(f"reader{n}@example.org")] == [
            f"code {n}"
        ]
    assert len(smtp.messages) == 2
    assert not any("attacker@evil.example" in m.rcpt_tos for m in smtp.messages)
    errors = {}
    for reason, email in bad.items():
        email.refresh_from_db()
        assert (email.status, email.attempts) == (OutboundEmail.Status.FAILED, 1), reason
        errors[reason] = email.last_error
    assert errors["header injection"].startswith("BadHeaderError: Header values can't contain")
    assert errors["other secret key"] == "PayloadUnreadable: the queued email cannot be decrypted"
    assert errors["broken payload"].startswith("AttributeError:")
    for email in good:
        email.refresh_from_db()
        assert email.status == OutboundEmail.Status.SENT

    # The next sweep finds nothing left to do, and raises nothing.
    assert services.sweep_outbox(older_than_seconds=0)["failed"] == 0
    # The operator sees why, in the outbox's admin.
    page = admin_client.get(reverse("admin:mailer_outboundemail_changelist") + "?status=failed")
    assert page.status_code == 200
    assert page.content.decode().count("BadHeaderError: Header values can&#x27;t contain") == 1
    assert "PayloadUnreadable: the queued email cannot be decrypted" in page.content.decode()


def test_finding_6_the_task_of_a_row_that_cannot_be_built_fails_the_row_and_raises_nothing(
    mailoutbox,
):
    from mailer.tasks import deliver_email_task

    email = poisoned_rows(minutes_ago=0)["header injection"]

    assert deliver_email_task.delay(email.pk).get() == "failed"

    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.FAILED
    assert mailoutbox == []


def test_rows_the_sweep_cannot_even_record_do_not_stop_the_rows_behind_them(
    monkeypatch, mailoutbox
):
    first, second, third = (
        OutboundEmail.objects.create(
            to=[f"{name}@example.org"],
            subject=name,
            from_email="portal@example.org",
            encrypted_payload=crypto.seal({"text": name, "html": None, "headers": {}}),
            created_at=timezone.now() - datetime.timedelta(minutes=minutes),
        )
        for name, minutes in (("first", 3), ("second", 2), ("third", 1))
    )
    deliver = services.deliver_email

    def database_fails_on_the_first_two(*, email_id: int):
        if email_id in (first.pk, second.pk):
            raise services.transaction.DatabaseError("could not serialize access")
        return deliver(email_id=email_id)

    monkeypatch.setattr(services, "deliver_email", database_fails_on_the_first_two)

    counts = services.sweep_outbox(older_than_seconds=0)

    assert (counts["errors"], counts["sent"]) == (2, 1)
    assert [m.to for m in mailoutbox] == [["third@example.org"]]
    for email in (first, second, third):
        email.refresh_from_db()
    assert (first.status, first.attempts) == (OutboundEmail.Status.PENDING, 0)
    assert (second.status, second.attempts) == (OutboundEmail.Status.PENDING, 0)
    assert third.status == OutboundEmail.Status.SENT


# --- Finding 10: a deleted account's outbox rows ------------------------------------------


def test_an_outbox_row_has_one_recipient():
    with pytest.raises(ValueError, match="one recipient, not 2"):
        queued_email(to=["a@example.org", "b@example.org"])


def test_the_rows_of_an_address_are_found_by_a_keyed_digest_whatever_its_case(settings):
    mine = queued_email(to=["Reader@Example.org"])
    other = queued_email(to=["someone@example.org"])
    stored = OutboundEmail.objects.values_list("recipient_key", flat=True).get(pk=mine.pk)
    assert "reader" not in stored.lower()
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "rotated-secret-key"  # rows written before a rotation are found too

    assert services.delete_emails_to(addresses=["reader@example.ORG"]) == 1

    assert list(OutboundEmail.objects.values_list("pk", flat=True)) == [other.pk]


def test_many_emails_are_queued_at_once_and_each_is_sent_after_the_commit(
    django_capture_on_commit_callbacks, mailoutbox, django_assert_num_queries
):
    messages = [
        {
            "to": [f"reader{n}@newsroom.example"],
            "subject": f"Alert {n}",
            "text_body": f"Body {n}",
            "html_body": f"<p>Body {n}</p>",
            "headers": {"List-Id": "<alerts.portal.example>"},
            "category": "alerts",
        }
        for n in range(30)
    ]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with django_assert_num_queries(1):
            rows = services.queue_emails(messages)
        assert mailoutbox == []

    for callback in callbacks:
        callback()

    assert OutboundEmail.objects.filter(status=OutboundEmail.Status.SENT).count() == 30
    assert sorted(m.subject for m in mailoutbox) == sorted(f"Alert {n}" for n in range(30))
    assert rows[7].recipient_key == crypto.recipient_key("reader7@newsroom.example")
    assert mailoutbox[0].extra_headers["List-Id"] == "<alerts.portal.example>"
