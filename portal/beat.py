"""Celery beat's scheduler with a heartbeat: beat writes the time to Redis as it ticks, so
`/readyz`, `check_deployment` and `/metrics` can tell a running beat from a dead one
(settings: CELERY_BEAT_SCHEDULER)."""

from __future__ import annotations

import logging
import time

from celery.beat import PersistentScheduler

from portal import health

logger = logging.getLogger(__name__)


class HeartbeatScheduler(PersistentScheduler):
    def tick(self, *args, **kwargs) -> float:
        wait = super().tick(*args, **kwargs)
        try:
            health.record_beat_heartbeat(time.time())
        except Exception as exc:  # noqa: BLE001 - Redis down: beat's own publishes say so too
            logger.warning("beat heartbeat not written: %s: %s", type(exc).__name__, exc)
        # Tick at least this often, so the heartbeat stays fresh between scheduled tasks.
        return min(wait, health.BEAT_HEARTBEAT_SECONDS)
