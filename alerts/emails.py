"""The alert emails: one per saved search and burst (instant) or per day (digest), listing
the new videos, in the language the alert was saved in, queued in the mailer's outbox.

Searches that are the same search (same signature) and got the same videos in the same
language share one rendering; each copy gets its own unsubscribe links pasted in, as the
newsletter does (templates cost more than the rest of the email).
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import ngettext

from alerts import links
from alerts.described import describe
from alerts.models import SavedSearch
from mailer.services import queue_emails
from media_library.models import Video
from newsletter import conf

CATEGORY = "alerts"

Pair = tuple[int, int]


def queue_instant(pairs: Iterable[Pair]) -> int:
    """Queue one email per saved search for its new videos (pairs of the current transaction);
    returns how many."""
    wanted: dict[int, list[int]] = defaultdict(list)
    for search_id, video_id in pairs:
        wanted[search_id].append(video_id)
    return queue_for(wanted)


def queue_for(wanted: dict[int, list[int]]) -> int:
    """Queue an email to each saved search (by id) listing its videos (ids) that are still
    public; a search left with none gets no email."""
    if not wanted:
        return 0
    searches = (
        SavedSearch.objects.filter(pk__in=list(wanted))
        .select_related("user", "category", "event", "language")
        .order_by("pk")
    )
    all_ids = {video_id for ids in wanted.values() for video_id in ids}
    videos = {
        video.pk: video
        for video in Video.objects.published()
        .filter(pk__in=all_ids)
        .only("title", "slug", "recorded_on", "published_at")
    }
    renderer = AlertRenderer()
    messages = []
    for search in searches:
        listed = [videos[i] for i in sorted(wanted[search.pk]) if i in videos]
        if listed:
            messages.append(renderer.email(search=search, videos=listed))
    queue_emails(messages)
    return len(messages)


class AlertRenderer:
    """Renders alert emails, once per (language, search, videos), with markers for the links
    that name one saved search."""

    def __init__(self) -> None:
        self.site_url = conf.site_url()
        self.host = urlsplit(self.site_url).hostname or "localhost"
        self.manage_url = links.manage_url()
        marker = uuid.uuid4().hex
        self._page_marker = f"[unsubscribe-{marker}]"
        self._rendered: dict[tuple, tuple[str, str, str]] = {}

    def _parts(self, search: SavedSearch, videos: list[Video]) -> tuple[str, str, str]:
        key = (search.email_language, search.signature, tuple(v.pk for v in videos))
        if key not in self._rendered:
            with translation.override(search.email_language):
                described = describe(search)
                count = len(videos)
                subject = ngettext(
                    "A new video for your alert: %(name)s",
                    "%(count)d new videos for your alert: %(name)s",
                    count,
                ) % {"count": count, "name": described.name}
                context = {
                    "name": described.name,
                    "missing": described.missing,
                    "videos": [
                        {
                            "title": video.title,
                            "url": links.absolute(video.get_absolute_url()),
                            "date": video.display_date,
                        }
                        for video in videos
                    ],
                    "count": count,
                    "unsubscribe_page": self._page_marker,
                    "manage_url": self.manage_url,
                    "site_url": self.site_url,
                    "site_name": settings.SITE_NAME,
                }
                self._rendered[key] = (
                    " ".join(subject.split())[:900],
                    render_to_string("alerts/email/alert.txt", context),
                    render_to_string("alerts/email/alert.html", context),
                )
        return self._rendered[key]

    def email(self, *, search: SavedSearch, videos: list[Video]) -> dict[str, Any]:
        """The keyword arguments of `mailer.services.queue_email` for this alert."""
        subject, text, html = self._parts(search, videos)
        urls = links.unsubscribe_urls(search.pk)
        ids = ",".join(str(v.pk) for v in videos)
        digest = hashlib.sha256(f"{search.pk}:{ids}".encode()).hexdigest()[:24]
        return {
            "to": [search.user.email],
            "subject": subject,
            "text_body": text.replace(self._page_marker, urls["page"]),
            "html_body": html.replace(self._page_marker, escape(urls["page"])),
            "category": CATEGORY,
            "headers": {
                "List-Unsubscribe": f"<{urls['one_click']}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "List-Id": f"<alerts.{self.host}>",
                # The same alert and videos, the same id: a copy sent twice (a worker killed
                # between the server's acceptance and its commit) shows as one message.
                "Message-ID": f"<alert.{search.pk}.{digest}@{self.host}>",
            },
        }
