"""Sending on PostgreSQL through a real SMTP server: the path the workers take.

Each message is its own transaction (the claim of its row, the SMTP exchange, the update of
its outcome, the commit) in one database round trip (`claims.PipelinedClaims`: a row's
outcome, its commit and the next claim in one query). These tests run outside any test
transaction, as a worker does; the killed worker drills (test_delivery_drills.py) check the
same path under SIGKILL.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.testing.services import service_unavailable
from newsletter import sending, subscriptions
from newsletter.models import Delivery, Issue, Subscription
from newsletter.tests.conftest import received_per_address
from newsletter.tests.factories import DeliveryFactory, IssueFactory

pytestmark = pytest.mark.integration


@pytest.fixture
def pg(transactional_db):
    if connection.vendor != "postgresql":
        service_unavailable("needs PostgreSQL: set DATABASE_URL=postgres://...")


def sending_issue(rows: int, **fields) -> tuple[Issue, list[Delivery]]:
    issue = IssueFactory(status=Issue.Status.SENDING, send_started_at=timezone.now())
    return issue, DeliveryFactory.create_batch(rows, issue=issue, **fields)


def assert_connection_clean() -> None:
    """No transaction left open, no prepared statement left behind."""
    from psycopg.pq import TransactionStatus

    assert connection.connection.info.transaction_status == TransactionStatus.IDLE
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone() == (0,)


def test_each_message_costs_one_round_trip_and_every_row_is_sent_once(pg, smtp, site_url):
    issue, rows = sending_issue(6)

    with CaptureQueriesContext(connection) as captured:
        result = sending.send_batch(issue_id=issue.pk, batch_size=50)

    assert result.sent == 6 and result.follow_up == "finished"
    assert received_per_address(smtp) == {row.email: 1 for row in rows}
    claims = [q["sql"] for q in captured if "EXECUTE newsletter_claim_" in q["sql"]]
    # The first claim, then one query per message: its outcome, its commit and the next
    # claim; at the end one more look from the head of the index.
    assert len(claims) == 1 + 6 + 1
    assert (
        sum(sql.startswith("UPDATE") and "; COMMIT; BEGIN; EXECUTE" in sql for sql in claims) == 6
    )
    for row in Delivery.objects.filter(issue=issue):
        assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")
        assert row.last_attempt_at <= row.sent_at
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT
    by_address = {m.rcpt_tos[0]: m.message for m in smtp.messages}
    for row in rows:
        assert (
            by_address[row.email]["Message-ID"]
            == f"<newsletter.{issue.pk}.{row.pk}@portal.example>"
        )
    assert_connection_clean()


def test_a_5xx_fails_that_row_and_a_4xx_waits_while_the_rest_go(pg, smtp, settings):
    settings.NEWSLETTER_RETRY_BASE_SECONDS = 60
    issue, rows = sending_issue(5)
    smtp.reject_recipient(rows[1].email)
    smtp.fail_temporarily(1)  # the first message that reaches DATA: rows[0]

    result = sending.send_batch(issue_id=issue.pk, batch_size=50)

    assert (result.sent, result.failed, result.retry_later) == (3, 1, 1)
    refused = Delivery.objects.get(pk=rows[1].pk)
    assert refused.status == "failed" and "550" in refused.last_error and refused.attempts == 1
    waiting = Delivery.objects.get(pk=rows[0].pk)
    assert waiting.status == "pending" and "451" in waiting.last_error and waiting.attempts == 1
    assert waiting.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert received_per_address(smtp) == {row.email: 1 for row in rows[2:]}
    assert_connection_clean()


def test_someone_who_unsubscribed_is_skipped(pg, smtp):
    issue, rows = sending_issue(3)
    subscriptions.unsubscribe(user=rows[1].subscription.user, source=Subscription.Source.ONE_CLICK)

    result = sending.send_batch(issue_id=issue.pk)

    assert (result.sent, result.skipped) == (2, 1)
    assert Delivery.objects.get(pk=rows[1].pk).status == "skipped"
    assert rows[1].email not in received_per_address(smtp)


def test_a_full_batch_stops_at_its_size_and_its_successor_sends_the_rest(pg, smtp):
    issue, rows = sending_issue(5)

    # Unit tests run tasks in process: the follow-up batches run at once.
    result = sending.send_batch(issue_id=issue.pk, batch_size=2)

    assert result.sent == 2 and result.follow_up == "next batch"
    assert received_per_address(smtp) == {row.email: 1 for row in rows}
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT
    assert_connection_clean()


def test_a_pause_between_messages_is_taken_with_no_row_claimed(pg, smtp, settings, monkeypatch):
    settings.NEWSLETTER_SEND_INTERVAL_SECONDS = 0.01
    issue, rows = sending_issue(3)
    from psycopg.pq import TransactionStatus

    during_pauses = []
    monkeypatch.setattr(
        sending.time,
        "sleep",
        lambda seconds: during_pauses.append(connection.connection.info.transaction_status),
    )

    result = sending.send_batch(issue_id=issue.pk)

    assert result.sent == 3
    assert during_pauses == [TransactionStatus.IDLE] * 3
    assert received_per_address(smtp) == {row.email: 1 for row in rows}


def test_a_server_closing_mid_batch_leaves_the_row_in_flight_pending(pg, smtp):
    issue, rows = sending_issue(5)
    handler = smtp.handler
    accept = handler.handle_DATA

    async def closing_after_two(server, session, envelope):
        if len(handler.messages) >= 2:
            return "421 4.3.2 Service shutting down"
        return await accept(server, session, envelope)

    handler.handle_DATA = closing_after_two
    try:
        with pytest.raises(sending.TemporaryDeliveryError):
            sending.send_batch(issue_id=issue.pk)
    finally:
        del handler.handle_DATA

    states = dict(Delivery.objects.filter(issue=issue).values_list("pk", "status"))
    assert sorted(states.values()) == ["pending"] * 3 + ["sent"] * 2
    pending = Delivery.objects.filter(issue=issue, status="pending")
    assert set(pending.values_list("attempts", "last_error")) == {(0, "")}
    assert_connection_clean()

    sending.send_batch(issue_id=issue.pk)  # the server is back: the task's retry

    assert received_per_address(smtp) == {row.email: 1 for row in rows}


def test_a_row_given_back_behind_the_claims_is_still_sent_by_the_batch(pg, smtp, monkeypatch):
    """A claim resumes after the batch's last row; a row given back behind it (by a killed
    worker, say) is found when the batch looks from the head again, before it stops."""
    issue, rows = sending_issue(3)
    deliver = sending._deliver
    claimed = []

    def giving_the_first_row_back(delivery, sender):
        claimed.append(delivery.id)
        if len(claimed) == 3:  # committed with the third row's outcome
            Delivery.objects.filter(pk=rows[0].pk).update(status="pending")
        return deliver(delivery, sender)

    monkeypatch.setattr(sending, "_deliver", giving_the_first_row_back)

    result = sending.send_batch(issue_id=issue.pk)

    assert claimed == [rows[0].pk, rows[1].pk, rows[2].pk, rows[0].pk]
    assert result.sent == 4
    assert received_per_address(smtp) == {rows[0].email: 2, rows[1].email: 1, rows[2].email: 1}
    assert_connection_clean()


def test_send_issue_writes_one_delivery_per_active_subscriber(pg, smtp, make_subscribers):
    from newsletter.tests.factories import SubscriptionFactory

    subscribers = make_subscribers(4)
    SubscriptionFactory(is_active=False)
    SubscriptionFactory(user__is_active=False)
    issue = IssueFactory()

    sending.send_issue(issue_id=issue.pk)

    issue.refresh_from_db()
    deliveries = Delivery.objects.filter(issue=issue).order_by("pk")
    assert [(d.subscription_id, d.email) for d in deliveries] == [
        (s.pk, s.user.email) for s in sorted(subscribers, key=lambda s: s.pk)
    ]
    assert {d.created_at for d in deliveries} == {issue.send_started_at}
    # Tasks run in process in unit tests: the issue is already sent, each copy once.
    assert {(d.status, d.attempts) for d in deliveries} == {("sent", 1)}
    assert issue.status == Issue.Status.SENT
    assert received_per_address(smtp) == {s.user.email: 1 for s in subscribers}


def test_each_new_delivery_starts_pending_untried_without_error_and_due_at_once(
    pg, make_subscribers
):
    """The rows the single INSERT ... SELECT writes: what the admin and the batches see."""
    subscribers = make_subscribers(2)
    issue = IssueFactory()
    now = timezone.now()

    assert sending._create_deliveries(issue=issue, now=now) == 2

    rows = Delivery.objects.filter(issue=issue).order_by("pk")
    assert [
        (d.subscription_id, d.email, d.status, d.attempts, d.last_error, d.created_at) for d in rows
    ] == [(s.pk, s.user.email, "pending", 0, "", now) for s in subscribers]
    assert {d.next_attempt_at for d in rows} == {now}
    assert sending._create_deliveries(issue=issue, now=now) == 0  # never twice


@pytest.fixture
def other_session(pg):
    """A second PostgreSQL session, as another worker or a web request holds rows."""
    import psycopg

    params = {
        key: value
        for key, value in connection.get_connection_params().items()
        if key not in ("cursor_factory", "context", "prepare_threshold")
    }
    session = psycopg.connect(**params)
    yield session
    session.rollback()
    session.close()


def _hold(session, model, pk: int) -> None:
    """Lock one row in `session`'s open transaction."""
    from psycopg import sql

    session.execute(
        sql.SQL("SELECT id FROM {} WHERE id = %s FOR UPDATE").format(
            sql.Identifier(model._meta.db_table)
        ),
        [pk],
    )


