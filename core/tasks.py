"""Queueing Celery tasks by name, and the task that publishes scheduled items.

A service that must queue work names the task instead of importing its app's `tasks` module,
which imports the services: no cycle between a module and its tasks. Each app's
`AppConfig.ready()` imports its own `tasks` module, so every task is registered by then, in
web processes as in workers, and in-process (eager) mode still runs the task at once.
"""

from __future__ import annotations

from typing import Any

from celery import current_app, shared_task
from django.apps import apps
from django.db import DatabaseError

from core import publishing
from core.publishable import Publishable


def enqueue(name: str, *args: Any, countdown: float | None = None) -> None:
    """Queue the task registered as `name` with positional `args`.

    A task due at once goes through `Task.delay`, the call that tests and tools watch (a
    test that patches `delay` sees the ids a service queues); a later one through
    `apply_async`. Raises what the broker raises when it cannot be reached: callers that
    must not fail then (an outbox, a batch) catch it and leave the work to their beat sweep.
    """
    task = current_app.tasks[name]
    if countdown and countdown > 0:
        task.apply_async(args, countdown=countdown)
    else:
        task.delay(*args)


@shared_task(
    name="core.tasks.publish_due_items",
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=3,
)
def publish_due_items_task() -> dict[str, int]:
    """Run by Celery beat every minute (CELERY_BEAT_SCHEDULE["publish-due-items"]): every
    scheduled video, speech or other `Publishable` whose time has come becomes published."""
    return {
        model._meta.label: publishing.publish_due(model=model)
        for model in apps.get_models()
        if issubclass(model, Publishable)
    }
