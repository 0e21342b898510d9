"""A search's newest matches, found one window of publication time at a time (PostgreSQL).

A search ranks its newest SEARCH_RESULTS_CAP matches (search.catalogue_page). PostgreSQL finds
them in one of two ways:
- a frequent word: it walks video_newest_idx until enough rows match;
- a rare word: it reads every match the GIN index gives, then sorts them by date.
Between the two, a word in one video of fifty say, both ways read tens of thousands of rows at a
million videos, and more as the catalogue grows (issue 8, P3).

For such a word the search looks first at the newest window of time expected to hold the cap's
worth of matches. There the GIN index and the BRIN index on publication time (migration 0004)
meet in a bitmap, and only the matches inside the window are read. A window that holds too few
is followed by an older one, as deep as the matches met so far say the rest lies (at least four
times as deep; everything older if none matched), and the last is unbounded. The answer is
therefore exact whatever the estimates: they only decide how fast it comes. The estimates are
PostgreSQL's own: its planner's count of matches, and the histogram of publication times that
ANALYZE keeps.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from datetime import datetime

from django.db import connections
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime

from media_library.models import NEWEST_FIRST, Video

# The first window is made to hold this many times the cap's worth of matches, by estimate.
WINDOW_MARGIN = 1.5
# Each further window looks through at least this many times more videos than the one before.
WINDOW_GROWTH = 4
# How long a process trusts its copy of the publication-time histogram.
TIMELINE_SECONDS = 600
# Below this many videos, reading every match costs less than asking for an estimate.
SMALL_CATALOGUE = 20_000
# Reading one match from the GIN index costs about half of stepping one row down
# video_newest_idx (measured on the bench's million videos); see `_worth_a_window`.
WALK_TO_BITMAP_COST = 2


@dataclass(frozen=True)
class Timeline:
    """How many videos there are, and the publication times that cut them into equal parts."""

    videos: float
    bounds: list[datetime]  # ascending, as ANALYZE sampled them
    # The published videos as the planner counts them: a search's estimate is divided by it,
    # which cancels the planner's own view of the publication filter (it may halve both).
    published: float = 0.0

    def start_of_newest(self, videos: float) -> datetime | None:
        """About when the newest `videos` videos start; None when that is all of them."""
        if videos >= self.videos or len(self.bounds) < 2:
            return None
        parts = len(self.bounds) - 1
        position = parts * (1 - videos / self.videos)  # in parts, counted from the oldest
        index = math.floor(position)
        low, high = self.bounds[index], self.bounds[index + 1]
        return low + (high - low) * (position - index)


_timelines: dict[str, tuple[float, Timeline | None]] = {}


def timeline(using: str) -> Timeline | None:
    """The video table's size and publication-time histogram, from PostgreSQL's statistics.

    None before the table was ever analyzed (a new catalogue is small enough not to need it).
    """
    cached = _timelines.get(using)
    if cached and time.monotonic() - cached[0] < TIMELINE_SECONDS:
        return cached[1]
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT c.reltuples, s.histogram_bounds::text "
            "FROM pg_class AS c "
            "LEFT JOIN pg_stats AS s ON s.schemaname = c.relnamespace::regnamespace::text "
            "AND s.tablename = c.relname AND s.attname = 'published_at' "
            "WHERE c.oid = to_regclass('media_library_video')"
        )
        row = cursor.fetchone()
    found = None
    if row and row[0] > 0 and row[1]:
        bounds = [parse_datetime(value.strip('"')) for value in row[1].strip("{}").split(",")]
        found = Timeline(
            videos=row[0],
            bounds=sorted(bound for bound in bounds if bound),
            published=estimated_matches(Video.objects.using(using).published()),
        )
    _timelines[using] = (time.monotonic(), found)
    return found


def forget_timeline() -> None:
    _timelines.clear()


def estimated_matches(matches: QuerySet) -> float:
    """How many rows PostgreSQL's planner expects `matches` to hold (it runs nothing)."""
    plan = json.loads(matches.order_by().values("pk").explain(format="json"))
    return plan[0]["Plan"]["Plan Rows"]


def matching_share(matches: QuerySet, known: Timeline) -> float:
    """The share of the published videos that `matches` holds, by the planner's estimates."""
    return max(estimated_matches(matches), 1.0) / max(known.published, 1.0)


def _worth_a_window(share: float, videos: float, cap: int) -> bool:
    """Whether reading the matches of a window beats walking the newest videos.

    A walk steps through about cap / share rows; a window reads all share * videos matches
    from the GIN index. So a window is worth it while (share * videos) * GIN cost <
    (cap / share) * walk cost, that is (share * videos)² < ratio * cap * videos.
    """
    matches = share * videos
    return matches * matches < WALK_TO_BITMAP_COST * cap * videos


def newest_match_ids(matches: QuerySet, *, cap: int) -> list[int]:
    """The pks of the newest `cap` videos in `matches`, newest first (models.NEWEST_FIRST:
    publication time, NULLs last, which the windows cut)."""
    newest = matches.order_by(*NEWEST_FIRST).values_list("pk", flat=True)
    known = None
    if connections[matches.db].vendor == "postgresql":
        known = timeline(matches.db)
    if known is None or known.videos <= SMALL_CATALOGUE:
        return list(newest[:cap])
    share = matching_share(matches, known)
    if not _worth_a_window(share, known.videos, cap):
        return list(newest[:cap])
    found: list[int] = []
    depth = cap / share * WINDOW_MARGIN  # how many of the newest videos to look through
    before = None
    while len(found) < cap:
        since = known.start_of_newest(depth)
        if since is None:
            window = newest
            if before is not None:  # the oldest window also holds those with no time
                window = newest.filter(Q(published_at__lt=before) | Q(published_at__isnull=True))
            found += window[: cap - len(found)]
            break
        if before is None or since < before:
            window = newest if before is None else newest.filter(published_at__lt=before)
            found += window.filter(published_at__gte=since)[: cap - len(found)]
            before = since
        # The matches met so far tell how deep the rest lies; none at all: look everywhere.
        needed = depth * cap / len(found) * WINDOW_MARGIN if found else math.inf
        depth = max(depth * WINDOW_GROWTH, needed)
    return found
