"""`{% video_to_download next as video %}`: the video a visitor logging in came to download
(media_library/download_context.py), for the login page."""

from __future__ import annotations

from django import template

from media_library import download_context
from media_library.models import Video

register = template.Library()


@register.simple_tag
def video_to_download(next_url: str | None) -> Video | None:
    return download_context.video_to_download(next_url)


@register.simple_tag
def download_return_url(slug: str) -> str:
    return download_context.download_return_url(slug)
