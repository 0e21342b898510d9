"""A search's newest matches, found window by window (issue 8, P3).

However wrong PostgreSQL's estimates are, a search lists exactly its newest matches: the
estimates decide only how many windows of publication time are searched before enough matches
are found. The stories here force each path with a chosen estimate and compare the answer with
the plain, unwindowed one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from media_library import newest_matches
from media_library.models import NEWEST_FIRST, Video
from media_library.newest_matches import Timeline, newest_match_ids
from media_library.tests.factories import VideoFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_the_newest_share_of_the_catalogue_starts_where_the_histogram_says():
    days = [NOW - timedelta(days=100 - n) for n in range(101)]  # one video a day, ascending
    catalogue = Timeline(videos=100_000, bounds=days)

    assert catalogue.start_of_newest(10_000) == NOW - timedelta(days=10)
    assert catalogue.start_of_newest(15_000) == NOW - timedelta(days=15)
    assert catalogue.start_of_newest(500) == NOW - timedelta(hours=12)
    assert catalogue.start_of_newest(100_000) is None  # all of it: no window
    assert Timeline(videos=10, bounds=[NOW]).start_of_newest(1) is None


@pytest.fixture
def corvette_catalogue(postgres, monkeypatch) -> list[Video]:
    """Sixty videos, one a day; every third is about a corvette, and two have no time at all.

    The windows are kept for large catalogues; this one is searched as if it were one.
    """
    monkeypatch.setattr(newest_matches, "SMALL_CATALOGUE", 0)
    videos = [
        VideoFactory(
            title=f"Corvette {n}" if n % 3 == 0 else f"Harbour {n}",
            published_at=NOW - timedelta(days=n),
        )
        for n in range(60)
    ]
    videos += [VideoFactory(title=f"Corvette undated {n}", published_at=None) for n in range(2)]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE media_library_video")  # the histogram the windows are cut from
    newest_matches.forget_timeline()
    newest_matches.timeline(connection.alias)  # read once, as a running process has
    return videos


def corvettes():
    return Video.objects.published(now=NOW).search("corvette")


def plain_newest(cap: int) -> list[int]:
    return list(corvettes().order_by(*NEWEST_FIRST).values_list("pk", flat=True)[:cap])


def windows_searched(queries) -> int:
    return sum('"published_at" >=' in q["sql"] for q in queries.captured_queries)


def searches_run(queries) -> int:
    return sum('FROM "media_library_video"' in q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize("cap", [5, 22, 40])
@pytest.mark.parametrize("estimate", [1, 30, 62])
def test_the_newest_matches_are_exact_whatever_the_estimate(
    corvette_catalogue, monkeypatch, cap, estimate
):
    monkeypatch.setattr(newest_matches, "matching_share", lambda matches, known: estimate / 62)

    found = newest_match_ids(corvettes(), cap=cap)

    assert found == plain_newest(cap)
    # 20 dated corvettes, then the 2 undated ones, listed last.
    assert len(found) == min(cap, 22)


def test_too_few_matches_in_the_first_window_lead_to_older_ones(corvette_catalogue, monkeypatch):
    # Every video expected to match: the first window is made twelve days long, for eight
    # matches, and holds four.
    monkeypatch.setattr(newest_matches, "matching_share", lambda matches, known: 1.0)
    monkeypatch.setattr(newest_matches, "WALK_TO_BITMAP_COST", 1000)  # a window is worth it

    with CaptureQueriesContext(connection) as queries:
        found = newest_match_ids(corvettes(), cap=8)

    assert found == plain_newest(8)
    assert windows_searched(queries) >= 2


def test_a_window_without_a_single_match_is_followed_by_all_the_rest(
    corvette_catalogue, monkeypatch
):
    # A rare word expected in one video of four: it is in none of the newest. Instead of
    # ever longer windows, the next search looks everywhere older.
    monkeypatch.setattr(newest_matches, "matching_share", lambda matches, known: 0.25)
    monkeypatch.setattr(newest_matches, "WALK_TO_BITMAP_COST", 1000)
    VideoFactory(title="Frigate of old", published_at=NOW - timedelta(days=59, hours=1))

    with CaptureQueriesContext(connection) as queries:
        found = newest_match_ids(Video.objects.published(now=NOW).search("frigate"), cap=8)

    assert found == [Video.objects.get(title="Frigate of old").pk]
    assert searches_run(queries) == 2


def test_a_frequent_word_is_found_by_walking_the_newest_videos(corvette_catalogue, monkeypatch):
    monkeypatch.setattr(newest_matches, "matching_share", lambda matches, known: 1.0)
    monkeypatch.setattr(newest_matches, "WALK_TO_BITMAP_COST", 0.001)  # walking is cheaper

    with CaptureQueriesContext(connection) as queries:
        found = newest_match_ids(corvettes(), cap=8)

    assert found == plain_newest(8)
    assert windows_searched(queries) == 0
    assert searches_run(queries) == 1


def test_a_catalogue_never_analyzed_is_searched_in_one_query(postgres, monkeypatch):
    monkeypatch.setattr(newest_matches, "timeline", lambda using: None)
    corvette = VideoFactory(title="Corvette", published_at=NOW)

    with CaptureQueriesContext(connection) as queries:
        found = newest_match_ids(corvettes(), cap=8)

    assert found == [corvette.pk]
    assert searches_run(queries) == 1


def test_the_catalogues_timeline_comes_from_postgresql_statistics(corvette_catalogue):
    catalogue = newest_matches.timeline(connection.alias)

    assert catalogue is not None
    assert catalogue.videos == 62
    assert 0 < catalogue.published <= 62  # the planner's count of the published ones
    assert catalogue.bounds == sorted(catalogue.bounds)
    assert NOW - timedelta(days=59) <= catalogue.bounds[0] < catalogue.bounds[-1] <= NOW
