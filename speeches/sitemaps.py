from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Prefetch

from core.syndication import SiteSitemap
from speeches.models import Speech


class SpeechSitemap(SiteSitemap):
    """Every published speech, each with its published translations as `hreflang`
    alternates; drafts and future schedules never appear."""

    changefreq = "monthly"
    priority = 0.6

    def items(self):
        translations = Speech.objects.published().only("slug", "language").order_by("language")
        return (
            Speech.objects.published()
            .order_by("-date_delivered", "-pk")
            .only("slug", "language", "updated_at")
            .prefetch_related(
                Prefetch("translations", queryset=translations, to_attr="public_translations")
            )
        )

    def lastmod(self, item: Speech) -> datetime:
        return item.updated_at

    def alternates_of(self, item: Speech) -> Iterable[tuple[str, str]]:
        if not item.public_translations:
            return []
        versions = sorted([item, *item.public_translations], key=lambda s: s.language)
        return [(speech.language, speech.get_absolute_url()) for speech in versions]
