"""The alert emails: one per saved search and burst (instant) or per day (digest), listing
the new videos, in the language the alert was saved in, queued in the mailer's outbox.

Searches that are the same search (same signature) and got the same videos in the same
language share one rendering; each copy gets its own unsubscribe links pasted in, as the
newsletter does (templates cost more than the rest of the email).
"""

from __future__ import annotations

import hashlib
import uuid
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
NOTE_HTML = '<p style="margin:0 0 16px;font-size:14px;line-height:1.5;color:#4a5360;">%s</p>'


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
    """Renders alert emails for a whole burst at the cost of a few templates.

    The templates are rendered once per (language, number of videos), with markers where the
    alert's name, its notes, its videos and its unsubscribe link go; each video's lines once
    per language. An email is then those parts joined and pasted in: rendering the templates
    for each of thousands of alerts would cost more than matching them (docs/alerts.md).
    """

    def __init__(self) -> None:
        self.site_url = conf.site_url()
        self.host = urlsplit(self.site_url).hostname or "localhost"
        self.manage_url = links.manage_url()
        self.links = links.UnsubscribeLinks()
        marker = uuid.uuid4().hex
        self._markers = {
            key: f"[{key}-{marker}]" for key in ("name", "missing", "videos", "unsubscribe")
        }
        self._skeletons: dict[tuple[str, int], tuple[str, str]] = {}
        self._videos: dict[tuple[str, int], tuple[str, str]] = {}
        self._urls: dict[int, str] = {}

    def _skeleton(self, language: str, count: int) -> tuple[str, str]:
        key = (language, count)
        if key not in self._skeletons:
            marks = self._markers
            context = {
                "name": marks["name"],
                "missing": [marks["missing"]],
                "videos": [marks["videos"]],
                "count": count,
                "unsubscribe_page": marks["unsubscribe"],
                "manage_url": self.manage_url,
                "site_url": self.site_url,
                "site_name": settings.SITE_NAME,
            }
            with translation.override(language):
                self._skeletons[key] = (
                    render_to_string("alerts/email/alert.txt", context),
                    render_to_string("alerts/email/alert.html", context),
                )
        return self._skeletons[key]

    def _video(self, language: str, video: Video) -> tuple[str, str]:
        key = (language, video.pk)
        if key not in self._videos:
            if video.pk not in self._urls:
                self._urls[video.pk] = links.absolute(video.get_absolute_url())
            context = {
                "video": {
                    "title": video.title,
                    "url": self._urls[video.pk],
                    "date": video.display_date,
                }
            }
            with translation.override(language):
                self._videos[key] = (
                    render_to_string("alerts/email/_video.txt", context),
                    render_to_string("alerts/email/_video.html", context),
                )
        return self._videos[key]

    def email(self, *, search: SavedSearch, videos: list[Video]) -> dict[str, Any]:
        """The keyword arguments of `mailer.services.queue_email` for this alert."""
        language, count = search.email_language, len(videos)
        with translation.override(language):
            described = describe(search)
            subject = ngettext(
                "A new video for your alert: %(name)s",
                "%(count)d new videos for your alert: %(name)s",
                count,
            ) % {"count": count, "name": described.name}
        text, html = self._skeleton(language, count)
        items = [self._video(language, video) for video in videos]
        urls = self.links.for_search(search.pk)
        marks = self._markers
        text = (
            text.replace(marks["missing"], "\n".join(described.missing))
            .replace(marks["videos"], "".join(item[0] for item in items))
            .replace(marks["unsubscribe"], urls["page"])
            .replace(marks["name"], described.name)
        )
        html = (
            html.replace(
                marks["missing"], "".join(NOTE_HTML % escape(n) for n in described.missing)
            )
            .replace(marks["videos"], "".join(item[1] for item in items))
            .replace(marks["unsubscribe"], escape(urls["page"]))
            .replace(marks["name"], escape(described.name))
        )
        ids = ",".join(str(video.pk) for video in videos)
        digest = hashlib.sha256(f"{search.pk}:{ids}".encode()).hexdigest()[:24]
        return {
            "to": [search.user.email],
            "subject": " ".join(subject.split())[:900],
            "text_body": text,
            "html_body": html,
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
