"""A video's shot list as entries (`ShotEntry`): writing them, and reading them for a page.

Writes go through `replace_shot_entries` (a pasted shot list, the demo) or `entries_edited`
(the admin's inline rows): both keep the entries in the order of their in points, write the
shot list out again as text on the video (which the search reads, `services`), and rebuild
the captions made from soundbites (`captions`), in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from django.db import transaction

from core import timecode
from media_library import captions, shotlist
from media_library.models import Rendition, ShotEntry, Video


def video_frame_rate(video: Video) -> Fraction | None:
    """The rate frame counts (`HH:MM:SS:FF`) are read at: the sharpest ready rendition's,
    exact (29.970 stored is 30000/1001). None before any rendition is ingested."""
    stored = (
        Rendition.objects.ready()
        .filter(video=video, frame_rate__isnull=False)
        .order_by("-height", "pk")
        .values_list("frame_rate", flat=True)
        .first()
    )
    return shotlist.frame_rate(stored)


def duration_ms(video: Video) -> int | None:
    return None if video.duration_seconds is None else round(video.duration_seconds * 1000)


def as_entry(row: ShotEntry) -> shotlist.Entry:
    return shotlist.Entry(
        start_ms=row.start_ms,
        end_ms=row.end_ms,
        kind=row.kind,
        description=row.description,
        speaker_name=row.speaker_name,
        speaker_role=row.speaker_role,
        language=row.language,
        quote=row.quote,
    )


def entry_fields(entry: shotlist.Entry) -> dict:
    """The `ShotEntry` fields of a parsed entry."""
    return {
        "start_ms": entry.start_ms,
        "end_ms": entry.end_ms,
        "kind": entry.kind,
        "description": entry.description,
        "speaker_name": entry.speaker_name,
        "speaker_role": entry.speaker_role,
        "language": entry.language,
        "quote": entry.quote,
    }


@transaction.atomic
def replace_shot_entries(*, video: Video, entries: Iterable[shotlist.Entry]) -> list[ShotEntry]:
    """Make `entries` (read by `shotlist.parse`, which checked them) the video's shot list."""
    ordered = sorted(enumerate(entries), key=lambda pair: (pair[1].start_ms, pair[0]))
    video.shot_entries.all().delete()
    rows = ShotEntry.objects.bulk_create(
        ShotEntry(video=video, position=position, **entry_fields(entry))
        for position, (_n, entry) in enumerate(ordered)
    )
    _written(video=video, rows=rows)
    return rows


@transaction.atomic
def entries_edited(*, video: Video) -> None:
    """The admin saved the entries row by row: number them again in the order of their in
    points, then write out the text and the captions as `replace_shot_entries` does."""
    rows = list(video.shot_entries.order_by("start_ms", "position", "pk"))
    changed = []
    for position, row in enumerate(rows):
        if row.position != position:
            row.position = position
            changed.append(row)
    ShotEntry.objects.bulk_update(changed, ["position"])
    _written(video=video, rows=rows)


def _written(*, video: Video, rows: list[ShotEntry]) -> None:
    video.shot_list = shotlist.format_entries([as_entry(row) for row in rows])
    # A saved video moves the content version and rebuilds its search vector (signals).
    video.save(update_fields=["shot_list", "updated_at"])
    captions.rebuild_soundbite_captions(video=video)


# --- Reading: the video page -------------------------------------------------------------------


@dataclass(frozen=True)
class ShotRow:
    entry: ShotEntry
    start_ms: int
    end_ms: int | None

    @property
    def timecode(self) -> str:
        return shotlist.clock(self.start_ms)

    @property
    def end_timecode(self) -> str:
        return "" if self.end_ms is None else shotlist.clock(self.end_ms)

    @property
    def seconds(self) -> float:
        return self.start_ms / 1000

    @property
    def fragment(self) -> str:
        """`t=72`: the media fragment that plays the preview from this entry."""
        return timecode.to_media_fragment(Fraction(self.start_ms, 1000))

    @property
    def duration_ms(self) -> int | None:
        # 0 for an entry that starts past the end of a video found shorter than its shot list.
        return None if self.end_ms is None else max(self.end_ms - self.start_ms, 0)

    @property
    def duration(self) -> str:
        """`0:08`, `1:02:05`: how long the entry runs."""
        if self.duration_ms is None:
            return ""
        whole, rest = divmod(self.duration_ms, 1000)
        hours, minutes, seconds = whole // 3600, whole // 60 % 60, whole % 60
        text = f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
        return f"{text}.{rest // 100}" if rest >= 100 and whole < 10 else text


@dataclass(frozen=True)
class ShotList:
    rows: list[ShotRow]

    def __bool__(self) -> bool:
        return bool(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def soundbite_count(self) -> int:
        return sum(1 for row in self.rows if row.entry.is_soundbite)


def shot_list_for(video: Video) -> ShotList:
    """The video's entries for its page, with their resolved out points: one query."""
    entries = ShotEntry.objects.filter(video=video).with_ends()
    return ShotList([ShotRow(entry, entry.start_ms, entry.end_at_ms) for entry in entries])
