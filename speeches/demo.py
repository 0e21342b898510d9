"""Demo content: the opening remarks at the NATO-Russia Council (from the portal's seed copy).

The transcript is stored word for word in demo_data/; the metadata (speaker, event, place,
date) are editorial fields an editor can correct in the admin. Loading twice changes nothing.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import TextIO

from django.utils import timezone

from media_library.models import Video
from speeches.models import Speech

DEMO_DATA = Path(__file__).resolve().parent / "demo_data"
NRC_SLUG = "nrc-defence-ministers-informal-session-opening-remarks"
# The footage of the same remarks in the media library's demo content, when it is loaded.
NRC_VIDEO_SLUG = "nato-russia-council-defence-ministers-opening-remarks"


def nrc_opening_remarks() -> str:
    return (DEMO_DATA / "nrc-opening-remarks.md").read_text(encoding="utf-8")


def load(*, stdout: TextIO) -> None:
    speech, created = Speech.objects.get_or_create(
        slug=NRC_SLUG,
        defaults={
            "title": (
                "Opening remarks by the NATO Secretary General at the NATO-Russia Council "
                "in Defence Ministers' informal session"
            ),
            "speaker_name": "Jaap de Hoop Scheffer",
            "speaker_role": "NATO Secretary General",
            "event": "NATO-Russia Council, Defence Ministers' informal session",
            "location": "Poiana Brașov, Romania",
            "date_delivered": datetime.date(2004, 10, 13),
            "language": "en",
            "body": nrc_opening_remarks(),
            "status": Speech.Status.PUBLISHED,
            "published_at": timezone.now(),
        },
    )
    if not speech.related_videos.exists():
        # Only while none is linked, so a second load never undoes an editor's choice.
        speech.related_videos.add(*Video.objects.filter(slug=NRC_VIDEO_SLUG))
    stdout.write(f"speeches: {'created' if created else 'kept'} “{speech.title}”\n")
