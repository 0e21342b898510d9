"""A video's preview in another site's page: the embed page and the snippet that frames it.

The embed page (`/videos/<slug>/embed/`, `templates/media_library/embed.html`) is the only
page of the portal another site may frame: its view drops `X-Frame-Options` and replaces the
CSP's `frame-ancestors 'none'` with `EMBED_FRAME_ANCESTORS` (any site by default). It holds the
player and one link back to the video's page; no form, no session-dependent content, so being
framed cannot be used against a reader (clickjacking needs something to click that acts).
Only published videos have one.
"""

from __future__ import annotations

import html

from django.conf import settings
from django.urls import reverse

from media_library.models import Video

WIDTH, HEIGHT = 640, 360


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def embed_url(video: Video) -> str:
    return absolute(reverse("media_library:video_embed", kwargs={"slug": video.slug}))


def snippet(video: Video) -> str:
    """The `<iframe>` a newsroom pastes into its page: plain text (not marked safe), so a page
    shows it escaped, as text to copy."""
    return (
        f'<iframe src="{_attribute(embed_url(video))}" width="{WIDTH}" height="{HEIGHT}" '
        f'title="{_attribute(video.title)}" allowfullscreen loading="lazy"></iframe>'
    )


def _attribute(value: str) -> str:
    # What a double-quoted attribute needs escaped, no more: an apostrophe stays readable.
    return html.escape(value, quote=False).replace('"', "&quot;")


def frame_ancestors() -> list[str]:
    return list(settings.EMBED_FRAME_ANCESTORS) or ["'none'"]
