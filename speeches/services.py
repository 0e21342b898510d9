"""Writes to speeches that do more than save a form: the transcript's timecodes, and the
caption tracks made from them on the video (through media_library's caption service)."""

from __future__ import annotations

import html
from collections.abc import Iterable
from fractions import Fraction

from django.db import transaction
from django.utils.html import strip_tags

from core import content_version
from media_library.captions import Cue, replace_caption_track
from media_library.models import CaptionTrack, Video
from speeches import captions as caption_cues
from speeches import timecodes as tc
from speeches.models import Speech, TimecodedParagraph
from speeches.rendering import render_markdown

Source = CaptionTrack.Source


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


def _timing(speech: Speech) -> tuple[Video | None, dict[int, int]]:
    """The video and timecodes (position -> ms) the speech's captions follow: its own; else,
    for a translation without timecodes, those of a published version of it with as many
    paragraphs (translations keep the paragraphs of the original)."""
    own = dict(speech.timecoded_paragraphs.values_list("position", "start_ms"))
    if own and speech.timecode_video is not None:
        return speech.timecode_video, own
    count = len(tc.paragraphs(speech.body))
    versions = speech.translations.published().exclude(timecode_video=None)
    for version in versions.select_related("timecode_video").order_by("pk"):
        theirs = dict(version.timecoded_paragraphs.values_list("position", "start_ms"))
        if theirs and len(tc.paragraphs(version.body)) == count:
            return version.timecode_video, theirs
    return None, {}


def transcript_cues(speech: Speech, *, video: Video, timecodes: dict[int, int]) -> list[Cue]:
    """The speech's transcript as caption cues over `video` (speeches.captions' rule)."""
    texts = [plain_text(paragraph.source) for paragraph in tc.paragraphs(speech.body)]
    duration = round((video.duration_seconds or 0) * 1000)
    spans = caption_cues.segments(texts, timecodes, duration_ms=duration)
    return [
        Cue(cue.start_ms, cue.end_ms, cue.text, speech.speaker_name)
        for cue in caption_cues.cues(spans)
    ]


@transaction.atomic
def sync_captions(*, speech_id: int, previous: Iterable[tuple[int, str]] = ()) -> None:
    """Write the transcript caption tracks of a speech and of its translations: one per
    language, on the video of the timecodes, while each is public and timecoded (its own
    timecodes, or a translation's: `_timing`); remove the others, among the videos and
    languages they use now or used before the edit (`previous`: (video pk, language) pairs).

    Run after the speech's change has committed (`captions_changed`).
    """
    # Where this speech and its translations may have captions: the videos they follow now or
    # followed before the edit, in each of their languages. What is not written is removed.
    previous = list(previous)
    videos = {video_id for video_id, _language in previous}
    languages = {language for _video_id, language in previous}
    written: set[tuple[int, str]] = set()
    speech = Speech.objects.filter(pk=speech_id).select_related("timecode_video").first()
    versions = [speech, *speech.translations.select_related("timecode_video")] if speech else []
    for version in versions:
        languages.add(version.language)
        if version.timecode_video_id:
            videos.add(version.timecode_video_id)
        video, timecodes = _timing(version)
        if video is None:
            continue
        videos.add(video.pk)
        cues = transcript_cues(version, video=video, timecodes=timecodes)
        if version.is_public and cues:
            replace_caption_track(
                video=video, language=version.language, source=Source.TRANSCRIPT, cues=cues
            )
            written.add((video.pk, version.language))
    for video in Video.objects.filter(pk__in=videos):
        for language in languages:
            if (video.pk, language) not in written:
                replace_caption_track(
                    video=video, language=language, source=Source.TRANSCRIPT, cues=[]
                )


def captions_changed(*, speech_id: int, previous: Iterable[tuple[int, str]] = ()) -> None:
    """Once the current transaction commits, bring the speech's caption tracks up to date.

    Robust: a failure is logged, and the edit that was saved stays saved.
    """
    pairs = list(previous)
    transaction.on_commit(lambda: sync_captions(speech_id=speech_id, previous=pairs), robust=True)


def caption_pair(speech: Speech) -> tuple[int, str] | None:
    """Where the speech's own captions are written now: (video pk, language)."""
    if speech.timecode_video_id is None:
        return None
    return (speech.timecode_video_id, speech.language)
