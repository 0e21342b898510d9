"""The catalogue's listing and search: the filter form's cleaned data in, one page of cards out.

A search lists at most SEARCH_RESULTS_CAP videos, so its work and its count stop there whatever
the number of matches (docs/media.md, Search):
- by relevance (no order chosen) or newest first: the newest matches are found once
  (`newest_matches.newest_match_ids`), and both the count and the page read that pk list;
- in another order: the first matches in that order, and a count of its own, both capped.
The cap lives in the page's SQL and on its paginator, never on a queryset, so no copy of a
queryset can lose it.

What the pages of one listing share is kept per content version (docs/PERFORMANCE.md, P1m):
the count of a filter combination, which every order and page of it shows, and a search's
capped list of candidates, which its second page and its other orders read again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import F, Func
from django.utils.functional import cached_property

from core import content_version
from media_library.models import ORDERS, Video, VideoQuerySet
from media_library.newest_matches import newest_match_ids

# A search lists at most this many videos: the first ones in the chosen order, or, sorted by
# relevance, the newest matches ranked. The catalogue then says "1,000+ videos".
SEARCH_RESULTS_CAP = 1000
# The filters of VideoFilterForm, as VideoQuerySet.filtered() takes them.
FILTERS = ("category", "event", "language", "country", "date_from", "date_to", "min_height")
# Counts and candidates are kept under the content version; this bounds how late a scheduled
# video's minute shows in them without a version move (as the catalogue's page cache does).
LISTING_CACHE_SECONDS = 120

T = TypeVar("T")


def _remembered(kind: str, facts: tuple, compute: Callable[[], T]) -> T:
    """`compute()`, kept under the content version for the listing that `facts` describe."""
    digest = hashlib.sha256(repr(facts).encode()).hexdigest()[:32]
    return content_version.remembered(
        f"media_library:{kind}:{digest}", compute, timeout=LISTING_CACHE_SECONDS
    )


def _described(filters: Mapping[str, Any]) -> tuple:
    """The filters as plain values: a model instance by its pk, a date as its ISO text."""
    plain = []
    for name in FILTERS:
        value = filters.get(name)
        if value in (None, ""):
            continue
        plain.append((name, getattr(value, "pk", None) or str(value)))
    return tuple(plain)


class CappedPaginator(Paginator):
    """A paginator that knows the most videos a search lists (`cap`, None: no cap) and may be
    given its count, found with the page's candidates, instead of counting its object list."""

    def __init__(
        self, object_list, per_page: int, *, cap: int | None = None, count: int | None = None
    ) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap
        self.known_count = count

    @cached_property
    def count(self) -> int:
        if self.known_count is not None:
            return self.known_count
        return super().count

    @property
    def capped(self) -> bool:
        """Whether more videos matched than are listed (at least, the cap was reached)."""
        return self.cap is not None and self.count >= self.cap


class AmongPks(Func):
    """Whether a row's pk is in `pks`: one array parameter on PostgreSQL (`= ANY(%s)`), which it
    plans faster than a thousand literals in IN (…); IN (…) elsewhere."""

    output_field = models.BooleanField()

    def __init__(self, pks: list[int]) -> None:
        super().__init__(F("pk"))
        self.pks = list(pks)

    def as_sql(self, compiler, connection, **extra_context):
        pk_sql, params = compiler.compile(self.source_expressions[0])
        if not self.pks:
            return "1 = 0", []
        return f"{pk_sql} IN ({', '.join(['%s'] * len(self.pks))})", [*params, *self.pks]

    def as_postgresql(self, compiler, connection, **extra_context):
        pk_sql, params = compiler.compile(self.source_expressions[0])
        return f"{pk_sql} = ANY(%s)", [*params, self.pks]


def catalogue_page(
    filters: Mapping[str, Any] | None, *, page_number: int | str | None, per_page: int
) -> Page:
    """The page `page_number` of the published videos that `filters` (VideoFilterForm's cleaned
    data; None: no filter) selects, as cards, in the order chosen.

    `page.paginator` is a CappedPaginator: `cap` is set for a search, and `capped` says
    whether the search reached it.
    """
    filters = filters or {}
    matches = Video.objects.published().filtered(
        **{name: filters[name] for name in FILTERS if name in filters}
    )
    query = " ".join((filters.get("q") or "").split())
    sort = filters.get("sort") or ""
    described = _described(filters)
    if not query:
        count = _remembered("count", described, matches.count)
        listing = matches.for_cards().sorted_by(sort)
        return CappedPaginator(listing, per_page, count=count).get_page(page_number)
    listing, count = _capped_search(
        matches.search(query), query=query, sort=sort, described=described
    )
    paginator = CappedPaginator(listing, per_page, cap=SEARCH_RESULTS_CAP, count=count)
    return paginator.get_page(page_number)


def _capped_search(
    matches: VideoQuerySet, *, query: str, sort: str, described: tuple
) -> tuple[VideoQuerySet, int]:
    """The listing of a search's first SEARCH_RESULTS_CAP matches, and how many there are.

    The listing starts from the whole table and keeps the candidates' pks only: the search and
    the filters are not weighed again for it, and only those rows are ranked and sorted.
    """
    cap = SEARCH_RESULTS_CAP
    cards = Video.objects.for_cards()
    if sort in ORDERS and sort != "newest":
        # PostgreSQL walks that order's index or sorts the matches; the count is its own query.
        first = matches.sorted_by(sort).values("pk")[:cap]
        count = _remembered("search-count", (query, described), matches.order_by()[:cap].count)
        return cards.filter(pk__in=first).sorted_by(sort), count
    pks = _remembered(
        "search-candidates", (query, described), lambda: newest_match_ids(matches, cap=cap)
    )
    among = cards.filter(AmongPks(pks))
    listing = among.sorted_by(sort) if sort == "newest" else among.by_relevance(query)
    return listing, len(pks)


def feed_videos(filters: Mapping[str, Any] | None, *, limit: int) -> list[Video]:
    """The `limit` published videos a catalogue listing (`filters` as in `catalogue_page`)
    puts in its feed: the newest first unless an order is chosen (a reader wants what is
    new; relevance means nothing to it), with what a feed item shows of each."""
    filters = filters or {}
    videos = Video.objects.published().filtered(
        **{name: filters[name] for name in FILTERS if name in filters}
    )
    query = " ".join((filters.get("q") or "").split())
    if query:
        videos = videos.search(query)
    return list(
        videos.sorted_by(filters.get("sort") or "newest")
        .defer("search_vector", "shot_list")
        .select_related("category", "event")
        .prefetch_related("tags")[:limit]
    )
