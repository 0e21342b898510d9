from __future__ import annotations

from datetime import datetime

from core.syndication import SiteSitemap
from media_library.models import NEWEST_FIRST, Video


class VideoSitemap(SiteSitemap):
    """Every published video's page; drafts and future schedules never appear."""

    changefreq = "monthly"
    priority = 0.7

    def items(self):
        return Video.objects.published().order_by(*NEWEST_FIRST).only("slug", "updated_at")

    def lastmod(self, item: Video) -> datetime:
        return item.updated_at
