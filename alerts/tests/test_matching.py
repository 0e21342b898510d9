"""A journalist's saved search tells them when matching videos are published: one email per
alert and burst, each (alert, video) announced once, in the alert's language."""

from __future__ import annotations

import random
import threading

import pytest
from allauth.account.models import EmailAddress
from django.db import connection, transaction
from django.utils import timezone

from alerts import matching
from alerts.models import Announcement, PendingMatch
from alerts.tests.conftest import alert_emails, announced_pairs, announced_slugs
from alerts.tests.factories import SavedSearchFactory
from core import publishing
from core.tasks import publish_due_items_task
from media_library.models import Video
from media_library.tests.factories import (
    CategoryFactory,
    EventFactory,
    LanguageFactory,
    RenditionFactory,
    TagFactory,
    VideoFactory,
)

pytestmark = pytest.mark.django_db


def test_publishing_a_matching_video_emails_the_alert_once(draft_video, publish, mailoutbox):
    search = SavedSearchFactory(filters={"q": "flood"})
    SavedSearchFactory(filters={"q": "election"})  # matches nothing here
    flood = draft_video(title="Flood in the valley", slug="flood-valley")

    publish(flood)

    [email] = alert_emails(mailoutbox)
    assert email.to == [search.user.email]
    assert announced_slugs(email) == ["flood-valley"]
    assert "“flood”" in email.subject
    assert announced_pairs() == {(search.pk, flood.pk)}
    assert not PendingMatch.objects.exists()


def test_a_burst_is_one_email_per_alert_listing_every_new_video(
    draft_video, run_on_commit, mailoutbox
):
    search = SavedSearchFactory(filters={"q": "flood"})
    videos = [draft_video(title=f"Flood report {n}", slug=f"flood-{n}") for n in range(3)]

    with run_on_commit():  # an editor's admin action: one transaction, three publications
        for video in videos:
            publishing.publish(item=video)

    [email] = alert_emails(mailoutbox)
    assert sorted(announced_slugs(email)) == ["flood-0", "flood-1", "flood-2"]
    assert email.subject.startswith("3 new videos for your alert")
    assert len(announced_pairs()) == 3 and {s for s, _ in announced_pairs()} == {search.pk}


def test_a_video_is_never_announced_twice_to_the_same_alert(draft_video, publish, mailoutbox):
    SavedSearchFactory(filters={"q": "flood"})
    flood = draft_video(title="Flood in the valley")
    publish(flood)

    publish(flood)  # saved again by an editor
    with_unpublish = Video.objects.get(pk=flood.pk)
    publishing.unpublish(item=with_unpublish)
    publish(with_unpublish)  # taken down and published again
    matching.match_pending()  # and a stray run

    assert len(alert_emails(mailoutbox)) == 1
    assert Announcement.objects.count() == 1


def test_the_email_is_in_the_language_the_alert_was_saved_in(draft_video, publish, mailoutbox):
    SavedSearchFactory(filters={"q": "flood"}, email_language="fr")

    publish(draft_video(title="Flood in the valley"))

    [email] = alert_emails(mailoutbox)
    assert email.subject.startswith("Une nouvelle vidéo pour votre alerte")
    assert "Bonjour" in email.body
    html = email.alternatives[0][0]
    assert 'lang="fr"' in html and "Gérer vos alertes" in html


def test_each_email_carries_its_own_one_click_unsubscribe_and_the_manage_link(
    draft_video, publish, mailoutbox
):
    first = SavedSearchFactory(filters={"q": "flood"})
    second = SavedSearchFactory(filters={"q": "flood"})  # the same search, another reader

    publish(draft_video(title="Flood in the valley"))

    emails = {email.to[0]: email for email in alert_emails(mailoutbox)}
    for search in (first, second):
        email = emails[search.user.email]
        header = email.extra_headers["List-Unsubscribe"]
        assert header.startswith("<https://portal.example/accounts/me/alerts/unsubscribe/")
        assert header.endswith("/one-click/>")
        assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "https://portal.example/accounts/me/alerts/" in email.body
    assert (
        emails[first.user.email].extra_headers["List-Unsubscribe"]
        != emails[second.user.email].extra_headers["List-Unsubscribe"]
    )


