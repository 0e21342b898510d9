"""Writes to speeches that do more than save a form: the transcript's timecodes, and the
caption tracks made from them on the video (through media_library's caption service)."""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable
from fractions import Fraction

from django.db import transaction
from django.db.models import Q
from django.utils.html import strip_tags

from core import content_version
from core.tasks import enqueue
from media_library.captions import Cue, replace_caption_track
from media_library.models import CaptionTrack, Video
from speeches import captions as caption_cues
from speeches import timecodes as tc
from speeches.models import Speech, TimecodedParagraph
from speeches.rendering import render_markdown

Source = CaptionTrack.Source
logger = logging.getLogger(__name__)


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


Place = tuple[int, str]  # where a transcript caption track goes: (video pk, language)
SYNC_CAPTIONS_TASK = "speeches.tasks.sync_captions"


def caption_places(versions: Iterable[tuple[int | None, str | None]]) -> list[Place]:
    """Where a speech and its translations may have transcript caption tracks: every video of
    the timecodes among them, in every one of their languages (a translation without timecodes
    of its own follows another version's video). `versions`: each version's video of the
    timecodes (pk, or None) and language.

    The one rule of what a change may leave behind: the signals (delete, publication) and the
    admin (a language changed, a translation unlinked) pass these places to `sync_captions`.
    """
    versions = list(versions)
    videos = sorted({video_id for video_id, _language in versions if video_id})
    languages = sorted({language for _video_id, language in versions if language})
    return [(video_id, language) for video_id in videos for language in languages]


def speech_caption_places(speech: Speech) -> list[Place]:
    """`caption_places` of the speech and its translations as they are saved now."""
    versions = speech.translations.values_list("timecode_video_id", "language")
    return caption_places([(speech.timecode_video_id, speech.language), *versions])


def _remove_transcript_tracks(places: Iterable[Place]) -> None:
    places = list(places)
    videos = Video.objects.in_bulk({video_id for video_id, _language in places})
    for video_id, language in places:
        if video_id in videos:
            replace_caption_track(
                video=videos[video_id], language=language, source=Source.TRANSCRIPT, cues=[]
            )


@transaction.atomic
def withdraw_captions(*, speech: Speech) -> None:
    """Remove the transcript caption tracks in the speech's language from the videos it and
    its translations are timecoded against, in the caller's transaction: the text of a speech
    being unpublished or deleted stops being served with the change that hides it, whatever
    becomes of the work queued after the commit. (Cheap: no cues are made.)"""
    places = speech_caption_places(speech)
    _remove_transcript_tracks(p for p in places if p[1] == speech.language)


@transaction.atomic
def sync_captions(*, speech_ids: Iterable[int], previous: Iterable[Place] = ()) -> None:
    """Write the transcript caption tracks of the speeches and of their translations: one per
    language, on the video of the timecodes, while each is public and timecoded (its own
    timecodes, or a translation's: `_timing`); remove the others, among the videos and
    languages they use now or used before the change (`previous`, from `caption_places`).

    `speech_ids` may name deleted speeches (nothing is written for them). Run after the
    change has committed (`captions_changed`), and by `reconcile_captions`.
    """
    # Where these speeches and their translations may have captions: the videos they follow
    # now or followed before the edit, in each of their languages. What is not written goes.
    previous = list(previous)
    videos = {video_id for video_id, _language in previous}
    languages = {language for _video_id, language in previous}
    written: set[Place] = set()
    versions: dict[int, Speech] = {}
    for speech in Speech.objects.filter(pk__in=list(speech_ids)).select_related("timecode_video"):
        for version in [speech, *speech.translations.select_related("timecode_video")]:
            versions.setdefault(version.pk, version)
    for version in versions.values():
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
    _remove_transcript_tracks(
        (video_id, language)
        for video_id in sorted(videos)
        for language in sorted(languages)
        if (video_id, language) not in written
    )


def captions_changed(*, speech_ids: Iterable[int], previous: Iterable[Place] = ()) -> None:
    """Once the current transaction commits, queue the task that brings the caption tracks of
    the speeches (and their translations) up to date (`sync_captions`).

    Robust: if the task cannot be queued, the failure is logged, the edit stays saved, and
    `reconcile_captions` (beat) catches up.
    """
    ids = sorted(set(speech_ids))
    pairs = [list(pair) for pair in previous]
    transaction.on_commit(lambda: enqueue(SYNC_CAPTIONS_TASK, ids, pairs), robust=True)


def reconcile_captions() -> dict[str, int]:
    """Make the transcript caption tracks what the speeches say, whatever was lost on the way
    (a task that failed, a broker that was down): a track no public, timecoded speech of its
    language follows goes; a public, timecoded speech whose track is missing gets it.

    Returns how many tracks were removed and how many speeches were synced. Run by beat.
    """
    # The tracks first: one written after this line by a sync is not taken for a stale one.
    existing = set(
        CaptionTrack.objects.filter(source=Source.TRANSCRIPT).values_list("video_id", "language")
    )
    timecoded = Q(timecode_video__isnull=False) | Q(translations__timecode_video__isnull=False)
    candidates = Speech.objects.published().filter(timecoded).distinct()
    expected: dict[Place, int] = {}
    for speech in candidates.select_related("timecode_video").order_by("pk"):
        video, timecodes = _timing(speech)
        if video is not None and timecodes:
            expected.setdefault((video.pk, speech.language), speech.pk)
    stale = sorted(existing - set(expected))
    _remove_transcript_tracks(stale)
    missing = sorted(speech_id for place, speech_id in expected.items() if place not in existing)
    for speech_id in missing:
        sync_captions(speech_ids=[speech_id])
    if stale or missing:
        logger.warning(
            "captions reconciled: %d removed, %d speeches synced", len(stale), len(missing)
        )
    return {"removed": len(stale), "synced": len(missing)}
