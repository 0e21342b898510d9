"""A reader plays the speech's related video on the speech page itself."""

from __future__ import annotations

import pytest

from media_library.models import Video
from media_library.tests.factories import VideoFactory
from speeches.tests.factories import SpeechFactory

pytestmark = pytest.mark.django_db


def _player(html: str) -> str:
    assert html.count("<video ") == 1
    return html.split("<video ", 1)[1].split("</video>", 1)[0]


def test_the_related_video_plays_inline_with_its_caption_tracks(client):
    video = VideoFactory(title="Summit footage", preview="previews/summit.mp4")
    video.caption_tracks.create(language="en", source="transcript")
    video.caption_tracks.create(language="fr", source="transcript")
    speech = SpeechFactory(published=True, language="fr")
    speech.related_videos.add(video)

    html = client.get(speech.get_absolute_url()).content.decode()

    player = _player(html)
    assert f'<source src="{video.preview_url}" type="video/mp4">' in player
    assert f'src="/videos/{video.slug}/captions/en.vtt"' in player
    # The speech's own language is the track shown by default.
    assert 'srclang="fr" label=' in player
    assert player.count(" default>") == 1 and 'fr.vtt" default>' in player
    assert "Low-resolution preview of “Summit footage”." in html
    # Not the timecoded caption: this transcript has no timecodes to play from.
    assert "play it from the moment" not in html


def test_a_related_video_without_a_preview_or_not_public_does_not_play(client):
    speech = SpeechFactory(published=True)
    speech.related_videos.add(
        VideoFactory(preview=""),
        VideoFactory(preview="previews/draft.mp4", status=Video.Status.DRAFT, published_at=None),
    )

    html = client.get(speech.get_absolute_url()).content.decode()

    assert "<video " not in html
    assert "previews/draft.mp4" not in html


def test_the_first_related_video_with_a_preview_plays_and_the_rest_stay_links(client):
    speech = SpeechFactory(published=True)
    speech.related_videos.add(
        VideoFactory(title="A: no preview", preview=""),
        VideoFactory(title="B: with preview", preview="previews/b.mp4"),
        VideoFactory(title="C: with preview too", preview="previews/c.mp4"),
    )

    html = client.get(speech.get_absolute_url()).content.decode()

    assert "previews/b.mp4" in _player(html)
    assert "previews/c.mp4" not in html
    for title in ("A: no preview", "B: with preview", "C: with preview too"):
        assert f">{title}</a>" in html


def test_a_timecoded_transcript_plays_its_own_video_not_another_related_one(client):
    timed = VideoFactory(title="Timed", preview="previews/timed.mp4")
    other = VideoFactory(title="Another angle", preview="previews/other.mp4")
    speech = SpeechFactory(published=True, timecode_video=timed)
    speech.related_videos.add(timed, other)

    html = client.get(speech.get_absolute_url()).content.decode()

    assert "previews/timed.mp4" in _player(html)


def test_the_inline_player_costs_one_query_for_its_caption_tracks(
    client, django_assert_num_queries
):
    speech = SpeechFactory(published=True)
    for n in range(3):
        video = VideoFactory(preview=f"previews/{n}.mp4")
        video.caption_tracks.create(language="en", source="transcript")
        speech.related_videos.add(video)

    # The speech, its translations, its videos, the player's caption tracks.
    with django_assert_num_queries(4):
        html = client.get(speech.get_absolute_url()).content.decode()

    assert html.count("<track ") == 1
