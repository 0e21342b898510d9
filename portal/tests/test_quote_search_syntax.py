"""The quote search reads phrases, `-word` and `or` as the catalogue's search box does, and
alike on every database (issue 16)."""

from __future__ import annotations

import pytest

from core import websearch
from core.testing.search_cases import CASES, READINGS, TEXTS
from media_library.models import ShotEntry
from media_library.tests.factories import VideoFactory
from portal import quotes
from speeches.models import TimecodedParagraph
from speeches.tests.factories import SpeechFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=READINGS)
def reading(request, monkeypatch) -> str:
    if request.param == "plain-text":
        monkeypatch.setattr(websearch, "full_text", lambda connection: False)
    return request.param


@pytest.fixture
def said() -> None:
    """Each text once as a soundbite and once as a timecoded transcript paragraph."""
    video = VideoFactory()
    for position, (name, text) in enumerate(TEXTS.items()):
        ShotEntry.objects.create(
            video=video, position=position, start_ms=position * 1000,
            kind=ShotEntry.Kind.SOUNDBITE, language="en", quote=f"{text} ({name}, soundbite)",
        )  # fmt: skip
        speech = SpeechFactory(published=True, timecode_video=video, body=f"Intro.\n\n{text}")
        TimecodedParagraph.objects.create(
            speech=speech, position=1, start_ms=1000, text=f"{text} ({name}, transcript)"
        )


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[q for q, _ in CASES])
def test_the_search_syntax_finds_the_same_quotes_on_every_database(said, reading, query, expected):
    found = {quote.text for quote in quotes.search_quotes(query)}

    assert found == {
        f"{TEXTS[name]} ({name}, {kind})"
        for name in expected
        for kind in ("soundbite", "transcript")
    }
