from __future__ import annotations

import pytest

from speeches import models
from speeches.tests.factories import SpeechFactory

pytestmark = pytest.mark.django_db


def test_a_transcript_is_rendered_once_and_an_edit_is_never_served_stale(monkeypatch):
    speech = SpeechFactory(body="Good *morning*.")
    calls: list[str] = []
    original = models.render_markdown
    monkeypatch.setattr(
        models, "render_markdown", lambda text: calls.append(text) or original(text)
    )

    first = models.Speech.objects.get(pk=speech.pk).body_html
    again = models.Speech.objects.get(pk=speech.pk).body_html
    speech.body = "Good *evening*."
    speech.save()
    edited = models.Speech.objects.get(pk=speech.pk).body_html

    assert first == again == "<p>Good <em>morning</em>.</p>"
    assert edited == "<p>Good <em>evening</em>.</p>"
    assert len(calls) == 2
