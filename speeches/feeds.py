"""RSS 2.0 and Atom 1.0 feeds of the latest published speeches, every link on SITE_URL."""

from __future__ import annotations

import html
from datetime import datetime, time

from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape, strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from core.syndication import SiteFeed
from speeches.models import Speech

FEED_SIZE = 30


class LatestSpeechesFeed(SiteFeed):
    feed_type = Rss201rev2Feed
    title = _("Speeches and transcripts")
    link = reverse_lazy("speeches:speech_list")
    description = _("The latest published speeches and transcripts.")

    def items(self):
        return Speech.objects.published().order_by("-published_at", "-pk")[:FEED_SIZE]

    def item_title(self, item: Speech) -> str:
        return item.title

    def item_description(self, item: Speech) -> str:
        """A plain-text summary (readers render HTML inconsistently), escaped once as HTML.

        Readers take RSS `<description>` as HTML, and Atom's `<summary type="html">` is HTML:
        the feed generator escapes only the XML, so a speaker named `<script>` reached the
        reader as an element (security review, finding 9).
        """
        summary = Truncator(html.unescape(strip_tags(item.body_html))).words(60)
        by = ", ".join(filter(None, [item.speaker_name, item.speaker_role]))
        return escape(f"{by}. {summary}" if by else summary)

    def item_link(self, item: Speech) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Speech) -> datetime:
        if item.published_at:
            return item.published_at
        return timezone.make_aware(datetime.combine(item.date_delivered, time.min))

    def item_updateddate(self, item: Speech) -> datetime:
        return item.updated_at

    def item_author_name(self, item: Speech) -> str:
        return item.speaker_name

    def item_categories(self, item: Speech) -> list[str]:
        return [item.event] if item.event else []


class LatestSpeechesAtomFeed(LatestSpeechesFeed):
    feed_type = Atom1Feed
    subtitle = LatestSpeechesFeed.description
