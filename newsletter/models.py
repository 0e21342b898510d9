from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def validate_header_text(value: str) -> None:
    """Text that goes into an email header (the subject) is one line: a line break would
    start a header of the editor's choosing (`Bcc:`), which Django refuses to send."""
    if "\r" in value or "\n" in value:
        raise ValidationError(
            _("Line breaks are not allowed in an email subject: keep it on one line."),
            code="line_break",
        )


class SubscriptionQuerySet(models.QuerySet["Subscription"]):
    def active(self) -> SubscriptionQuerySet:
        return self.filter(is_active=True, user__is_active=True)


class Subscription(models.Model):
    """A user's newsletter consent, with when and where it was given or withdrawn."""

    class Source(models.TextChoices):
        SIGNUP = "signup", _("after registration")
        ACCOUNT = "account", _("My account")
        UNSUBSCRIBE_LINK = "unsubscribe_link", _("unsubscribe link")
        ONE_CLICK = "one_click", _("one-click unsubscribe (RFC 8058)")
        ADMIN = "admin", _("admin")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="newsletter_subscription"
    )
    is_active = models.BooleanField(_("subscribed"), default=False)
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    consent_source = models.CharField(
        _("consent given in"), max_length=20, choices=Source.choices, blank=True
    )
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)
    unsubscribe_source = models.CharField(
        _("unsubscribed through"), max_length=20, choices=Source.choices, blank=True
    )

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("newsletter subscription")
        verbose_name_plural = _("newsletter subscriptions")

    def __str__(self) -> str:
        return f"{self.user} ({'subscribed' if self.is_active else 'unsubscribed'})"


class IssueQuerySet(models.QuerySet["Issue"]):
    def with_progress(self) -> IssueQuerySet:
        """Annotate the delivery counts the admin shows as send progress."""
        return self.annotate(
            deliveries_total=Count("deliveries"),
            deliveries_sent=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.SENT)),
            deliveries_failed=Count(
                "deliveries", filter=Q(deliveries__status=Delivery.Status.FAILED)
            ),
            deliveries_pending=Count(
                "deliveries", filter=Q(deliveries__status=Delivery.Status.PENDING)
            ),
        )

    def sending(self) -> IssueQuerySet:
        return self.filter(status=Issue.Status.SENDING)


class Issue(models.Model):
    """One newsletter issue: composed by an editor, sent once to every active subscriber."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    subject = models.CharField(_("subject"), max_length=200, validators=[validate_header_text])
    intro = models.TextField(
        _("introduction"),
        help_text=_("Plain text; blank lines separate paragraphs."),
    )
    featured_videos = models.ManyToManyField(
        "media_library.Video",
        verbose_name=_("featured videos"),
        blank=True,
        related_name="newsletter_issues",
        help_text=_("Shown as cards with links. Only published videos appear in the email."),
    )
    featured_speeches = models.ManyToManyField(
        "speeches.Speech",
        verbose_name=_("featured speeches"),
        blank=True,
        related_name="newsletter_issues",
        help_text=_("Shown as cards with links. Only published speeches appear in the email."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    send_started_at = models.DateTimeField(
        _("sending started at"), null=True, blank=True, editable=False
    )
    send_finished_at = models.DateTimeField(
        _("sending finished at"), null=True, blank=True, editable=False
    )
    test_sent_at = models.DateTimeField(
        _("last test sent at"), null=True, blank=True, editable=False
    )

    objects = IssueQuerySet.as_manager()

    class Meta:
        verbose_name = _("newsletter issue")
        verbose_name_plural = _("newsletter issues")
        ordering = ["-created_at"]
        permissions = [("send_issue", _("Can send a newsletter issue to all subscribers"))]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def progress(self) -> dict[str, int]:
        counts = dict(
            self.deliveries.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
        )
        return {
            "total": sum(counts.values()),
            **{status: counts.get(status, 0) for status in Delivery.Status.values},
        }


class DeliveryQuerySet(models.QuerySet["Delivery"]):
    def pending(self) -> DeliveryQuerySet:
        return self.filter(status=Delivery.Status.PENDING)

    def due(self) -> DeliveryQuerySet:
        """Pending rows whose next attempt has come: what a batch may claim."""
        return self.pending().filter(next_attempt_at__lte=timezone.now())


class Delivery(models.Model):
    """One subscriber's copy of one issue: the unit that is claimed, sent and never sent twice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped (unsubscribed before sending)")

    issue = models.ForeignKey(
        Issue, verbose_name=_("issue"), on_delete=models.CASCADE, related_name="deliveries"
    )
    subscription = models.ForeignKey(
        Subscription,
        verbose_name=_("subscription"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    # The address at the time of sending is what counts; kept for the record.
    email = models.EmailField(_("email address"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "subscription"], name="newsletter_one_delivery_per_subscriber"
            )
        ]
        indexes = [
            # Serves the claim query: one issue's pending rows, due first, in a stable order.
            models.Index(
                fields=["issue", "status", "next_attempt_at", "id"],
                name="newsletter_delivery_claim_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.issue} → {self.email} ({self.get_status_display()})"
