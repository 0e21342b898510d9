from __future__ import annotations

import pytest
from django.db import IntegrityError

from newsletter.models import Delivery, Issue, Subscription
from newsletter.tests.factories import DeliveryFactory, IssueFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


def test_active_subscriptions_exclude_withdrawn_consent_and_inactive_accounts():
    active = SubscriptionFactory()
    SubscriptionFactory(is_active=False)
    SubscriptionFactory(user__is_active=False)

    assert list(Subscription.objects.active()) == [active]


def test_a_subscriber_has_one_delivery_per_issue():
    delivery = DeliveryFactory()

    with pytest.raises(IntegrityError):
        Delivery.objects.create(
            issue=delivery.issue, subscription=delivery.subscription, email=delivery.email
        )


def test_progress_counts_deliveries_by_state():
    issue = IssueFactory(status=Issue.Status.SENDING)
    DeliveryFactory.create_batch(3, issue=issue, status=Delivery.Status.SENT)
    DeliveryFactory(issue=issue, status=Delivery.Status.FAILED)
    DeliveryFactory.create_batch(2, issue=issue)

    annotated = Issue.objects.with_progress().get(pk=issue.pk)

    assert (annotated.deliveries_sent, annotated.deliveries_failed) == (3, 1)
    assert (annotated.deliveries_pending, annotated.deliveries_total) == (2, 6)
    assert issue.progress() == {"total": 6, "pending": 2, "sent": 3, "failed": 1, "skipped": 0}


def test_a_new_issue_is_a_draft():
    issue = IssueFactory()

    assert issue.is_draft
    assert str(issue) == issue.subject
