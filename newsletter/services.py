"""Newsletter workflows: consent, unsubscribe links, composing and sending issues.

Delivery guarantees (docs/newsletter.md tells the whole story):
- `send_issue` writes one `Delivery` row per active subscriber, under a lock on the issue, so
  an issue is sent once however many times the button is pressed.
- `send_batch` claims one pending row at a time with `SELECT ... FOR UPDATE SKIP LOCKED`,
  sends it over the batch's single SMTP connection and marks it sent in the same short
  transaction. A worker killed mid-send rolls back only the row in flight; its lock goes with
  its database connection, so any other batch can take the row at once.
- Sent rows are never claimed again. The one unavoidable window (the server has accepted the
  message, the commit has not happened yet) is kept to one row and one round trip; the
  Message-ID is fixed per delivery, so a copy re-sent after that crash is recognisable.
"""

from __future__ import annotations

import logging
import math
import smtplib
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Max, Min, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from newsletter import conf
from newsletter.models import Delivery, Issue, Subscription

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "newsletter.unsubscribe"


class InvalidUnsubscribeToken(Exception):
    """The token was not signed by us, or was altered."""


class IssueAlreadySent(Exception):
    """The issue has left the draft state: it is being sent, or was sent."""


class TemporaryDeliveryError(Exception):
    """The mail server could not be reached or dropped the connection; try the batch later."""


# --- Consent ----------------------------------------------------------------------------------


def is_subscribed(user) -> bool:
    return Subscription.objects.filter(user=user, is_active=True).exists()


@transaction.atomic
def subscribe(*, user, source: Subscription.Source) -> Subscription:
    subscription, _ = Subscription.objects.select_for_update().get_or_create(user=user)
    if not subscription.is_active:
        subscription.is_active = True
        subscription.consent_at = timezone.now()
        subscription.consent_source = source
        subscription.save()
    return subscription


@transaction.atomic
def unsubscribe(*, user, source: Subscription.Source) -> Subscription | None:
    subscription = Subscription.objects.select_for_update().filter(user=user).first()
    if subscription and subscription.is_active:
        subscription.is_active = False
        subscription.unsubscribed_at = timezone.now()
        subscription.unsubscribe_source = source
        subscription.save()
    return subscription


# --- Unsubscribe links ------------------------------------------------------------------------


