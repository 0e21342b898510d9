"""The catalogue's search at scale: a search lists at most SEARCH_RESULTS_CAP videos.

Its work is bounded by that cap, not by the number of matches (issue 8, target P3): only the
newest matches are ranked, and the count stops at the cap, which the page words as "1,000+".
The cap is made small here; the stories run on SQLite and, with DATABASE_URL set, on
PostgreSQL, where the ones that need its full-text search ask for the `postgres` fixture.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from media_library import models, search
from media_library.models import Video, VideoQuerySet
from media_library.tests.factories import VideoFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("media_library:video_list")
CAP = 5


@pytest.fixture
def small_cap(monkeypatch) -> int:
    monkeypatch.setattr(search, "SEARCH_RESULTS_CAP", CAP)
    return CAP


def titles(response) -> list[str]:
    return [video.title for video in response.context["videos"]]


def count_heading(response) -> str:
    html = response.content.decode()
    start = html.index('id="results-heading"')
    heading = html[html.index(">", start) + 1 : html.index("</h2>", start)]
    return re.sub(r"[ \n]+", " ", heading).strip()  # the no-break spaces of numbers stay


def frigate_videos(count: int, *, title_hits: tuple[int, ...] = ()) -> list[Video]:
    """`count` videos about a frigate, newest first; those in `title_hits` name it in the title."""
    now = timezone.now()
    return [
        VideoFactory(
            title=f"Frigate at sea {n}" if n in title_hits else f"Harbour arrival {n}",
            summary="The crew waves.",
            shot_list="00:00:01 Frigate leaving the harbour",
            published_at=now - timedelta(hours=n + 1),
        )
        for n in range(count)
    ]


def test_a_frequent_word_lists_title_hits_first_and_says_when_there_are_more(client, small_cap):
    videos = frigate_videos(CAP + 3, title_hits=(3,))
    VideoFactory(title="Podium", shot_list="00:00:01 Podium")

    response = client.get(LIST_URL, {"q": "frigate"})

    # The newest CAP matches, the title hit first, then newest first; the older ones are cut.
    newest = [v.title for v in videos[:CAP]]
    assert titles(response) == [videos[3].title] + [t for t in newest if t != videos[3].title]
    assert response.context["page"].paginator.count == CAP
    assert count_heading(response) == f"{CAP}+ videos"
    assert f"Only {CAP} of them are listed" in response.content.decode()


def test_a_search_under_the_cap_shows_its_exact_total(client, small_cap):
    frigate_videos(CAP - 1, title_hits=(2,))

    response = client.get(LIST_URL, {"q": "frigate"})

    assert len(titles(response)) == CAP - 1
    assert titles(response)[0] == "Frigate at sea 2"
    assert count_heading(response) == f"{CAP - 1} videos"
    assert "are listed" not in response.content.decode()


def test_the_cap_wording_is_french_for_a_french_reader(client, small_cap):
    frigate_videos(CAP + 1)
    client.cookies["django_language"] = "fr"

    html = client.get(LIST_URL, {"q": "frigate"}).content.decode()

    assert f"{CAP} vidéos ou plus" in html
    assert f"Seules {CAP} d’entre elles sont affichées" in html  # noqa: RUF001


def test_a_thousand_matches_are_counted_with_the_readers_thousands_separator(client):
    assert search.SEARCH_RESULTS_CAP == 1000
    now = timezone.now()
    Video.objects.bulk_create(
        Video(
            title=f"Frigate {n}",
            slug=f"frigate-{n}",
            status=Video.Status.PUBLISHED,
            published_at=now - timedelta(minutes=n + 1),
        )
        for n in range(1001)
    )
    if connection.vendor == "postgresql":  # bulk_create skips the signal that fills the vector
        Video.objects.update(search_vector=SearchVector("title", config=models.SEARCH_CONFIG))

    english = client.get(LIST_URL, {"q": "frigate"})
    client.cookies["django_language"] = "fr"
    french = client.get(LIST_URL, {"q": "frigate"})

    assert english.context["page"].paginator.count == 1000
    assert count_heading(english) == "1,000+ videos"
    assert count_heading(french) == "1\xa0000 vidéos ou plus"


def test_sorting_a_search_by_newest_is_exact_and_ignores_title_hits(client, small_cap):
    videos = frigate_videos(CAP + 3, title_hits=(CAP + 1, 2))

    response = client.get(LIST_URL, {"q": "frigate", "sort": "newest"})

    assert titles(response) == [v.title for v in videos[:CAP]]
    assert count_heading(response) == f"{CAP}+ videos"


def test_sorting_a_search_by_oldest_lists_the_oldest_matches(client, small_cap):
    videos = frigate_videos(CAP + 3)

    response = client.get(LIST_URL, {"q": "frigate", "sort": "oldest"})

    assert titles(response) == [v.title for v in reversed(videos)][:CAP]


def test_a_rare_word_lists_every_one_of_its_matches(client, small_cap):
    frigate_videos(CAP * 3)
    now = timezone.now()
    rare = [
        VideoFactory(
            title=f"Doorstep {n}",
            shot_list="00:00:01 Corvette alongside",
            published_at=now - timedelta(days=30 * n),
        )
        for n in range(3)
    ]

    response = client.get(LIST_URL, {"q": "corvette"})

    assert titles(response) == [v.title for v in rare]
    assert count_heading(response) == "3 videos"


def test_the_pages_of_a_capped_search_end_at_the_cap(client, small_cap, monkeypatch):
    from media_library import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    videos = frigate_videos(CAP + 4)

    pages = [client.get(LIST_URL, {"q": "frigate", "sort": "newest", "page": n}) for n in (1, 2, 3)]

    assert [title for page in pages for title in titles(page)] == [v.title for v in videos[:CAP]]
    assert pages[0].context["page"].paginator.num_pages == 3
    assert 'rel="next"' not in pages[2].content.decode()


def test_the_catalogue_without_a_search_is_not_capped(client, small_cap):
    frigate_videos(CAP + 2)

    response = client.get(LIST_URL)

    assert len(titles(response)) == CAP + 2
    assert count_heading(response) == f"{CAP + 2} videos"


def filters(**chosen) -> dict:
    """VideoFilterForm's cleaned data with nothing chosen but `chosen`."""
    empty = dict.fromkeys(search.FILTERS)
    return {**empty, "country": "", "q": "", "sort": "", **chosen}


