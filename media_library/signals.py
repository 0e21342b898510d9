"""What the media library does when its rows change, whoever changed them (admin, services,
commands): move the content version, and delete files whose rows are gone."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from core import content_version
from media_library.models import Category, Event, Language, Rendition, Tag, Video

CONTENT_MODELS = (Video, Rendition, Category, Event, Tag, Language)
CONTENT_LINKS = (Video.tags.through, Video.languages.through)


def content_changed(**kwargs) -> None:
    content_version.bump()


def _rendition_deleted(sender, instance: Rendition, **kwargs) -> None:
    _delete_after_commit(instance.file)


def _video_deleted(sender, instance: Video, **kwargs) -> None:
    _delete_after_commit(instance.thumbnail)
    _delete_after_commit(instance.preview)


def _delete_after_commit(field_file) -> None:
    # Only once the row is really gone: a rolled-back delete must keep its file.
    if not field_file or not field_file.name:
        return
    storage, name = field_file.storage, field_file.name
    transaction.on_commit(lambda: storage.delete(name))


def connect() -> None:
    for model in CONTENT_MODELS:
        for signal in (post_save, post_delete):
            signal.connect(
                content_changed,
                sender=model,
                dispatch_uid=f"media_library.content.{model.__name__}.{signal}",
            )
    for link in CONTENT_LINKS:
        m2m_changed.connect(
            content_changed, sender=link, dispatch_uid=f"media_library.content.{link.__name__}"
        )
    post_delete.connect(
        _rendition_deleted, sender=Rendition, dispatch_uid="media_library.rendition_file"
    )
    post_delete.connect(_video_deleted, sender=Video, dispatch_uid="media_library.video_files")
