"""Caption tracks: written through one service, served as WebVTT and SubRip that an
independent parser (webvtt-py) reads back to the cues we stored."""

from __future__ import annotations

import html
import io
from datetime import timedelta

import pytest
import webvtt
from django.urls import reverse
from django.utils import timezone

from media_library import captions, shot_entries, shotlist
from media_library.captions import CaptionError, Cue, replace_caption_track
from media_library.models import CaptionTrack, Video
from media_library.tests.factories import VideoFactory

pytestmark = pytest.mark.django_db

SOUNDBITES = """\
00:00:00 Wide shot of the council table
00:00:04 - 00:00:09 SOUNDBITE (English) Jens Stoltenberg, NATO Secretary General: "Welcome to this NATO-Russia Council."
00:00:10 SOUNDBITE (French) Jaap de Hoop Scheffer, NATO Secretary General: « Bonjour. Nous allons commencer. »
00:00:20 Cutaway, interpreters' booths
00:00:25 SOUNDBITE (French) Michèle Alliot-Marie, French Minister of Defence:
« La coopération & le dialogue <restent> essentiels. »
"""


def cues_of(track: CaptionTrack) -> list[tuple[int, int, str]]:
    return [(cue.start_ms, cue.end_ms, cue.text) for cue in track.cues.all()]


def read_vtt(text: str) -> list[webvtt.Caption]:
    """webvtt-py in its strict mode: a malformed file raises."""
    return list(webvtt.from_buffer(io.StringIO(text), strict=True))


def read_srt(text: str) -> list[webvtt.Caption]:
    return list(webvtt.from_buffer(io.StringIO(text), format="srt"))


def with_soundbites(**fields) -> Video:
    video = VideoFactory(shot_list="", duration_seconds=40.0, **fields)
    shot_entries.replace_shot_entries(video=video, entries=shotlist.parse(SOUNDBITES).entries)
    return video


def test_soundbites_make_one_track_per_language_each_quote_a_cue_over_its_entry():
    video = with_soundbites()
    tracks = {track.language: track for track in video.caption_tracks.all()}
    assert set(tracks) == {"en", "fr"}
    assert {track.source for track in tracks.values()} == {"soundbites"}
    assert cues_of(tracks["en"]) == [(4_000, 9_000, "Welcome to this NATO-Russia Council.")]
    # No out point: to the next entry's in point, or to the end of the video.
    assert cues_of(tracks["fr"]) == [
        (10_000, 20_000, "Bonjour. Nous allons commencer."),
        (25_000, 40_000, "La coopération & le dialogue <restent> essentiels."),
    ]


def test_the_webvtt_file_reads_back_in_an_independent_parser_with_times_text_and_voices():
    video = with_soundbites()
    track = video.caption_tracks.get(language="fr")
    text = captions.to_webvtt_file(track.cues.all())
    assert text.startswith("WEBVTT\n\n")
    parsed = read_vtt(text)
    assert [(c.start, c.end) for c in parsed] == [
        ("00:00:10.000", "00:00:20.000"),
        ("00:00:25.000", "00:00:40.000"),
    ]
    # Escaped on the way out, so "<restent>" is text, never a tag; the speaker is a voice.
    assert html.unescape(parsed[1].text) == "La coopération & le dialogue <restent> essentiels."
    assert parsed[1].voice == "Michèle Alliot-Marie"
    assert "&lt;restent&gt;" in text and "&amp;" in text


def test_the_srt_file_reads_back_with_comma_times_and_plain_text():
    video = with_soundbites()
    text = captions.to_srt_file(video.caption_tracks.get(language="en").cues.all())
    assert text == "1\n00:00:04,000 --> 00:00:09,000\nWelcome to this NATO-Russia Council.\n"
    parsed = read_srt(text)
    assert [(c.start, c.end, c.text) for c in parsed] == [
        ("00:00:04.000", "00:00:09.000", "Welcome to this NATO-Russia Council.")
    ]


def test_a_transcript_track_replaces_the_soundbites_and_soundbites_never_replace_it():
    video = with_soundbites()
    replace_caption_track(
        video=video,
        language="fr",
        source="transcript",
        cues=[Cue(2_000, 6_500, "Mesdames et Messieurs les Ministres,"), Cue(0, 2_000, "Bonjour.")],
    )
    track = video.caption_tracks.get(language="fr")
    assert track.source == "transcript"
    assert cues_of(track) == [
        (0, 2_000, "Bonjour."),
        (2_000, 6_500, "Mesdames et Messieurs les Ministres,"),
    ]

    # The shot list changes: the French soundbites do not touch the transcript track.
    shot_entries.replace_shot_entries(video=video, entries=shotlist.parse(SOUNDBITES).entries)
    assert cues_of(video.caption_tracks.get(language="fr"))[0] == (0, 2_000, "Bonjour.")