def test_a_capped_search_finds_its_newest_matches_once_for_the_count_and_the_page(small_cap):
    frigate_videos(CAP + 3)

    with CaptureQueriesContext(connection) as queries:
        page = search.catalogue_page(filters(q="frigate"), page_number=1, per_page=2)
        shown = list(page.object_list)

    assert (page.paginator.count, page.paginator.cap, page.paginator.capped) == (CAP, CAP, True)
    sqls = [q["sql"] for q in queries.captured_queries]
    assert not any("COUNT(" in sql for sql in sqls)  # the count is the matches found
    newest = [sql for sql in sqls if sql.endswith(f"LIMIT {CAP}")]
    assert len(newest) == 1  # only the newest CAP matches are looked for, and only once
    assert sqls[-1].endswith("LIMIT 2")  # the page ranks those only
    assert len(shown) == 2


def test_a_filter_added_to_a_capped_listing_cannot_lose_the_cap(small_cap):
    videos = frigate_videos(CAP + 3)
    newest = [v.title for v in videos[:CAP]]

    for sort in ("", "newest", "oldest", "title"):
        listing = search.catalogue_page(
            filters(q="frigate", sort=sort), page_number=1, per_page=2
        ).paginator.object_list
        narrowed = listing.filter(title__startswith="Harbour").exclude(pk=0)

        # The cap is in the listing's SQL, so every copy of it, filtered or not, keeps it.
        assert narrowed.count() == CAP
        assert len(list(listing.all())) == CAP
        if sort in ("", "newest"):
            assert sorted(video.title for video in narrowed) == sorted(newest)
    # ...and no queryset holds search state that a copy could drop.
    for name in ("result_cap", "_matches", "_newest", "_capped", "count"):
        assert name not in vars(VideoQuerySet), name


def test_the_catalogue_without_a_search_is_counted_and_has_no_cap(small_cap):
    frigate_videos(CAP + 2)

    page = search.catalogue_page(None, page_number=1, per_page=4)

    assert (page.paginator.count, page.paginator.cap, page.paginator.capped) == (
        CAP + 2,
        None,
        False,
    )
    assert page.paginator.num_pages == 2


def test_postgres_passes_the_newest_matches_to_the_page_as_one_array_parameter(postgres, small_cap):
    frigate_videos(CAP + 1)

    listing = search.catalogue_page(
        filters(q="frigate"), page_number=1, per_page=2
    ).paginator.object_list
    sql, params = listing.query.sql_with_params()

    assert "= ANY(%s)" in sql
    arrays = [param for param in params if isinstance(param, list)]
    assert len(arrays) == 1 and len(arrays[0]) == CAP  # the newest matches, one value


# --- PostgreSQL's full-text search -------------------------------------------------------------


def test_postgres_ranks_title_hits_then_relevance_then_newest_among_the_newest(
    postgres, client, small_cap
):
    now = timezone.now()
    plain = VideoFactory(
        title="Harbour", shot_list="00:00:01 Frigate", published_at=now - timedelta(hours=1)
    )
    repeated = VideoFactory(
        title="Navy",
        summary="Frigate, frigate and frigate.",
        shot_list="00:00:01 Frigate",
        published_at=now - timedelta(hours=2),
    )
    titled = VideoFactory(
        title="Frigate drill", shot_list="00:00:01 Deck", published_at=now - timedelta(hours=3)
    )
    for n in range(CAP - 3):
        VideoFactory(
            title=f"Escort {n}",
            shot_list="00:00:01 Frigate",
            published_at=now - timedelta(hours=4 + n),
        )
    older_title_hit = VideoFactory(
        title="Frigate of old", shot_list="00:00:01 Frigate", published_at=now - timedelta(days=9)
    )

    response = client.get(LIST_URL, {"q": "frigates"})

    listed = titles(response)
    assert listed[:3] == [titled.title, repeated.title, plain.title]
    assert older_title_hit.title not in listed  # beyond the newest CAP matches
    assert count_heading(response) == f"{CAP}+ videos"


