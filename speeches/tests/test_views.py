from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from media_library.models import Video
from media_library.tests.factories import VideoFactory
from speeches.models import Speech
from speeches.tests.factories import SpeechFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("speeches:speech_list")


def test_published_speech_detail_shows_title_speaker_role_place_date_and_transcript(client):
    speech = SpeechFactory(
        published=True,
        title="Remarks at the summit",
        speaker_name="Jane Speaker",
        speaker_role="Deputy Secretary General",
        event="Summit meeting",
        location="Vilnius, Lithuania",
        date_delivered=datetime.date(2023, 7, 11),
        body="First paragraph.\n\nSecond *paragraph*.",
    )

    response = client.get(speech.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Remarks at the summit",
        "Jane Speaker",
        "Deputy Secretary General",
        "Summit meeting",
        "Vilnius, Lithuania",
        'datetime="2023-07-11"',
        "<p>First paragraph.</p>",
        "<p>Second <em>paragraph</em>.</p>",
        'href="/static/css/speeches.css"',
    ):
        assert text in html


def test_draft_speech_is_404_to_the_public_and_visible_in_admin_preview(client, admin_client):
    speech = SpeechFactory(title="Not yet public")

    assert client.get(speech.get_absolute_url()).status_code == 404
    assert admin_client.get(speech.get_absolute_url()).status_code == 404

    preview = admin_client.get(reverse("admin:speeches_speech_preview", args=[speech.pk]))
    assert preview.status_code == 200
    assert "Not yet public" in preview.content.decode()
    assert "Draft: the public cannot see this speech." in preview.content.decode()


def test_future_scheduled_speech_is_404_to_the_public_and_visible_in_admin_preview(
    client, admin_client
):
    speech = SpeechFactory(scheduled=True, title="Embargoed remarks")

    assert client.get(speech.get_absolute_url()).status_code == 404
    assert "Embargoed remarks" not in client.get(LIST_URL).content.decode()
    preview = admin_client.get(reverse("admin:speeches_speech_preview", args=[speech.pk]))
    assert preview.status_code == 200
    assert "Embargoed remarks" in preview.content.decode()


def test_scheduled_speech_is_public_once_its_time_passes_even_before_the_task_runs(client):
    speech = SpeechFactory(
        status=Speech.Status.SCHEDULED, published_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    assert client.get(speech.get_absolute_url()).status_code == 200


def test_admin_preview_is_refused_to_the_public(client):
    speech = SpeechFactory()

    response = client.get(reverse("admin:speeches_speech_preview", args=[speech.pk]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_unknown_slug_is_404(client):
    assert client.get(reverse("speeches:speech_detail", args=["no-such-speech"])).status_code == 404


def test_detail_renders_a_hostile_body_inert(client):
    speech = SpeechFactory(
        published=True,
        body=(
            "Hello.\n\n<script>alert('x')</script>\n\n"
            '<img src="x" onerror="alert(1)">\n\n[click](javascript:alert(1))'
        ),
    )

    html = client.get(speech.get_absolute_url()).content.decode()

    assert "<p>Hello.</p>" in html
    assert "alert(" not in html
    assert "onerror" not in html
    assert "javascript:" not in html


def test_detail_links_published_translations_only(client):
    english = SpeechFactory(published=True, language="en")
    french = SpeechFactory(
        published=True, language="fr", title="Allocution", translations=[english]
    )
    SpeechFactory(language="de", title="Ansprache (Entwurf)", translations=[english])

    html = client.get(english.get_absolute_url()).content.decode()

    assert f'href="{french.get_absolute_url()}" hreflang="fr" lang="fr"' in html
    assert "Allocution" in html
    assert "Ansprache" not in html
    assert english.title in client.get(french.get_absolute_url()).content.decode()


def _video(slug: str, *, public: bool) -> Video:
    return Video.objects.create(
        title=f"Video {slug}",
        slug=slug,
        status=Video.Status.PUBLISHED if public else Video.Status.DRAFT,
        published_at=timezone.now() - datetime.timedelta(hours=1) if public else None,
    )


def test_detail_links_published_related_videos_only(client):
    public = _video("press-conference-footage", public=True)
    _video("unreleased-footage", public=False)
    speech = SpeechFactory(published=True)
    speech.related_videos.set(Video.objects.all())

    html = client.get(speech.get_absolute_url()).content.decode()

    assert f'<a href="{public.get_absolute_url()}">Video press-conference-footage</a>' in html
    assert "unreleased-footage" not in html
    assert public in speech.related_videos.all()
    assert speech in public.related_speeches.all()


def test_list_shows_published_speeches_newest_first_and_no_drafts(client):
    old = SpeechFactory(
        published=True, title="Old remarks", date_delivered=datetime.date(2019, 1, 1)
    )
    new = SpeechFactory(
        published=True, title="New remarks", date_delivered=datetime.date(2024, 1, 1)
    )
    SpeechFactory(title="Draft remarks")

    response = client.get(LIST_URL)

    assert list(response.context["speeches"]) == [new, old]
    assert "Draft remarks" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"speaker": "Ann Orator"}, ["Ann at the summit"]),
        ({"event": "Summit"}, ["Ann at the summit", "Bob at the summit"]),
        ({"year": "2021"}, ["Bob at the summit"]),
        ({"q": "interoperability"}, ["Ann at the summit"]),
        ({"q": "BOB"}, ["Bob at the summit"]),
        ({"speaker": "Ann Orator", "year": "2021"}, []),
    ],
)
def test_list_filters_by_speaker_event_year_and_search(client, query, expected):
    for title, speaker, event, year, body in [
        ("Ann at the summit", "Ann Orator", "Summit", 2022, "On interoperability."),
        ("Bob at the summit", "Bob Orator", "Summit", 2021, "On the budget."),
        ("Carol elsewhere", "Carol Orator", "Press conference", 2020, "On the budget."),
    ]:
        SpeechFactory(
            published=True,
            title=title,
            speaker_name=speaker,
            event=event,
            date_delivered=datetime.date(year, 6, 1),
            body=body,
        )

    response = client.get(LIST_URL, query)

    assert response.status_code == 200
    assert [s.title for s in response.context["speeches"]] == expected


