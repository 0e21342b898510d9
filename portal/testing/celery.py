"""Pointing this process's Celery app at another broker for a drill, then back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def broker_at(url: str) -> Iterator[None]:
    """Queue tasks to `url` (e.g. a port where nothing listens) inside the block.

    The app's connection pools are swapped, not closed: other parts of Celery (the control
    mailbox) keep references to the originals, which must still work afterwards.
    """
    from portal.celery import app

    saved = (app.conf.broker_url, app.conf.task_always_eager, app._pool, app.amqp._producer_pool)
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = url
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
        (app.conf.broker_url, app.conf.task_always_eager, app._pool, app.amqp._producer_pool) = (
            saved
        )
