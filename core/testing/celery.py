"""Pointing this process's Celery app at another broker for a drill, then back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from celery import current_app


@contextmanager
def broker_at(url: str) -> Iterator[None]:
    """Queue tasks to `url` (e.g. a port where nothing listens) inside the block.

    The app's connection pools are swapped, never closed: kombu registers pools per broker
    and other parts of Celery keep references to them.
    """
    app = current_app._get_current_object()
    saved = (app.conf.broker_url, app.conf.task_always_eager, app._pool, app.amqp._producer_pool)
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = url
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        # Not closed: kombu keeps pools in a registry keyed by broker, and hands the same
        # (closed) pool out again to the next user of that broker.
        (app.conf.broker_url, app.conf.task_always_eager, app._pool, app.amqp._producer_pool) = (
            saved
        )