def unsubscribe_token(*, user: User) -> str:
    """A signed, per-subscriber token. It does not expire: old issues keep a working link."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object({"u": user.pk})


def user_for_unsubscribe_token(token: str) -> User:
    """The user a token names. Raises InvalidUnsubscribeToken or User.DoesNotExist."""
    from accounts.models import User

    try:
        payload = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise InvalidUnsubscribeToken(str(exc)) from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        raise InvalidUnsubscribeToken("unexpected payload")
    return User.objects.get(pk=payload["u"])


def unsubscribe_with_token(*, token: str, source: Subscription.Source) -> User:
    user = user_for_unsubscribe_token(token)
    unsubscribe(user=user, source=source)
    return user


def absolute_url(path: str) -> str:
    return f"{conf.site_url()}{path}"


def unsubscribe_urls(*, user: User) -> dict[str, str]:
    token = unsubscribe_token(user=user)
    return {
        "page": absolute_url(reverse("newsletter:unsubscribe", kwargs={"token": token})),
        "one_click": absolute_url(reverse("newsletter:one_click", kwargs={"token": token})),
        "mailto": f"mailto:{conf.unsubscribe_mailto()}?subject=unsubscribe%20{token}",
    }


# --- Rendering an issue -----------------------------------------------------------------------


def featured_cards(*, issue: Issue) -> dict[str, list[dict[str, Any]]]:
    """The issue's featured items that are published, as cards: title, absolute link, date.

    Drafts and not-yet-due scheduled items are left out, so an email never links to a page
    the reader cannot open.
    """
    from media_library.models import Video
    from speeches.models import Speech

    if issue.pk is None:
        return {"videos": [], "speeches": []}
    videos = (
        Video.objects.published()
        .filter(newsletter_issues=issue)
        .only("title", "slug", "recorded_on", "published_at")
    )
    speeches = (
        Speech.objects.published()
        .filter(newsletter_issues=issue)
        .order_by("-date_delivered", "-pk")
        .only("title", "slug", "date_delivered")
    )
    return {
        "videos": [_card(video, video.display_date) for video in videos],
        "speeches": [_card(speech, speech.date_delivered) for speech in speeches],
    }


def _card(obj: Any, date: Any) -> dict[str, Any]:
    return {"title": str(obj), "url": absolute_url(obj.get_absolute_url()), "date": date}


class IssueRenderer:
    """Renders one issue for many recipients.

    The templates are rendered once per batch, with markers where the recipient's first name
    and unsubscribe link go; each recipient's copy is then a few string replacements. Django
    templates cost more than the SMTP exchange itself when rendered per message.
    """

    def __init__(self, issue: Issue) -> None:
        self.issue = issue
        self.cards = featured_cards(issue=issue)
        self.site_url = conf.site_url()
        self.host = urlsplit(self.site_url).hostname or "localhost"
        marker = uuid.uuid4().hex
        self._name_marker = f"[first-name-{marker}]"
        self._link_marker = f"[unsubscribe-{marker}]"
        self._rendered: dict[bool, tuple[str, str]] = {}

    def _templates(self, *, named: bool) -> tuple[str, str]:
        """Both parts, with markers; greeting by name or not (the wording differs)."""
        if named not in self._rendered:
            context = {
                "issue": self.issue,
                "paragraphs": [p.strip() for p in self.issue.intro.split("\n\n") if p.strip()],
                "first_name": self._name_marker if named else "",
                "unsubscribe": {"page": self._link_marker},
                "site_url": self.site_url,
                "site_name": _site_name(),
                **self.cards,
            }
            self._rendered[named] = (
                render_to_string("newsletter/email/issue.txt", context),
                render_to_string("newsletter/email/issue.html", context),
            )
        return self._rendered[named]

    def render(self, *, user: User, urls: dict[str, str] | None = None) -> tuple[str, str]:
        """The text and HTML parts for one recipient."""
        urls = urls or unsubscribe_urls(user=user)
        text, html = self._templates(named=bool(user.first_name))
        text = text.replace(self._name_marker, user.first_name)
        text = text.replace(self._link_marker, urls["page"])
        html = html.replace(self._name_marker, escape(user.first_name))
        html = html.replace(self._link_marker, escape(urls["page"]))
        return text, html

    def message(
        self,
        *,
        user: User,
        to: str,
        subject: str | None = None,
        message_id: str | None = None,
        connection: Any = None,
    ) -> EmailMultiAlternatives:
        urls = unsubscribe_urls(user=user)
        text, html = self.render(user=user, urls=urls)
        headers = {
            "List-Unsubscribe": f"<{urls['one_click']}>, <{urls['mailto']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"<newsletter.{self.host}>",
        }
        if message_id:
            headers["Message-ID"] = message_id
        message = EmailMultiAlternatives(
            subject=subject or self.issue.subject,
            body=text,
            to=[to],
            headers=headers,
            connection=connection,
        )
        message.attach_alternative(html, "text/html")
        return message

    def message_id(self, delivery: Delivery) -> str:
        return f"<newsletter.{self.issue.pk}.{delivery.pk}@{self.host}>"


def _site_name() -> str:
    from django.conf import settings

    return getattr(settings, "SITE_NAME", "")


# --- Test send --------------------------------------------------------------------------------


@transaction.atomic
def send_test_issue(*, issue: Issue, to_user: User) -> None:
    """Queue the issue, as its subscribers will get it, to the editor's own address."""
    from mailer.services import queue_email

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


# --- Sending to all subscribers ---------------------------------------------------------------


@transaction.atomic
def send_issue(*, issue_id: int, sent_by: User | None = None) -> Issue:
    """Start sending an issue to every active subscriber; an issue is sent only once.

    The issue row is locked, so two editors pressing the button at once cannot both pass the
    draft check; the delivery rows and the status change commit together, and the batch
    tasks are queued only after that commit.
    """
    issue = Issue.objects.select_for_update().get(pk=issue_id)
    if issue.status != Issue.Status.DRAFT:
        raise IssueAlreadySent(issue.get_status_display())
    now = timezone.now()
    recipients = Subscription.objects.active().values_list("pk", "user__email").order_by("pk")
    created = 0
    chunk: list[Delivery] = []
    for subscription_id, email in recipients.iterator(chunk_size=2000):
        chunk.append(
            Delivery(
                issue=issue,
                subscription_id=subscription_id,
                email=email,
                created_at=now,
                next_attempt_at=now,
            )
        )
        if len(chunk) >= 1000:
            Delivery.objects.bulk_create(chunk, ignore_conflicts=True)
            created += len(chunk)
            chunk = []
    if chunk:
        Delivery.objects.bulk_create(chunk, ignore_conflicts=True)
        created += len(chunk)
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


