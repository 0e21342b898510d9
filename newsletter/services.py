"""Newsletter workflows: consent, unsubscribe links, composing and sending issues.

Delivery guarantees (docs/newsletter.md tells the whole story):
- `send_issue` writes one `Delivery` row per active subscriber, under a lock on the issue, so
  an issue is sent once however many times the button is pressed.
- `send_batch` claims one pending row at a time with `SELECT ... FOR UPDATE SKIP LOCKED`,
  sends it over the batch's single SMTP connection and commits its outcome in the same short
  transaction. A worker killed mid-send rolls back only the row in flight; its lock goes with
  its database connection, so any other batch can take the row at once.
- Sent rows are never claimed again. The one unavoidable window (the server has accepted the
  message, the commit has not happened yet) is kept to one row and one round trip; the
  Message-ID is fixed per delivery, so a copy re-sent after that crash is recognisable.

What a message costs a worker (see "Claiming rows" below, and `newsletter.mime`): on
PostgreSQL one database round trip (the row's outcome, its commit and the next claim in one
query, with prepared statements), the batch's MIME template filled in, one signature for the
unsubscribe token, and the SMTP exchange itself.
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
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.db import transaction
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
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from newsletter import conf
from newsletter.mime import MessageTemplate, Recipient, is_plain_address
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
    templates cost more than the SMTP exchange itself when rendered per message. For the same
    reason the whole MIME message is built once per batch too (`smtp_message`, see
    `newsletter.mime`), and the unsubscribe URLs are the signed token between a prefix and a
    suffix reversed once, not two `reverse()` calls per copy.
    """

    def __init__(
        self, issue: Issue, *, cards: dict[str, list[dict[str, Any]]] | None = None
    ) -> None:
        self.issue = issue
        self.cards = featured_cards(issue=issue) if cards is None else cards
        self.site_url = conf.site_url()
        self.host = urlsplit(self.site_url).hostname or "localhost"
        marker = uuid.uuid4().hex
        self._name_marker = f"[first-name-{marker}]"
        self._link_marker = f"[unsubscribe-{marker}]"
        self._rendered: dict[bool, tuple[str, str]] = {}
        self._mime: dict[tuple[bool, bool], MessageTemplate | None] = {}
        # Each unsubscribe URL is a prefix, the token, a suffix: reversed once per batch.
        token = f"token{marker}"
        self._page = absolute_url(reverse("newsletter:unsubscribe", kwargs={"token": token})).split(
            token
        )
        self._one_click = absolute_url(
            reverse("newsletter:one_click", kwargs={"token": token})
        ).split(token)
        self._mailto = f"mailto:{conf.unsubscribe_mailto()}?subject=unsubscribe%20"
        self._signer = signing.Signer(salt=UNSUBSCRIBE_SALT)  # as `unsubscribe_token()`

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

    def urls(self, user_id: int) -> dict[str, str]:
        """`unsubscribe_urls()` for this user, without reversing the URLs each time."""
        token = self._signer.sign_object({"u": user_id})
        return {
            "page": token.join(self._page),
            "one_click": token.join(self._one_click),
            "mailto": f"{self._mailto}{token}",
        }

    def render(self, *, user: User, urls: dict[str, str] | None = None) -> tuple[str, str]:
        """The text and HTML parts for one recipient."""
        urls = urls or self.urls(user.pk)
        return self._parts(first_name=user.first_name, link=urls["page"])

    def _parts(self, *, first_name: str, link: str) -> tuple[str, str]:
        text, html = self._templates(named=bool(first_name))
        text = text.replace(self._name_marker, first_name)
        text = text.replace(self._link_marker, link)
        html = html.replace(self._name_marker, escape(first_name))
        html = html.replace(self._link_marker, escape(link))
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
        return self.message_for(
            user_id=user.pk,
            first_name=user.first_name,
            to=to,
            subject=subject,
            message_id=message_id,
            connection=connection,
        )

    def message_for(
        self,
        *,
        user_id: int,
        first_name: str,
        to: str,
        subject: str | None = None,
        message_id: str | None = None,
        connection: Any = None,
    ) -> EmailMultiAlternatives:
        urls = self.urls(user_id)
        text, html = self._parts(first_name=first_name, link=urls["page"])
        return self._email(
            text=text,
            html=html,
            to=to,
            list_unsubscribe=f"<{urls['one_click']}>, <{urls['mailto']}>",
            subject=subject,
            message_id=message_id,
            connection=connection,
        )

    def _email(
        self,
        *,
        text: str,
        html: str,
        to: str,
        list_unsubscribe: str,
        subject: str | None = None,
        message_id: str | None = None,
        date: str | None = None,
        connection: Any = None,
    ) -> EmailMultiAlternatives:
        """The one place where a newsletter message is put together (template or copy)."""
        headers = {"Date": date} if date else {}  # where Django would put it
        headers |= {
            "List-Unsubscribe": list_unsubscribe,
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

    def _mime_template(self, *, named: bool, ascii_name: bool) -> MessageTemplate | None:
        key = (named, ascii_name)
        if key not in self._mime:

            def make_email(**values: str) -> EmailMultiAlternatives:
                text, html = self._templates(named=named)
                text = text.replace(self._name_marker, values["first_name"])
                text = text.replace(self._link_marker, values["link"])
                html = html.replace(self._name_marker, values["first_name_html"])
                html = html.replace(self._link_marker, values["link_html"])
                return self._email(
                    text=text,
                    html=html,
                    to=values["to"],
                    list_unsubscribe=values["list_unsubscribe"],
                    message_id=values["message_id"],
                    date=values["date"],
                )

            self._mime[key] = MessageTemplate.build(make_email, ascii_name=ascii_name)
        return self._mime[key]

    def smtp_message(
        self, *, user_id: int, first_name: str, to: str, message_id: str
    ) -> tuple[list[str], bytes]:
        """Envelope recipients and the bytes Django's SMTP backend would send for this copy.

        From the batch's MIME template when `MessageTemplate.fill` accepts the values (nearly
        always); else built by the email package, exactly as `EmailBackend` does.
        """
        from django.conf import settings

        template = self._mime_template(named=bool(first_name), ascii_name=first_name.isascii())
        if template is not None:
            urls = self.urls(user_id)
            data = template.fill(
                Recipient(
                    to=to,
                    message_id=message_id,
                    date=formatdate(localtime=settings.EMAIL_USE_LOCALTIME),
                    list_unsubscribe=(urls["one_click"], urls["mailto"]),
                    first_name=first_name,
                    first_name_html=escape(first_name),
                    link=urls["page"],
                    link_html=escape(urls["page"]),
                )
            )
            if data is not None:
                return [to], data
        message = self.message_for(
            user_id=user_id, first_name=first_name, to=to, message_id=message_id
        )
        encoding = message.encoding or settings.DEFAULT_CHARSET
        recipients = [sanitize_address(address, encoding) for address in message.recipients()]
        return recipients, message.message().as_bytes(linesep="\r\n")

    def message_id(self, delivery: Delivery) -> str:
        return self.message_id_for(delivery.pk)

    def message_id_for(self, delivery_id: int) -> str:
        return f"<newsletter.{self.issue.pk}.{delivery_id}@{self.host}>"


# The last issue's renderer in this process, with what it was built from.
_last_renderer: dict[str, tuple[tuple[Any, ...], IssueRenderer]] = {}


def _renderer_for(issue: Issue) -> IssueRenderer:
    """A renderer for the issue, shared by the batches this process sends for it.

    Rendering the templates and building the MIME template cost a batch tens of milliseconds;
    the next batch of the same issue reuses them as long as nothing they were made from has
    changed (the issue, its published featured items, the settings and language they read).
    """
    from django.conf import settings
    from django.utils import translation

    cards = featured_cards(issue=issue)
    key = (
        issue.pk,
        issue.updated_at,
        issue.subject,
        issue.intro,
        cards,
        conf.site_url(),
        conf.unsubscribe_mailto(),
        _site_name(),
        settings.DEFAULT_FROM_EMAIL,
        settings.EMAIL_USE_LOCALTIME,
        translation.get_language(),
    )
    cached = _last_renderer.get("renderer")
    if cached is not None and cached[0] == key:
        return cached[1]
    renderer = IssueRenderer(issue, cards=cards)
    _last_renderer["renderer"] = (key, renderer)
    return renderer


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
    from django.db import connection

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
    renderer = _renderer_for(issue)
    interval = conf.send_interval_seconds()
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except (OSError, smtplib.SMTPException) as exc:
        raise TemporaryDeliveryError(f"{type(exc).__name__}: {exc}") from exc
    sender = _Sender(renderer, connection)
    try:
        with _relaxed_commit_flush(), _claims(issue_id, only_smtp=sender.only_smtp) as claims:
            delivery = claims.next()
            while delivery is not None:
                outcome, changes = _deliver(delivery, sender)
                setattr(result, outcome, getattr(result, outcome) + 1)
                more = result.processed < size
                if interval:
                    # The pause is taken with no row claimed.
                    claims.record(delivery, changes, claim_next=False)
                    time.sleep(interval)
                    delivery = claims.next() if more else None
                else:
                    delivery = claims.record(delivery, changes, claim_next=more)
    finally:
        with suppress(Exception):
            connection.close()
    result.follow_up = _follow_up(issue_id=issue_id, full=result.processed >= size)
    logger.info("newsletter issue %s batch: %s", issue_id, result.as_dict())
    return result


@dataclass(frozen=True)
class _Claimed:
    """A delivery row claimed for sending: what the send needs, nothing more."""

    id: int
    email: str
    attempts: int
    active: bool  # the subscription and the user, as of the claim
    user_id: int
    first_name: str


def _deliver(delivery: _Claimed, sender: _Sender) -> tuple[str, dict[str, Any]]:
    """Send one claimed row; returns the outcome and the row's new values.

    Raises TemporaryDeliveryError for a failure of the connection: the row must stay as it was.
    """
    if not delivery.active:
        return "skipped", {"status": Delivery.Status.SKIPPED.value}
    attempts = delivery.attempts + 1
    attempted_at = timezone.now()
    try:
        sender.send(delivery)
    except (smtplib.SMTPException, OSError) as exc:
        if _is_connection_error(exc):
            raise TemporaryDeliveryError(f"{type(exc).__name__}: {exc}") from exc
        return _failure(delivery, exc, attempts=attempts, attempted_at=attempted_at)
    return "sent", {
        "status": Delivery.Status.SENT.value,
        "sent_at": timezone.now(),
        "last_error": "",
        "attempts": attempts,
        "last_attempt_at": attempted_at,
    }


def _failure(
    delivery: _Claimed, exc: BaseException, *, attempts: int, attempted_at: Any
) -> tuple[str, dict[str, Any]]:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    changes = {"last_error": error, "attempts": attempts, "last_attempt_at": attempted_at}
    if _is_permanent(exc) or attempts >= conf.max_attempts():  # type: ignore[arg-type]
        logger.warning("newsletter delivery %s failed: %s", delivery.id, error)
        return "failed", {**changes, "status": Delivery.Status.FAILED.value}
    retry_at = timezone.now() + timedelta(seconds=retry_delay(attempts))
    logger.info("newsletter delivery %s: temporary failure, retry later: %s", delivery.id, error)
    return "retry_later", {**changes, "next_attempt_at": retry_at}


class _Sender:
    """Sends one subscriber's copy over the batch's mail connection.

    With Django's SMTP backend the copy is the batch's MIME template filled in, handed to the
    backend's own `smtplib` connection (what `EmailBackend._send` does, without building the
    message with the email package each time); with any other backend (a test outbox, a
    console), an `EmailMultiAlternatives` goes through `send_messages` as usual.
    """

    def __init__(self, renderer: IssueRenderer, connection: Any) -> None:
        from django.conf import settings

        self.renderer = renderer
        self.connection = connection
        backend = type(connection)
        plain_smtp = (
            backend.send_messages is SMTPBackend.send_messages
            and backend._send is SMTPBackend._send
        )
        self.smtp = getattr(connection, "connection", None) if plain_smtp else None
        self.from_email = sanitize_address(settings.DEFAULT_FROM_EMAIL, settings.DEFAULT_CHARSET)
        # What smtplib would put in MAIL FROM, worked out once (it parses it for each message).
        self.envelope_from = smtplib.quoteaddr(self.from_email)

    @property
    def only_smtp(self) -> bool:
        """Sending runs no code but smtplib's (a backend may use the database, for one)."""
        return self.smtp is not None

    def send(self, delivery: _Claimed) -> None:
        message_id = self.renderer.message_id_for(delivery.id)
        if self.smtp is not None:
            recipients, data = self.renderer.smtp_message(
                user_id=delivery.user_id,
                first_name=delivery.first_name,
                to=delivery.email,
                message_id=message_id,
            )
            if len(recipients) == 1 and is_plain_address(recipients[0]):
                _sendmail(self.smtp, self.envelope_from, f"<{recipients[0]}>", data)
            else:
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


def _sendmail(smtp: smtplib.SMTP, sender: str, recipient: str, data: bytes) -> None:
    """`smtp.sendmail(...)` for one recipient, both addresses already in their SMTP form.

    The same commands, answers and exceptions as smtplib's (from its source), without parsing
    both addresses again for each message (`smtplib.quoteaddr` costs more than the rest).
    """
    smtp.ehlo_or_helo_if_needed()
    options = f" size={len(data)}" if smtp.does_esmtp and smtp.has_extn("size") else ""
    smtp.putcmd("mail", f"FROM:{sender}{options}")
    code, response = smtp.getreply()
    if code != 250:
        _end_transaction(smtp, code)
        raise smtplib.SMTPSenderRefused(code, response, sender.strip("<>"))
    smtp.putcmd("rcpt", f"TO:{recipient}")
    code, response = smtp.getreply()
    if code not in (250, 251):
        _end_transaction(smtp, code)
        raise smtplib.SMTPRecipientsRefused({recipient.strip("<>"): (code, response)})
    code, response = smtp.data(data)
    if code != 250:
        _end_transaction(smtp, code)
        raise smtplib.SMTPDataError(code, response)


def _end_transaction(smtp: smtplib.SMTP, code: int) -> None:
    """After a refusal, as smtplib does: 421 means the server is closing, else RSET."""
    if code == 421:
        smtp.close()
    else:
        smtp._rset()


# --- Claiming rows ----------------------------------------------------------------------------
#
# A row is claimed by locking it (`SELECT ... FOR UPDATE SKIP LOCKED`) in a transaction that
# stays open while its message is sent, and its outcome is written and committed right after
# the server's answer. So:
# - a row is sent by one batch at a time: the others skip it while it is locked, and once the
#   lock goes the row is no longer pending (sent, failed) or is due again only later (retry);
# - a worker that dies (SIGKILL, lost host) has its database connection closed by the kernel;
#   Postgres then rolls its open transaction back: the row in flight is pending again at once
#   and nothing else was claimed. No row is lost, and every row sent before was committed;
# - the only copy that can go twice is the row in flight, if the worker dies between the
#   server's "250 accepted" and the commit of "sent": one message per killed process.
# `_PipelinedClaims` keeps exactly this scheme with one database round trip per message.


class _AtomicClaims:
    """One Django transaction per row, with the ORM: works on any database, in any context."""

    def __init__(self, issue_id: int) -> None:
        self.issue_id = issue_id
        self._atomic: Any = None

    def next(self) -> _Claimed | None:
        """Open a transaction and claim the next due row in it (None, and no transaction, if
        there is none)."""
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        try:
            row = (
                Delivery.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    issue_id=self.issue_id,
                    status=Delivery.Status.PENDING,
                    next_attempt_at__lte=timezone.now(),
                )
                .order_by("next_attempt_at", "pk")
                .values_list(
                    "pk",
                    "email",
                    "attempts",
                    "subscription__is_active",
                    "subscription__user__is_active",
                    "subscription__user_id",
                    "subscription__user__first_name",
                )
                .first()
            )
        except BaseException:
            self.release()
            raise
        if row is None:
            self._end()
            return None
        pk, email, attempts, subscribed, user_active, user_id, first_name = row
        return _Claimed(pk, email, attempts, subscribed and user_active, user_id, first_name)

    def record(
        self, delivery: _Claimed, changes: dict[str, Any], *, claim_next: bool
    ) -> _Claimed | None:
        """Write the row's outcome and commit; then claim the next row if asked."""
        try:
            Delivery.objects.filter(pk=delivery.id).update(**changes)
        except BaseException:
            self.release()
            raise
        self._end()
        return self.next() if claim_next else None

    def _end(self) -> None:
        atomic, self._atomic = self._atomic, None
        atomic.__exit__(None, None, None)

    def release(self) -> None:
        """Roll back the transaction in flight, if any: its row stays as it was."""
        atomic, self._atomic = self._atomic, None
        if atomic is not None:
            error = TemporaryDeliveryError("claim released")
            atomic.__exit__(type(error), error, None)


