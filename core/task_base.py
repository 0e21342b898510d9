"""The base class of every Celery task of the portal (portal/celery.py's `task_cls`)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from celery import Task

# What Celery's in-process path reads of a producer: its serializer (None: the task's own, or
# the app's). No connection behind it.
NO_BROKER = SimpleNamespace(serializer=None)


class PortalTask(Task):
    """A task that, run in process (`task_always_eager`: `make run` without Redis, the unit
    tests), runs where it is queued without going near a broker.

    Celery's in-process path still takes a producer from the broker's connection pool, only
    to read its serializer: without Redis the broker is `memory://`, and kombu logged
    "WARNING No hostname was supplied" for that connection on every signup (issue 16). The
    arguments still go through the serializer, so what could not be queued fails here too.
    """

    def apply_async(
        self,
        args: Any = None,
        kwargs: Any = None,
        task_id: str | None = None,
        producer: Any = None,
        link: Any = None,
        link_error: Any = None,
        shadow: str | None = None,
        **options: Any,
    ):
        if producer is None and self.app.conf.task_always_eager:
            producer = NO_BROKER
        return super().apply_async(
            args, kwargs, task_id, producer, link, link_error, shadow, **options
        )
