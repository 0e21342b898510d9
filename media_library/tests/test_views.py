from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from media_library import views
from media_library.models import CaptionTrack, Rendition, Video
from media_library.tests.factories import (
    CategoryFactory,
    EventFactory,
    LanguageFactory,
    RenditionFactory,
    TagFactory,
    VideoFactory,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("media_library:video_list")


def titles(response) -> list[str]:
    return [video.title for video in response.context["videos"]]


def test_catalogue_lists_published_videos_newest_first_as_cards(client):
    old = VideoFactory(title="Older", published_at=timezone.now() - timedelta(days=3))
    new = VideoFactory(title="Newer", published_at=timezone.now() - timedelta(hours=1))
    VideoFactory(title="Draft", status=Video.Status.DRAFT)
    VideoFactory(
        title="Tomorrow",
        status=Video.Status.SCHEDULED,
        published_at=timezone.now() + timedelta(days=1),
    )
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert titles(response) == [new.title, old.title]
    html = response.content.decode()
    assert new.get_absolute_url() in html
    assert "1:15" in html  # duration
    assert new.category.name in html
    assert "Draft" not in html and "Tomorrow" not in html


def test_catalogue_search_matches_shot_list_words_and_puts_title_hits_first(client):
    in_shots = VideoFactory(
        title="Arrivals", shot_list="00:00:01 Frigate in the harbour", published_at=timezone.now()
    )
    in_title = VideoFactory(
        title="Frigate exercise", published_at=timezone.now() - timedelta(days=5)
    )
    VideoFactory(title="Podium")
    response = client.get(LIST_URL, {"q": "frigate"})
    assert titles(response) == [in_title.title, in_shots.title]


def test_catalogue_filters_by_category_event_language_country_dates_and_resolution(client):
    press = CategoryFactory(name="Press conference", slug="press-conference")
    summit = EventFactory(slug="summit-2025")
    french = LanguageFactory(code="fr", name="French")
    match = VideoFactory(
        title="Match", category=press, event=summit, country="BE", recorded_on=date(2025, 6, 5)
    )
    match.languages.add(french)
    RenditionFactory(video=match, height=2160, width=3840)
    other = VideoFactory(title="Other", country="FR", recorded_on=date(2024, 1, 1))
    RenditionFactory(video=other, height=720, width=1280)
    for params in [
        {"category": "press-conference"},
        {"event": "summit-2025"},
        {"language": "fr"},
        {"country": "BE"},
        {"date_from": "2025-01-01", "date_to": "2025-12-31"},
        {"min_height": "2160"},
    ]:
        assert titles(client.get(LIST_URL, params)) == ["Match"], params
    assert sorted(titles(client.get(LIST_URL, {"min_height": "720"}))) == ["Match", "Other"]


def test_failed_renditions_do_not_count_for_the_resolution_filter(client):
    video = VideoFactory()
    RenditionFactory(video=video, height=2160, status=Rendition.Status.FAILED)
    assert titles(client.get(LIST_URL, {"min_height": "1080"})) == []


def test_an_inverted_date_range_is_explained(client):
    response = client.get(LIST_URL, {"date_from": "2025-02-01", "date_to": "2025-01-01"})
    assert response.status_code == 200
    assert "The end date must not be before the start date." in response.content.decode()


def test_catalogue_sorts_by_title(client):
    VideoFactory(title="Bravo")
    VideoFactory(title="Alpha")
    assert titles(client.get(LIST_URL, {"sort": "title"})) == ["Alpha", "Bravo"]


def test_catalogue_paginates_and_keeps_the_filters_in_page_links(client, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for n in range(5):
        VideoFactory(title=f"Summit {n}")
    response = client.get(LIST_URL, {"q": "summit", "page": 2})
    assert len(response.context["videos"]) == 2
    html = response.content.decode()
    assert "q=summit&amp;page=3" in html and "q=summit&amp;page=1" in html
    assert client.get(LIST_URL, {"page": 99}).context["page"].number == 3


@pytest.mark.parametrize("count", [3, 30])
def test_catalogue_query_count_does_not_grow_with_the_videos_shown(
    client, django_assert_num_queries, count
):
    for _n in range(count):
        video = VideoFactory(tags=[TagFactory(name="summit")], country="BE")
        RenditionFactory(video=video)
    # First visit: count + page + categories + events + languages + countries.
    with django_assert_num_queries(6):
        first = client.get(LIST_URL, {"q": "conference", "min_height": "720"})
    # Every later visit of the same URL: the whole page comes from the cache.
    with django_assert_num_queries(0):
        response = client.get(LIST_URL, {"q": "conference", "min_height": "720"})
    assert len(first.context["videos"]) == min(count, views.PAGE_SIZE)
    assert _without_csrf_tokens(response) == _without_csrf_tokens(first)


def _without_csrf_tokens(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


# The edit commits, as an editor's does: the content version moves on commit.
@pytest.mark.django_db(transaction=True)
def test_a_new_category_appears_in_the_catalogue_filters_at_once(client):
    from media_library.tests.factories import CategoryFactory

    client.get(LIST_URL)  # the filter choices are cached now

    CategoryFactory(name="Exercise footage", slug="exercise-footage")

    assert '<option value="exercise-footage">Exercise footage</option>' in (
        client.get(LIST_URL).content.decode()
    )


def test_filtering_by_an_unknown_category_says_so_instead_of_failing(client):
    response = client.get(LIST_URL, {"category": "no-such-category"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize("renditions", [1, 4])
def test_video_page_query_count_does_not_grow_with_renditions_tags_shots_or_captions(
    verified_client, django_assert_num_queries, renditions
):
    shots = "\n".join(
        f"00:00:{n:02d} SOUNDBITE (English) Speaker {n}, role: “Words {n}”"
        for n in range(renditions * 5)
    )
    video = VideoFactory(
        tags=[TagFactory(name=f"t{n}") for n in range(renditions)], shot_list=shots
    )
    RenditionFactory.create_batch(renditions, video=video)
    VideoFactory.create_batch(renditions, category=video.category)
    for language in ["en", "fr", "de", "es"][:renditions]:
        CaptionTrack.objects.create(video=video, language=language, source="soundbites")
    # First view: user + video + renditions + tags + languages + caption tracks + shot list
    # + related videos + related speeches (the session, read from the cache, remembers the
    # verified address since login). No query per shot or per track.
    with django_assert_num_queries(9):
        first = verified_client.get(video.get_absolute_url())
    assert first.context["can_download"] is True
    assert len(first.context["renditions"]) == renditions
    assert len(first.context["shots"]) == renditions * 5
    # Later views: the whole page comes from the cache.
    with django_assert_num_queries(0):
        response = verified_client.get(video.get_absolute_url())
    assert (
        response.content.decode().count(
            '<button type="submit" class="button button--small">Download'
        )
        == renditions
    )


def test_video_page_shows_player_metadata_shot_list_terms_and_renditions(client):
    video = VideoFactory(
        title="Opening remarks",
        summary="The Secretary General opens the session.",
        shot_list="00:00:05 Wide shot of the council table",
        usage_terms="Free for editorial use.",
        credits="NATO",
        location="Brussels",
        country="BE",
        thumbnail="thumbnails/opening.jpg",
        preview="previews/opening.mp4",
        event=EventFactory(name="Defence Ministers"),
    )
    video.tags.add(TagFactory(name="council"))
    video.languages.add(LanguageFactory())
    RenditionFactory(video=video, label="HD 1080p", file_size=1_500_000_000)
    RenditionFactory(video=video, label="Failed one", status=Rendition.Status.FAILED)
    html = client.get(video.get_absolute_url()).content.decode()
    assert '<video id="player" controls preload="metadata"' in html
    assert "/media/public/previews/opening.mp4" in html
    assert 'poster="/media/public/thumbnails/opening.jpg"' in html
    for text in [
        "The Secretary General opens the session.",
        "00:00:05",
        "Wide shot of the council table",
        "Free for editorial use.",
        "Brussels",
        "Belgium",
        "Defence Ministers",
        "council",
        "English",
        "HD 1080p",
        "1.4\xa0GB",
        "1920\u00d71080",
        "H264",
        "2 channels",
    ]:
        assert text in html, text
    assert "Failed one" not in html
    assert "Log in" in html


def test_drafts_and_future_videos_are_404_to_the_public_and_previewable_by_staff(
    client, admin_client
):
    draft = VideoFactory(status=Video.Status.DRAFT)
    future = VideoFactory(
        status=Video.Status.SCHEDULED, published_at=timezone.now() + timedelta(days=1)
    )
    for video in (draft, future):
        assert client.get(video.get_absolute_url()).status_code == 404
        response = admin_client.get(video.get_absolute_url())
        assert response.status_code == 200
        assert "Editor preview" in response.content.decode()


def test_unknown_slug_is_404(client):
    assert client.get(reverse("media_library:video_detail", args=["nope"])).status_code == 404


def test_cards_template_renders_for_other_apps(client):
    from django.template.loader import render_to_string

    video = VideoFactory(title="Card title", thumbnail="thumbnails/c.jpg")
    html = render_to_string("media_library/_video_cards.html", {"videos": [video]})
    assert "Card title" in html and "/media/public/thumbnails/c.jpg" in html
    assert 'alt=""' in html


def test_a_card_shows_its_duration_and_links_its_event_and_tags_to_the_catalogue(
    client, django_assert_num_queries
):
    VideoFactory(
        title="Summit arrivals",
        duration_seconds=95,
        thumbnail="thumbnails/arrivals.jpg",
        event=EventFactory(name="Brussels Summit", slug="brussels-summit"),
        tags=[TagFactory(name="heads of state"), TagFactory(name="Arrivals")],
    )
    VideoFactory(title="Untagged", event=None)
    with django_assert_num_queries(1):
        cards = list(Video.objects.published().for_cards().sorted_by())
    html = client.get(LIST_URL).content.decode()

    assert {card.title: card.card_tags for card in cards} == {
        "Summit arrivals": ["Arrivals", "heads of state"],
        "Untagged": [],
    }
    card = html[html.index("Summit arrivals") - 1000 : html.index("Summit arrivals") + 1200]
    assert '<span class="card__badge"><span class="visually-hidden">Duration: </span>1:35' in card
    assert f'href="{LIST_URL}?event=brussels-summit">Brussels Summit</a>' in card
    assert f'<a class="chip" href="{LIST_URL}?q=heads%20of%20state">heads of state</a>' in card
    assert f'<a class="chip" href="{LIST_URL}?q=Arrivals">Arrivals</a>' in card


def test_the_video_page_links_its_tags_to_the_catalogue(client):
    video = VideoFactory(tags=[TagFactory(name="council")])

    html = client.get(video.get_absolute_url()).content.decode()

    assert f'<a class="chip" href="{LIST_URL}?q=council">council</a>' in html


def test_catalogue_and_video_page_speak_french(client):
    video = VideoFactory(shot_list="00:00:01 Plan large")
    RenditionFactory(video=video)
    listing = client.get(LIST_URL, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Rechercher et filtrer" in listing and "1 vidéo" in listing
    page = client.get(video.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Liste des plans" in page and "Versions disponibles de cette vidéo" in page


# The edit commits, as an editor's does: the content version moves on commit.
@pytest.mark.django_db(transaction=True)
def test_a_newly_published_related_video_shows_on_the_page_at_once(client):
    video = VideoFactory()
    client.get(video.get_absolute_url())  # related lists cached now

    newcomer = VideoFactory(category=video.category, title="Fresh arrivals footage")

    page = client.get(video.get_absolute_url()).content.decode()
    assert newcomer.title in page


def test_an_unverified_account_sees_no_download_buttons(client):
    from accounts.tests.factories import UserFactory

    video = VideoFactory()
    RenditionFactory(video=video)
    client.force_login(UserFactory(verified=False))

    response = client.get(video.get_absolute_url())

    assert response.context["can_download"] is False


# --- Shot list, play from here, captions ----------------------------------------------------------

SHOTS = """\
00:00:00 - 00:00:04 Wide shot of the council table
00:00:04 SOUNDBITE (English) Jaap de Hoop Scheffer, NATO Secretary General: "Welcome to this Council."
00:01:12 SOUNDBITE (French) Michèle Alliot-Marie, French Minister of Defence: « Bonjour à tous. »
00:01:30 UPSOUND applause
"""


def shot_page(client, **fields):
    from media_library import shot_entries, shotlist

    fields.setdefault("preview", "previews/nrc.mp4")
    video = VideoFactory(shot_list="", duration_seconds=100.0, slug="nrc", **fields)
    shot_entries.replace_shot_entries(video=video, entries=shotlist.parse(SHOTS).entries)
    return video, client.get(video.get_absolute_url()).content.decode()


def test_the_shot_list_shows_timecodes_kinds_durations_and_soundbites_as_quotes(client):
    _video, html = shot_page(client)
    assert "4 entries, 2 soundbites · 1:40 in all" in html
    assert '<blockquote lang="fr"><p>Bonjour à tous.</p></blockquote>' in html
    assert (
        '<figcaption><span class="soundbite__speaker">Jaap de Hoop Scheffer</span>, '
        'NATO Secretary General <span class="soundbite__language">(English)</span></figcaption>'
    ) in html
    # Kinds, and durations up to the next entry or the end of the video (1:40).
    for cell in [
        "<td>Soundbite</td>",
        "<td>Upsound</td>",
        "<td>0:04</td>",
        "<td>1:08</td>",
        "<td>0:18</td>",
        "<td>0:10</td>",
    ]:
        assert cell in html, cell


def test_every_timecode_is_a_media_fragment_link_that_plays_the_preview_from_there(client):
    _video, html = shot_page(client)
    assert (
        '<a class="play-from" href="/media/public/previews/nrc.mp4#t=72" data-play-from="72.000">'
        "<code>00:01:12</code>"
    ) in html
    assert html.count('class="play-from"') == 4
    assert '<video id="player"' in html
    assert re.search(r'<script src="/static/js/play-from-here[^"]*\.js" defer></script>', html)


def test_without_a_preview_the_timecodes_are_plain_text(client):
    _video, html = shot_page(client, preview="")
    assert 'class="play-from"' not in html and "<code>00:01:12</code>" in html


def test_the_preview_carries_a_caption_track_per_language_and_the_files_are_offered(client):
    video, html = shot_page(client)
    assert (
        '<track kind="captions" srclang="en" label="English" src="/videos/nrc/captions/en.vtt" '
        "default>"
    ) in html
    assert (
        '<track kind="captions" srclang="fr" label="français" src="/videos/nrc/captions/fr.vtt">'
    ) in html
    assert 'href="/videos/nrc/captions/fr.srt" download>SubRip (SRT)' in html
    french = client.get(video.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'srclang="fr" label="français" src="/videos/nrc/captions/fr.vtt" default>' in french


def test_the_shot_list_speaks_french(client):
    video, _html = shot_page(client)
    html = client.get(video.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    for text in [
        "4 entrées, 2 extraits sonores",
        "<td>Extrait sonore</td>",
        "(Anglais)",
        "lire à partir d\u2019ici",
        "Sous-titres",
    ]:
        assert text in html, text


@pytest.mark.parametrize("first", ["verified", "unverified"])
def test_the_cached_video_page_asks_only_unverified_accounts_to_verify(
    client, verified_client, first
):
    """Signed-in readers share cached pages per variant: whoever is served first, a verified
    account is not asked to verify and an unverified one is."""
    from django.test import Client

    from accounts.tests.factories import UserFactory

    video = VideoFactory()
    RenditionFactory(video=video)
    unverified_client = Client()
    unverified_client.force_login(UserFactory(verified=False))
    ask = "Verify your email address to download videos."
    order = [verified_client, unverified_client]
    if first == "unverified":
        order.reverse()

    pages = {}
    for reader in order + order:  # the second round comes from the cache
        pages.setdefault(reader, []).append(reader.get(video.get_absolute_url()))

    assert [ask in r.content.decode() for r in pages[verified_client]] == [False, False]
    assert [ask in r.content.decode() for r in pages[unverified_client]] == [True, True]


def test_an_unverified_readers_video_page_asks_once_whether_they_may_download(client):
    """The cache's variant and the page both need the answer: it is asked once per request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.tests.factories import UserFactory

    video = VideoFactory()
    RenditionFactory(video=video)
    client.force_login(UserFactory(verified=False))

    with CaptureQueriesContext(connection) as queries:
        response = client.get(video.get_absolute_url())

    assert response.context["can_download"] is False
    assert sum("account_emailaddress" in q["sql"] for q in queries.captured_queries) == 1
