"""Sending an issue: a test copy to the editor, then one copy to every subscriber.

Delivery guarantees (docs/newsletter.md tells the whole story):
- `send_issue` writes one `Delivery` row per active subscriber, under a lock on the issue, so
  an issue is sent once however many times the button is pressed.
- `send_batch` claims one pending row at a time (`newsletter.claims`), sends it over the
  batch's single SMTP connection and commits its outcome right after the server's answer. A
  worker killed mid-send rolls back only the row in flight; its lock goes with its database
  connection, so any other batch can take the row at once.
- Sent rows are never claimed again. The one unavoidable window (the server has accepted the
  message, the commit has not happened yet) is kept to one row; the Message-ID is fixed per
  delivery, so a copy re-sent after that crash is recognisable.
"""

from __future__ import annotations

import logging
import math
import time
from contextlib import suppress
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    CharField,
    DateTimeField,
    IntegerField,
    Max,
    Min,
    Q,
    TextField,
    Value,
)
from django.utils import timezone

from accounts.models import User
from core.smtp import Failure, TemporaryDeliveryError, backoff_seconds, classify, describe
from core.tasks import enqueue
from mailer.services import queue_email
from newsletter import claims, conf
from newsletter.claims import Claimed
from newsletter.models import Delivery, Issue, Subscription, validate_header_text
from newsletter.rendering import IssueRenderer

logger = logging.getLogger(__name__)

SEND_BATCH_TASK = "newsletter.tasks.send_batch"


class IssueAlreadySent(Exception):
    """The issue has left the draft state: it is being sent, or was sent."""


@transaction.atomic
def send_test_issue(*, issue: Issue, to_user: User) -> None:
    """Queue the issue, as its subscribers will get it, to the editor's own address.

    Raises ValidationError, and queues nothing, when the subject could not be sent.
    """
    validate_header_text(issue.subject)
    renderer = IssueRenderer(issue)
    message = renderer.message(user=to_user, to=to_user.email, subject=f"[TEST] {issue.subject}")
    queue_email(
        to=[to_user.email],
        subject=message.subject,
        text_body=message.body,
        html_body=message.alternatives[0][0],
        headers={k: v for k, v in message.extra_headers.items() if k != "Message-ID"},
        category="newsletter-test",
    )
    Issue.objects.filter(pk=issue.pk).update(test_sent_at=timezone.now())


@transaction.atomic
def send_issue(*, issue_id: int, sent_by: User | None = None) -> Issue:
    """Start sending an issue to every active subscriber; an issue is sent only once.

    The issue row is locked, so two editors pressing the button at once cannot both pass the
    draft check; the delivery rows and the status change commit together, and the batch
    tasks are queued only after that commit. Raises ValidationError, and sends nothing,
    when the subject could not be sent.
    """
    issue = Issue.objects.select_for_update().get(pk=issue_id)
    if issue.status != Issue.Status.DRAFT:
        raise IssueAlreadySent(issue.get_status_display())
    validate_header_text(issue.subject)
    now = timezone.now()
    created = _create_deliveries(issue=issue, now=now)
    issue.status = Issue.Status.SENDING if created else Issue.Status.SENT
    issue.send_started_at = now
    issue.send_finished_at = None if created else now
    issue.sent_by = sent_by
    issue.save(update_fields=["status", "send_started_at", "send_finished_at", "sent_by"])
    if created:
        batches = min(conf.parallel_batches(), math.ceil(created / conf.batch_size()))
        transaction.on_commit(lambda: enqueue_batches(issue_id=issue.pk, count=batches))
    logger.info("newsletter issue %s: sending to %s subscribers", issue.pk, created)
    return issue


def _create_deliveries(*, issue: Issue, now: datetime) -> int:
    """One pending delivery per active subscriber, in subscription order; returns how many.

    A single `INSERT ... SELECT` over `Subscription.objects.active()`: the database writes
    10,000 rows in a few tens of milliseconds, where building them as model instances took
    over half a second, before the first batch could start.
    """
    recipients = (
        Subscription.objects.active()
        .order_by("pk")
        .values_list(
            Value(issue.pk, output_field=BigIntegerField()),
            "pk",
            "user__email",
            Value(Delivery.Status.PENDING.value, output_field=CharField()),
            Value(0, output_field=IntegerField()),
            Value("", output_field=TextField()),
            Value(now, output_field=DateTimeField()),
            Value(now, output_field=DateTimeField()),
        )
    )
    select, params = recipients.query.sql_with_params()
    fields = [
        "issue",
        "subscription",
        "email",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
    ]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(Delivery._meta.get_field(name).column) for name in fields)
    table = quote(Delivery._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) {select} ON CONFLICT DO NOTHING",
            params,
        )
        return cursor.rowcount


