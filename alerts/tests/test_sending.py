"""A daily alert collects the day's new videos and sends them in one digest at the
operator's time; nothing is sent twice, and unpublished videos are left out."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from alerts import sending
from alerts.models import Announcement
from alerts.tests.conftest import alert_emails, announced_slugs
from alerts.tests.factories import SavedSearchFactory
from core import publishing
from mailer.models import OutboundEmail
from media_library.models import Video
from media_library.tests.factories import VideoFactory

pytestmark = pytest.mark.django_db


def test_a_daily_alert_waits_for_the_digest_then_lists_the_days_videos(
    draft_video, publish, run_on_commit, mailoutbox
):
    daily = SavedSearchFactory(filters={"q": "flood"}, frequency="daily", email_language="fr")
    publish(draft_video(title="Flood morning", slug="flood-morning"))
    publish(draft_video(title="Flood evening", slug="flood-evening"))
    assert alert_emails(mailoutbox) == []
    assert Announcement.objects.filter(saved_search=daily, emailed_at__isnull=True).count() == 2

    with run_on_commit():
        counts = sending.send_daily_digests()
    with run_on_commit():
        again = sending.send_daily_digests()

    [email] = alert_emails(mailoutbox)
    assert sorted(announced_slugs(email)) == ["flood-evening", "flood-morning"]
    assert email.subject.startswith("2 nouvelles vidéos pour votre alerte")
    assert (counts["emails"], again["emails"]) == (1, 0)


def test_a_video_unpublished_before_the_digest_is_left_out(
    draft_video, publish, run_on_commit, mailoutbox
):
    SavedSearchFactory(filters={"q": "flood"}, frequency="daily")
    kept, withdrawn = draft_video(title="Flood kept"), draft_video(title="Flood withdrawn")
    publish(kept, withdrawn)
    publishing.unpublish(item=Video.objects.get(pk=withdrawn.pk))

    with run_on_commit():
        sending.send_daily_digests()

    [email] = alert_emails(mailoutbox)
    assert announced_slugs(email) == [kept.slug]


def test_two_digest_runs_at_once_send_each_alert_once(transactional_db):
    searches = SavedSearchFactory.create_batch(8, filters={"q": "flood"}, frequency="daily")
    videos = VideoFactory.create_batch(3)
    Announcement.objects.bulk_create(
        Announcement(saved_search=search, video=video) for search in searches for video in videos
    )
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            barrier.wait()
            sending.send_daily_digests()
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert OutboundEmail.objects.filter(category="alerts").count() == 8
    assert not Announcement.objects.filter(emailed_at__isnull=True).exists()


@pytest.mark.parametrize("n_alerts", [3, 40])
def test_writing_a_chunks_emails_takes_the_same_queries_for_any_number_of_alerts(
    postgres, django_assert_num_queries, n_alerts
):
    searches = SavedSearchFactory.create_batch(n_alerts, filters={"q": "flood"})
    video = VideoFactory(title="Flood")
    Announcement.objects.bulk_create(Announcement(saved_search=s, video=video) for s in searches)

    # Take the waiting ones, mark them, the alerts, the videos, the outbox rows; savepoint.
    with django_assert_num_queries(7):  # (their delivery tasks are queued after the commit)
        emailed = sending.send_waiting(search_ids=[s.pk for s in searches])

    assert emailed == n_alerts


def test_the_beat_sweep_emails_instant_alerts_whose_task_was_lost(
    draft_video, run_on_commit, mailoutbox, monkeypatch, settings
):
    from alerts.tasks import sweep_pending_task

    settings.ALERTS_SWEEP_AFTER_SECONDS = 0
    SavedSearchFactory(filters={"q": "flood"})
    monkeypatch.setattr(sending, "enqueue", lambda *args: None)  # the broker lost them
    with run_on_commit():
        publishing.publish(item=draft_video(title="Flood"))
    assert alert_emails(mailoutbox) == []

    with run_on_commit():
        sweep_pending_task.delay()
    with run_on_commit():
        sweep_pending_task.delay()

    assert len(alert_emails(mailoutbox)) == 1
