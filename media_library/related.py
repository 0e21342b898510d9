"""What a video page links to: related videos and speeches, from lists shared per content version.

A video page nobody has asked for yet (docs/PERFORMANCE.md, P1m) should not cost its own
queries for what it shares with its neighbours. Related videos are the newest of the same
event or category, so they are kept per (event, category) pair, one entry for every video
filed the same way. Related speeches are read only for videos that a published speech links
to, which one list per content version says.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db.models import Q

from core import content_version
from media_library.models import Video

RELATED_CACHE_SECONDS = 300
RELATED_VIDEOS = 4
RELATED_SPEECHES = 5

T = TypeVar("T")


def _per_version(name: str, compute: Callable[[], T]) -> T:
    return content_version.remembered(
        f"media_library:related:{name}", compute, timeout=RELATED_CACHE_SECONDS
    )


def _kin(event_id: int | None, category_id: int | None) -> list[Video]:
    """The newest published videos of that event or category: one more than a page lists,
    so that any one of them can leave itself out."""
    kinship = Q()
    if event_id:
        kinship |= Q(event_id=event_id)
    if category_id:
        kinship |= Q(category_id=category_id)
    if not kinship:
        return []
    return list(
        Video.objects.published().for_cards().filter(kinship).sorted_by()[: RELATED_VIDEOS + 1]
    )


def related_videos(video: Video) -> list[Video]:
    kin = _per_version(
        f"kin:{video.event_id}:{video.category_id}",
        lambda: _kin(video.event_id, video.category_id),
    )
    return [other for other in kin if other.pk != video.pk][:RELATED_VIDEOS]


def _videos_with_speeches() -> frozenset[int]:
    """The videos that a published speech links to (the speeches app's relation, read through
    Video's side of it: the speeches layer sits above this one, so it is never imported)."""
    links = Video.related_speeches.through.objects.filter(
        speech__in=Video.related_speeches.rel.related_model.objects.published()
    )
    return frozenset(links.values_list("video_id", flat=True))


def related_speeches(video: Video) -> list:
    """The published speeches that link to this video, newest first."""
    if video.pk not in _per_version("with-speeches", _videos_with_speeches):
        return []
    return list(
        video.related_speeches.published().order_by("-date_delivered", "-published_at", "-pk")[
            :RELATED_SPEECHES
        ]
    )


def related_for(video: Video) -> tuple[list, list]:
    return related_videos(video), related_speeches(video)
