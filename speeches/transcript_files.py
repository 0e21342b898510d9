"""A speech's transcript as a file a journalist keeps: plain text and PDF.

Both hold the same lines, in the same order: the title, who spoke (and their role), where and
when, the transcript's paragraphs as the words a reader sees (Markdown and markup gone), then
the credit line and the page's address on the portal (`SITE_URL`), so a quote taken from the
file can always be traced back.

The PDF is drawn with fpdf2 in DejaVu Sans, shipped in `speeches/fonts/` (its licence beside
it): the fonts of the PDF standard have no Cyrillic, and a font found on the host would make
the file depend on the machine. fpdf2 embeds only the glyphs used, with their Unicode map, so
the text can be selected, searched and extracted from the file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF

from speeches import timecodes
from speeches.models import Speech
from speeches.services import plain_text

FONTS = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "DejaVu Sans"
# Bump when the PDF's layout changes, so cached files are drawn anew.
PDF_VERSION = 1
PDF_CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class TranscriptFile:
    title: str
    language: str
    heading: list[str]
    paragraphs: list[str]
    credit: str
    url: str

    def as_text(self) -> str:
        blocks = [
            "\n".join([self.title, *self.heading]),
            *self.paragraphs,
            "\n".join([self.credit, self.url]),
        ]
        return "\n\n".join(blocks) + "\n"


def page_url(speech: Speech) -> str:
    """The speech's page on the portal's public address."""
    return settings.SITE_URL.rstrip("/") + speech.get_absolute_url()


def transcript_file(speech: Speech) -> TranscriptFile:
    """What both files of `speech` say, labels in the active language."""
    speaker = speech.speaker_name
    if speech.speaker_role:
        speaker = f"{speaker}, {speech.speaker_role}"
    occasion = [part for part in (speech.event, speech.location) if part]
    occasion.append(date_format(speech.date_delivered, "DATE_FORMAT"))
    return TranscriptFile(
        title=speech.title,
        language=speech.language,
        heading=[speaker, " · ".join(occasion)],
        paragraphs=[
            text
            for text in (plain_text(p.source) for p in timecodes.paragraphs(speech.body))
            if text
        ],
        credit=_("Transcript: %(site)s") % {"site": settings.SITE_NAME},
        url=page_url(speech),
    )


def as_pdf(document: TranscriptFile) -> bytes:
    """The PDF of `document`, drawn once per distinct content (kept in the cache a day)."""
    digest = hashlib.sha256(repr(document).encode()).hexdigest()
    key = f"speeches:transcript_pdf:{PDF_VERSION}:{digest}"
    content = cache.get(key)
    if content is None:
        content = _draw_pdf(document)
        cache.set(key, content, PDF_CACHE_SECONDS)
    return content


def _draw_pdf(document: TranscriptFile) -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_font(FONT_FAMILY, "", FONTS / "DejaVuSans.ttf")
    pdf.add_font(FONT_FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.set_title(document.title)
    pdf.set_author(document.heading[0])
    pdf.set_creator(settings.SITE_NAME)
    pdf.set_subject(f"{document.credit} {document.url}")
    pdf.set_lang(document.language)
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()

    def block(text: str, *, size: float, bold: bool = False, after: float = 0, link: str = ""):
        pdf.set_font(FONT_FAMILY, "B" if bold else "", size)
        pdf.multi_cell(
            0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT", link=link or None
        )
        if after:
            pdf.ln(after)

    block(document.title, size=16, bold=True, after=2)
    for line in document.heading:
        block(line, size=10)
    pdf.ln(6)
    for paragraph in document.paragraphs:
        block(paragraph, size=11, after=3)
    pdf.ln(4)
    block(document.credit, size=9)
    block(document.url, size=9, link=document.url)
    return bytes(pdf.output())
