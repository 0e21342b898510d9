from __future__ import annotations

import pytest

from newsletter.models import Subscription
from newsletter.subscriptions import is_subscribed, subscribe, unsubscribe
from newsletter.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_subscribe_and_unsubscribe_record_time_and_source():
    user = UserFactory()

    subscription = subscribe(user=user, source=Subscription.Source.SIGNUP)
    assert subscription.is_active and subscription.consent_source == "signup"
    assert subscription.consent_at is not None
    assert is_subscribed(user)

    unsubscribe(user=user, source=Subscription.Source.ONE_CLICK)
    subscription.refresh_from_db()
    assert not subscription.is_active
    assert subscription.unsubscribe_source == "one_click"
    assert subscription.unsubscribed_at is not None
    assert not is_subscribed(user)


def test_subscribing_again_keeps_the_first_consent():
    user = UserFactory()
    first = subscribe(user=user, source=Subscription.Source.SIGNUP)

    again = subscribe(user=user, source=Subscription.Source.ACCOUNT)

    assert (again.consent_at, again.consent_source) == (first.consent_at, "signup")


def test_unsubscribing_someone_who_never_subscribed_changes_nothing():
    user = UserFactory()

    assert unsubscribe(user=user, source=Subscription.Source.ACCOUNT) is None
    assert not Subscription.objects.exists()
