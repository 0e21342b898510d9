from __future__ import annotations

import importlib.util
import io
import re

import pytest
from django.core.management import call_command

from media_library.models import CaptionTrack
from media_library.tests.factories import VideoFactory
from speeches import demo
from speeches.models import Speech

pytestmark = pytest.mark.django_db

# The first and last paragraphs of the seed speech, word for word.
FIRST = "Ministers, Excellencies, ladies and gentlemen, good morning. Dobriy Dyen'. Bonjour."
LAST = (
    "I would now ask the members of the press to leave the room, so that we can begin our "
    "closed session."
)


def test_seed_speech_is_published_after_demo_load_with_its_paragraphs_intact(client):
    demo.load(stdout=io.StringIO())

    speech = Speech.objects.published().get(slug=demo.NRC_SLUG)
    assert speech.speaker_role == "NATO Secretary General"
    assert speech.event == "NATO-Russia Council, Defence Ministers' informal session"
    paragraphs = speech.body.strip().split("\n\n")
    assert len(paragraphs) == 6
    assert paragraphs[0] == FIRST
    assert paragraphs[-1] == LAST
    assert all("\n" not in paragraph for paragraph in paragraphs)

    html = client.get(speech.get_absolute_url()).content.decode()
    rendered = re.findall(r"<p>(.*?)</p>", html, flags=re.S)
    for paragraph in paragraphs:
        # Django escapes the apostrophes of the page; the words are unchanged.
        assert paragraph.replace("'", "&#x27;") in rendered or paragraph in rendered


def test_the_french_version_is_published_as_a_translation_with_as_many_paragraphs():
    demo.load(stdout=io.StringIO())

    english = Speech.objects.get(slug=demo.NRC_SLUG)
    french = Speech.objects.published().get(slug=demo.NRC_FRENCH_SLUG)
    assert french.language == "fr"
    assert list(english.translations.all()) == [french]
    assert len(french.body.split("\n\n")) == len(english.body.split("\n\n")) == 6


def test_demo_load_is_idempotent():
    demo.load(stdout=io.StringIO())
    before = list(Speech.objects.order_by("pk").values())

    demo.load(stdout=io.StringIO())

    assert Speech.objects.count() == 2
    assert list(Speech.objects.order_by("pk").values()) == before


def test_timecodes_that_do_not_fit_the_footage_are_left_out():
    VideoFactory(slug=demo.NRC_VIDEO_SLUG, duration_seconds=2.0)
    out = io.StringIO()

    demo.load(stdout=out)

    assert "do not fit" in out.getvalue()
    assert not Speech.objects.filter(timecoded_paragraphs__isnull=False).exists()


def test_load_demo_command_timecodes_the_remarks_against_their_two_minute_footage(
    client, django_capture_on_commit_callbacks
):
    if importlib.util.find_spec("media_library.demo") is None:
        pytest.skip("no media_library demo")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=io.StringIO())

    speech = Speech.objects.published().get(slug=demo.NRC_SLUG)
    video = speech.timecode_video
    assert [v.slug for v in speech.related_videos.all()] == [demo.NRC_VIDEO_SLUG]
    assert video.slug == demo.NRC_VIDEO_SLUG
    assert 119.5 <= video.duration_seconds <= 120.5
    assert list(speech.timecoded_paragraphs.values_list("position", "start_ms")) == [
        (0, 3000), (1, 11000), (2, 18000), (3, 46000), (4, 76000), (5, 101000),
    ]  # fmt: skip
    french = speech.translations.get()
    assert dict(french.timecoded_paragraphs.values_list("position", "start_ms"))[5] == 101000
    tracks = {t.language: t for t in CaptionTrack.objects.filter(video=video)}
    assert tracks["en"].source == tracks["fr"].source == CaptionTrack.Source.TRANSCRIPT
    assert tracks["fr"].cues.order_by("position").first().text.startswith("Messieurs les")
    html = client.get(speech.get_absolute_url()).content.decode()
    assert html.count('class="timecode"') == 6
    assert f'{video.preview_url}#t=101"' in html
