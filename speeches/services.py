"""Writes to speeches that do more than save a form: the transcript's timecodes."""

from __future__ import annotations

import html
from fractions import Fraction

from django.db import transaction
from django.utils.html import strip_tags

from core import content_version
from speeches import timecodes as tc
from speeches.models import Speech, TimecodedParagraph
from speeches.rendering import render_markdown


def plain_text(markdown_source: str) -> str:
    """A paragraph's Markdown as the words a reader sees (quotes, captions, citations)."""
    return " ".join(html.unescape(strip_tags(render_markdown(markdown_source))).split())


@transaction.atomic
def set_timecodes(*, speech: Speech, timecodes: dict[int, Fraction]) -> list[TimecodedParagraph]:
    """Replace the speech's timecoded paragraphs with `timecodes` (paragraph position ->
    seconds) over its saved `body`; positions past the last paragraph are ignored.

    Checked by the caller (the admin form): order and the video's duration.
    """
    paragraphs = {p.position: p for p in tc.paragraphs(speech.body)}
    rows = [
        TimecodedParagraph(
            speech=speech,
            position=position,
            start_ms=tc.to_milliseconds(Fraction(moment)),
            text=plain_text(paragraphs[position].source),
        )
        for position, moment in sorted(timecodes.items())
        if position in paragraphs
    ]
    TimecodedParagraph.objects.filter(speech=speech).delete()
    TimecodedParagraph.objects.bulk_create(rows)
    content_version.bump()
    return rows
