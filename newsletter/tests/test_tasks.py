"""Each newsletter task through a real worker, Redis, Postgres and SMTP server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from newsletter import sending
from newsletter.models import Delivery, Issue
from newsletter.tasks import resume_stalled_sends_task
from newsletter.tests.conftest import expected_links, received_per_address
from newsletter.tests.factories import DeliveryFactory, IssueFactory

pytestmark = pytest.mark.integration

SUBSCRIBERS = 60


def test_an_issue_reaches_every_subscriber_exactly_once_with_rfc8058_headers(
    celery_worker, smtp, make_subscribers, wait_until_sent
):
    subscriptions = make_subscribers(SUBSCRIBERS)
    issue = IssueFactory(subject="Weekly selection")

    sending.send_issue(issue_id=issue.pk)
    issue = wait_until_sent(issue.pk)

    received = received_per_address(smtp)
    expected = {s.user.email: 1 for s in subscriptions}
    print(f"\ndelivered {sum(received.values())}/{SUBSCRIBERS}, each exactly once")
    assert received == expected
    by_address = {m.rcpt_tos[0]: m for m in smtp.messages}
    for subscription in subscriptions:
        user = subscription.user
        message = by_address[user.email].message
        urls = expected_links(user)
        assert message["Subject"] == "Weekly selection"
        # Long URLs fold the header onto the next line; unfolded it is exactly this.
        assert message["List-Unsubscribe"].strip() == f"<{urls['one_click']}>, <{urls['mailto']}>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        text = message.get_body(preferencelist=("plain",)).get_content()
        html = message.get_body(preferencelist=("html",)).get_content()
        assert f"Dear {user.first_name}," in text and f"Dear {user.first_name}," in html
        assert urls["page"] in text and urls["page"] in html
    assert len({m.message["Message-ID"] for m in smtp.messages}) == SUBSCRIBERS
    assert issue.progress()["sent"] == SUBSCRIBERS
    assert issue.send_started_at < issue.send_finished_at


def test_resume_stalled_sends_puts_a_forgotten_issue_back_on_the_queue(
    celery_worker, smtp, wait_until_sent
):
    long_ago = timezone.now() - timedelta(hours=2)
    issue = IssueFactory(status=Issue.Status.SENDING, send_started_at=long_ago)
    rows = DeliveryFactory.create_batch(5, issue=issue, next_attempt_at=long_ago)

    resume_stalled_sends_task.delay()
    wait_until_sent(issue.pk)

    assert received_per_address(smtp) == {row.email: 1 for row in rows}
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