def test_filters_narrow_the_alert_as_they_narrow_the_catalogue(draft_video, publish, mailoutbox):
    sport, politics = CategoryFactory(name="Sport"), CategoryFactory(name="Politics")
    french = LanguageFactory(code="fr", name="French")
    sport_in_fr = SavedSearchFactory(filters={"category": sport, "language": french})
    in_hd = SavedSearchFactory(filters={"min_height": 1080, "country": "FR"})
    match = draft_video(title="Cup final", category=sport, country="FR")
    match.languages.add(french)
    RenditionFactory(video=match, height=1080)
    other = draft_video(title="Debate", category=politics, country="FR")
    RenditionFactory(video=other, height=720)

    publish(match, other)

    assert announced_pairs() == {(sport_in_fr.pk, match.pk), (in_hd.pk, match.pk)}


def test_an_alert_whose_category_was_deleted_keeps_working_on_the_rest_and_says_so(
    draft_video, publish, mailoutbox
):
    sport = CategoryFactory(name="Sport")
    search = SavedSearchFactory(filters={"q": "final", "category": sport})
    sport.delete()

    publish(draft_video(title="Cup final", category=CategoryFactory(name="Football")))

    [email] = alert_emails(mailoutbox)
    assert "The category “Sport” no longer exists" in email.body
    assert {s for s, _ in announced_pairs()} == {search.pk}


def test_alerts_of_unverified_inactive_or_stopped_accounts_send_nothing(
    draft_video, publish, mailoutbox
):
    unverified = SavedSearchFactory(filters={"q": "flood"})
    EmailAddress.objects.filter(user=unverified.user).update(verified=False)
    inactive = SavedSearchFactory(filters={"q": "flood"})
    inactive.user.is_active = False
    inactive.user.save()
    SavedSearchFactory(filters={"q": "flood"}, active=False)
    deleted = SavedSearchFactory(filters={"q": "flood"})
    deleted.user.delete()

    publish(draft_video(title="Flood in the valley"))

    assert alert_emails(mailoutbox) == []
    assert announced_pairs() == set()


def test_only_videos_published_after_the_alert_was_saved_are_announced(
    draft_video, run_on_commit, mailoutbox
):
    SavedSearchFactory(filters={"q": "flood"}, created_at=timezone.now())
    back_dated = draft_video(title="Flood archive")

    with run_on_commit():
        publishing.publish(item=back_dated, at=timezone.now() - timezone.timedelta(days=3))

    assert alert_emails(mailoutbox) == []


def test_a_scheduled_video_is_announced_when_the_beat_task_publishes_it(
    draft_video, run_on_commit, mailoutbox
):
    search = SavedSearchFactory(filters={"q": "embargo"})
    video = draft_video(title="Embargoed statement")
    with run_on_commit():
        publishing.publish(item=video, at=timezone.now() + timezone.timedelta(minutes=5))
    assert alert_emails(mailoutbox) == []
    Video.objects.filter(pk=video.pk).update(published_at=timezone.now())

    with run_on_commit():
        publish_due_items_task.delay()

    assert len(alert_emails(mailoutbox)) == 1
    assert announced_pairs() == {(search.pk, video.pk)}


