from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
