"""The data sets, built at bench time with bulk SQL: nothing of them is ever committed.

Videos are generated inside PostgreSQL (`INSERT … SELECT generate_series`), with their
search vector (words and adjacent-word pairs, as the portal stores it) computed in the same
statement, so that a million rows take minutes, not
hours. Their words follow a skewed distribution: a few words appear in a large share of the
videos (as "NATO" or "summit" do in the real catalogue), most are rare. Searches then meet
both cases.
"""

from __future__ import annotations

import datetime
import itertools
import random
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

BASE_DIR = Path(__file__).resolve().parent.parent

# The first words are the most frequent ones: the search terms of P3 are picked by rank.
DOMAIN_WORDS = [
    "nato",
    "summit",
    "defence",
    "ministers",
    "press",
    "conference",
    "secretary",
    "general",
    "allies",
    "security",
    "council",
    "meeting",
    "statement",
    "brussels",
    "headquarters",
    "military",
    "exercise",
    "troops",
    "forces",
    "cooperation",
    "partnership",
    "alliance",
    "ukraine",
    "russia",
    "baltic",
    "air",
    "policing",
    "naval",
    "maritime",
    "cyber",
    "deterrence",
    "training",
    "arrival",
    "handshake",
    "doorstep",
    "speech",
    "interview",
    "remarks",
    "opening",
    "session",
    "foreign",
    "affairs",
    "parliament",
    "delegation",
    "visit",
    "commander",
    "operations",
    "mission",
    "logistics",
    "interoperability",
    "readiness",
    "crisis",
    "response",
    "resilience",
    "energy",
    "climate",
    "space",
    "innovation",
    "technology",
    "industry",
    "procurement",
    "capabilities",
    "budget",
    "spending",
    "investment",
    "enlargement",
    "accession",
    "membership",
    "flags",
    "podium",
    "audience",
    "journalists",
    "cameras",
    "soldiers",
    "vehicles",
    "aircraft",
    "ships",
    "submarine",
    "helicopter",
    "radar",
    "satellite",
    "drone",
    "infantry",
    "artillery",
    "engineers",
    "medics",
]


def _pseudo_words(count: int) -> list[str]:
    # Pronounceable, deterministic and absent from the English stop-word list.
    syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "sha", "tre", "pol", "dar"]
    words = ("".join(parts) for parts in itertools.product(syllables, repeat=3))
    return list(itertools.islice(words, count))


VOCABULARY = DOMAIN_WORDS + _pseudo_words(1600)
# Word rank ~ power(random(), SKEW) * len(VOCABULARY): a higher SKEW, a heavier head.
SKEW = 2.5

CATEGORIES = ["Press conference", "B-roll / stock footage", "Edited package", "Speech", "Interview"]
SPEAKERS = [
    ("Mark Rutte", "NATO Secretary General"),
    ("Radmila Shekerinska", "NATO Deputy Secretary General"),
    ("Jaap de Hoop Scheffer", "NATO Secretary General"),
    ("Admiral Rob Bauer", "Chair of the NATO Military Committee"),
    ("Allison Hart", "NATO Spokesperson"),
]
BENCH_EMAIL_DOMAIN = "perf.bench.example"


@dataclass
class Fixtures:
    """The rows the measures read by name: a video and a speech with everything attached."""

    video_slug: str
    video_id: int
    rendition_ids: list[int]
    speech_slug: str
    user_email: str


def speech_body() -> str:
    text = (BASE_DIR / "speeches" / "demo_data" / "nrc-opening-remarks.md").read_text()
    # Four times the demo speech: about the length of a real transcript (5 KB).
    return "\n\n".join([text] * 4)


def create_reference_rows() -> None:
    from media_library.models import Category, Event, Language

    Category.objects.bulk_create(
        [Category(name=name, slug=f"bench-{n}", position=n) for n, name in enumerate(CATEGORIES)]
    )
    Event.objects.bulk_create(
        [
            Event(
                name=f"Summit {2000 + n}",
                slug=f"bench-summit-{n}",
                starts_on=datetime.date(2000 + n % 26, 1 + n % 12, 1),
                location="Brussels",
            )
            for n in range(40)
        ]
    )
    Language.objects.bulk_create(
        [Language(code="en", name="English"), Language(code="fr", name="French")]
    )


