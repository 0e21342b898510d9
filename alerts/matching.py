"""Which saved searches the newly published videos match, announced once per pair.

`match_pending` claims the videos written down by `signals` (skipping any another worker holds),
keeps those that are public now, and in ONE statement on PostgreSQL:

1. evaluates each distinct saved query once, against only the new videos (their stored,
   GIN-indexed search vector, with the catalogue's own `websearch` and phrase rules);
2. joins the saved searches to those hits and to the new videos' filter values (category,
   event, languages, country, recording date, best ready rendition);
3. inserts the (saved search, video) pairs into the unique announcements table with
   ON CONFLICT DO NOTHING, returning only the pairs that are new.

Its query count does not depend on the number of saved searches. The claimed rows are deleted
in the same transaction, and once it commits the instant alerts' emails are queued in chunks
(`sending`): each email is written with the marking of its announcements, in one transaction.

Elsewhere (SQLite, the one-command run) each distinct saved search is evaluated with the
catalogue's queryset (`filtered().search()`): slower, and the reference the SQL is tested
against (alerts/tests/test_matching.py).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from allauth.account.models import EmailAddress
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from alerts import sending
from alerts.models import Announcement, PendingMatch, SavedSearch
from media_library.models import SEARCH_CONFIG, Rendition, Video

logger = logging.getLogger(__name__)

# The videos one run claims: a burst larger than this is matched by the next runs.
CLAIM_LIMIT = 500

Pair = tuple[int, int]


@dataclass(frozen=True)
class MatchResult:
    claimed: int
    public: int
    announced: int
    # Instant alerts with new announcements: each gets one email (`sending`).
    alerts: int


def match_pending(*, limit: int = CLAIM_LIMIT, older_than_seconds: float = 0) -> MatchResult:
    """Match the written-down videos (the oldest `limit`, written at least
    `older_than_seconds` ago) and announce them; returns what it did."""
    with transaction.atomic():
        pending = PendingMatch.objects.select_for_update(skip_locked=True)
        if older_than_seconds:
            pending = pending.filter(
                created_at__lte=timezone.now() - timezone.timedelta(seconds=older_than_seconds)
            )
        claimed = list(pending.order_by("created_at").values_list("video_id", flat=True)[:limit])
        if not claimed:
            return MatchResult(0, 0, 0, 0)
        public = list(Video.objects.published().filter(pk__in=claimed).values_list("pk", flat=True))
        now = timezone.now()
        pairs = announce(video_ids=public, now=now)
        instant = {search_id for search_id, _video_id, is_instant in pairs if is_instant}
        PendingMatch.objects.filter(video_id__in=claimed).delete()
        transaction.on_commit(lambda: sending.queue_sending(instant))
    logger.info(
        "alerts: %d videos claimed, %d public, %d pairs announced, %d instant alerts to email",
        len(claimed),
        len(public),
        len(pairs),
        len(instant),
    )
    return MatchResult(len(claimed), len(public), len(pairs), len(instant))


def announce(*, video_ids: list[int], now: datetime) -> list[tuple[int, int, bool]]:
    """Insert the new (saved search, video) pairs for these public videos, waiting to be
    emailed; returns the pairs inserted now, each with whether its alert is instant (else it
    waits for the daily digest)."""
    if not video_ids:
        return []
    if connection.vendor == "postgresql":
        return _announce_in_sql(video_ids, now)
    return _announce_in_python(video_ids, now)


def _tables() -> dict[str, str]:
    return {
        "video": Video._meta.db_table,
        "rendition": Rendition._meta.db_table,
        "video_languages": Video.languages.through._meta.db_table,
        "search": SavedSearch._meta.db_table,
        "announcement": Announcement._meta.db_table,
        "user": User._meta.db_table,
        "email": EmailAddress._meta.db_table,
    }


MATCH_SQL = """
WITH new AS MATERIALIZED (
    SELECT v.id, v.search_vector, v.category_id, v.event_id, v.country, v.recorded_on,
           COALESCE(v.published_at, %(now)s) AS published_at,
           COALESCE((SELECT max(r.height) FROM {rendition} r
                     WHERE r.video_id = v.id AND r.status = %(ready)s), 0) AS height,
           ARRAY(SELECT l.language_id FROM {video_languages} l WHERE l.video_id = v.id)
               AS languages
    FROM {video} v
    WHERE v.id = ANY(%(ids)s)
),
searches AS MATERIALIZED (
    SELECT s.id, s.query, s.phrase, s.category_id, s.event_id, s.language_id, s.country,
           s.date_from, s.date_to, s.min_height, s.frequency, s.created_at
    FROM {search} s JOIN {user} u ON u.id = s.user_id
    WHERE s.active AND u.is_active
      AND EXISTS (SELECT 1 FROM {email} e WHERE e.user_id = s.user_id AND e.verified)
),
words AS MATERIALIZED (
    SELECT d.query, d.phrase,
           CASE WHEN d.phrase THEN search_phrase_query(%(config)s::regconfig, d.query)
                ELSE websearch_to_tsquery(%(config)s::regconfig, d.query) END AS tsq
    FROM (SELECT DISTINCT query, phrase FROM searches WHERE query <> '') d
),
hits AS MATERIALIZED (
    SELECT w.query, w.phrase, n.id AS video_id
    FROM words w JOIN new n ON n.search_vector @@ w.tsq
),
candidates AS (
    SELECT s.id AS search_id, h.video_id
    FROM searches s JOIN hits h ON h.query = s.query AND h.phrase = s.phrase
    UNION ALL
    SELECT s.id, n.id FROM searches s CROSS JOIN new n WHERE s.query = ''
)
INSERT INTO {announcement} (saved_search_id, video_id, created_at, instant)
SELECT s.id, n.id, %(now)s, s.frequency = %(instant)s
FROM candidates c
JOIN searches s ON s.id = c.search_id
JOIN new n ON n.id = c.video_id
WHERE n.published_at >= s.created_at
  AND (s.category_id IS NULL OR s.category_id = n.category_id)
  AND (s.event_id IS NULL OR s.event_id = n.event_id)
  AND (s.language_id IS NULL OR s.language_id = ANY(n.languages))
  AND (s.country = '' OR s.country = n.country)
  AND (s.date_from IS NULL OR n.recorded_on >= s.date_from)
  AND (s.date_to IS NULL OR n.recorded_on <= s.date_to)
  AND (s.min_height IS NULL OR n.height >= s.min_height)
