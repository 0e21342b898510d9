"""What a video page links to (related videos and speeches), cached for a few minutes.

Two queries per page view for lists that change when editors publish. Any save or delete of
a video, speech, category, event or language (or a change of a speech's related videos) moves
the content version, so editors' changes show at once; the catalogue's cached fragments use
the same version.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Q

VERSION_KEY = "media_library:related-version"
RELATED_CACHE_SECONDS = 300
RELATED_VIDEOS = 4
RELATED_SPEECHES = 5


def related_videos(video) -> list:
    from media_library.models import Video

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


def related_speeches(video) -> list:
    from speeches.models import Speech

    return list(
        Speech.objects.published().filter(related_videos=video).newest_first()[:RELATED_SPEECHES]
    )


def content_version() -> int:
    """Moves whenever a video or speech changes: part of every cache key of public lists."""
    return cache.get_or_set(VERSION_KEY, 1, timeout=None)


def related_for(video) -> tuple[list, list]:
    version = content_version()
    key = f"media_library:related:{version}:{video.pk}"
    related = cache.get(key)
    if related is None:
        related = (related_videos(video), related_speeches(video))
        cache.set(key, related, RELATED_CACHE_SECONDS)
    return related


def forget_related(**kwargs) -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet, or evicted
        cache.set(VERSION_KEY, 1, timeout=None)


def connect() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from media_library.models import Category, Event, Language, Video
    from speeches.models import Speech

    for model in (Video, Speech, Category, Event, Language):
        for signal in (post_save, post_delete):
            signal.connect(
                forget_related,
                sender=model,
                dispatch_uid=f"media_library.related.{model.__name__}.{signal}",
            )
    m2m_changed.connect(
        forget_related,
        sender=Speech.related_videos.through,
        dispatch_uid="media_library.related.speech_videos",
    )