INSERT_VIDEOS = """
INSERT INTO media_library_video (
    title, slug, summary, shot_list, recorded_on, location, country, credits, usage_terms,
    status, published_at, thumbnail, preview, duration_seconds, search_vector, created_at,
    updated_at, category_id, event_id, featured
)
SELECT
    v.title, v.slug, v.summary, v.shot_list, v.recorded_on, v.location, '', 'NATO',
    'Free of charge for editorial use.', v.status, v.published_at, '', '', v.duration,
    search_with_word_pairs(
        setweight(to_tsvector('english', v.title), 'A')
        || setweight(to_tsvector('english', v.summary), 'B')
        || setweight(to_tsvector('english', v.shot_list), 'C')
        || setweight(to_tsvector('english', v.location), 'D')
    ),
    now(), now(), v.category_id, v.event_id, false
FROM (
    SELECT
        i,
        initcap(w[1 + floor(power(random(), %(skew)s) * n)::int]) || ' '
            || w[1 + floor(power(random(), %(skew)s) * n)::int] || ' '
            || w[1 + floor(power(random(), %(skew)s) * n)::int] || ' '
            || w[1 + floor(power(random(), %(skew)s) * n)::int] AS title,
        'bench-video-' || i AS slug,
        array_to_string(ARRAY(
            SELECT w[1 + floor(power(random(), %(skew)s) * n)::int]
            FROM generate_series(1, 16 + i %% 8)
        ), ' ') AS summary,
        '00:00:0' || (i %% 10) || ' Wide shot of the '
            || w[1 + floor(power(random(), %(skew)s) * n)::int] || E'\\n00:00:1' || (i %% 10)
            || ' Close-up of the ' || w[1 + floor(power(random(), %(skew)s) * n)::int]
            AS shot_list,
        date '2015-01-01' + (i %% 4000) AS recorded_on,
        (ARRAY['Brussels', 'Vilnius', 'Washington', 'Madrid', 'Riga', 'Oslo'])[1 + i %% 6]
            AS location,
        CASE WHEN i %% 20 = 0 THEN 'draft' ELSE 'published' END AS status,
        now() - make_interval(mins => i) AS published_at,
        30 + (i %% 900) AS duration,
        cat[1 + i %% cardinality(cat)] AS category_id,
        ev[1 + i %% cardinality(ev)] AS event_id
    FROM generate_series(%(first)s, %(last)s) AS i,
        (SELECT %(words)s::text[] AS w, cardinality(%(words)s::text[]) AS n,
                %(categories)s::bigint[] AS cat, %(events)s::bigint[] AS ev) AS params
) AS v
"""


def video_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM media_library_video")
        return cursor.fetchone()[0]


def grow_videos(total: int, *, chunk: int = 250_000) -> None:
    """Add generated videos until there are `total`; the GIN index is rebuilt after big jumps."""
    from media_library.models import Category, Event

    existing = video_count()
    if existing >= total:
        return
    categories = list(Category.objects.values_list("pk", flat=True))
    events = list(Event.objects.values_list("pk", flat=True))
    rebuild_index = total - existing > 50_000
    with connection.cursor() as cursor:
        # Building the GIN index once is far cheaper than maintaining it row by row.
        cursor.execute("SET maintenance_work_mem = '512MB'")
        if rebuild_index:
            cursor.execute("DROP INDEX IF EXISTS video_search_vector_idx")
        for first in range(existing + 1, total + 1, chunk):
            last = min(total, first + chunk - 1)
            cursor.execute(
                INSERT_VIDEOS,
                {
                    "first": first,
                    "last": last,
                    "skew": SKEW,
                    "words": VOCABULARY,
                    "categories": categories,
                    "events": events,
                },
            )
        if rebuild_index:
            cursor.execute(
                "CREATE INDEX video_search_vector_idx ON media_library_video "
                "USING gin (search_vector)"
            )
        # What autovacuum does to a table after a bulk load: statistics for the planner, the
        # visibility map, and the BRIN summaries of the new pages (migration 0004).
        cursor.execute("VACUUM (ANALYZE) media_library_video")


