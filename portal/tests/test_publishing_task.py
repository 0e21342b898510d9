"""The beat's publication task: scheduled videos and speeches go public at their minute."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from core.publishable import PublicationStatus as Status
from core.tasks import publish_due_items_task
from media_library.models import Video
from speeches.models import Speech
from speeches.tests.factories import SpeechFactory

NINE = datetime.datetime(2025, 6, 2, 9, 0, tzinfo=datetime.UTC)


def test_beat_runs_the_publication_task_every_minute_by_its_registered_name():
    entry = settings.CELERY_BEAT_SCHEDULE["publish-due-items"]

    assert entry["task"] == publish_due_items_task.name == "core.tasks.publish_due_items"
    assert entry["schedule"].minute == set(range(60))


@pytest.mark.django_db
def test_a_scheduled_item_goes_public_at_its_time_and_the_task_makes_it_so(kind, client):
    model, make = kind
    label = model._meta.label
    with time_machine.travel(NINE - datetime.timedelta(hours=1), tick=False):
        item = make(Status.SCHEDULED, NINE)

        assert publish_due_items_task.delay().get()[label] == 0
        assert client.get(item.get_absolute_url()).status_code == 404

    with time_machine.travel(NINE + datetime.timedelta(seconds=30), tick=False):
        # Public from its minute on, even before the task has run...
        assert client.get(item.get_absolute_url()).status_code == 200
        # ...and the task makes it so for good.
        assert publish_due_items_task.delay().get() == {
            Video._meta.label: 1 if model is Video else 0,
            Speech._meta.label: 1 if model is Speech else 0,
        }

    item.refresh_from_db()
    assert (item.status, item.published_at) == (Status.PUBLISHED, NINE)


@pytest.mark.integration
def test_a_real_worker_publishes_due_items(celery_worker, wait):
    due = SpeechFactory(
        status=Status.SCHEDULED, published_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    future = SpeechFactory(scheduled=True)

    result = publish_due_items_task.delay()

    wait(
        lambda: Speech.objects.filter(pk=due.pk, status=Status.PUBLISHED).exists(),
        timeout=30,
        message="the worker did not publish the due speech",
    )
    assert result.get(timeout=10)[Speech._meta.label] == 1
    future.refresh_from_db()
    assert future.status == Status.SCHEDULED
