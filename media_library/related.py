"""What a video page links to: related videos and speeches, cached per content version."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Q

from core import content_version
from media_library.models import Video

RELATED_CACHE_SECONDS = 300
RELATED_VIDEOS = 4
RELATED_SPEECHES = 5


def related_videos(video: Video) -> list[Video]:
    kinship = Q()
    if video.event_id:
        kinship |= Q(event_id=video.event_id)
    if video.category_id:
        kinship |= Q(category_id=video.category_id)
    if not kinship:
        return []
    return list(
        Video.objects.published()
        .for_cards()
        .filter(kinship)
        .exclude(pk=video.pk)
        .sorted_by()[:RELATED_VIDEOS]
    )


def related_speeches(video: Video) -> list:
    """The published speeches that link to this video (the speeches app's reverse relation:
    the speeches layer sits above this one, so it is read through the relation, not imported).
    """
    return list(
        video.related_speeches.published().order_by("-date_delivered", "-published_at", "-pk")[
            :RELATED_SPEECHES
        ]
    )


def related_for(video: Video) -> tuple[list, list]:
    key = f"media_library:related:{content_version.current()}:{video.pk}"
    related = cache.get(key)
    if related is None:
        related = (related_videos(video), related_speeches(video))
        cache.set(key, related, RELATED_CACHE_SECONDS)
    return related
