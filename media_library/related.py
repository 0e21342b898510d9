"""What a video page links to (related videos and speeches), cached for a few minutes, and
the content version that every cached public page is keyed on.

Any save or delete of a video, rendition, speech, category, event, tag or language, any
change of the links between them, and any scheduled publication moves the content version,
so editors' changes show at once on the cached pages (`portal.page_cache`).
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Q

from portal.page_cache import fresh_version, note_version

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
    return cache.get_or_set(VERSION_KEY, fresh_version, timeout=None)


def related_for(video) -> tuple[list, list]:
    version = content_version()
    key = f"media_library:related:{version}:{video.pk}"
    related = cache.get(key)
    if related is None:
        related = (related_videos(video), related_speeches(video))
        cache.set(key, related, RELATED_CACHE_SECONDS)
    return related


def forget_related(**kwargs) -> None:
    """Move the content version: every cached public page and related list is re-rendered."""
    try:
        version = cache.incr(VERSION_KEY)
    except ValueError:  # not set yet, or evicted
        version = fresh_version()
        cache.set(VERSION_KEY, version, timeout=None)
    # This process serves the new version at once; the others within a second.
    note_version(VERSION_KEY, version)


def connect() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from media_library.models import Category, Event, Language, Rendition, Tag, Video
    from speeches.models import Speech

    for model in (Video, Rendition, Speech, Category, Event, Tag, Language):
        for signal in (post_save, post_delete):
            signal.connect(
                forget_related,
                sender=model,
                dispatch_uid=f"media_library.related.{model.__name__}.{signal}",
            )
    for link in (
        Video.tags.through,
        Video.languages.through,
        Speech.related_videos.through,
        Speech.translations.through,
    ):
        m2m_changed.connect(
            forget_related,
            sender=link,
            dispatch_uid=f"media_library.related.{link.__name__}",
        )