class _PipelinedClaims:
    """The same claims on PostgreSQL with one round trip per message instead of four.

    `_AtomicClaims` pays BEGIN, the claim, the update and COMMIT, each a round trip through
    the ORM. Here the outcome of one row, its commit and the claim of the next row travel as
    one multi-statement query (`EXECUTE mark; COMMIT; BEGIN; EXECUTE claim`):

    - the update runs in the row's own transaction, which holds its lock since it was claimed,
      and the COMMIT that follows it is in the very same message to the server: "sent" is
      committed one round trip after the SMTP server's answer, as before;
    - the claim of the next row starts a new transaction: a killed worker rolls back that row
      alone, exactly as with one transaction per row (the scheme described above is unchanged).

    The claim and the "sent" update are prepared statements (planned once per batch, not per
    message). The claim resumes after the last row this batch claimed, in the claim index's
    order: rows sent meanwhile leave dead entries at the head of the index, and a claim that
    always started from the head would step over all of them, ever more as the issue goes on
    (quadratic in its size). Rows behind that point (one a killed worker's transaction gave
    back, for one) are not forgotten: when nothing is found after it, the claim looks once
    more from the head before the batch decides that nothing is due.

    Statements after a failing one are not run; `release()` rolls back whatever is open.
    Django is not told about these transactions (its connection stays in autocommit), so this
    is used only outside any `atomic()` block and when nothing but smtplib runs while a row is
    claimed (`_Sender.only_smtp`): Django code opening a transaction meanwhile would fail.
    The prepared statements live in the database session: a pooler in front of Postgres must
    keep a session on one server connection (PgBouncer's session mode, not transaction mode).
    """

    def __init__(self, issue_id: int) -> None:
        from django.db import connection
        from psycopg.pq import ExecStatus

        self.issue_id = issue_id
        self._connection = connection
        connection.ensure_connection()
        # psycopg's own cursor (Django's cursor class for it: client-side binding), without
        # Django's wrapper: its errors still become Django's below (`wrap_database_errors`).
        self._cursor = connection.connection.cursor()
        self._rows_returned = ExecStatus.TUPLES_OK
        self._released = False
        self._after = _HEAD
        key = uuid.uuid4().hex
        self._claim = f"newsletter_claim_{key}"
        self._mark_sent = f"newsletter_mark_sent_{key}"
        try:
            self._cursor.execute(f"PREPARE {self._claim} {_claim_sql()}")
            self._cursor.execute(f"PREPARE {self._mark_sent} {_mark_sent_sql()}")
        except BaseException:
            self.release()
            raise

    def next(self) -> _Claimed | None:
        return self._run("BEGIN; ", [])

    def record(
        self, delivery: _Claimed, changes: dict[str, Any], *, claim_next: bool
    ) -> _Claimed | None:
        if changes.get("status") == Delivery.Status.SENT.value:
            update = f"EXECUTE {self._mark_sent}(%s, %s, %s, %s)"
            params = [delivery.id, changes["sent_at"], changes["attempts"]]
            params.append(changes["last_attempt_at"])
        else:
            update, params = _update_sql(delivery.id, changes)
        if not claim_next:
            self._execute(f"{update}; COMMIT", params)
            return None
        return self._run(f"{update}; COMMIT; BEGIN; ", params)

    def _run(self, before: str, params: list[Any]) -> _Claimed | None:
        """Run `before` (which opens the claim's transaction), then claim the next row."""
        claim = f"EXECUTE {self._claim}(%s, %s, %s, %s)"
        row = self._execute(before + claim, [*params, *self._claim_params()])
        if row is None and self._after is not _HEAD:
            self._after = _HEAD  # nothing after our last row: look from the head, once
            row = self._execute(claim, self._claim_params())
        if row is None:
            self._execute("COMMIT", [])  # close the claim's empty transaction
            return None
        claimed = _Claimed(*row[:6])
        self._after = (row[6], claimed.id)
        return claimed

    def _claim_params(self) -> list[Any]:
        return [self.issue_id, timezone.now(), *self._after]

    def _execute(self, sql: str, params: list[Any]) -> tuple[Any, ...] | None:
        """The last statement's first row, if it returns rows."""
        cursor = self._cursor
        try:
            with self._connection.wrap_database_errors:
                cursor.execute(sql, params)
                while cursor.nextset():
                    pass
                returned_rows = cursor.pgresult.status == self._rows_returned
                return cursor.fetchone() if returned_rows else None
        except BaseException:
            self.release()
            raise

    def _in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self._connection.connection.info.transaction_status != TransactionStatus.IDLE

    def release(self) -> None:
        """Roll back the row in flight, if any, and forget the prepared statements."""
        if self._released:
            return
        self._released = True
        with suppress(Exception):
            if self._in_transaction():
                self._cursor.execute("ROLLBACK")
            self._cursor.execute(f"DEALLOCATE {self._claim}; DEALLOCATE {self._mark_sent}")
        with suppress(Exception):
            self._cursor.close()


