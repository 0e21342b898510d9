"""Any change to a speech or its links moves the content version (cached public pages)."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from core import content_version
from speeches.models import Speech


def content_changed(**kwargs) -> None:
    content_version.bump()


def connect() -> None:
    for signal in (post_save, post_delete):
        signal.connect(content_changed, sender=Speech, dispatch_uid=f"speeches.content.{signal}")
    for link in (Speech.related_videos.through, Speech.translations.through):
        m2m_changed.connect(
            content_changed, sender=link, dispatch_uid=f"speeches.content.{link.__name__}"
        )
