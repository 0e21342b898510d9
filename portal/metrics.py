"""Prometheus metrics at /metrics, for the operator's scraper only (docs/operations.md).

prometheus_client (pinned in requirements.txt) writes the text format; the figures are read
from the shared state at scrape time (PostgreSQL, Redis), not counted in process memory. So
any gunicorn worker on any host answers the same, with no multiprocess directory to manage:
django-prometheus's per-process request counters would need exactly that under gunicorn's
prefork workers, and nginx's JSON access log already gives request rates and latencies.

Access: `Authorization: Bearer <METRICS_TOKEN>`; without a configured token the endpoint
does not exist (404), so an installation never exposes it by accident.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Count, Min, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from mailer.models import OutboundEmail
from media_library.models import Download
from newsletter.models import Delivery, Issue
from portal import health

logger = logging.getLogger(__name__)

# kombu's Redis transport keeps a queue's tasks in a list named after the queue, plus one list
# per non-default priority ("email\x06\x163" ...): the depth is their sum.
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (0, 3, 6, 9)


class PortalCollector(Collector):
    """Our gauges, computed from the database and Redis at each scrape."""

    def collect(self) -> Iterator:
        yield from self._services()
        yield from self._outbox()
        yield from self._newsletter()
        yield from self._downloads()
        yield from self._queues()
        yield from self._processes()

    def _services(self):
        up = GaugeMetricFamily("portal_up", "1 when the service answers", labels=["service"])
        for name, ok in health.run_checks().items():
            up.add_metric([name], 1 if ok else 0)
        yield up

    def _outbox(self):
        now = timezone.now()
        stats = OutboundEmail.objects.aggregate(
            pending=Count("pk", filter=Q(status=OutboundEmail.Status.PENDING)),
            failed=Count("pk", filter=Q(status=OutboundEmail.Status.FAILED)),
            oldest=Min("created_at", filter=Q(status=OutboundEmail.Status.PENDING)),
        )
        yield GaugeMetricFamily(
            "portal_outbox_pending", "Emails waiting to be sent", value=stats["pending"]
        )
        yield GaugeMetricFamily(
            "portal_outbox_failed", "Emails that failed for good", value=stats["failed"]
        )
        age = (now - stats["oldest"]).total_seconds() if stats["oldest"] else 0.0
        yield GaugeMetricFamily(
            "portal_outbox_oldest_pending_age_seconds",
            "Age of the oldest email waiting to be sent (0: none waits)",
            value=max(age, 0.0),
        )

    def _newsletter(self):
        rows = GaugeMetricFamily(
            "portal_newsletter_deliveries",
            "Delivery rows of the issues being sent, by state",
            labels=["issue", "status"],
        )
        progress = GaugeMetricFamily(
            "portal_newsletter_progress_ratio",
            "Share of an issue's delivery rows no longer pending",
            labels=["issue"],
        )
        sending = Issue.objects.filter(status=Issue.Status.SENDING).values_list("pk", flat=True)
        counts: dict[int, dict[str, int]] = {}
        for issue_id, status, n in (
            Delivery.objects.filter(issue_id__in=list(sending))
            .values_list("issue_id", "status")
            .annotate(n=Count("pk"))
            .values_list("issue_id", "status", "n")
        ):
            counts.setdefault(issue_id, {})[status] = n
        for issue_id, by_status in sorted(counts.items()):
            for status in Delivery.Status.values:
                rows.add_metric([str(issue_id), status], by_status.get(status, 0))
            total = sum(by_status.values())
            done = total - by_status.get(Delivery.Status.PENDING, 0)
            progress.add_metric([str(issue_id)], done / total if total else 1.0)
        yield rows
        yield progress

    def _downloads(self):
        yield CounterMetricFamily(
            "portal_downloads", "Downloads recorded", value=Download.objects.count()
        )

    def _queues(self):
        if not settings.REDIS_URL:
            return
        depth = GaugeMetricFamily(
            "portal_queue_length", "Tasks waiting in each Celery queue", labels=["queue"]
        )
        try:
            client = health._redis()
            pipe = client.pipeline()
            for queue in health.QUEUES:
                for step in PRIORITY_STEPS:
                    pipe.llen(queue if not step else f"{queue}{PRIORITY_SEPARATOR}{step}")
            lengths = pipe.execute()
        except Exception as exc:  # noqa: BLE001 - portal_up says Redis is down
            logger.warning("metrics: queue lengths unavailable: %s", exc)
            return
        steps = len(PRIORITY_STEPS)
        for index, queue in enumerate(health.QUEUES):
            depth.add_metric([queue], sum(lengths[index * steps : (index + 1) * steps]))
        yield depth

    def _processes(self):
        workers = health.workers_per_queue()
        if workers is None:
            return
        gauge = GaugeMetricFamily(
            "portal_workers", "Workers answering for each queue", labels=["queue"]
        )
        for queue, count in workers.items():
            gauge.add_metric([queue], count)
        yield gauge
        age = health.beat_heartbeat_age()
        yield GaugeMetricFamily(
            "portal_beat_heartbeat_age_seconds",
            "Seconds since beat last ticked (-1: never seen)",
            value=-1 if age is None else age,
        )


def exposition() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(PortalCollector())
    return generate_latest(registry)


def _authorised(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given, token)


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not settings.METRICS_TOKEN:
        raise Http404
    if not _authorised(request):
        response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
