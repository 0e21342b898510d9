from __future__ import annotations

from collections import Counter

import pytest


@pytest.fixture
def site_url(settings) -> str:
    settings.SITE_URL = "https://portal.example"
    settings.NEWSLETTER_UNSUBSCRIBE_MAILTO = "unsubscribe@portal.example"
    return settings.SITE_URL


@pytest.fixture
def exclusive_workers(start_celery_worker):
    """Start drill workers with their own settings, the only ones taking newsletter tasks
    (`start_celery_worker` stops any other worker consuming until the drill ends)."""
    return start_celery_worker


@pytest.fixture
def make_subscribers():
    """Create `n` active subscribers; returns their subscriptions."""
    from newsletter.tests.factories import SubscriptionFactory

    return lambda n: SubscriptionFactory.create_batch(n)


@pytest.fixture
def wait_until_sent(wait):
    """Wait for an issue to finish sending; returns it."""
    from newsletter.models import Issue

    def _wait(issue_id: int, timeout: float = 45) -> Issue:
        wait(
            lambda: Issue.objects.get(pk=issue_id).status == Issue.Status.SENT,
            timeout=timeout,
            message=f"issue {issue_id} did not finish sending within {timeout}s",
        )
        return Issue.objects.get(pk=issue_id)

    return _wait


def received_per_address(smtp_server) -> Counter[str]:
    return Counter(address for message in smtp_server.messages for address in message.rcpt_tos)


def expected_links(user) -> dict[str, str]:
    """The links an email to `user` must carry, spelled out as docs/newsletter.md gives them."""
    from newsletter import conf
    from newsletter.unsubscribe import unsubscribe_token

    token, site = unsubscribe_token(user=user), conf.site_url()
    return {
        "page": f"{site}/newsletter/unsubscribe/{token}/",
        "one_click": f"{site}/newsletter/unsubscribe/{token}/one-click/",
        "mailto": f"mailto:{conf.unsubscribe_mailto()}?subject=unsubscribe%20{token}",
    }