def grow_speeches(total: int) -> None:
    from speeches.models import Speech

    existing = Speech.objects.count()
    if existing >= total:
        return
    now = timezone.now()
    body = speech_body()
    Speech.objects.bulk_create(
        [
            Speech(
                title=f"Opening remarks at the Summit {2000 + n % 26}, session {n}",
                slug=f"bench-speech-{n}",
                speaker_name=SPEAKERS[n % len(SPEAKERS)][0],
                speaker_role=SPEAKERS[n % len(SPEAKERS)][1],
                event=f"Summit {2000 + n % 26}",
                location="Brussels, Belgium",
                date_delivered=datetime.date(2004, 1, 1) + datetime.timedelta(days=n % 7000),
                language="en",
                body=body,
                status=Speech.Status.PUBLISHED,
                published_at=now - datetime.timedelta(minutes=n),
            )
            for n in range(existing + 1, total + 1)
        ],
        batch_size=1000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE speeches_speech")


def create_user(email: str, password: str, *, verified: bool = True):
    from allauth.account.models import EmailAddress

    from accounts.models import User

    user = User.objects.create_user(
        email=email, password=password, first_name="Bench", last_name="Reader"
    )
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


@transaction.atomic
def create_fixtures(*, password: str) -> Fixtures:
    """The newest video gets renditions, tags and languages; a speech links to it."""
    from media_library.models import Download, Language, Rendition, Tag, Video
    from speeches.models import Speech

    video = Video.objects.published().order_by("-published_at").first()
    tags = Tag.objects.bulk_create(
        [Tag(name=word, slug=f"bench-{word}") for word in DOMAIN_WORDS[:4]]
    )
    video.tags.set(tags)
    video.languages.set(Language.objects.all())
    renditions = [
        Rendition.objects.create(
            video=video,
            label=label,
            file=f"renditions/bench/{slug}.mp4",
            original_filename=f"{slug}.mp4",
            status=Rendition.Status.READY,
            container="mp4",
            video_codec="h264",
            audio_codec="aac",
            width=width,
            height=height,
            frame_rate=25,
            bitrate=bitrate,
            audio_channels=2,
            audio_sample_rate=48000,
            duration_seconds=video.duration_seconds,
            file_size=bitrate // 8 * 120,
            checksum_sha256=f"{random.getrandbits(256):064x}",
            position=position,
        )
        for position, (label, slug, width, height, bitrate) in enumerate(
            [
                ("HD 1080p broadcast master", "master-1080", 1920, 1080, 50_000_000),
                ("HD 720p H.264", "h264-720", 1280, 720, 8_000_000),
                ("SD 480p web", "web-480", 854, 480, 2_000_000),
            ]
        )
    ]
    speech = Speech.objects.published().order_by("-date_delivered", "-pk").first()
    speech.related_videos.set(Video.objects.published().order_by("-published_at")[:2])
    user = create_user(f"reader@{BENCH_EMAIL_DOMAIN}", password)
    Download.objects.bulk_create(
        [Download(user=user, rendition=renditions[n % len(renditions)]) for n in range(20)]
    )
    return Fixtures(
        video_slug=video.slug,
        video_id=video.pk,
        rendition_ids=[r.pk for r in renditions],
        speech_slug=speech.slug,
        user_email=user.email,
    )


def search_terms() -> dict[str, str]:
    """Queries of P3, from the most frequent word to rare ones and two-word searches."""
    rare = _pseudo_words(1600)
    return {
        "very frequent word": DOMAIN_WORDS[0],
        "frequent word": DOMAIN_WORDS[3],
        "common word": DOMAIN_WORDS[20],
        "less common word": DOMAIN_WORDS[60],
        "uncommon word": rare[200],
        "rare word": rare[1500],
        "two frequent words": f"{DOMAIN_WORDS[1]} {DOMAIN_WORDS[2]}",
        "frequent + rare": f"{DOMAIN_WORDS[0]} {rare[900]}",
        "phrase": f'"{DOMAIN_WORDS[4]} {DOMAIN_WORDS[5]}"',
        "no match": "zzzxqj",
    }
