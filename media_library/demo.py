"""Demo videos for the one-command run: real generated clips, ingested like any other file.

Idempotent: a video whose slug exists is left alone. Each clip takes about a second to make.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

from django.core.files import File
from django.utils import timezone
from django.utils.text import slugify

from core import publishing
from media_library import services
from media_library.models import Category, Event, Language, Rendition, Video
from media_library.synth import make_clip

CATEGORIES = ["Press conference", "B-roll / stock footage", "Edited package", "Speech", "Interview"]
LANGUAGES = [("en", "English"), ("fr", "French")]
USAGE_TERMS = (
    "Free of charge for editorial use by journalists and broadcasters. Credit the source as "
    "shown. Not for commercial, advertising or political campaign use. Do not alter the "
    "meaning of the footage."
)

EVENTS = {
    "nrc-defence-ministers-2004": (
        "NATO-Russia Council, Defence Ministers' informal session",
        date(2004, 10, 13),
        "Poiana Brașov",
    ),
    "defence-ministers-meeting": ("Meeting of Defence Ministers", date(2025, 6, 5), "Brussels"),
}

CLIPS = [
    {
        "slug": "nato-russia-council-defence-ministers-opening-remarks",
        "title": "NATO-Russia Council: opening remarks at the Defence Ministers' informal session",
        "summary": (
            "The Secretary General opens the NATO-Russia Council in Defence Ministers' informal "
            "session: solidarity in the face of terrorism, Afghanistan, the Balkans and Iraq, "
            "defence reform and military-to-military cooperation."
        ),
        "shot_list": (
            "00:00:00 Wide shot of the council table, ministers taking their seats\n"
            "00:00:01 Medium shot, Secretary General opening the session\n"
            "00:00:02 Close-up, name plates and interpreters' booths\n"
            "00:00:03 Cutaway, press photographers leaving the room"
        ),
        "category": "Speech",
        "event": "nrc-defence-ministers-2004",
        "country": "RO",
        "location": "Poiana Brașov",
        "recorded_on": date(2004, 10, 13),
        "tags": ["NATO-Russia Council", "defence ministers", "counter-terrorism"],
        "languages": ["en", "fr"],
        "pattern": "smptehdbars",
        "tone": 1000,
    },
    {
        "slug": "headquarters-exterior-b-roll",
        "title": "Headquarters exterior and flags (B-roll)",
        "summary": "General views of the headquarters building, the flag line and the entrance.",
        "shot_list": (
            "00:00:00 Wide shot, flags of the member countries in the wind\n"
            "00:00:01 Pan across the main building facade\n"
            "00:00:02 Delegation cars arriving at the entrance"
        ),
        "category": "B-roll / stock footage",
        "country": "BE",
        "location": "Brussels",
        "recorded_on": date(2025, 5, 20),
        "tags": ["headquarters", "flags", "stock footage"],
        "languages": [],
        "pattern": "smptebars",
        "tone": 440,
    },
    {
        "slug": "defence-ministers-press-conference",
        "title": "Press conference after the meeting of Defence Ministers",
        "summary": "The Secretary General answers questions on capability targets and support.",
        "shot_list": (
            "00:00:00 Secretary General walks to the podium\n"
            "00:00:01 Opening statement on capability targets\n"
            "00:00:02 Journalists raising hands, question on air defence\n"
            "00:00:03 Reverse shot of the press room"
        ),
        "category": "Press conference",
        "event": "defence-ministers-meeting",
        "country": "BE",
        "location": "Brussels",
        "recorded_on": date(2025, 6, 5),
        "tags": ["defence ministers", "press conference", "air defence"],
        "languages": ["en"],
        "pattern": "pal100bars",
        "tone": 880,
    },
    {
        "slug": "exercise-maritime-patrol-package",
        "title": "Maritime patrol exercise in the Mediterranean (edited package)",
        "summary": "An edited package on a maritime patrol exercise: ships, helicopters, crews.",
        "shot_list": (
            "00:00:00 Aerial shot of a frigate under way\n"
            "00:00:01 Helicopter landing on the flight deck\n"
            "00:00:02 Crew on the bridge checking the radar\n"
            "00:00:03 Sunset over the task group"
        ),
        "category": "Edited package",
        "country": "IT",
        "location": "Mediterranean Sea",
        "recorded_on": date(2025, 4, 2),
        "tags": ["maritime", "exercise", "Active Endeavour"],
        "languages": ["en", "fr"],
        "pattern": "rgbtestsrc",
        "tone": 660,
    },
    {
        "slug": "interview-deputy-secretary-general",
        "title": "Interview with the Deputy Secretary General on partnerships",
        "summary": "A sit-down interview on partnerships and practical cooperation.",
        "shot_list": (
            "00:00:00 Two-shot, interviewer and Deputy Secretary General\n"
            "00:00:01 Close-up on the answer about partnerships\n"
            "00:00:02 Cutaway, hands and notes"
        ),
        "category": "Interview",
        "event": "defence-ministers-meeting",
        "country": "BE",
        "location": "Brussels",
        "recorded_on": date(2025, 6, 6),
        "tags": ["interview", "partnerships"],
        "languages": ["fr"],
        "pattern": "testsrc2",
        "tone": 523,
    },
]

# Two renditions per clip: a "broadcast" one and a small one, which also makes the preview.
RENDITIONS = [
    {"label": "HD 720p H.264 MP4", "width": 1280, "height": 720, "preview": False},
    {"label": "Web 360p H.264 MP4", "width": 640, "height": 360, "preview": True},
]
SECONDS = 3


def _reference_data() -> tuple[dict, dict, dict]:
    categories = {
        name: Category.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "position": n}
        )[0]
        for n, name in enumerate(CATEGORIES)
    }
    languages = {
        code: Language.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in LANGUAGES
    }
    events = {
        slug: Event.objects.get_or_create(
            slug=slug, defaults={"name": name, "starts_on": starts_on, "location": location}
        )[0]
        for slug, (name, starts_on, location) in EVENTS.items()
    }
    return categories, languages, events


def load(*, stdout) -> None:
    categories, languages, events = _reference_data()
    now = timezone.now()
    made = 0
    with tempfile.TemporaryDirectory(prefix="demo-clips-") as folder:
        for n, clip in enumerate(CLIPS):
            if Video.objects.filter(slug=clip["slug"]).exists():
                continue
            video = services.create_video(
                title=clip["title"],
                slug=clip["slug"],
                summary=clip["summary"],
                shot_list=clip["shot_list"],
                category=categories[clip["category"]],
                event=events.get(clip.get("event", "")),
                country=clip["country"],
                location=clip["location"],
                recorded_on=clip["recorded_on"],
                credits="Multimedia Portal demo footage",
                usage_terms=USAGE_TERMS,
                tags=clip["tags"],
            )
            video.languages.set([languages[code] for code in clip["languages"]])
            for spec in RENDITIONS:
                path = make_clip(
                    Path(folder) / f"{clip['slug']}-{spec['height']}p.mp4",
                    width=spec["width"],
                    height=spec["height"],
                    seconds=SECONDS,
                    pattern=clip["pattern"],
                    tone_hz=clip["tone"],
                )
                with path.open("rb") as handle:
                    rendition = services.attach_rendition(
                        video=video,
                        content=File(handle),
                        filename=path.name,
                        label=spec["label"],
                        make_preview=spec["preview"],
                        queue=False,
                    )
                rendition = services.ingest_rendition(rendition_id=rendition.pk)
                if rendition.status != Rendition.Status.READY:
                    stdout.write(f"Demo clip {path.name} failed to ingest: {rendition.error}")
            video.refresh_from_db()
            publishing.publish(item=video, at=now - timedelta(days=n, hours=1))
            made += 1
    if made:
        stdout.write(f"Demo videos: {made} generated, ingested and published.")
