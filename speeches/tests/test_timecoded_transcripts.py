"""An editor timecodes a transcript in the admin; readers play the video from each paragraph."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from media_library.models import Video
from media_library.tests.factories import RenditionFactory, VideoFactory
from speeches.models import Speech, TimecodedParagraph
from speeches.tests.factories import SpeechFactory

pytestmark = pytest.mark.django_db

BODY = (
    "Ministers, Excellencies, ladies and gentlemen, good morning.\n\n"
    "Welcome to this NATO-Russia Council in Defence Ministers' informal session.\n\n"
    "I would now ask the members of the press to leave the room."
)


def _form(speech: Speech, **overrides) -> dict[str, str]:
    data = {
        "title": speech.title,
        "slug": speech.slug,
        "body": speech.body,
        "speaker_name": speech.speaker_name,
        "speaker_role": speech.speaker_role,
        "event": speech.event,
        "location": speech.location,
        "date_delivered": speech.date_delivered.isoformat(),
        "language": speech.language,
        "related_videos": [str(v.pk) for v in speech.related_videos.all()],
        "timecode_video": "",
        "captions": "",
        "status": speech.status,
        "published_at_0": "",
        "published_at_1": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def footage() -> Video:
    """Two minutes of published footage with a 25 fps rendition and a preview."""
    video = VideoFactory(
        slug="nrc-footage", title="NRC footage", duration_seconds=120.0, preview="previews/p.mp4"
    )
    RenditionFactory(video=video, frame_rate=25, duration_seconds=120.0)
    return video


@pytest.fixture
def speech(footage) -> Speech:
    speech = SpeechFactory(published=True, body=BODY)
    speech.related_videos.add(footage)
    return speech


def _change(editor_client, speech: Speech, **overrides):
    return editor_client.post(
        reverse("admin:speeches_speech_change", args=[speech.pk]), _form(speech, **overrides)
    )


def _rows(speech: Speech) -> list[tuple[int, int, str]]:
    return list(speech.timecoded_paragraphs.values_list("position", "start_ms", "text"))


def test_timecodes_typed_at_paragraphs_are_stored_and_the_transcript_keeps_its_words(
    editor_client, speech, footage
):
    body = BODY.replace("Ministers,", "[00:00:04] Ministers,").replace(
        "Welcome", "00:00:12:10 Welcome"
    )

    response = _change(editor_client, speech, body=body)

    assert response.status_code == 302, response.context["adminform"].form.errors
    speech.refresh_from_db()
    assert speech.body == BODY
    assert speech.timecode_video == footage  # the only related video
    assert _rows(speech) == [
        (0, 4000, "Ministers, Excellencies, ladies and gentlemen, good morning."),
        (1, 12400, "Welcome to this NATO-Russia Council in Defence Ministers' informal session."),
    ]
    form = editor_client.get(reverse("admin:speeches_speech_change", args=[speech.pk]))
    shown = form.context["adminform"].form.initial["body"]
    assert shown.startswith("[00:00:04] Ministers,")
    assert "[00:00:12.400] Welcome" in shown


def test_pasted_srt_captions_timecode_the_paragraphs_whose_first_words_they_speak(
    editor_client, speech
):
    srt = (
        "1\n00:00:03,500 --> 00:00:08,000\nMinisters, Excellencies,\nladies and gentlemen\n\n"
        "2\n00:00:08,000 --> 00:00:11,000\ngood morning. Welcome to this\n\n"
        "3\n00:00:11,000 --> 00:00:15,000\nNATO-Russia Council in Defence Ministers' informal"
    )

    response = _change(editor_client, speech, captions=srt)

    assert response.status_code == 302
    assert [(p, ms) for p, ms, _text in _rows(speech)] == [(0, 3500), (1, 8000)]
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("lines 5" in m for m in messages), messages


def test_malformed_timecodes_are_listed_line_by_line_and_nothing_is_saved(editor_client, speech):
    body = BODY.replace("Ministers,", "[00:00:70] Ministers,").replace("I would", "[0:1] I would")

    response = _change(editor_client, speech, body=body, title="Changed title")

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["body"] == [
        "Line 1: “00:00:70”: minutes and seconds go from 00 to 59.",
        "Line 5: “0:1” is not a timecode: write HH:MM:SS, HH:MM:SS:FF or HH:MM:SS.mmm.",
    ]
    speech.refresh_from_db()
    assert speech.title != "Changed title"
    assert _rows(speech) == []


def test_timecodes_past_the_video_or_backwards_are_refused(editor_client, speech):
    body = (
        BODY.replace("Ministers,", "[00:01:00] Ministers,")
        .replace("Welcome", "[00:00:30] Welcome")
        .replace("I would", "[00:02:00] I would")
    )

    response = _change(editor_client, speech, body=body)

    assert response.context["adminform"].form.errors["body"] == [
        "Line 3: 00:00:30 comes after the previous paragraph's 00:01:00: timecodes go "
        "forward, paragraph by paragraph.",
        "Line 5: 00:02:00 is past the end of the video (00:02:00).",
    ]
    assert _rows(speech) == []


def test_with_several_related_videos_the_editor_chooses_the_one_of_the_timecodes(
    editor_client, speech, footage
):
    other = VideoFactory(duration_seconds=30.0)
    related = [str(footage.pk), str(other.pk)]
    body = BODY.replace("Ministers,", "[00:00:40] Ministers,")

    unchosen = _change(editor_client, speech, body=body, related_videos=related)
    chosen = _change(
        editor_client, speech, body=body, related_videos=related, timecode_video=str(footage.pk)
    )

    assert unchosen.context["adminform"].form.errors["timecode_video"] == [
        "Choose the related video in which the timecodes are spoken."
    ]
    assert chosen.status_code == 302
    speech.refresh_from_db()
    assert speech.timecode_video == footage


def test_removing_the_timecodes_removes_them_from_the_page(editor_client, client, speech):
    _change(editor_client, speech, body=BODY.replace("Welcome", "[00:00:12] Welcome"))
    assert 'href="' in _timecode_links(client.get(speech.get_absolute_url()))[0]

    _change(editor_client, speech, body=BODY)

    assert _rows(speech) == []
    assert _timecode_links(client.get(speech.get_absolute_url())) == []


def _timecode_links(response) -> list[str]:
    return re.findall(r'<a class="timecode"[^>]*>.*?</a>', response.content.decode())


def test_the_public_transcript_opens_each_timecoded_paragraph_with_a_link_that_plays_from_it(
    client, speech, footage
):
    TimecodedParagraph.objects.create(speech=speech, position=1, start_ms=72000, text="Welcome")
    TimecodedParagraph.objects.create(speech=speech, position=2, start_ms=95500, text="I would")
    speech.timecode_video = footage
    speech.save()

    html = client.get(speech.get_absolute_url()).content.decode()

    preview = footage.preview_url
    assert _timecode_links(client.get(speech.get_absolute_url())) == [
        f'<a class="timecode" id="paragraph-1" href="{preview}#t=72" data-play-from="72"><span class="visually-hidden">Play from '
        '</span><time datetime="PT72S">00:01:12</time></a>',
        f'<a class="timecode" id="paragraph-2" href="{preview}#t=95.5" data-play-from="95.5">'
        '<span class="visually-hidden">Play from '
        '</span><time datetime="PT95.5S">00:01:35</time></a>',
    ]
    assert "<p>Ministers, Excellencies" in html  # the paragraph without a timecode
    assert f'<source src="{preview}" type="video/mp4">' in html  # the player they seek


@pytest.mark.django_db(transaction=True)  # committed: the cached page follows each change
def test_without_a_preview_the_links_open_the_video_page_and_drafts_get_none(client, speech):
    video = VideoFactory(slug="no-preview", duration_seconds=100.0)
    speech.related_videos.add(video)
    speech.timecode_video = video
    speech.save()
    TimecodedParagraph.objects.create(speech=speech, position=0, start_ms=4000, text="M")

    linked = _timecode_links(client.get(speech.get_absolute_url()))
    video.status, video.published_at = Video.Status.DRAFT, None
    video.save()
    unpublished = client.get(speech.get_absolute_url()).content.decode()

    assert linked[0].startswith(
        '<a class="timecode" id="paragraph-0" href="/videos/no-preview/#t=4" data-play-from="4">'
    )
    assert _timecode_links_in(unpublished) == []
    assert (
        '<span class="timecode" id="paragraph-0"><time datetime="PT4S">00:00:04</time></span>'
        in unpublished
    )
    assert "/videos/no-preview/" not in unpublished


def _timecode_links_in(html: str) -> list[str]:
    return re.findall(r'<a class="timecode"[^>]*>', html)


def test_changing_only_a_timecode_changes_the_rendered_transcript(client, speech, footage):
    speech.timecode_video = footage
    speech.save()
    row = TimecodedParagraph.objects.create(speech=speech, position=0, start_ms=4000, text="M")
    before = Speech.objects.get(pk=speech.pk).transcript

    row.delete()
    TimecodedParagraph.objects.create(speech=speech, position=1, start_ms=9000, text="W")
    after = Speech.objects.get(pk=speech.pk).transcript

    assert "#t=4" in before and "#t=9" not in before
    assert "#t=9" in after and "#t=4" not in after


def test_a_timecode_in_a_quotation_keeps_it_a_quotation(client, footage):
    speech = SpeechFactory(published=True, body="> Quoted words.\n\nPlain words.")
    speech.related_videos.add(footage)
    speech.timecode_video = footage
    speech.save()
    TimecodedParagraph.objects.create(speech=speech, position=0, start_ms=1000, text="Quoted")

    html = str(Speech.objects.get(pk=speech.pk).transcript)

    assert html.startswith('<blockquote>\n<p><a class="timecode" id="paragraph-0" href="')
    assert "</a> Quoted words.</p>\n</blockquote>" in html


@pytest.mark.parametrize("paragraphs", [3, 30])
def test_a_timecoded_page_takes_five_queries_whatever_its_length(
    client, footage, django_assert_num_queries, paragraphs
):
    """The speech, translations, videos (3), then its timecodes and the player's caption
    tracks: one query each."""
    body = "\n\n".join(f"Paragraph number {n}." for n in range(paragraphs))
    speech = SpeechFactory(published=True, body=body, timecode_video=footage)
    speech.related_videos.add(footage)
    for n in range(paragraphs):
        TimecodedParagraph.objects.create(speech=speech, position=n, start_ms=n * 1000, text="P")
    for language in ("en", "fr"):
        footage.caption_tracks.create(language=language, source="transcript")

    with django_assert_num_queries(5):
        html = client.get(speech.get_absolute_url()).content.decode()

    assert html.count('class="timecode"') == paragraphs
    assert html.count("<track ") == 2


def test_a_translation_without_timecodes_follows_its_timecoded_original_on_its_page(
    client, speech, footage
):
    speech.timecode_video = footage
    speech.save()
    TimecodedParagraph.objects.create(speech=speech, position=1, start_ms=12000, text="W")
    french = SpeechFactory(
        published=True, language="fr", body="Bonjour.\n\nBienvenue.\n\nLa presse.",
        translations=[speech],
    )  # fmt: skip
    shorter = SpeechFactory(
        published=True, language="de", body="Guten Morgen.", translations=[speech]
    )

    links = _timecode_links(client.get(french.get_absolute_url()))

    assert len(links) == 1
    assert f'href="{footage.preview_url}#t=12"' in links[0]
    assert _timecode_links(client.get(shorter.get_absolute_url())) == []  # not the same text


def test_marker_characters_typed_in_a_link_title_leave_the_markup_whole(client, footage):
    # U+E000 and U+E001 are the private-use characters the page's timecode markers are made
    # of: typed by an editor (pasted from elsewhere), they must not become a link in a title.
    body = (
        'Welcome to [the Council](https://example.org "Council \ue0000\ue001 notes").\n\n'
        "Plain words."
    )
    speech = SpeechFactory(published=True, body=body, timecode_video=footage)
    speech.related_videos.add(footage)
    TimecodedParagraph.objects.create(speech=speech, position=0, start_ms=4000, text="Welcome")

    html = client.get(speech.get_absolute_url()).content.decode()

    assert _timecode_links_in(html) == [
        f'<a class="timecode" id="paragraph-0" href="{footage.preview_url}#t=4" data-play-from="4">'
    ]
    assert 'title="Council 0 notes"' in html
    assert "\ue000" not in html and "\ue001" not in html
