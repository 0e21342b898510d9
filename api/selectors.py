"""The API's reads: only published content, whoever asks (editors' tokens see no more)."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse

from media_library import related, selectors, shot_entries
from media_library.models import Category, Event, Rendition, Tag, Video
from speeches import timecodes as tc
from speeches.models import Speech
from speeches.services import plain_text


def video_for_api(slug: str) -> Video:
    """A published video with everything its API detail reads, one query per relation."""
    video = Video.objects.published().for_page().filter(slug=slug).first()
    if video is None:
        raise Http404
    video.api_shot_list = [
        {
            "kind": row.entry.kind,
            "start_ms": row.start_ms,
            "end_ms": row.end_ms,
            "description": row.entry.description,
            "speaker_name": row.entry.speaker_name,
            "speaker_role": row.entry.speaker_role,
            "language": row.entry.language,
            "quote": row.entry.quote,
        }
        for row in shot_entries.shot_list_for(video).rows
    ]
    video.api_caption_tracks = [
        {
            "language": track.language,
            "label": track.label,
            "source": track.source,
            **{
                f"{fmt}_url": reverse(
                    "media_library:video_captions",
                    kwargs={"slug": video.slug, "language": track.language, "file_format": fmt},
                )
                for fmt in ("vtt", "srt")
            },
        }
        for track in video.caption_tracks.all()
    ]
    video.api_related_speeches = related.related_speeches(video)
    return video


def published_rendition(**lookups) -> Rendition:
    """A ready rendition of a published video (404 otherwise): drafts never, whose ever token."""
    return selectors.downloadable_rendition(videos=Video.objects.published(), **lookups)


def speeches_for_api():
    return Speech.objects.published().defer("body")


def speech_for_api(slug: str) -> Speech:
    speech = Speech.objects.published().with_public_relations().filter(slug=slug).first()
    if speech is None:
        raise Http404
    # As its page: the timecodes of the speech or of its timecoded translation (same number of
    # paragraphs), over this speech's own paragraphs; none while that video is not public.
    timecodes = speech.timecodes if speech.timecode_player is not None else {}
    paragraphs = {paragraph.position: paragraph for paragraph in tc.paragraphs(speech.body)}
    speech.api_timecoded_paragraphs = [
        {
            "position": position,
            "start_ms": start_ms,
            "text": plain_text(paragraphs[position].source),
        }
        for position, start_ms in sorted(timecodes.items())
        if position in paragraphs
    ]
    return speech


def categories():
    return Category.objects.all()


def events():
    return Event.objects.all()


def tags():
    return Tag.objects.all()
