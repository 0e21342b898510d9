"""The speeches' search box reads phrases, `-word` and `or` as the catalogue's does, and alike
on every database (issue 16)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.testing.search_cases import CASES, TEXTS
from speeches.tests.factories import SpeechFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("speeches:speech_list")


@pytest.fixture
def speeches() -> None:
    """Each text once as a title and once in a transcript."""
    for name, text in TEXTS.items():
        SpeechFactory(published=True, title=text, slug=f"{name}-title")
        SpeechFactory(
            published=True, title=f"Speech {name}", body=f"Good morning.\n\n{text}.",
            slug=f"{name}-body",
        )  # fmt: skip


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[q for q, _ in CASES])
def test_the_search_syntax_finds_the_same_speeches_on_every_database(
    client, speeches, query, expected
):
    response = client.get(LIST_URL, {"q": query})

    found = {speech.slug for speech in response.context["speeches"]}
    assert found == {f"{name}-{place}" for name in expected for place in ("title", "body")}


def test_a_quoted_phrase_in_the_address_finds_the_speech_that_says_it(client):
    SpeechFactory(published=True, title="Opening remarks by the Secretary General")
    SpeechFactory(published=True, title="Remarks at the opening of the harbour")

    response = client.get('/speeches/?q="opening%20remarks"')

    assert [s.title for s in response.context["speeches"]] == [
        "Opening remarks by the Secretary General"
    ]