def test_postgres_phrase_search_finds_the_words_side_by_side_only(postgres, client):
    side_by_side = VideoFactory(title="Doorstep", shot_list="00:00:01 Frigate escort leaves")
    apart = VideoFactory(title="Harbour", shot_list="00:00:01 Escort of a frigate")
    neither = VideoFactory(title="Podium", shot_list="00:00:01 Podium")

    def found(q: str) -> set[str]:
        return set(titles(client.get(LIST_URL, {"q": q})))

    assert found('"frigate escort"') == {side_by_side.title}
    assert found("frigate escort") == {side_by_side.title, apart.title}
    assert found('"frigate escort" or podium') == {side_by_side.title, neither.title}
    assert found('escort -"frigate escort"') == {apart.title}


def test_postgres_finds_a_phrase_through_its_word_pairs_without_reading_the_rest(postgres):
    together = VideoFactory(title="Doorstep", shot_list="00:00:01 Frigate escort leaves")
    for n in range(6):  # both words, never side by side
        VideoFactory(title=f"Harbour {n}", shot_list="00:00:01 Escort of a frigate")

    phrase = Video.objects.search('"frigate escort"')
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the index path, as a big catalogue has
        sql, params = phrase.values("pk").query.sql_with_params()
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert list(phrase) == [together]
    # The index alone narrows the rows to the one where the words stand together: the six
    # others are never read to check word positions (before migration 0003, all seven were).
    assert "Bitmap Index Scan on video_search_vector_idx" in plan
    assert "'frigat escort'" in plan
    assert "Rows Removed by Index Recheck" not in plan, plan


def test_postgres_phrases_with_quotes_and_backslashes_in_them_search_safely(postgres, client):
    named = VideoFactory(title="Doorstep", summary="O'Brien's frigate leaves port.")
    VideoFactory(title="Harbour", summary="A frigate for O'Brien.")

    def found(q: str) -> list[str]:
        response = client.get(LIST_URL, {"q": q})
        assert response.status_code == 200
        return titles(response)

    assert found("\"o'brien's frigate\"") == [named.title]
    assert found("\"brien''s frigate\"") == [named.title]
    assert found('"frigate \\\\ leaves"') == [named.title]
    assert found('"frigate leaves') == [named.title]  # a phrase left open still counts
    for odd in ('"', '""', '"of the"', "'\\'"):
        found(odd)  # answered, whatever it finds


def test_migration_0003_gives_existing_videos_their_pairs_and_takes_them_back(postgres):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("media_library.migrations.0003_search_word_pairs")
    video = VideoFactory(title="Frigate escort at dawn")
    # As every video stood before migration 0003: words only.
    Video.objects.update(search_vector=SearchVector("title", config=models.SEARCH_CONFIG))
    assert not Video.objects.search('"frigate escort"').exists()

    with connection.schema_editor() as editor:
        migration.add_word_pairs(apps, editor)
    assert list(Video.objects.search('"frigate escort"')) == [video]
    assert list(Video.objects.search('"escort at dawn"')) == [video]  # a stop word between

    with connection.schema_editor() as editor:
        migration.remove_word_pairs(apps, editor)
    vector = Video.objects.values_list("search_vector", flat=True).get()
    assert "'frigat escort'" not in vector and "'frigat'" in vector


def test_postgres_search_page_queries_stay_within_six_as_the_catalogue_grows(
    postgres, client, django_assert_max_num_queries, monkeypatch
):
    from media_library import newest_matches

    monkeypatch.setattr(newest_matches, "SMALL_CATALOGUE", 0)  # searched as a large one is

    def first_view_of_a_search(count: int, words: str) -> int:
        frigate_videos(count)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE media_library_video")  # windows need statistics
        newest_matches.forget_timeline()
        client.get(LIST_URL)  # the filter form's choices, cached per content version
        with django_assert_max_num_queries(6) as queries:
            response = client.get(LIST_URL, {"q": words})
        assert response.status_code == 200
        return len(queries)

    # Each search is one never viewed before (another URL), so the page is rendered.
    small = first_view_of_a_search(5, "frigate")
    large = first_view_of_a_search(60, "frigates")

    # The statistics (two queries, once per process every ten minutes), the planner's
    # estimate, the newest matches, the page.
    assert small == large == 5
