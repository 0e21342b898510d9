from __future__ import annotations

import importlib.util
import io
import re

import pytest
from django.core.management import call_command

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


def test_demo_load_is_idempotent():
    demo.load(stdout=io.StringIO())
    before = Speech.objects.values().get()

    demo.load(stdout=io.StringIO())

    assert Speech.objects.count() == 1
    assert Speech.objects.values().get() == before


def test_load_demo_command_loads_the_speech_and_links_the_footage_of_it():
    call_command("load_demo", stdout=io.StringIO())

    speech = Speech.objects.published().get(slug=demo.NRC_SLUG)
    if importlib.util.find_spec("media_library.demo") is not None:
        assert [video.slug for video in speech.related_videos.all()] == [demo.NRC_VIDEO_SLUG]
