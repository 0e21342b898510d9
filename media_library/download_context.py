"""Where a visitor who wanted to download is sent to log in, and what the login page tells them.

The video page's download links (and the download endpoint, for a visitor whose session has
ended) send an anonymous visitor to log in with `next` set to the video's download section,
`/videos/<slug>/#download`. That address is the marker: the login page reads it back to say
which video the visitor came for, and allauth passes it on to the register link, so after
either the visitor lands on the download buttons. Nothing typed into the query string is ever
shown: the title comes from the published video the address names.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.urls import Resolver404, resolve, reverse

from media_library.models import Video

DOWNLOAD_ANCHOR = "download"


def download_return_url(slug: str) -> str:
    """The video page at its download section: where to come back to after logging in."""
    return reverse("media_library:video_detail", kwargs={"slug": slug}) + f"#{DOWNLOAD_ANCHOR}"


def video_to_download(next_url: str | None) -> Video | None:
    """The published video whose download section `next_url` names, else None."""
    if not next_url:
        return None
    parts = urlsplit(next_url)
    if parts.scheme or parts.netloc or parts.fragment != DOWNLOAD_ANCHOR:
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    if match.view_name != "media_library:video_detail":
        return None
    return Video.objects.published().only("title", "slug").filter(slug=match.kwargs["slug"]).first()