def test_list_filter_choices_come_from_published_speeches_only(client):
    SpeechFactory(published=True, speaker_name="Public Speaker")
    SpeechFactory(speaker_name="Secret Speaker", event="Secret event")

    form = client.get(LIST_URL).context["form"]

    speakers = [value for value, _ in form.fields["speaker"].choices]
    assert "Public Speaker" in speakers
    assert "Secret Speaker" not in speakers
    assert "Secret event" not in [value for value, _ in form.fields["event"].choices]


def test_unknown_filter_value_shows_an_error_and_still_lists(client):
    SpeechFactory(published=True)

    response = client.get(LIST_URL, {"speaker": "Nobody", "year": "1066"})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert len(response.context["speeches"]) == 1


def test_list_is_paginated_and_pages_keep_the_filters(client):
    SpeechFactory.create_batch(23, published=True, speaker_name="Ann Orator")

    first = client.get(LIST_URL, {"speaker": "Ann Orator"})
    second = client.get(LIST_URL, {"speaker": "Ann Orator", "page": 2})

    assert len(first.context["speeches"]) == 20
    assert len(second.context["speeches"]) == 3
    assert "?speaker=Ann+Orator&amp;page=2" in first.content.decode()
    assert client.get(LIST_URL, {"page": "999"}).status_code == 200


def test_list_links_the_feeds(client):
    html = client.get(LIST_URL).content.decode()

    assert reverse("speeches:feed_rss") in html
    assert reverse("speeches:feed_atom") in html
    assert 'type="application/atom+xml"' in html


def _published_speeches_with_translations(count: int) -> None:
    for speech in SpeechFactory.create_batch(count, published=True):
        speech.translations.add(
            SpeechFactory(published=True, language="fr"),
            SpeechFactory(language="de"),  # a draft translation: never shown
        )


LIST_QUERIES = 5  # speakers, events, years (filter choices), count, page
DETAIL_QUERIES = 3  # the speech, its published translations, its published videos


@pytest.mark.parametrize("size", [3, 30])
def test_list_query_count_does_not_grow_with_the_number_of_speeches(
    client, django_assert_num_queries, size
):
    _published_speeches_with_translations(size)

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST_URL)
    assert response.status_code == 200


@pytest.mark.parametrize("translations", [1, 8])
def test_detail_query_count_does_not_grow_with_translations_and_videos(
    client, django_assert_num_queries, translations
):
    speech = SpeechFactory(published=True)
    for index in range(translations):
        speech.translations.add(SpeechFactory(published=True, language="fr"))
        speech.related_videos.add(_video(f"clip-{index}", public=True))

    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(speech.get_absolute_url())
    assert response.status_code == 200
    assert len(response.context["speech"].public_translations) == translations


def test_pages_speak_french_to_a_french_browser(client):
    speech = SpeechFactory(published=True)

    listing = client.get(LIST_URL, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    detail = client.get(speech.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Discours et transcriptions, les plus récents" in listing
    assert "Orateur" in detail


def test_a_video_page_lists_only_the_published_speeches_that_link_to_it(client):
    video = VideoFactory()
    public = SpeechFactory(title="Public remarks", status=Speech.Status.PUBLISHED)
    draft = SpeechFactory(title="Draft remarks", status=Speech.Status.DRAFT)
    public.related_videos.add(video)
    draft.related_videos.add(video)
    html = client.get(video.get_absolute_url()).content.decode()
    assert "Related speeches" in html
    assert "Public remarks" in html and public.get_absolute_url() in html
    assert "Draft remarks" not in html
