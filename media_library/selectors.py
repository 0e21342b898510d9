"""Reads shared by the site's views and the API: one rule each."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from media_library.models import Rendition, VideoQuerySet


def downloadable_rendition(*, videos: VideoQuerySet, **lookups) -> Rendition:
    """A ready rendition of one of `videos`, with its video; 404 otherwise.

    `videos` says whose rule applies: the site passes `Video.objects.visible_to(user)` (an
    editor may fetch a draft's file), the API `Video.objects.published()` (a token never
    sees a draft, whoever owns it).
    """
    return get_object_or_404(
        Rendition.objects.ready().select_related("video"), video__in=videos, **lookups
    )
