from __future__ import annotations

from datetime import datetime

from django.contrib.sitemaps import Sitemap

from speeches.models import Speech


class SpeechSitemap(Sitemap):
    """Every published speech; drafts and future schedules never appear."""

    changefreq = "monthly"
    priority = 0.6

    def items(self):
        return (
            Speech.objects.published().order_by("-date_delivered", "-pk").only("slug", "updated_at")
        )

    def lastmod(self, item: Speech) -> datetime:
        return item.updated_at
