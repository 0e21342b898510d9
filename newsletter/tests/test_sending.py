"""Sending an issue through Django's SMTP backend to the real test SMTP server.

These run inside the test's transaction (each row's claim is a savepoint there); the same
sends outside any transaction, as a worker runs them, are in test_sending_postgres.py.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from mailer.models import OutboundEmail
from newsletter import sending
from newsletter.models import Delivery, Issue, Subscription
from newsletter.subscriptions import unsubscribe
from newsletter.tests.conftest import received_per_address
from newsletter.tests.factories import (
    DeliveryFactory,
    EditorFactory,
    IssueFactory,
    SubscriptionFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def sending_issue(rows: int = 0, **fields) -> tuple[Issue, list[Delivery]]:
    issue = IssueFactory(status=Issue.Status.SENDING, send_started_at=timezone.now())
    return issue, DeliveryFactory.create_batch(rows, issue=issue, **fields)


def test_a_test_send_goes_to_the_editor_only_through_the_outbox(run_on_commit, smtp, site_url):
    SubscriptionFactory.create_batch(2)
    editor = EditorFactory()
    issue = IssueFactory(subject="Draft news")

    with run_on_commit():
        sending.send_test_issue(issue=issue, to_user=editor)

    assert received_per_address(smtp) == {editor.email: 1}
    message = smtp.messages[0].message
    assert message["Subject"] == "[TEST] Draft news"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert OutboundEmail.objects.get().category == "newsletter-test"
    issue.refresh_from_db()
    assert issue.is_draft and issue.test_sent_at is not None
    assert not issue.deliveries.exists()


def test_an_issue_goes_once_to_every_active_subscriber(run_on_commit, smtp):
    subscribers = SubscriptionFactory.create_batch(5)
    SubscriptionFactory(is_active=False)
    SubscriptionFactory(user__is_active=False)
    issue = IssueFactory()

    with run_on_commit():
        sending.send_issue(issue_id=issue.pk)

    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    assert issue.send_started_at <= issue.send_finished_at
    assert received_per_address(smtp) == {s.user.email: 1 for s in subscribers}
    assert set(issue.deliveries.values_list("status", flat=True)) == {"sent"}
    assert all(d.sent_at and d.attempts == 1 for d in issue.deliveries.all())


def test_the_links_in_a_received_email_unsubscribe_its_reader(run_on_commit, smtp, client):
    reader, other = SubscriptionFactory.create_batch(2)
    with run_on_commit():
        sending.send_issue(issue_id=IssueFactory().pk)
    (received,) = smtp.messages_to(reader.user.email)
    one_click = received.message["List-Unsubscribe"].split(",")[0].strip(" <>")
    page = re.search(r"\S+/newsletter/unsubscribe/\S+", received.text()).group()

    assert client.get(urlsplit(page).path).status_code == 200  # asks to confirm
    response = client.post(urlsplit(one_click).path, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    reader.refresh_from_db()
    other.refresh_from_db()
    assert not reader.is_active and reader.unsubscribe_source == "one_click"
    assert other.is_active


def test_an_issue_is_sent_only_once(run_on_commit, smtp):
    SubscriptionFactory.create_batch(2)
    issue = IssueFactory()
    with run_on_commit():
        sending.send_issue(issue_id=issue.pk)

    with pytest.raises(sending.IssueAlreadySent):
        sending.send_issue(issue_id=issue.pk)

    assert len(smtp.messages) == 2
    assert issue.deliveries.count() == 2


def test_an_issue_without_subscribers_is_done_at_once(run_on_commit):
    issue = IssueFactory()

    with run_on_commit():
        sending.send_issue(issue_id=issue.pk)

    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    assert issue.send_finished_at is not None


def test_a_batch_uses_one_connection_and_never_resends_a_sent_row(smtp):
    issue, rows = sending_issue(3)
    already_sent = DeliveryFactory(issue=issue, status=Delivery.Status.SENT)

    result = sending.send_batch(issue_id=issue.pk, batch_size=10)
    again = sending.send_batch(issue_id=issue.pk, batch_size=10)

    assert (result.sent, again.sent) == (3, 0)
    assert len({message.peer for message in smtp.messages}) == 1  # one SMTP connection
    assert received_per_address(smtp) == {row.email: 1 for row in rows}
    assert already_sent.email not in received_per_address(smtp)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT


def test_a_full_batch_stops_at_its_size_and_queues_the_next(smtp):
    issue, rows = sending_issue(5)

    # In-process tasks: the follow-up batch runs at once and sends the rest.
    result = sending.send_batch(issue_id=issue.pk, batch_size=2)

    assert result.sent == 2 and result.follow_up == "next batch"
    assert received_per_address(smtp) == {row.email: 1 for row in rows}


def test_a_permanent_refusal_fails_that_row_and_the_rest_continue(smtp):
    issue, rows = sending_issue(4)
    smtp.reject_recipient(rows[1].email)

    result = sending.send_batch(issue_id=issue.pk, batch_size=10)

    assert (result.sent, result.failed) == (3, 1)
    refused = Delivery.objects.get(pk=rows[1].pk)
    assert refused.status == Delivery.Status.FAILED
    assert "550" in refused.last_error
    assert rows[1].email not in received_per_address(smtp)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT


def test_a_temporary_refusal_is_retried_later_with_backoff(smtp, settings):
    settings.NEWSLETTER_RETRY_BASE_SECONDS = 60
    issue, rows = sending_issue(3)
    smtp.fail_temporarily(1)  # the first message to reach DATA: rows[0]

    result = sending.send_batch(issue_id=issue.pk, batch_size=10)

    assert (result.sent, result.retry_later) == (2, 1)
    waiting = Delivery.objects.get(pk=rows[0].pk)
    assert waiting.status == Delivery.Status.PENDING and waiting.attempts == 1
    assert "451" in waiting.last_error
    assert waiting.next_attempt_at > timezone.now() + timedelta(seconds=50)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENDING

    Delivery.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now())
    sending.send_batch(issue_id=issue.pk)

    waiting.refresh_from_db()
    assert waiting.status == Delivery.Status.SENT and waiting.attempts == 2
    assert received_per_address(smtp) == {row.email: 1 for row in rows}
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT


def test_temporary_failures_give_up_after_the_last_attempt(smtp, settings):
    settings.NEWSLETTER_MAX_ATTEMPTS = 2
    issue, (delivery,) = sending_issue(1, attempts=1)
    smtp.fail_temporarily(1)

    sending.send_batch(issue_id=issue.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 2)


def test_a_server_that_is_down_leaves_every_row_untouched(smtp):
    issue, (delivery,) = sending_issue(1)
    smtp.stop()

    with pytest.raises(sending.TemporaryDeliveryError):
        sending.send_batch(issue_id=issue.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, 0)


def test_a_refused_sender_fails_no_subscriber_and_the_batch_is_retried(smtp):
    issue, _ = sending_issue(3)
    smtp.refuse_sender()

    with pytest.raises(sending.TemporaryDeliveryError):
        sending.send_batch(issue_id=issue.pk)

    assert set(Delivery.objects.values_list("status", "attempts")) == {("pending", 0)}
    assert smtp.messages == []


def test_someone_who_unsubscribes_during_a_send_is_skipped(smtp):
    issue, (delivery,) = sending_issue(1)
    unsubscribe(user=delivery.subscription.user, source=Subscription.Source.ONE_CLICK)

    result = sending.send_batch(issue_id=issue.pk)

    assert result.skipped == 1
    assert smtp.messages == []
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SKIPPED


def test_retry_delay_follows_the_settings_and_is_capped(settings):
    settings.NEWSLETTER_RETRY_BASE_SECONDS = 10
    settings.NEWSLETTER_RETRY_MAX_SECONDS = 50

    assert [sending.retry_delay(n) for n in range(1, 5)] == [10, 20, 40, 50]


def test_a_stalled_send_is_resumed_and_a_moving_one_left_alone(smtp):
    long_ago = timezone.now() - timedelta(hours=1)
    stalled = IssueFactory(status=Issue.Status.SENDING, send_started_at=long_ago)
    DeliveryFactory.create_batch(2, issue=stalled, next_attempt_at=long_ago)
    DeliveryFactory(issue=stalled, status=Delivery.Status.SENT, last_attempt_at=long_ago)
    moving = IssueFactory(status=Issue.Status.SENDING, send_started_at=long_ago)
    DeliveryFactory(issue=moving, next_attempt_at=long_ago)
    DeliveryFactory(issue=moving, status=Delivery.Status.SENT, last_attempt_at=timezone.now())

    resumed = sending.resume_stalled_sends(stalled_after_seconds=60)

    assert resumed == [stalled.pk]
    stalled.refresh_from_db()
    assert stalled.status == Issue.Status.SENT
    assert moving.deliveries.filter(status="pending").count() == 1
    assert len(smtp.messages) == 2


def test_the_stall_threshold_a_caller_gives_is_the_one_used(smtp):
    two_minutes_ago = timezone.now() - timedelta(minutes=2)
    issue = IssueFactory(status=Issue.Status.SENDING, send_started_at=two_minutes_ago)
    DeliveryFactory(issue=issue, next_attempt_at=two_minutes_ago)

    # Two minutes quiet is a stall at a one-minute threshold, not at a ten-minute one.
    assert sending.resume_stalled_sends(stalled_after_seconds=600) == []
    assert sending.resume_stalled_sends(stalled_after_seconds=60) == [issue.pk]


def test_resume_closes_an_issue_with_nothing_left_pending():
    issue = IssueFactory(
        status=Issue.Status.SENDING, send_started_at=timezone.now() - timedelta(hours=1)
    )
    DeliveryFactory(issue=issue, status=Delivery.Status.SENT)

    assert sending.resume_stalled_sends(stalled_after_seconds=60) == []

    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT


def test_the_local_runs_console_backend_prints_every_copy(run_on_commit, settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    subscribers = SubscriptionFactory.create_batch(2)
    issue = IssueFactory(subject="Printed locally")

    with run_on_commit():
        sending.send_issue(issue_id=issue.pk)

    printed = capsys.readouterr().out
    assert printed.count("Subject: Printed locally") == 2
    assert all(f"To: {s.user.email}" in printed for s in subscribers)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT


def test_a_send_counts_as_stalled_after_30_seconds_without_an_attempt(smtp):
    """The default (NEWSLETTER_STALLED_AFTER_SECONDS, 30 s): at 29 s since the last attempt
    the send is left alone, at 30 s its batches are queued again; likewise a row due for
    29 s is left to its own retry and one due for 30 s is resumed."""
    import time_machine

    now = timezone.now()
    with time_machine.travel(now, tick=False):
        long_ago = now - timedelta(hours=1)
        recent = IssueFactory(status=Issue.Status.SENDING, send_started_at=long_ago)
        DeliveryFactory(issue=recent, next_attempt_at=long_ago)
        DeliveryFactory(issue=recent, status="sent", last_attempt_at=now - timedelta(seconds=29))
        not_yet_due = IssueFactory(status=Issue.Status.SENDING, send_started_at=long_ago)
        DeliveryFactory(issue=not_yet_due, next_attempt_at=now - timedelta(seconds=29))

        assert sending.resume_stalled_sends() == []

        Delivery.objects.filter(issue=recent, status="sent").update(
            last_attempt_at=now - timedelta(seconds=30)
        )
        Delivery.objects.filter(issue=not_yet_due).update(
            next_attempt_at=now - timedelta(seconds=30)
        )
        assert sorted(sending.resume_stalled_sends()) == sorted([recent.pk, not_yet_due.pk])


def test_resuming_goes_on_past_finished_and_moving_issues(smtp):
    """Issues come newest first: a finished one and a moving one ahead of a stalled one do
    not stop the stalled one from being resumed."""
    long_ago = timezone.now() - timedelta(hours=1)
    stalled = IssueFactory(status=Issue.Status.SENDING, send_started_at=long_ago)
    DeliveryFactory(issue=stalled, next_attempt_at=long_ago)
    moving = IssueFactory(status=Issue.Status.SENDING, send_started_at=long_ago)
    DeliveryFactory(issue=moving, next_attempt_at=timezone.now() + timedelta(minutes=5))
    finished = IssueFactory(status=Issue.Status.SENDING, send_started_at=long_ago)
    DeliveryFactory(issue=finished, status="sent")

    assert sending.resume_stalled_sends(stalled_after_seconds=60) == [stalled.pk]

    finished.refresh_from_db()
    stalled.refresh_from_db()
    assert (finished.status, stalled.status) == (Issue.Status.SENT, Issue.Status.SENT)


@pytest.fixture
def broker_mode():
    """Tasks go to a broker, not run in process (restored after the test)."""
    from celery import current_app

    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = False
    yield
    current_app.conf.task_always_eager = eager


def test_a_resumed_send_queues_its_4_parallel_batches_on_the_broker(broker_mode, monkeypatch):
    """With a real broker (not the in-process mode of the one-command run) a resumed issue
    gets NEWSLETTER_PARALLEL_BATCHES (4) batch tasks, and resume reports it."""
    queued = []
    monkeypatch.setattr(
        sending, "enqueue", lambda name, *args, **kwargs: queued.append((name, args, kwargs))
    )
    long_ago = timezone.now() - timedelta(hours=1)
    issue = IssueFactory(status=Issue.Status.SENDING, send_started_at=long_ago)
    DeliveryFactory(issue=issue, next_attempt_at=long_ago)

    assert sending.resume_stalled_sends(stalled_after_seconds=60) == [issue.pk]
    assert queued == [("newsletter.tasks.send_batch", (issue.pk,), {"countdown": 0})] * 4
    assert sending.enqueue_batches(issue_id=issue.pk, count=2, countdown=30) == 2
    assert queued[-1] == ("newsletter.tasks.send_batch", (issue.pk,), {"countdown": 30})


def test_a_broker_that_refuses_a_batch_stops_the_queueing_and_says_how_many_went(
    broker_mode, monkeypatch
):
    calls = []

    def broker_down_after_one(name, *args, **kwargs):
        calls.append(name)
        if len(calls) > 1:
            raise ConnectionError("broker unavailable")

    monkeypatch.setattr(sending, "enqueue", broker_down_after_one)
    issue = IssueFactory(status=Issue.Status.SENDING, send_started_at=timezone.now())

    assert sending.enqueue_batches(issue_id=issue.pk, count=4) == 1
    assert len(calls) == 2


def test_in_process_mode_drains_the_issue_in_one_call_and_defers_no_retry():
    """The one-command run: one batch call does it all; a delayed retry would run at once
    and spin, so none is queued (the next resume picks those rows up)."""
    issue = IssueFactory(status=Issue.Status.SENDING, send_started_at=timezone.now())

    assert sending.enqueue_batches(issue_id=issue.pk, count=4, countdown=0.5) == 0


def test_a_configured_send_interval_pauses_after_each_message(smtp, settings, monkeypatch):
    """NEWSLETTER_SEND_INTERVAL_SECONDS, for a provider's rate limit: one pause per message
    sent, and the batch still stops at its size."""
    pauses = []
    monkeypatch.setattr(sending.time, "sleep", pauses.append)
    settings.NEWSLETTER_SEND_INTERVAL_SECONDS = 0.25
    issue, _ = sending_issue(3)

    result = sending.send_batch(issue_id=issue.pk, batch_size=2)

    # The next batch (queued because this one was full) runs in process here.
    assert (result.sent, result.follow_up) == (2, "next batch")
    assert pauses == [0.25, 0.25, 0.25]
    assert len(smtp.messages) == 3
