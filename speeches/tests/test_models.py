from __future__ import annotations

import pytest

from speeches.rendering import render_markdown
from speeches.tests.factories import SpeechFactory

pytestmark = pytest.mark.django_db


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