def _can_pipeline() -> bool:
    """PostgreSQL through psycopg 3 with client-side binding, in autocommit."""
    from django.db import connection

    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    if not connection.get_autocommit():
        return False
    try:
        import psycopg
    except ImportError:  # psycopg2: multi-statement results are read differently
        return False
    connection.ensure_connection()
    return isinstance(connection.connection, psycopg.Connection) and issubclass(
        connection.connection.cursor_factory, psycopg.ClientCursor
    )


# Where a claim starts from the head of the claim index.
_HEAD = (datetime(1, 1, 1, tzinfo=UTC), 0)


def _claim_sql() -> str:
    """The claim, to prepare: $1 issue, $2 now, ($3, $4) the last row claimed (next attempt
    time and id). Served by `newsletter_delivery_claim_idx`, in its order."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    quote = connection.ops.quote_name
    deliveries, subscriptions = Delivery._meta.db_table, Subscription._meta.db_table
    users = get_user_model()._meta.db_table
    pending = Delivery.Status.PENDING.value
    # Only table names and constants of our own models are interpolated.
    tables = f"{quote(deliveries)} d JOIN {quote(subscriptions)} s ON s.id = d.subscription_id"
    tables += f" JOIN {quote(users)} u ON u.id = s.user_id"
    return (
        "(bigint, timestamptz, timestamptz, bigint) AS "  # noqa: S608
        "SELECT d.id, d.email, d.attempts, s.is_active AND u.is_active, u.id, u.first_name, "
        f"d.next_attempt_at FROM {tables} "
        f"WHERE d.issue_id = $1 AND d.status = '{pending}' AND d.next_attempt_at <= $2 "
        "AND (d.next_attempt_at, d.id) > ($3, $4) "
        "ORDER BY d.next_attempt_at, d.id LIMIT 1 "
        "FOR UPDATE OF d SKIP LOCKED"
    )


def _mark_sent_sql() -> str:
    """The "sent" update, to prepare: $1 id, $2 sent at, $3 attempts, $4 attempted at."""
    from django.db import connection

    table = connection.ops.quote_name(Delivery._meta.db_table)
    sent = Delivery.Status.SENT.value
    return (
        "(bigint, timestamptz, integer, timestamptz) AS "  # noqa: S608
        f"UPDATE {table} SET status = '{sent}', sent_at = $2, last_error = '', "
        "attempts = $3, last_attempt_at = $4 WHERE id = $1"
    )


def _update_sql(delivery_id: int, changes: dict[str, Any]) -> tuple[str, list[Any]]:
    from django.db import connection

    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(Delivery._meta.get_field(name).column)} = %s" for name in changes)
    sql = f"UPDATE {quote(Delivery._meta.db_table)} SET {columns} WHERE id = %s"  # noqa: S608
    return sql, [*changes.values(), delivery_id]


@contextmanager
def _claims(issue_id: int, *, only_smtp: bool) -> Iterator[_AtomicClaims | _PipelinedClaims]:
    claims = (
        _PipelinedClaims(issue_id) if only_smtp and _can_pipeline() else _AtomicClaims(issue_id)
    )
    try:
        yield claims
    finally:
        claims.release()


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