def enqueue_batches(*, issue_id: int, count: int = 1, countdown: float = 0) -> int:
    """Queue batch tasks for an issue; returns how many were queued.

    A broker that is down loses nothing: the rows wait, and `resume_stalled_sends` (beat)
    queues their batches again.
    """
    if current_app.conf.task_always_eager:
        # In-process mode (the one-command run, unit tests): one call drains the issue, and a
        # delayed retry would run at once and spin; the next resume picks those rows up.
        if countdown > 0:
            return 0
        count = 1
    queued = 0
    for _ in range(count):
        try:
            enqueue(SEND_BATCH_TASK, issue_id, countdown=countdown)
        except Exception:
            logger.warning(
                "newsletter issue %s: batch not queued (broker unavailable); "
                "resume_stalled_sends will queue it",
                issue_id,
                exc_info=True,
            )
            break
        queued += 1
    return queued


@dataclass
class BatchResult:
    issue_id: int
    sent: int = 0
    failed: int = 0
    retry_later: int = 0
    skipped: int = 0
    follow_up: str = ""

    @property
    def processed(self) -> int:
        return self.sent + self.failed + self.retry_later + self.skipped

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def retry_delay(attempts: int) -> float:
    """The wait after `attempts` failures, for a row or a whole batch (`core.smtp`)."""
    return backoff_seconds(
        attempts, base=conf.retry_base_seconds(), maximum=conf.retry_max_seconds()
    )


def send_batch(*, issue_id: int, batch_size: int | None = None) -> BatchResult:
    """Send up to `batch_size` pending deliveries of an issue over one SMTP connection.

    Then queue what comes next: another batch if this one was full, a delayed batch for rows
    waiting out a temporary failure, or the end of the issue. Raises TemporaryDeliveryError
    when the server cannot be reached: nothing was marked, the task retries later.
    """
    size = batch_size or conf.batch_size()
    result = BatchResult(issue_id=issue_id)
    issue = Issue.objects.filter(pk=issue_id, status=Issue.Status.SENDING).first()
    if issue is None:
        return result
    renderer = IssueRenderer(issue)
    mail = get_connection(fail_silently=False)
    try:
        mail.open()
    except OSError as exc:  # smtplib's errors are OSErrors too
        raise TemporaryDeliveryError(describe(exc)) from exc
    sender = Sender(renderer, mail)
    try:
        with claims.relaxed_commit_flush():
            if claims.can_pipeline() and sender.only_smtp:
                _send_pipelined(issue_id, sender, size, result)
            else:
                _send_in_transactions(issue_id, sender, size, result)
    finally:
        with suppress(Exception):
            mail.close()
    result.follow_up = _follow_up(issue_id=issue_id, full=result.processed >= size)
    logger.info("newsletter issue %s batch: %s", issue_id, result.as_dict())
    return result


def _send_in_transactions(issue_id: int, sender: Sender, size: int, result: BatchResult) -> None:
    """One `transaction.atomic()` block per row: claim, send, record the outcome, commit."""
    interval = conf.send_interval_seconds()
    while result.processed < size:
        with transaction.atomic():
            delivery = claims.claim_next(issue_id)
            if delivery is None:
                return
            outcome, changes = _deliver(delivery, sender)
            claims.record(delivery, changes)
        result.count(outcome)
        if interval:
            time.sleep(interval)  # with no row claimed


def _send_pipelined(issue_id: int, sender: Sender, size: int, result: BatchResult) -> None:
    """The same transaction per row, in one round trip per message (`PipelinedClaims`)."""
    interval = conf.send_interval_seconds()
    with claims.pipelined_claims(issue_id) as rows:
        delivery = rows.next()
        while delivery is not None:
            outcome, changes = _deliver(delivery, sender)
            result.count(outcome)
            more = result.processed < size
            if interval:
                rows.record(delivery, changes, claim_next=False)
                time.sleep(interval)  # with no row claimed
                delivery = rows.next() if more else None
            else:
                delivery = rows.record(delivery, changes, claim_next=more)


def _deliver(delivery: Claimed, sender: Sender) -> tuple[str, dict[str, Any]]:
    """Send one claimed row; returns the outcome and the row's new values.

    Raises TemporaryDeliveryError for a failure of the connection: the row must stay as it was.
    """
    if not delivery.active:
        return "skipped", {"status": Delivery.Status.SKIPPED.value}
    attempts = delivery.attempts + 1
    attempted_at = timezone.now()
    try:
        sender.send(delivery)
    except OSError as exc:  # smtplib's errors are OSErrors too
        failure = classify(exc)
        if failure is Failure.CONNECTION:
            raise TemporaryDeliveryError(describe(exc)) from exc
        return _failure(delivery, exc, failure, attempts=attempts, attempted_at=attempted_at)
    return "sent", {
        "status": Delivery.Status.SENT.value,
        "sent_at": timezone.now(),
        "last_error": "",
        "attempts": attempts,
        "last_attempt_at": attempted_at,
    }


