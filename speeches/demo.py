"""Demo content: the opening remarks at the NATO-Russia Council (from the portal's seed copy),
timecoded against the footage of them, with a French version.

The transcript is stored word for word in demo_data/; the metadata (speaker, event, place,
date) are editorial fields an editor can correct in the admin. The French text is the demo's
own translation (the seed holds only the English one): it shows a translation's page and its
captions, and an editor replaces it with the official text. The timecodes come from
demo_data/nrc-opening-remarks.en.vtt, read as an editor's pasted captions are. Loading twice
changes nothing, and never undoes an editor's choice.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from media_library.models import Video
from speeches import services
from speeches import timecodes as tc
from speeches.models import Speech

DEMO_DATA = Path(__file__).resolve().parent / "demo_data"
NRC_SLUG = "nrc-defence-ministers-informal-session-opening-remarks"
NRC_FRENCH_SLUG = "conseil-otan-russie-ministres-defense-session-informelle-allocution"
# The footage of the same remarks in the media library's demo content, when it is loaded.
NRC_VIDEO_SLUG = "nato-russia-council-defence-ministers-opening-remarks"


def nrc_opening_remarks(language: str = "en") -> str:
    name = "nrc-opening-remarks.md" if language == "en" else f"nrc-opening-remarks.{language}.md"
    return (DEMO_DATA / name).read_text(encoding="utf-8")


def nrc_captions() -> str:
    return (DEMO_DATA / "nrc-opening-remarks.en.vtt").read_text(encoding="utf-8")


COMMON = {
    "speaker_name": "Jaap de Hoop Scheffer",
    "date_delivered": datetime.date(2004, 10, 13),
    "status": Speech.Status.PUBLISHED,
}


def _speeches() -> tuple[tuple[Speech, bool], tuple[Speech, bool]]:
    english = Speech.objects.get_or_create(
        slug=NRC_SLUG,
        defaults={
            **COMMON,
            "title": (
                "Opening remarks by the NATO Secretary General at the NATO-Russia Council "
                "in Defence Ministers' informal session"
            ),
            "speaker_role": "NATO Secretary General",
            "event": "NATO-Russia Council, Defence Ministers' informal session",
            "location": "Poiana Brașov, Romania",
            "language": "en",
            "body": nrc_opening_remarks(),
            "published_at": timezone.now(),
        },
    )
    french = Speech.objects.get_or_create(
        slug=NRC_FRENCH_SLUG,
        defaults={
            **COMMON,
            "title": (
                "Allocution d'ouverture du Secrétaire général de l'OTAN à la réunion du Conseil "
                "OTAN-Russie en session informelle des ministres de la Défense"
            ),
            "speaker_role": "Secrétaire général de l'OTAN",
            "event": "Conseil OTAN-Russie, session informelle des ministres de la Défense",
            "location": "Poiana Brașov, Roumanie",
            "language": "fr",
            "body": nrc_opening_remarks("fr"),
            "published_at": timezone.now(),
        },
    )
    return english, french


def _timecode(speeches: list[Speech], *, video: Video, stdout: TextIO) -> None:
    """The English paragraphs' timecodes from the demo captions, for both versions (a
    translation keeps the original's paragraphs), if they fit the footage."""
    english = speeches[0]
    found = tc.paragraphs(english.body)
    texts = [services.plain_text(paragraph.source) for paragraph in found]
    timecodes = tc.match_captions(tc.read_captions(nrc_captions()), texts)
    lines = {paragraph.position: paragraph.line for paragraph in found}
    errors = tc.check_order_and_duration(timecodes, duration=video.duration_seconds, lines=lines)
    if errors or video.duration_seconds is None:
        stdout.write(f"speeches: the demo timecodes do not fit “{video.title}”, left out\n")
        return
    for speech in speeches:
        speech.timecode_video = video
        speech.save(update_fields=["timecode_video", "updated_at"])
        services.set_timecodes(speech=speech, timecodes=timecodes)
    services.captions_changed(speech_ids=[english.pk])
    stdout.write(f"speeches: {len(timecodes)} paragraphs timecoded against “{video.title}”\n")


@transaction.atomic
def load(*, stdout: TextIO) -> None:
    (english, created), (french, french_created) = _speeches()
    if french_created:
        english.translations.add(french)
    video = Video.objects.filter(slug=NRC_VIDEO_SLUG).first()
    for speech in (english, french):
        if video is not None and not speech.related_videos.exists():
            # Only while none is linked, so a second load never undoes an editor's choice.
            speech.related_videos.add(video)
    if video is not None and not any(s.timecoded_paragraphs.exists() for s in (english, french)):
        _timecode([english, french], video=video, stdout=stdout)
    stdout.write(f"speeches: {'created' if created else 'kept'} “{english.title}”\n")
    stdout.write(f"speeches: {'created' if french_created else 'kept'} “{french.title}”\n")