def _claim_within_two_seconds(issue_id: int):
    """claim_next in its own transaction; waiting on a lock fails instead of hanging."""
    from django.db import transaction

    from newsletter import claims

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
        return claims.claim_next(issue_id)


def test_a_row_another_batch_holds_is_skipped_without_waiting(pg, other_session):
    issue, rows = sending_issue(2)
    _hold(other_session, Delivery, rows[0].pk)

    claimed = _claim_within_two_seconds(issue.pk)

    assert claimed is not None and claimed.id == rows[1].pk


def test_a_subscriber_whose_subscription_is_being_edited_still_gets_their_copy(pg, other_session):
    """The claim locks the delivery row only: a request holding the subscription (or the
    user) row does not make the batch skip that reader."""
    issue, rows = sending_issue(1)
    _hold(other_session, Subscription, rows[0].subscription_id)

    claimed = _claim_within_two_seconds(issue.pk)

    assert claimed is not None and claimed.id == rows[0].pk


def test_rows_are_claimed_in_the_order_they_fell_due(pg):
    """A row put back for a retry goes behind the rows due before it, whatever its id."""
    now = timezone.now()
    issue, _ = sending_issue(0)
    retried = DeliveryFactory(issue=issue, next_attempt_at=now - timedelta(minutes=1))
    waiting = DeliveryFactory(issue=issue, next_attempt_at=now - timedelta(minutes=10))

    first = _claim_within_two_seconds(issue.pk)

    assert first.id == waiting.pk
    assert first.next_attempt_at == waiting.next_attempt_at
    assert retried.pk < waiting.pk


def test_a_configured_send_interval_pauses_after_each_message_between_transactions(
    pg, smtp, settings, monkeypatch
):
    """The worker's path (one round trip per message): a pause per message, and the batch
    stops at its size."""
    pauses = []
    monkeypatch.setattr(sending.time, "sleep", pauses.append)
    settings.NEWSLETTER_SEND_INTERVAL_SECONDS = 0.25
    issue, _ = sending_issue(3)

    result = sending.send_batch(issue_id=issue.pk, batch_size=2)

    # The next batch (queued because this one was full) runs in process here.
    assert (result.sent, result.follow_up) == (2, "next batch")
    assert pauses == [0.25, 0.25, 0.25]
    assert len(smtp.messages) == 3
