from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from speeches import services
from speeches.models import Speech
from speeches.tests.factories import SpeechFactory

pytestmark = pytest.mark.django_db


def test_publish_speech_makes_a_draft_public_now():
    speech = SpeechFactory()

    with time_machine.travel(datetime.datetime(2025, 3, 1, 9, 0, tzinfo=datetime.UTC)):
        published = services.publish_speech(speech=speech)

    speech.refresh_from_db()
    assert published.status == speech.status == Speech.Status.PUBLISHED
    assert speech.published_at == datetime.datetime(2025, 3, 1, 9, 0, tzinfo=datetime.UTC)
    assert speech.is_public


def test_publish_speech_with_a_future_time_schedules_it():
    speech = SpeechFactory()
    later = timezone.now() + datetime.timedelta(days=2)

    services.publish_speech(speech=speech, publish_at=later)

    speech.refresh_from_db()
    assert speech.status == Speech.Status.SCHEDULED
    assert speech.published_at == later
    assert not Speech.objects.published().filter(pk=speech.pk).exists()


def test_publishing_a_scheduled_speech_now_brings_it_forward():
    speech = SpeechFactory(scheduled=True)

    services.publish_speech(speech=speech)

    speech.refresh_from_db()
    assert speech.status == Speech.Status.PUBLISHED
    assert speech.published_at <= timezone.now()


def test_republishing_keeps_the_original_publication_time():
    speech = SpeechFactory(published=True)
    first = speech.published_at

    services.publish_speech(speech=speech)

    speech.refresh_from_db()
    assert speech.published_at == first


def test_unpublish_speech_returns_it_to_draft_and_cancels_a_schedule():
    published = SpeechFactory(published=True)
    scheduled = SpeechFactory(scheduled=True)

    services.unpublish_speech(speech=published)
    services.unpublish_speech(speech=scheduled)

    for speech in (published, scheduled):
        speech.refresh_from_db()
        assert speech.status == Speech.Status.DRAFT
        assert speech.published_at is None
    assert not Speech.objects.published().exists()


def test_publish_due_speeches_publishes_only_those_whose_time_has_come():
    with time_machine.travel(datetime.datetime(2025, 5, 1, 12, 0, tzinfo=datetime.UTC), tick=False):
        due = SpeechFactory(
            status=Speech.Status.SCHEDULED,
            published_at=datetime.datetime(2025, 5, 1, 11, 59, tzinfo=datetime.UTC),
        )
        not_yet = SpeechFactory(
            status=Speech.Status.SCHEDULED,
            published_at=datetime.datetime(2025, 5, 1, 12, 1, tzinfo=datetime.UTC),
        )
        draft = SpeechFactory()

        assert services.publish_due_speeches() == 1
        assert services.publish_due_speeches() == 0  # nothing is published twice

    due.refresh_from_db()
    not_yet.refresh_from_db()
    draft.refresh_from_db()
    assert due.status == Speech.Status.PUBLISHED
    assert due.published_at == datetime.datetime(2025, 5, 1, 11, 59, tzinfo=datetime.UTC)
    assert not_yet.status == Speech.Status.SCHEDULED
    assert draft.status == Speech.Status.DRAFT
