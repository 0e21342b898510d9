from __future__ import annotations

import datetime

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from speeches.models import Speech
from speeches.tasks import publish_due_speeches_task
from speeches.tests.factories import SpeechFactory

NINE = datetime.datetime(2025, 6, 2, 9, 0, tzinfo=datetime.UTC)


def test_beat_schedule_runs_the_task_by_its_registered_name():
    entry = settings.CELERY_BEAT_SCHEDULE["publish-due-speeches"]

    assert entry["task"] == publish_due_speeches_task.name == "speeches.tasks.publish_due_speeches"


@pytest.mark.django_db
def test_scheduled_speech_goes_public_at_its_time_through_the_task(client):
    with time_machine.travel(NINE - datetime.timedelta(hours=1), tick=False):
        speech = SpeechFactory(status=Speech.Status.SCHEDULED, published_at=NINE)

        assert publish_due_speeches_task.delay().get() == 0
        assert client.get(speech.get_absolute_url()).status_code == 404

    with time_machine.travel(NINE + datetime.timedelta(seconds=30), tick=False):
        # Public from its minute on, even before the task has run...
        assert client.get(speech.get_absolute_url()).status_code == 200
        # ...and the task makes it so for good.
        assert publish_due_speeches_task.delay().get() == 1

    speech.refresh_from_db()
    assert speech.status == Speech.Status.PUBLISHED
    assert speech.published_at == NINE


@pytest.mark.integration
def test_real_worker_publishes_due_speeches(celery_worker, wait):
    due = SpeechFactory(
        status=Speech.Status.SCHEDULED, published_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    future = SpeechFactory(scheduled=True)

    result = publish_due_speeches_task.delay()

    wait(
        lambda: Speech.objects.filter(pk=due.pk, status=Speech.Status.PUBLISHED).exists(),
        timeout=30,
        message="the worker did not publish the due speech",
    )
    assert result.get(timeout=10) == 1
    future.refresh_from_db()
    assert future.status == Speech.Status.SCHEDULED
