"""Quote search in French: a soundbite's event is named in French, at no extra query."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import reverse
from django.utils import translation

from media_library.models import ShotEntry
from media_library.tests.factories import EventFactory, VideoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    """A French request activates French in this thread; later tests expect English."""
    yield
    translation.deactivate()


def test_a_soundbite_names_its_event_in_the_readers_language(client, django_assert_num_queries):
    event = EventFactory(name="Meeting of Defence Ministers", name_fr="Réunion des ministres")
    for n in range(3):
        ShotEntry.objects.create(
            video=VideoFactory(event=event),
            position=0,
            start_ms=1000,
            kind=ShotEntry.Kind.SOUNDBITE,
            language="en",
            speaker_name="Jens Stoltenberg",
            quote=f"Solidarity, number {n}.",
        )
    client.cookies["django_language"] = "fr"

    with django_assert_num_queries(2):  # as in English: no query per soundbite for its event
        french = client.get(reverse("quote_search"), {"q": "solidarity"}).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(reverse("quote_search"), {"q": "solidarity"}).content.decode()

    # On each quote and in its citation.
    assert french.count("Réunion des ministres") == english.count("Meeting of Defence Ministers")
    assert french.count("Réunion des ministres") >= 3
    assert "Meeting of Defence Ministers" not in french