def _failure(
    delivery: Claimed, exc: BaseException, failure: Failure, *, attempts: int, attempted_at: Any
) -> tuple[str, dict[str, Any]]:
    error = describe(exc)
    changes = {"last_error": error, "attempts": attempts, "last_attempt_at": attempted_at}
    if failure is Failure.PERMANENT or attempts >= conf.max_attempts():
        logger.warning("newsletter delivery %s failed: %s", delivery.id, error)
        return "failed", {**changes, "status": Delivery.Status.FAILED.value}
    retry_at = timezone.now() + timedelta(seconds=retry_delay(attempts))
    logger.info("newsletter delivery %s: temporary failure, retry later: %s", delivery.id, error)
    return "retry_later", {**changes, "next_attempt_at": retry_at}


class Sender:
    """Sends one subscriber's copy over the batch's mail connection.

    With Django's SMTP backend the copy is the batch's MIME template filled in, handed to
    `sendmail()` of the backend's own `smtplib` connection (what `EmailBackend._send` does,
    without building the message with the email package each time); with any other backend
    (the console of the local run), an `EmailMultiAlternatives` goes through `send_messages`.
    """

    def __init__(self, renderer: IssueRenderer, connection: Any) -> None:
        self.renderer = renderer
        self.connection = connection
        backend = type(connection)
        plain_smtp = (
            backend.send_messages is SMTPBackend.send_messages
            and backend._send is SMTPBackend._send
        )
        self.smtp = getattr(connection, "connection", None) if plain_smtp else None
        self.from_email = sanitize_address(settings.DEFAULT_FROM_EMAIL, settings.DEFAULT_CHARSET)

    @property
    def only_smtp(self) -> bool:
        """Sending runs no code but smtplib's (a backend may use the database, for one)."""
        return self.smtp is not None

    def send(self, delivery: Claimed) -> None:
        message_id = self.renderer.message_id_for(delivery.id)
        if self.smtp is not None:
            recipients, data = self.renderer.smtp_message(
                user_id=delivery.user_id,
                first_name=delivery.first_name,
                to=delivery.email,
                message_id=message_id,
            )
            self.smtp.sendmail(self.from_email, recipients, data)
            return
        message = self.renderer.message_for(
            user_id=delivery.user_id,
            first_name=delivery.first_name,
            to=delivery.email,
            message_id=message_id,
            connection=self.connection,
        )
        self.connection.send_messages([message])


def _follow_up(*, issue_id: int, full: bool) -> str:
    if full:
        enqueue_batches(issue_id=issue_id)
        return "next batch"
    pending = Delivery.objects.pending().filter(issue_id=issue_id)
    earliest = pending.aggregate(earliest=Min("next_attempt_at"))["earliest"]
    if earliest is None:
        finish_issue(issue_id=issue_id)
        return "finished"
    wait = (earliest - timezone.now()).total_seconds()
    if wait > 0:
        enqueue_batches(issue_id=issue_id, countdown=wait + 0.5)
        return f"retry in {wait:.1f}s"
    # Due rows remain but were locked: other batches hold them and will follow up.
    return "others in flight"


@transaction.atomic
def finish_issue(*, issue_id: int) -> bool:
    """Mark a sending issue sent once no delivery is pending; True if this call did it."""
    issue = Issue.objects.select_for_update().filter(pk=issue_id).first()
    if issue is None or issue.status != Issue.Status.SENDING:
        return False
    if issue.deliveries.pending().exists():
        return False
    issue.status = Issue.Status.SENT
    issue.send_finished_at = timezone.now()
    issue.save(update_fields=["status", "send_finished_at"])
    logger.info("newsletter issue %s: sending finished", issue_id)
    return True


def resume_stalled_sends(*, stalled_after_seconds: float | None = None) -> list[int]:
    """Queue batches again for issues whose sending has stopped moving; returns their ids.

    A worker killed mid-send takes its task with it, and Redis redelivers an unacknowledged
    task only after its visibility timeout (an hour). An issue still sending, with rows due
    long ago and no attempt recently, has lost its tasks: this puts them back (beat runs it).
    """
    stalled = (
        conf.stalled_after_seconds() if stalled_after_seconds is None else stalled_after_seconds
    )
    cutoff = timezone.now() - timedelta(seconds=stalled)
    resumed = []
    for issue in Issue.objects.sending().filter(send_started_at__lte=cutoff):
        stats = issue.deliveries.aggregate(
            last_attempt=Max("last_attempt_at"),
            earliest_pending=Min("next_attempt_at", filter=Q(status=Delivery.Status.PENDING)),
        )
        if stats["earliest_pending"] is None:
            finish_issue(issue_id=issue.pk)
            continue
        if stats["last_attempt"] and stats["last_attempt"] > cutoff:
            continue
        if stats["earliest_pending"] > cutoff:
            continue
        if enqueue_batches(issue_id=issue.pk, count=conf.parallel_batches()):
            logger.warning("newsletter issue %s: sending had stalled, resumed", issue.pk)
            resumed.append(issue.pk)
    return resumed
