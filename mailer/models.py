from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mailer import crypto


class OutboundEmailQuerySet(models.QuerySet["OutboundEmail"]):
    def due(self, *, older_than_seconds: int = 0) -> OutboundEmailQuerySet:
        """Pending messages whose next attempt is due and whose own task had its chance."""
        now = timezone.now()
        return self.filter(
            status=OutboundEmail.Status.PENDING,
            next_attempt_at__lte=now,
            created_at__lte=now - timezone.timedelta(seconds=older_than_seconds),
        )


class OutboundEmail(models.Model):
    """One email waiting for, or past, delivery by a worker.

    The row is written in the same transaction as the change that caused the email, so a
    broker or mail server that is down delays the message but cannot lose it. The bodies are
    encrypted at rest (they may hold one-time codes) and wiped once the message is sent.

    A row has one recipient, and `recipient_key` (a keyed digest of the address) finds the
    rows of a person, pending or sent, when their account is deleted.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    category = models.CharField(_("category"), max_length=100, blank=True)
    to = models.JSONField(_("recipients"))
    recipient_key = models.CharField(max_length=64, editable=False, db_index=True)
    from_email = models.CharField(_("from"), max_length=254)
    subject = models.CharField(_("subject"), max_length=998)
    encrypted_payload = models.TextField(_("encrypted bodies and headers"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = OutboundEmailQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="mailer_due_idx")]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "to" in update_fields:
            if len(self.to) != 1:
                raise ValueError(f"an outbox row has one recipient, not {len(self.to)}")
            self.recipient_key = crypto.recipient_key(self.to[0])
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "recipient_key"}
        super().save(*args, **kwargs)
