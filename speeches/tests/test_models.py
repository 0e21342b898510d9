from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from speeches.models import Speech
from speeches.rendering import render_markdown
from speeches.tests.factories import SpeechFactory

pytestmark = pytest.mark.django_db


def test_published_queryset_holds_published_and_due_scheduled_speeches_only():
    now = timezone.now()
    published = SpeechFactory(published=True)
    due = SpeechFactory(status=Speech.Status.SCHEDULED, published_at=now - datetime.timedelta(1))
    SpeechFactory(scheduled=True)
    SpeechFactory()

    assert set(Speech.objects.published()) == {published, due}


def test_future_publication_time_is_hidden_whatever_the_status():
    future = timezone.now() + datetime.timedelta(minutes=5)
    SpeechFactory(status=Speech.Status.PUBLISHED, published_at=future)
    SpeechFactory(status=Speech.Status.SCHEDULED, published_at=future)

    assert not Speech.objects.published().exists()


def test_is_public_agrees_with_the_published_queryset():
    now = timezone.now()
    speeches = [
        SpeechFactory(),
        SpeechFactory(published=True),
        SpeechFactory(scheduled=True),
        SpeechFactory(status=Speech.Status.SCHEDULED, published_at=now - datetime.timedelta(1)),
        SpeechFactory(status=Speech.Status.PUBLISHED, published_at=None),
    ]
    public = set(Speech.objects.published())
    for speech in speeches:
        assert speech.is_public == (speech in public), speech.status


def test_scheduled_speech_without_a_time_is_invalid():
    speech = SpeechFactory.build(status=Speech.Status.SCHEDULED, published_at=None)

    with pytest.raises(ValidationError) as error:
        speech.full_clean()
    assert "published_at" in error.value.message_dict


def test_published_status_with_a_future_time_is_invalid():
    speech = SpeechFactory.build(
        status=Speech.Status.PUBLISHED, published_at=timezone.now() + datetime.timedelta(1)
    )

    with pytest.raises(ValidationError) as error:
        speech.full_clean()
    assert "published_at" in error.value.message_dict


def test_translations_are_linked_both_ways():
    english = SpeechFactory(language="en")
    french = SpeechFactory(language="fr", translations=[english])

    assert list(english.translations.all()) == [french]
    assert list(french.translations.all()) == [english]


def test_absolute_url_uses_the_slug():
    assert SpeechFactory.build(slug="opening").get_absolute_url() == "/speeches/opening/"


def test_markdown_paragraphs_emphasis_quotes_and_links_survive_sanitising():
    html = render_markdown(
        "First *point*, **strong**.\n\n> A quotation.\n\nSee [the site](https://example.org)."
    )

    assert "<p>First <em>point</em>, <strong>strong</strong>.</p>" in html
    assert "<blockquote>" in html
    assert "<p>A quotation.</p>" in html
    assert 'href="https://example.org"' in html


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert('x')</script>",
        "<p><script>alert('x')</script></p>",
        '<img src="x" onerror="alert(1)">',
        '<a href="#" onclick="alert(1)">click</a>',
        '<a href="javascript:alert(1)">click</a>',
        '<a href="JaVaScRiPt:alert(1)">click</a>',
        "[click](javascript:alert(1))",
        '<iframe src="https://evil.example"></iframe>',
        '<div style="background:url(javascript:alert(1))">x</div>',
        "<svg onload=alert(1)>",
    ],
)
def test_script_event_handlers_and_javascript_links_render_inert(hostile):
    html = render_markdown(f"Before.\n\n{hostile}\n\nAfter.").lower()

    assert "<script" not in html
    for dangerous in ("onerror", "onclick", "onload", "javascript:", "<iframe", "<svg", "style="):
        assert dangerous not in html
    assert "<p>after.</p>" in html