def enqueue_batches(*, issue_id: int, count: int = 1, countdown: float = 0) -> int:
    """Queue batch tasks for an issue; returns how many were queued.

    A broker that is down loses nothing: the rows wait, and `resume_stalled_sends` (beat)
    queues their batches again.
    """
    from newsletter.tasks import send_batch_task

    if send_batch_task.app.conf.task_always_eager:
        # In-process mode (the one-command run, unit tests): one call drains the issue, and a
        # delayed retry would run at once and spin; the next resume picks those rows up.
        if countdown > 0:
            return 0
        count = 1
    queued = 0
    for _ in range(count):
        try:
            send_batch_task.apply_async((issue_id,), countdown=countdown or None)
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

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def retry_delay(attempts: int) -> float:
    """Exponential backoff: base, twice the base, four times... up to the maximum."""
    return min(conf.retry_base_seconds() * 2 ** max(attempts - 1, 0), conf.retry_max_seconds())


def _is_permanent(exc: smtplib.SMTPException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def _is_connection_error(exc: BaseException) -> bool:
    """Not an answer about this recipient: retry the whole batch later, marking no row.

    A refused sender says nothing about the subscriber either: failing each row for it would
    burn through the whole list.
    """
    if isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPSenderRefused):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code == 421
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


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
    interval = conf.send_interval_seconds()
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except (OSError, smtplib.SMTPException) as exc:
        raise TemporaryDeliveryError(f"{type(exc).__name__}: {exc}") from exc
    try:
        with _relaxed_commit_flush():
            while result.processed < size:
                outcome = _send_next(issue=issue, renderer=renderer, connection=connection)
                if outcome is None:
                    break
                setattr(result, outcome, getattr(result, outcome) + 1)
                if interval:
                    time.sleep(interval)
    finally:
        with suppress(Exception):
            connection.close()
    result.follow_up = _follow_up(issue_id=issue_id, full=result.processed >= size)
    logger.info("newsletter issue %s batch: %s", issue_id, result.as_dict())
    return result


def _send_next(*, issue: Issue, renderer: IssueRenderer, connection: Any) -> str | None:
    """Claim, send and record one delivery; returns the outcome or None when none is due."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscription__user")
            .filter(
                issue=issue,
                status=Delivery.Status.PENDING,
                next_attempt_at__lte=timezone.now(),
            )
            .order_by("next_attempt_at", "pk")
            .first()
        )
        if delivery is None:
            return None
        subscription = delivery.subscription
        user = subscription.user
        now = timezone.now()
        if not (subscription.is_active and user.is_active):
            delivery.status = Delivery.Status.SKIPPED
            delivery.save(update_fields=["status"])
            return "skipped"
        delivery.attempts += 1
        delivery.last_attempt_at = now
        message = renderer.message(
            user=user,
            to=delivery.email,
            message_id=renderer.message_id(delivery),
            connection=connection,
        )
        try:
            connection.send_messages([message])
        except (smtplib.SMTPException, OSError) as exc:
            if _is_connection_error(exc):
                # Leaving the block rolls the claim back: the row stays as it was.
                raise TemporaryDeliveryError(f"{type(exc).__name__}: {exc}") from exc
            return _record_failure(delivery, exc)
        delivery.status = Delivery.Status.SENT
        delivery.sent_at = timezone.now()
        delivery.last_error = ""
        delivery.save(
            update_fields=["status", "sent_at", "last_error", "attempts", "last_attempt_at"]
        )
        return "sent"


@contextmanager
def _relaxed_commit_flush() -> Iterator[None]:
    """Let this batch's commits return before their WAL records are flushed to disk.

    One commit per message (so that a killed worker loses at most the one in flight) would
    otherwise wait for a disk flush each time, which costs more than sending the email. It
    changes nothing when the worker dies: the database server already holds the commit. Only
    if Postgres itself crashed could the last fraction of a second of "sent" marks revert to
    pending, and those few messages go out twice.
    """
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with suppress(Exception), connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def _record_failure(delivery: Delivery, exc: BaseException) -> str:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    delivery.last_error = error
    fields = ["status", "last_error", "attempts", "last_attempt_at", "next_attempt_at"]
    if _is_permanent(exc) or delivery.attempts >= conf.max_attempts():  # type: ignore[arg-type]
        delivery.status = Delivery.Status.FAILED
        delivery.save(update_fields=fields)
        logger.warning("newsletter delivery %s failed: %s", delivery.pk, error)
        return "failed"
    delivery.next_attempt_at = timezone.now() + timedelta(seconds=retry_delay(delivery.attempts))
    delivery.save(update_fields=fields)
    logger.info("newsletter delivery %s: temporary failure, retry later: %s", delivery.pk, error)
    return "retry_later"


def _follow_up(*, issue_id: int, full: bool) -> str:
    if full:
        enqueue_batches(issue_id=issue_id)
        return "next batch"
    pending = Delivery.objects.filter(issue_id=issue_id, status=Delivery.Status.PENDING)
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
    if issue.deliveries.filter(status=Delivery.Status.PENDING).exists():
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
