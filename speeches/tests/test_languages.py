"""A speech in the reader's language: the language switch leads to the speech's translation,
and the list's filters agree in French ("Tous" les intervenants, "Toutes" les années)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.urls import reverse
from django.utils import translation

from speeches.models import Speech
from speeches.tests.factories import SpeechFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    """A French request activates French in this thread; later tests expect English."""
    yield
    translation.deactivate()


@pytest.fixture
def english():
    """A speech given in English, translated into French (published) and Russian (draft)."""
    french = SpeechFactory(
        published=True, slug="allocution-d-ouverture", title="Allocution", language="fr"
    )
    russian = SpeechFactory(slug="vstupitelnoe-slovo", language="ru")
    return SpeechFactory(
        published=True, slug="opening-remarks", language="en", translations=[french, russian]
    )


def _switch(client, language: str, next_url: str):
    return client.post(reverse("set_language"), {"language": language, "next": next_url})


def test_switching_to_french_on_a_speech_goes_to_its_french_translation(client, english):
    response = _switch(client, "fr", english.get_absolute_url())

    assert response.status_code == 302
    assert response.url == "/speeches/allocution-d-ouverture/"
    assert response.cookies["django_language"].value == "fr"
    page = client.get(response.url).content.decode()
    assert page.startswith('<!DOCTYPE html>\n<html lang="fr">')


def test_switching_back_to_english_on_the_translation_goes_to_the_original(client, english):
    response = _switch(client, "en", "/speeches/allocution-d-ouverture/")

    assert response.url == english.get_absolute_url()


@pytest.mark.parametrize(
    ("language", "next_url"),
    [
        ("en", "/speeches/opening-remarks/"),  # already in that language
        ("fr", "/speeches/no-such-speech/"),  # nothing to translate
        ("fr", "/speeches/"),  # not a speech
        ("fr", "/videos/?q=remarks"),
    ],
)
def test_the_switch_stays_on_the_page_without_a_translation_to_go_to(
    client, english, language, next_url
):
    assert _switch(client, language, next_url).url == next_url


def test_an_unpublished_translation_is_never_the_target(client, english):
    Speech.objects.filter(slug="allocution-d-ouverture").update(status=Speech.Status.DRAFT)
    SpeechFactory(slug="solo", language="en", published=True)

    assert _switch(client, "fr", english.get_absolute_url()).url == english.get_absolute_url()
    # A draft speech is not given away by its published translation either.
    assert _switch(client, "ru", english.get_absolute_url()).url == english.get_absolute_url()


def test_an_unknown_language_changes_nothing(client, english):
    response = _switch(client, "xx", english.get_absolute_url())

    assert response.url == english.get_absolute_url()
    assert "django_language" not in response.cookies


def test_the_switch_still_never_leaves_the_site(client, english):
    response = client.post(
        reverse("set_language"), {"language": "fr", "next": "https://attacker.example/"}
    )

    assert response.url == "/"


def test_the_french_filters_say_tous_or_toutes_as_each_filter_needs(client, english):
    client.cookies["django_language"] = "fr"
    html = client.get(reverse("speeches:speech_list")).content.decode()

    def first_option(name: str) -> str:
        select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
        assert select, name
        return re.search(r"<option[^>]*>([^<]*)</option>", select.group(0)).group(1)

    assert first_option("speaker") == "Tous"
    assert first_option("event") == "Tous"
    assert first_option("year") == "Toutes"