def test_the_statement_matches_what_the_catalogues_own_search_finds(postgres, fuzz_seed):
    """The SQL matcher against `VideoQuerySet.filtered().search()` for random saved searches
    over random videos: the same videos for every search."""
    rng = random.Random(fuzz_seed)
    words = ["flood", "storm", "summit", "election", "minister", "river", "fire"]
    categories = [CategoryFactory(name=f"Cat {n}") for n in range(3)]
    events = [EventFactory() for _ in range(2)]
    languages = [LanguageFactory(code="en", name="English"), LanguageFactory(code="fr", name="F")]
    tags = [TagFactory(name=word) for word in ("weather", "politics")]
    videos = []
    for n in range(30):
        video = VideoFactory(
            title=" ".join(rng.sample(words, 2)) + f" {n}",
            summary=" ".join(rng.sample(words, 3)),
            category=rng.choice([*categories, None]),
            event=rng.choice([*events, None]),
            country=rng.choice(["FR", "BE", ""]),
            recorded_on=timezone.now().date() - timezone.timedelta(days=rng.randrange(60)),
            tags=rng.sample(tags, rng.randrange(3)),
        )
        video.languages.set(rng.sample(languages, rng.randrange(3)))
        if rng.random() < 0.5:
            RenditionFactory(video=video, height=rng.choice([720, 1080, 2160]))
        videos.append(video)
    queries = [
        "",
        "flood",
        "storm river",
        '"flood storm"',
        "flood or fire",
        "summit -minister",
        "weather",
        "the",
    ]
    today = timezone.now().date()
    searches = []
    for _ in range(60):
        filters = {"q": rng.choice(queries)}
        if rng.random() < 0.3:
            filters["category"] = rng.choice(categories)
        if rng.random() < 0.2:
            filters["event"] = rng.choice(events)
        if rng.random() < 0.3:
            filters["language"] = rng.choice(languages)
        if rng.random() < 0.2:
            filters["country"] = rng.choice(["FR", "BE"])
        if rng.random() < 0.2:
            filters["date_from"] = today - timezone.timedelta(days=rng.randrange(60))
        if rng.random() < 0.2:
            filters["date_to"] = today - timezone.timedelta(days=rng.randrange(60))
        if rng.random() < 0.2:
            filters["min_height"] = rng.choice([720, 1080, 2160])
        searches.append(SavedSearchFactory(filters=filters))
    ids = [video.pk for video in videos]

    with transaction.atomic():  # the one-command run's path (SQLite), then rolled back
        by_python = matching._announce_in_python(ids, timezone.now())
        transaction.set_rollback(True)
    inserted = matching.announce(video_ids=ids, now=timezone.now())

    found = {(search_id, video_id) for search_id, video_id, _ in inserted}
    assert {(search_id, video_id) for search_id, video_id, _ in by_python} == found
    expected = {
        (search.pk, video_id)
        for search in searches
        for video_id in matching.matches_by_catalogue(search, ids)
    }
    print(f"{len(expected)} (search, video) pairs over 60 searches and 30 videos agree")
    assert found == expected
    assert expected, "the draw matched nothing: the comparison would prove nothing"


@pytest.mark.parametrize("n_searches", [3, 40])
def test_matching_takes_the_same_number_of_queries_for_any_number_of_alerts(
    postgres, draft_video, run_on_commit, django_assert_num_queries, n_searches, monkeypatch
):
    monkeypatch.setattr("alerts.signals.queue_matching", lambda: None)  # matched below
    SavedSearchFactory.create_batch(n_searches, filters={"q": "flood"})
    SavedSearchFactory.create_batch(n_searches, filters={"q": f"storm {n_searches}"})
    video = draft_video(title="Flood again")
    with run_on_commit():
        publishing.publish(item=video)

    # Claim, the public ones, the statement, delete the claims; the savepoint and its release.
    with django_assert_num_queries(6):
        result = matching.match_pending()

    assert result.alerts == n_searches


def test_two_workers_matching_at_once_announce_each_pair_once(transactional_db, draft_video):
    searches = SavedSearchFactory.create_batch(5, filters={"q": "flood"})
    videos = [draft_video(title=f"Flood {n}") for n in range(20)]
    for video in videos:
        Video.objects.filter(pk=video.pk).update(
            status=Video.Status.PUBLISHED, published_at=timezone.now()
        )
    PendingMatch.objects.bulk_create([PendingMatch(video=video) for video in videos])
    barrier = threading.Barrier(2)
    results = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(matching.match_pending(limit=7))
            results.append(matching.match_pending(limit=7))
            results.append(matching.match_pending(limit=7))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(r.claimed for r in results) == 20
    assert Announcement.objects.count() == 5 * 20
    assert sum(r.announced for r in results) == 5 * 20
    assert not PendingMatch.objects.exists()
    assert {s.pk for s in searches} == set(
        Announcement.objects.values_list("saved_search_id", flat=True)
    )