def test_removing_the_transcript_track_brings_back_the_soundbite_captions():
    video = with_soundbites()
    replace_caption_track(
        video=video, language="fr", source="transcript", cues=[Cue(0, 900, "Bonjour.")]
    )
    left = replace_caption_track(video=video, language="fr", source="transcript", cues=[])
    assert left is not None and left.source == "soundbites"
    assert len(cues_of(left)) == 2


def test_a_language_without_soundbites_any_more_loses_its_soundbite_track():
    video = with_soundbites()
    english_only = shotlist.parse(SOUNDBITES.split("00:00:10")[0]).entries
    shot_entries.replace_shot_entries(video=video, entries=english_only)
    assert list(video.caption_tracks.values_list("language", flat=True)) == ["en"]


@pytest.mark.parametrize(
    ("cue", "reason"),
    [
        (Cue(5_000, 5_000, "Zero length"), "ends before it starts"),
        (Cue(6_000, 5_000, "Backwards"), "ends before it starts"),
        (Cue(39_000, 41_000, "Past the end"), "runs past the end of the video"),
        (Cue(1_000, 2_000, "  \n "), "has no text"),
    ],
)
def test_a_wrong_cue_is_refused_and_the_track_is_left_as_it_was(cue, reason):
    video = with_soundbites()
    before = cues_of(video.caption_tracks.get(language="en"))
    with pytest.raises(CaptionError) as refused:
        replace_caption_track(
            video=video, language="en", source="transcript", cues=[Cue(0, 1_000, "Fine"), cue]
        )
    assert reason in refused.value.messages[0]
    track = video.caption_tracks.get(language="en")
    assert (track.source, cues_of(track)) == ("soundbites", before)


def test_cue_text_cannot_break_out_of_its_cue():
    cue = Cue(0, 1_000, "one --> two\n\nWEBVTT\n\n2\n00:00:01.000 --> 00:00:02.000\nforged")
    parsed = read_vtt(captions.to_webvtt_file([cue]))
    assert len(parsed) == 1
    assert html.unescape(parsed[0].text) == (
        "one --> two\nWEBVTT\n2\n00:00:01.000 --> 00:00:02.000\nforged"
    )
    assert len(read_srt(captions.to_srt_file([cue]))) == 1


# --- Serving ------------------------------------------------------------------------------------


def url(video: Video, language: str, file_format: str) -> str:
    return reverse(
        "media_library:video_captions",
        kwargs={"slug": video.slug, "language": language, "file_format": file_format},
    )


def test_a_public_videos_captions_are_served_as_webvtt_and_srt_downloads(client):
    video = with_soundbites(slug="nrc-remarks")
    vtt = client.get(url(video, "fr", "vtt"))
    assert vtt.status_code == 200
    assert vtt["Content-Type"] == "text/vtt; charset=utf-8"
    assert vtt["X-Content-Type-Options"] == "nosniff"
    assert len(read_vtt(vtt.content.decode())) == 2
    srt = client.get(url(video, "fr", "srt"))
    assert srt["Content-Disposition"] == 'attachment; filename="nrc-remarks.fr.srt"'
    assert len(read_srt(srt.content.decode())) == 2
    # Revalidated, not fetched again, while the track is unchanged.
    again = client.get(url(video, "fr", "vtt"), HTTP_IF_NONE_MATCH=vtt["ETag"])
    assert again.status_code == 304


def test_captions_of_unpublished_videos_are_for_editors_only(client, admin_client):
    draft = with_soundbites(status=Video.Status.DRAFT, published_at=None)
    scheduled = with_soundbites(
        status=Video.Status.SCHEDULED, published_at=timezone.now() + timedelta(days=1)
    )
    for video in (draft, scheduled):
        assert client.get(url(video, "en", "vtt")).status_code == 404
        assert client.get(url(video, "en", "srt")).status_code == 404
        response = admin_client.get(url(video, "en", "vtt"))
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-cache"


def test_a_language_without_a_track_is_404(client):
    video = with_soundbites()
    assert client.get(url(video, "de", "vtt")).status_code == 404
