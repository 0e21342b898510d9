"""Newsletter consent: who is subscribed, since when, and through which page."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from newsletter.models import Subscription


def is_subscribed(user: User) -> bool:
    return Subscription.objects.filter(user=user, is_active=True).exists()


@transaction.atomic
def subscribe(*, user: User, source: Subscription.Source) -> Subscription:
    subscription, _ = Subscription.objects.select_for_update().get_or_create(user=user)
    if not subscription.is_active:
        subscription.is_active = True
        subscription.consent_at = timezone.now()
        subscription.consent_source = source
        subscription.save()
    return subscription


@transaction.atomic
def unsubscribe(*, user: User, source: Subscription.Source) -> Subscription | None:
    subscription = Subscription.objects.select_for_update().filter(user=user).first()
    if subscription and subscription.is_active:
        subscription.is_active = False
        subscription.unsubscribed_at = timezone.now()
        subscription.unsubscribe_source = source
        subscription.save()
    return subscription