ON CONFLICT (saved_search_id, video_id) DO NOTHING
RETURNING saved_search_id, video_id, instant
"""


def _announce_in_sql(video_ids: list[int], now: datetime) -> list[tuple[int, int, bool]]:
    with connection.cursor() as cursor:
        cursor.execute(
            MATCH_SQL.format(**_tables()),
            {
                "ids": list(video_ids),
                "now": now,
                "ready": Rendition.Status.READY,
                "config": SEARCH_CONFIG,
                "instant": SavedSearch.Frequency.INSTANT,
            },
        )
        return [(search_id, video_id, instant) for search_id, video_id, instant in cursor]


def matches_by_catalogue(search: SavedSearch, video_ids: list[int]) -> set[int]:
    """The videos among `video_ids` that the catalogue's own queryset finds for `search`."""
    videos = Video.objects.published().filter(pk__in=video_ids)
    return set(
        videos.filtered(**search_filters(search)).search(search.query).values_list("pk", flat=True)
    )


def search_filters(search: SavedSearch) -> dict:
    """The saved filters as `VideoQuerySet.filtered()` takes them (a deleted term: no filter)."""
    return {
        "category": search.category,
        "event": search.event,
        "language": search.language,
        "country": search.country,
        "date_from": search.date_from,
        "date_to": search.date_to,
        "min_height": search.min_height,
    }


def _announce_in_python(video_ids: list[int], now: datetime) -> list[tuple[int, int, bool]]:
    searches = list(SavedSearch.objects.receiving().select_related("category", "event", "language"))
    published_at = dict(Video.objects.filter(pk__in=video_ids).values_list("pk", "published_at"))
    by_signature: dict[str, set[int]] = {}
    wanted: dict[int, set[int]] = defaultdict(set)
    for search in searches:
        if search.signature not in by_signature:
            by_signature[search.signature] = matches_by_catalogue(search, video_ids)
        wanted[search.pk] = {
            video_id
            for video_id in by_signature[search.signature]
            if (published_at[video_id] or now) >= search.created_at
        }
    instant = {s.pk for s in searches if s.frequency == SavedSearch.Frequency.INSTANT}
    rows = [
        Announcement(
            saved_search_id=search_id,
            video_id=video_id,
            created_at=now,
            instant=search_id in instant,
        )
        for search_id, ids in wanted.items()
        for video_id in sorted(ids)
    ]
    already = set(
        Announcement.objects.filter(
            saved_search_id__in=list(wanted), video_id__in=video_ids
        ).values_list("saved_search_id", "video_id")
    )
    fresh = [row for row in rows if (row.saved_search_id, row.video_id) not in already]
    Announcement.objects.bulk_create(fresh, ignore_conflicts=True)
    return [(row.saved_search_id, row.video_id, row.instant) for row in fresh]
