"""/metrics as Prometheus reads it (prometheus_client's own text-format parser), and /readyz."""

from __future__ import annotations

import datetime
import time

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from mailer.models import OutboundEmail
from mailer.tests.factories import queued_email
from media_library.tests.factories import DownloadFactory
from newsletter.models import Delivery
from newsletter.tests.factories import DeliveryFactory, IssueFactory
from portal import health

pytestmark = pytest.mark.django_db

TOKEN = "scraper-token-" + "s" * 30


def scrape(client, token: str = TOKEN):
    return client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")


def samples(response) -> dict[tuple[str, tuple], float]:
    """Every sample by name and sorted labels, as Prometheus would store it."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.REDIS_URL = ""


def test_without_a_configured_token_there_is_no_metrics_endpoint(client, settings):
    settings.METRICS_TOKEN = ""

    assert scrape(client).status_code == 404


def test_a_scraper_without_the_token_is_refused(client, metrics_on):
    assert scrape(client, token="guess").status_code == 401
    assert client.get("/metrics").status_code == 401


def test_the_scrape_reports_the_outbox_backlog_newsletter_progress_and_downloads(
    client, metrics_on, django_assert_num_queries
):
    # Queued and not yet sent: the test's transaction never commits, so no task runs.
    queued_email(to=["late@example.org"])
    queued_email(to=["later@example.org"])
    OutboundEmail.objects.filter(to=["late@example.org"]).update(
        created_at=timezone.now() - datetime.timedelta(minutes=7)
    )
    OutboundEmail.objects.filter(to=["later@example.org"]).update(status="sent")
    issue = IssueFactory(status="sending")
    DeliveryFactory.create_batch(3, issue=issue)
    DeliveryFactory(issue=issue, status=Delivery.Status.SENT)
    DownloadFactory.create_batch(2)

    # database check, outbox, issues being sent, their deliveries, downloads
    with django_assert_num_queries(5):
        response = scrape(client)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    values = samples(response)
    assert values[("portal_outbox_pending", ())] == 1
    assert 7 * 60 <= values[("portal_outbox_oldest_pending_age_seconds", ())] < 8 * 60
    assert values[("portal_outbox_failed", ())] == 0
    issue_label = ("issue", str(issue.pk))
    assert values[("portal_newsletter_deliveries", (issue_label, ("status", "pending")))] == 3
    assert values[("portal_newsletter_deliveries", (issue_label, ("status", "sent")))] == 1
    assert values[("portal_newsletter_progress_ratio", (issue_label,))] == 0.25
    assert values[("portal_downloads_total", ())] == 2
    assert values[("portal_up", (("service", "database"),))] == 1


@pytest.mark.integration
def test_with_redis_the_scrape_counts_queued_tasks_workers_and_beat(client, settings, tmp_path):
    """On a private Redis, where no worker takes the tasks away: the queues as kombu's Redis
    transport keeps them (a list per queue, one more per non-default priority)."""
    import redis

    from core.testing.celery import broker_at
    from portal.tests.test_drills import RedisServer

    server = RedisServer(tmp_path)
    server.start()
    try:
        settings.METRICS_TOKEN = TOKEN
        settings.REDIS_URL = server.url
        queues = redis.Redis.from_url(server.url)
        queues.lpush("email", b"{}", b"{}", b"{}")
        queues.lpush("media\x06\x163", b"{}")
        health.record_beat_heartbeat(time.time() - 5)
        with broker_at(server.url):
            values = samples(scrape(client))
    finally:
        server.stop()

    assert values[("portal_queue_length", (("queue", "email"),))] == 3
    assert values[("portal_queue_length", (("queue", "media"),))] == 1
    assert values[("portal_queue_length", (("queue", "celery"),))] == 0
    for queue in ("email", "media", "celery"):
        assert values[("portal_workers", (("queue", queue),))] == 0
    assert 4 <= values[("portal_beat_heartbeat_age_seconds", ())] < 60
    assert values[("portal_up", (("service", "redis"),))] == 1


@pytest.mark.integration
def test_readyz_needs_workers_for_every_queue_and_a_live_beat(
    client, settings, redis_url, celery_worker
):
    import redis

    settings.REDIS_URL = redis_url
    redis.Redis.from_url(redis_url).delete(health.BEAT_HEARTBEAT_KEY)

    without_beat = client.get("/readyz")
    health.record_beat_heartbeat(time.time())
    ready = client.get("/readyz")

    assert without_beat.status_code == 503
    assert without_beat.json()["checks"] == {
        "database": "ok",
        "redis": "ok",
        "workers": "ok",
        "beat": "unavailable",
    }
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok", "workers": "ok", "beat": "ok"},
    }
