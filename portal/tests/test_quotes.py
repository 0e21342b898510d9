"""Quote search: words said in soundbites and timecoded transcripts, played from their timecode,
with a citation to paste."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.urls import reverse

from media_library.models import ShotEntry, Video
from media_library.tests.factories import EventFactory, VideoFactory
from speeches.models import TimecodedParagraph
from speeches.tests.factories import SpeechFactory

pytestmark = pytest.mark.django_db

URL = reverse("quote_search")


@pytest.fixture(autouse=True)
def _site_url(settings) -> None:
    settings.SITE_URL = "https://portal.example"


def _soundbite(video: Video, *, start_ms: int, quote: str, **fields) -> ShotEntry:
    fields = {"speaker_name": "Jens Stoltenberg", "speaker_role": "NATO Secretary General"} | fields
    return ShotEntry.objects.create(
        video=video,
        position=ShotEntry.objects.filter(video=video).count(),
        start_ms=start_ms,
        kind=ShotEntry.Kind.SOUNDBITE,
        language=fields.pop("language", "en"),
        quote=quote,
        **fields,
    )


def _timecoded_speech(video: Video, *, published: bool = True, **fields):
    fields = {
        "body": "Good morning.\n\nWe stand united in the face of terrorism and other shared threats.",
        "speaker_name": "Jaap de Hoop Scheffer",
        "speaker_role": "NATO Secretary General",
        "event": "NATO-Russia Council",
        "date_delivered": datetime.date(2004, 10, 13),
    } | fields
    speech = SpeechFactory(published=published, timecode_video=video, **fields)
    second = fields["body"].split("\n\n")[1]
    TimecodedParagraph.objects.create(speech=speech, position=1, start_ms=72000, text=second)
    return speech


def _citations(page: str) -> list[str]:
    return [html.unescape(c) for c in re.findall(r"<textarea[^>]*>(.*?)</textarea>", page, re.S)]


def test_a_transcript_paragraph_is_found_with_its_speaker_date_play_link_and_citation(client):
    video = VideoFactory(slug="nrc-remarks", title="NRC remarks", preview="previews/nrc.mp4")
    speech = _timecoded_speech(video)

    page = client.get(URL, {"q": "terrorism threats"}).content.decode()

    assert "1 quote" in page
    assert "We stand united in the face of terrorism and other shared threats." in page
    assert "<strong>Jaap de Hoop Scheffer</strong>, NATO Secretary General" in page
    assert '<time datetime="2004-10-13">Oct. 13, 2004</time>' in page
    assert f'<a class="timecode" href="{video.preview_url}#t=72">Play from 00:01:12</a>' in page
    read = f'href="{speech.get_absolute_url()}#paragraph-1">Read the whole transcript</a>'
    assert read in page
    assert _citations(page) == [
        "“We stand united in the face of terrorism and other shared threats.” Jaap de Hoop "
        "Scheffer, NATO Secretary General, NATO-Russia Council, Oct. 13, 2004, at 00:01:12. "
        "https://portal.example/videos/nrc-remarks/#t=72"
    ]


def test_a_soundbite_is_found_with_the_event_and_date_of_its_video(client):
    video = VideoFactory(
        slug="press-point",
        recorded_on=datetime.date(2025, 6, 5),
        event=EventFactory(name="Meeting of Defence Ministers"),
    )
    _soundbite(video, start_ms=12500, quote="Allies agreed new capability targets today.")

    page = client.get(URL, {"q": "capability"}).content.decode()

    assert '<blockquote class="quote__text" lang="en"><p>Allies agreed new capability' in page
    assert f'href="{video.get_absolute_url()}#t=12.5">Play from 00:00:12</a>' in page
    assert _citations(page) == [
        "“Allies agreed new capability targets today.” Jens Stoltenberg, NATO Secretary General, "
        "Meeting of Defence Ministers, June 5, 2025, at 00:00:12. "
        "https://portal.example/videos/press-point/#t=12.5"
    ]


def test_citations_give_the_sites_address_whatever_host_the_cached_page_was_asked_on(client):
    video = VideoFactory(slug="nrc-remarks")
    _timecoded_speech(video)
    expected = "https://portal.example/videos/nrc-remarks/#t=72"

    # The page is cached by path and language: the first reader's Host must not reach the next.
    first = client.get(URL, {"q": "terrorism"}, HTTP_HOST="localhost").content.decode()
    second = client.get(URL, {"q": "terrorism"}, HTTP_HOST="127.0.0.1").content.decode()

    assert _citations(first)[0].endswith(f" {expected}")
    assert _citations(second)[0].endswith(f" {expected}")
    assert "localhost" not in second


def test_only_what_the_public_may_see_is_searched(client):
    public_video = VideoFactory()
    draft_video = VideoFactory(status=Video.Status.DRAFT, published_at=None)
    _soundbite(draft_video, start_ms=1000, quote="Terrorism, said on a draft video.")
    _timecoded_speech(public_video, published=False)  # a draft speech
    _timecoded_speech(draft_video)  # a public speech timecoded against a draft video
    ShotEntry.objects.create(
        video=public_video, position=0, start_ms=0, kind=ShotEntry.Kind.SHOT,
        description="Wide shot: terrorism exhibition",
    )  # fmt: skip

    page = client.get(URL, {"q": "terrorism"}).content.decode()

    assert "0 quotes" in page
    assert "No quote holds these words." in page


def test_hits_are_listed_newest_first_from_both_sources(client):
    old = VideoFactory(recorded_on=datetime.date(2001, 1, 1))
    new = VideoFactory(recorded_on=datetime.date(2024, 1, 1))
    _soundbite(old, start_ms=0, quote="Shared threats in 2001.")
    _soundbite(new, start_ms=0, quote="Shared threats in 2024.")
    _timecoded_speech(VideoFactory())  # 2004

    page = client.get(URL, {"q": "shared threats"}).content.decode()

    years = re.findall(r"<blockquote[^>]*><p>(.*?)</p>", page)
    assert years == [
        "Shared threats in 2024.",
        "We stand united in the face of terrorism and other shared threats.",
        "Shared threats in 2001.",
    ]


@pytest.mark.parametrize("hits", [1, 12])
def test_a_search_takes_two_queries_whatever_the_number_of_hits(
    client, django_assert_num_queries, hits
):
    for n in range(hits):
        video = VideoFactory(event=EventFactory())
        _soundbite(video, start_ms=n * 1000, quote=f"Solidarity, number {n}.")
        _timecoded_speech(video, body=f"Intro.\n\nSolidarity against terrorism {n}.")

    with django_assert_num_queries(2):
        response = client.get(URL, {"q": "solidarity terrorism"})
    with django_assert_num_queries(0):  # the empty form searches nothing
        client.get(URL)

    assert response.status_code == 200
    assert len(_citations(response.content.decode())) == hits  # the paragraphs


def test_the_catalogue_search_links_to_the_quote_search_with_its_words(client):
    page = client.get(reverse("media_library:video_list"), {"q": "air defence"}).content.decode()

    assert f'<a href="{URL}?q=air%20defence">Search quotes</a>' in page


def test_the_quote_search_page_is_in_french_for_a_french_reader(client):
    video = VideoFactory(preview="previews/nrc.mp4")
    _timecoded_speech(video)

    page = client.get(URL, {"q": "terrorism"}, HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Rechercher des citations" in page
    assert "Lire toute la transcription" in page
    assert "13 octobre 2004, à 00:01:12." in html.unescape(page)
