"""Demo videos for the one-command run: real generated clips, ingested like any other file,
with shot lists whose soundbites (English, French, Russian) make the caption tracks.

Idempotent: a video whose slug exists is left alone. The NATO-Russia Council remarks are two
minutes long, so that their timecodes mean something (about 30 s to make and ingest on one
busy core); the others 12 seconds.
"""

from __future__ import annotations

import tempfile
import tomllib
from datetime import date, timedelta
from pathlib import Path

from django.core.files import File
from django.utils import timezone, translation
from django.utils.text import slugify

from core import content_version, publishing
from media_library import services, shot_entries, shotlist
from media_library.models import (
    DEFAULT_USAGE_TERMS,
    Category,
    Event,
    Language,
    Rendition,
    Tag,
    Video,
)
from media_library.synth import make_clip

CATEGORIES = ["Press conference", "B-roll / stock footage", "Edited package", "Speech", "Interview"]
LANGUAGES = [("en", "English"), ("fr", "French")]
DEMO_DATA = Path(__file__).resolve().parent / "demo_data"

EVENTS = {
    "nrc-defence-ministers-2004": (
        "NATO-Russia Council, Defence Ministers' informal session",
        date(2004, 10, 13),
        "Poiana Brașov",
    ),
    "defence-ministers-meeting": ("Meeting of Defence Ministers", date(2025, 6, 5), "Brussels"),
}

# The French names editors would give the demo's terms (media_library/translation.py), by
# English name; a French page shows these, an English one the English names.
FRENCH_NAMES = {
    Category: {
        "Press conference": "Conférence de presse",
        "B-roll / stock footage": "Plans de coupe / images d’archive",  # noqa: RUF001
        "Edited package": "Sujet monté",
        "Speech": "Discours",
        "Interview": "Entretien",
    },
    Event: {
        "NATO-Russia Council, Defence Ministers' informal session": (
            "Conseil OTAN-Russie, réunion informelle des ministres de la Défense"
        ),
        "Meeting of Defence Ministers": "Réunion des ministres de la Défense",
    },
    Tag: {
        "NATO-Russia Council": "Conseil OTAN-Russie",
        "defence ministers": "ministres de la Défense",
        "counter-terrorism": "lutte contre le terrorisme",
        "headquarters": "siège",
        "flags": "drapeaux",
        "stock footage": "images d’archive",  # noqa: RUF001
        "press conference": "conférence de presse",
        "air defence": "défense aérienne",
        "maritime": "maritime",
        "exercise": "exercice",
        "Active Endeavour": "Active Endeavour",
        "interview": "entretien",
        "partnerships": "partenariats",
    },
}

# The clips: editorial content (titles, summaries, shot lists), kept as data like the speeches'
# demo transcript.
CLIPS: list[dict] = tomllib.loads((DEMO_DATA / "clips.toml").read_text(encoding="utf-8"))["clips"]

# Two renditions per clip: a "broadcast" one and a small one, which also makes the preview.
RENDITIONS = [
    {"label": "HD 720p H.264 MP4", "width": 1280, "height": 720, "preview": False},
    {"label": "Web 360p H.264 MP4", "width": 640, "height": 360, "preview": True},
]
# A clip of LONG seconds or more (the NRC remarks last two minutes, so that the timecodes of
# their transcript and soundbites mean something) is made smaller: encoding its pictures is
# what `make run` waits for.
LONG = 30
LONG_RENDITIONS = [
    {"label": "SD 360p H.264 MP4", "width": 640, "height": 360, "preview": False},
    {"label": "Web 180p H.264 MP4", "width": 320, "height": 180, "preview": True},
]
# A clip's length when its table gives none, and the longest any clip is made (tests shorten).
SECONDS = 3
LONGEST: float | None = None
# The demo clips' frame rate (synth.make_clip's default).
FRAME_RATE = 25


def clip_seconds(clip: dict) -> float:
    seconds = clip.get("seconds", SECONDS)
    return min(seconds, LONGEST) if LONGEST else seconds


def shot_list_entries(clip: dict) -> list[shotlist.Entry]:
    """The clip's shot list, read as the admin reads a pasted one; demo data that does not
    read is a bug, so it raises."""
    parsed = shotlist.parse(
        clip["shot_list"], fps=FRAME_RATE, duration_ms=round(clip.get("seconds", SECONDS) * 1000)
    )
    if parsed.errors:
        raise ValueError(f"demo shot list of {clip['slug']}: {parsed.errors[0]}")
    return parsed.entries


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
    # The videos' tags are found by name (services.create_video): these get both names.
    for name in FRENCH_NAMES[Tag]:
        Tag.objects.get_or_create(slug=slugify(name), defaults={"name": name})
    name_in_french()
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
                category=categories[clip["category"]],
                event=events.get(clip.get("event", "")),
                country=clip["country"],
                location=clip["location"],
                recorded_on=clip["recorded_on"],
                credits="Multimedia Portal demo footage",
                # None of their own: the site's default terms, in the reader's language.
                tags=clip["tags"],
                featured=clip.get("featured", False),
            )
            video.languages.set([languages[code] for code in clip["languages"]])
            seconds = clip_seconds(clip)
            for spec in RENDITIONS if seconds < LONG else LONG_RENDITIONS:
                path = make_clip(
                    Path(folder) / f"{clip['slug']}-{spec['height']}p.mp4",
                    width=spec["width"],
                    height=spec["height"],
                    seconds=seconds,
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
            # Once the duration is known, so that the last soundbites' captions end with the clip.
            shot_entries.replace_shot_entries(video=video, entries=shot_list_entries(clip))
            publishing.publish(item=video, at=now - timedelta(days=n, hours=1))
            made += 1
    if made:
        stdout.write(f"Demo videos: {made} generated, ingested and published.")


def name_in_french() -> None:
    """Gives the demo's terms their French names, unless an editor already gave one (a demo
    loaded before they had any gets them), and finds its videos by them."""
    named = 0
    for term, names in FRENCH_NAMES.items():
        for english, french in names.items():
            named += term.objects.filter(name_en=english, name_fr=None).update(name_fr=french)
    if named:
        for video_id in Video.objects.values_list("pk", flat=True):
            services.update_search_vector(video_id=video_id)
    # A demo loaded earlier copied the default usage terms into each video, in English only:
    # they become the site's default again, shown in the reader's language.
    with translation.override("en"):
        copied = Video.objects.filter(usage_terms=str(DEFAULT_USAGE_TERMS)).update(usage_terms="")
    if named or copied:
        content_version.bump()
