"""One description of a rendition of a video, neutral of any format: what the NewsML-G2
sidecar (`newsml.py`) and the IPTC Video Metadata Hub JSON (`vmh.py`) both say.

Pure: it reads the objects it is given and runs no query. `media_library.metadata.describe`
fetches them. docs/metadata.md lists every field and where each format puts it.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Location:
    name: str  # the video's `location`: "Geneva", "Palais des Nations"
    country_code: str  # ISO 3166-1 alpha-2, "" when unknown
    country_name: str  # in English, as django-countries names it


@dataclass(frozen=True)
class Technical:
    """The file the sidecar travels with."""

    rendition_id: int
    label: str
    filename: str  # the name it is downloaded under, beside which the sidecar lies
    content_type: str
    size: int | None
    width: int | None
    height: int | None
    duration_seconds: float | None
    frame_rate: Decimal | None
    bitrate: int | None
    container: str
    video_codec: str  # FFmpeg's codec names, as ffprobe reported them at ingest
    video_profile: str
    audio_codec: str
    audio_channels: int | None
    audio_sample_rate: int | None
    checksum_sha256: str


@dataclass(frozen=True)
class Part:
    """One entry of the shot list: a shot, a soundbite, text on screen, upsound or graphic."""

    number: int  # 1, 2, … in the order of the shot list
    kind: str  # ShotEntry.Kind's value: "shot", "soundbite", …
    start_ms: int
    end_ms: int | None  # None only while neither the video's nor the file's duration is known
    description: str
    speaker_name: str
    speaker_role: str
    language: str
    quote: str


@dataclass(frozen=True)
class _Shifted:
    entry: object
    start_ms: int
    end_ms: int | None


@dataclass(frozen=True)
class Description:
    guid: str  # this sidecar's item: the video and the rendition
    video_guid: str  # the video, whichever rendition
    version: int  # grows with every edit of the video
    provider: str  # the portal's name (SITE_NAME)
    metadata_language: str  # the language titles and summaries are written in
    title: str
    headline: str
    description: str
    shot_list_text: str
    first_created: datetime | None  # published
    version_created: datetime  # last edited
    content_created: date | None  # recorded
    location: Location | None
    event: str
    category: str
    keywords: list[str]
    languages: list[str]  # spoken, ISO 639-1
    credit_line: str
    usage_terms: str
    page_url: str
    thumbnail_url: str
    rendition: Technical
    parts: list[Part]


def _content_type(filename: str) -> str:
    guessed, _encoding = mimetypes.guess_type(filename)
    return guessed or "application/octet-stream"


def technical(rendition, *, filename: str | None = None) -> Technical:
    """A rendition's, or a clip's (which passes its own size, duration, checksum and name)."""
    filename = filename or rendition.download_filename()
    return Technical(
        rendition_id=rendition.pk,
        label=rendition.label,
        filename=filename,
        content_type=_content_type(filename),
        size=rendition.file_size,
        width=rendition.width,
        height=rendition.height,
        duration_seconds=rendition.duration_seconds,
        frame_rate=rendition.frame_rate,
        bitrate=rendition.bitrate,
        container=rendition.container,
        video_codec=rendition.video_codec,
        video_profile=rendition.video_profile,
        audio_codec=rendition.audio_codec,
        audio_channels=rendition.audio_channels,
        audio_sample_rate=rendition.audio_sample_rate,
        checksum_sha256=rendition.checksum_sha256,
    )


def parts(
    rows, *, window: tuple[int, int] | None = None, end_of_file: int | None = None
) -> list[Part]:
    """The shot list's rows (`shot_entries.ShotRow`: an entry and its resolved out point).

    With a `window` (a clip's first and last millisecond in the video), only the entries
    that overlap it, their times counted from the window's start and cut to its length. An
    entry still without an out point (the video's duration unknown) ends at `end_of_file`."""
    if window is not None:
        start, end = window
        within = []
        for row in rows:
            row_end = end if row.end_ms is None else min(row.end_ms, end)
            if row.start_ms < end and row_end > start:
                within.append(
                    _Shifted(row.entry, max(row.start_ms, start) - start, row_end - start)
                )
        rows = within
    return [
        Part(
            number=number,
            kind=row.entry.kind,
            start_ms=row.start_ms,
            end_ms=end_of_file if row.end_ms is None else row.end_ms,
            description=row.entry.description,
            speaker_name=row.entry.speaker_name,
            speaker_role=row.entry.speaker_role,
            language=row.entry.language,
            quote=row.entry.quote,
        )
        for number, row in enumerate(rows, start=1)
    ]


def describe(
    video,
    *,
    file: Technical,
    shot_rows,
    site_url: str,
    site_name: str,
    language: str,
    guid_suffix: str = "",
    window: tuple[int, int] | None = None,
) -> Description:
    """The description of `file` of `video`: `video` with its category, event, tags and
    languages loaded (`VideoQuerySet.for_page`), `shot_rows` its shot list's rows."""
    site_url = site_url.rstrip("/")
    host = urlsplit(site_url).hostname or "localhost"
    video_guid = f"urn:newsml:{host}:video:{video.pk}"
    location = None
    if video.location or video.country:
        location = Location(
            name=video.location,
            country_code=video.country.code or "",
            country_name=str(video.country.name) if video.country else "",
        )
    thumbnail = video.thumbnail_url
    return Description(
        guid=f"{video_guid}:rendition:{file.rendition_id}{guid_suffix}",
        video_guid=video_guid,
        version=max(int(video.updated_at.timestamp()), 1),
        provider=site_name,
        metadata_language=language,
        title=video.title,
        headline=video.title,
        description=video.summary,
        shot_list_text=video.shot_list,
        first_created=video.published_at,
        version_created=video.updated_at,
        content_created=video.recorded_on,
        location=location,
        event=video.event.name if video.event else "",
        category=video.category.name if video.category else "",
        keywords=[tag.name for tag in video.tags.all()],
        languages=[spoken.code for spoken in video.languages.all()],
        credit_line=video.credits,
        usage_terms=video.usage_terms,
        page_url=f"{site_url}{video.get_absolute_url()}",
        thumbnail_url=(thumbnail if "://" in thumbnail else f"{site_url}{thumbnail}")
        if thumbnail
        else "",
        rendition=file,
        parts=parts(
            shot_rows,
            window=window,
            end_of_file=None
            if file.duration_seconds is None
            else round(file.duration_seconds * 1000),
        ),
    )


def seconds(ms: int) -> str:
    """Milliseconds as seconds with three decimals: `12500` → `12.500`."""
    return f"{ms // 1000}.{ms % 1000:03d}"
