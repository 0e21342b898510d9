"""Quote search: words said on camera, in the soundbites of shot lists and in the timecoded
paragraphs of transcripts, each with where to play it from and a citation.

It gathers two apps (media_library's soundbites, speeches' paragraphs), so it lives in the
site layer. Only what the public may see is searched: soundbites of published videos,
paragraphs of published speeches whose video of the timecodes is published.

PostgreSQL: full-text search with the language-neutral 'simple' configuration (the words as
written, in any language, case folded), `websearch` syntax ("a phrase", or, -word); the
paragraphs' index is speeches' migration 0004. Elsewhere (SQLite, the one-command run): the
same syntax read by `core.websearch`, as text in the column. Two queries, one per source, whatever the number of hits.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from fractions import Fraction

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection, models
from django.db.models import F, Func, QuerySet

from core import timecode, websearch
from media_library.models import ShotEntry, Video, in_every_language
from speeches.models import TimecodedParagraph

SEARCH_CONFIG = "simple"
# Hits listed per source: the newest first; more words narrow the search.
QUOTES_PER_SOURCE = 50


class SimpleWords(Func):
    """`to_tsvector('simple', column)`, written as the paragraphs' index is, so it serves."""

    function = "to_tsvector"
    template = "%(function)s('simple'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()


@dataclass(frozen=True)
class Quote:
    kind: str  # "soundbite" or "transcript"
    text: str
    speaker_name: str
    speaker_role: str
    event: str
    date: datetime.date | None
    language: str
    start_ms: int
    video: Video
    source_url: str  # the paragraph in the speech's page, or the video's page

    @property
    def timecode(self) -> str:
        return timecode.to_clock(Fraction(self.start_ms, 1000))

    @property
    def fragment(self) -> str:
        return timecode.to_media_fragment(Fraction(self.start_ms, 1000))

    @property
    def play_url(self) -> str:
        """Plays from the quote without JavaScript: the preview file at the fragment, or the
        video's page when it has no preview."""
        return f"{self.video.preview_url or self.video.get_absolute_url()}#{self.fragment}"

    @property
    def cite_url(self) -> str:
        """The address a citation gives: the video's page at the moment (stable, unlike a
        preview file's)."""
        return f"{self.video.get_absolute_url()}#{self.fragment}"


def _matching(queryset: QuerySet, column: str, query: str) -> QuerySet:
    if websearch.full_text(connection):
        words = SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
        return (
            queryset.alias(words=SimpleWords(F(column)))
            .filter(words=words)
            .annotate(rank=SearchRank(SimpleWords(F(column)), words))
        )
    found = websearch.matches(query, websearch.in_columns(column))
    if found is None:
        return queryset.none().annotate(rank=models.Value(0.0))
    return queryset.filter(found).annotate(rank=models.Value(0.0))


# The columns a hit reads: of a video, its links (not its search vector, summary, shot list).
VIDEO_FIELDS = ("slug", "title", "preview", "status", "published_at", "recorded_on")
SOUNDBITE_FIELDS = [
    *("quote", "speaker_name", "speaker_role", "language", "start_ms"),
    *in_every_language("video__event__name"),
    *(f"video__{name}" for name in VIDEO_FIELDS),
]
SPEECH_FIELDS = ("slug", "speaker_name", "speaker_role", "event", "date_delivered", "language")
PARAGRAPH_FIELDS = [
    *("text", "position", "start_ms", "speech__timecode_video"),
    *(f"speech__{name}" for name in SPEECH_FIELDS),
    *(f"speech__timecode_video__{name}" for name in VIDEO_FIELDS),
]


def _soundbites(query: str) -> list[Quote]:
    entries = _matching(
        ShotEntry.objects.filter(
            kind=ShotEntry.Kind.SOUNDBITE, video__in=Video.objects.published()
        ).exclude(quote=""),
        "quote",
        query,
    )
    entries = (
        entries.select_related("video", "video__event")
        .only(*SOUNDBITE_FIELDS)
        .order_by(F("video__recorded_on").desc(nulls_last=True), "-rank", "video_id", "start_ms")
    )
    return [
        Quote(
            kind="soundbite",
            text=entry.quote,
            speaker_name=entry.speaker_name,
            speaker_role=entry.speaker_role,
            event=entry.video.event.name if entry.video.event else "",
            date=entry.video.recorded_on,
            language=entry.language,
            start_ms=entry.start_ms,
            video=entry.video,
            source_url=entry.video.get_absolute_url(),
        )
        for entry in entries[:QUOTES_PER_SOURCE]
    ]


def _paragraphs(query: str) -> list[Quote]:
    paragraphs = (
        _matching(TimecodedParagraph.objects.public(), "text", query)
        .select_related("speech", "speech__timecode_video")
        .only(*PARAGRAPH_FIELDS)
        .order_by("-speech__date_delivered", "-rank", "speech_id", "position")
    )
    return [
        Quote(
            kind="transcript",
            text=paragraph.text,
            speaker_name=paragraph.speech.speaker_name,
            speaker_role=paragraph.speech.speaker_role,
            event=paragraph.speech.event,
            date=paragraph.speech.date_delivered,
            language=paragraph.speech.language,
            start_ms=paragraph.start_ms,
            video=paragraph.speech.timecode_video,
            source_url=paragraph.get_absolute_url(),
        )
        for paragraph in paragraphs[:QUOTES_PER_SOURCE]
    ]


def search_quotes(query: str) -> list[Quote]:
    """The quotes holding the words of `query`, newest first (two queries; none when empty)."""
    query = " ".join(query.split())
    if not query:
        return []
    found = _paragraphs(query) + _soundbites(query)
    return sorted(found, key=lambda q: q.date or datetime.date.min, reverse=True)
