from __future__ import annotations

import pytest

from newsletter.tests.backends import Behaviour


@pytest.fixture
def flaky_mail(settings):
    """Email goes to the in-memory outbox through a backend that can fail like SMTP."""
    Behaviour.reset()
    settings.EMAIL_BACKEND = "newsletter.tests.backends.FlakyBackend"
    yield Behaviour
    Behaviour.reset()


@pytest.fixture
def site_url(settings) -> str:
    settings.SITE_URL = "https://portal.example"
    settings.NEWSLETTER_UNSUBSCRIBE_MAILTO = "unsubscribe@portal.example"
    return settings.SITE_URL


@pytest.fixture
def exclusive_workers(start_celery_worker):
    """Start drill workers with their own settings, the only ones taking newsletter tasks.

    The session worker (started by another test) would otherwise take half the batches with
    its default settings: it stops consuming the "email" queue until the drill ends.
    """
    from portal.celery import app

    others = [name for reply in app.control.ping(timeout=1.0) for name in reply]
    if others:
        app.control.cancel_consumer("email", destination=others, reply=True, timeout=2)
    yield start_celery_worker
    if others:
        app.control.add_consumer("email", destination=others, reply=True, timeout=2)
