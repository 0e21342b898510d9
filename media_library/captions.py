"""Caption tracks of a video: stored cues in, WebVTT and SubRip files out.

A track is written through one service, `replace_caption_track`, by whoever has the cues:
the speeches app for a transcript timecoded against the video (it sits above this app and
writes down into it), this app for the soundbites of the shot list
(`rebuild_soundbite_captions`). A transcript track wins: soundbites never replace it, and
when it is removed the soundbites of that language make the track again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext as _

from core import timecode
from media_library import public_media
from media_library.models import CaptionCue, CaptionTrack, ShotEntry, Video

Source = CaptionTrack.Source
# A WebVTT cue's text may not hold this (it would start a new timing line).
_ARROW = "-->"


@dataclass(frozen=True)
class Cue:
    """Text shown from `start_ms` to `end_ms` (milliseconds from the start of the video);
    `speaker`, when known, becomes a WebVTT voice span (`<v Name>`)."""

    start_ms: int
    end_ms: int
    text: str
    speaker: str = ""

    @classmethod
    def from_seconds(
        cls, start: Fraction | float, end: Fraction | float, text: str, speaker: str = ""
    ) -> Cue:
        return cls(round(Fraction(start) * 1000), round(Fraction(end) * 1000), text, speaker)


class CaptionError(ValidationError):
    """Cues that cannot make a track; the message names the cue and the reason."""


def _normalised(cue: Cue) -> Cue:
    text = "\n".join(line.strip() for line in cue.text.strip().splitlines() if line.strip())
    return Cue(cue.start_ms, cue.end_ms, text.replace(_ARROW, "→"), " ".join(cue.speaker.split()))


def check_cues(cues: Iterable[Cue], *, duration_ms: int | None) -> list[Cue]:
    """The cues in order of their start, each checked: a start before its end, within the
    video, and some text. Raises `CaptionError` on the first cue that is wrong."""
    checked = sorted((_normalised(cue) for cue in cues), key=lambda c: (c.start_ms, c.end_ms))
    for n, cue in enumerate(checked, start=1):
        where = {"n": n, "start": timecode.to_webvtt(Fraction(max(cue.start_ms, 0), 1000))}
        if cue.start_ms < 0 or cue.end_ms <= cue.start_ms:
            raise CaptionError(_("Cue %(n)d at %(start)s ends before it starts.") % where)
        if duration_ms is not None and cue.end_ms > duration_ms:
            raise CaptionError(_("Cue %(n)d at %(start)s runs past the end of the video.") % where)
        if not cue.text:
            raise CaptionError(_("Cue %(n)d at %(start)s has no text.") % where)
    return checked


def _duration_ms(video: Video) -> int | None:
    if video.duration_seconds is None:
        return None
    return round(video.duration_seconds * 1000)


@transaction.atomic
def replace_caption_track(
    *, video: Video, language: str, source: str, cues: Iterable[Cue]
) -> CaptionTrack | None:
    """Make `video`'s track in `language` hold exactly `cues`, from `source`
    (`CaptionTrack.Source`: "transcript" or "soundbites"); all or nothing.

    - No cues: the track from that source goes; a removed transcript track is made again
      from the soundbites in that language, if any. Returns the track left, or None.
    - A soundbite track never replaces a transcript one: the transcript track is returned
      unchanged.
    Raises `CaptionError` (a `ValidationError`) for a cue that is wrong (`check_cues`).
    """
    if source not in Source.values:
        raise CaptionError(_("Unknown caption source “%(source)s”.") % {"source": source})
    checked = check_cues(cues, duration_ms=_duration_ms(video))
    track = CaptionTrack.objects.select_for_update().filter(video=video, language=language).first()
    if track is not None and track.source == Source.TRANSCRIPT and source == Source.SOUNDBITES:
        return track
    if not checked:
        if track is not None and track.source == source:
            track.delete()
            if source == Source.TRANSCRIPT:
                return _soundbite_track(video=video, language=language)
            return None
        return track
    if track is None:
        track = CaptionTrack.objects.create(video=video, language=language, source=source)
    else:
        track.source = source
        track.save(update_fields=["source", "updated_at"])
        track.cues.all().delete()
    CaptionCue.objects.bulk_create(
        CaptionCue(
            track=track,
            position=n,
            start_ms=cue.start_ms,
            end_ms=cue.end_ms,
            text=cue.text,
            speaker=cue.speaker,
        )
        for n, cue in enumerate(checked)
    )
    return track


def soundbite_cues(entries: Iterable[ShotEntry], *, language: str) -> list[Cue]:
    """Each soundbite in `language` with a quote, as one cue over its in and out points
    (`entries` annotated with `end_at_ms`, `ShotEntryQuerySet.with_ends`)."""
    return [
        Cue(entry.start_ms, entry.end_at_ms, entry.quote, entry.speaker_name)
        for entry in entries
        if entry.kind == ShotEntry.Kind.SOUNDBITE
        and entry.language == language
        and entry.quote
        and entry.end_at_ms is not None
        and entry.end_at_ms > entry.start_ms
    ]


def _soundbite_track(*, video: Video, language: str) -> CaptionTrack | None:
    entries = list(ShotEntry.objects.filter(video=video).with_ends())
    return replace_caption_track(
        video=video,
        language=language,
        source=Source.SOUNDBITES,
        cues=soundbite_cues(entries, language=language),
    )


@transaction.atomic
def rebuild_soundbite_captions(*, video: Video) -> None:
    """One track per language of the video's soundbites (where no transcript track is), and
    no soundbite track for a language that has no quoted soundbite any more."""
    entries = list(ShotEntry.objects.filter(video=video).with_ends())
    languages = {entry.language for entry in entries if entry.language}
    languages |= set(
        CaptionTrack.objects.filter(video=video, source=Source.SOUNDBITES).values_list(
            "language", flat=True
        )
    )
    for language in sorted(languages):
        replace_caption_track(
            video=video,
            language=language,
            source=Source.SOUNDBITES,
            cues=soundbite_cues(entries, language=language),
        )


# --- Files --------------------------------------------------------------------------------------


def _lines(text: str) -> str:
    """A cue's text without blank lines, which would end the cue early."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _vtt_text(text: str) -> str:
    # "<" would open a tag, "&" an entity; escaping ">" also keeps "-->" out of the text.
    return _lines(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _seconds(ms: int) -> Fraction:
    return Fraction(ms, 1000)


def to_webvtt_file(cues: Iterable[CaptionCue | Cue]) -> str:
    """A WebVTT file (W3C WebVTT): header, then each cue's timing and text; a speaker as a
    voice span. Text is escaped, so no cue can open a tag or end early."""
    blocks = ["WEBVTT"]
    for n, cue in enumerate(cues, start=1):
        timing = f"{timecode.to_webvtt(_seconds(cue.start_ms))} --> {timecode.to_webvtt(_seconds(cue.end_ms))}"
        text = _vtt_text(cue.text)
        if cue.speaker:
            voice = _vtt_text(" ".join(cue.speaker.split()))
            text = f"<v {voice}>{text}</v>"
        blocks.append(f"{n}\n{timing}\n{text}")
    return "\n\n".join(blocks) + "\n"


def to_srt_file(cues: Iterable[CaptionCue | Cue]) -> str:
    """A SubRip file: numbered cues, `HH:MM:SS,mmm` timings, plain text."""
    blocks = []
    for n, cue in enumerate(cues, start=1):
        timing = (
            f"{timecode.to_srt(_seconds(cue.start_ms))} --> {timecode.to_srt(_seconds(cue.end_ms))}"
        )
        blocks.append(f"{n}\n{timing}\n{_lines(cue.text).replace(_ARROW, '→')}")
    return "\n\n".join(blocks) + ("\n" if blocks else "")


# --- Serving ----------------------------------------------------------------------------------

CONTENT_TYPES = {"vtt": "text/vtt; charset=utf-8", "srt": "application/x-subrip; charset=utf-8"}


def file_response(request: HttpRequest, *, track: CaptionTrack, file_format: str) -> HttpResponse:
    """The track as a `.vtt` or `.srt` file, revalidated on every use (an ETag of the track's
    last change), never stored by shared caches unless the video is public."""
    etag = f'"{track.pk}-{int(track.updated_at.timestamp() * 1_000_000)}-{file_format}"'
    public = track.video.is_public
    response = get_conditional_response(request, etag=etag)
    if response is None:
        cues = track.cues.all()
        body = to_webvtt_file(cues) if file_format == "vtt" else to_srt_file(cues)
        response = HttpResponse(body, content_type=CONTENT_TYPES[file_format])
        filename = f"{track.video.slug}.{track.language}.{file_format}"
        disposition = "attachment" if file_format == "srt" else "inline"
        response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["ETag"] = etag
    response["Cache-Control"] = "public, no-cache" if public else "private, no-cache"
    # Text, never a page: no sniffing it into HTML, nothing runs should it be opened directly.
    return public_media.with_safe_headers(response)
