"""What the media library does when its rows change, whoever changed them (admin, services,
commands): rebuild a video's search vector and move the content version once the change
commits (once per transaction, however many saves it made), publish or withdraw a video's
thumbnail and preview when its state or its files change (`public_media`), and delete files
whose rows are gone."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from core import content_version
from core.publishing import publication_changed
from media_library import public_media, services, stills
from media_library.models import (
    CaptionTrack,
    Category,
    Event,
    Language,
    Rendition,
    ShotEntry,
    Tag,
    Video,
)

# A caption track's cues are written with it (captions.replace_caption_track saves the track).
CONTENT_MODELS = (Video, Rendition, Category, Event, Tag, Language, ShotEntry, CaptionTrack)
CONTENT_LINKS = (Video.tags.through, Video.languages.through)
# What a video's search vector is built from (services.update_search_vector), on its row.
SEARCHABLE_FIELDS = frozenset(
    {"title", "summary", "shot_list", "location", "country", "event", "category"}
)
# What decides which of a video's files the public storage holds (public_media.sync).
PUBLIC_MEDIA_FIELDS = frozenset({"status", "published_at", "thumbnail", "preview"})


def content_changed(**kwargs) -> None:
    content_version.bump()


def refresh_search_vector(video_id: int) -> None:
    """Rebuild the video's search vector once this transaction commits, before the version
    moves: an admin save that writes the video, then its tags, rebuilds it once."""
    content_version.before_move(
        ("search_vector", video_id),
        lambda: services.update_search_vector(video_id=video_id),
    )


def _video_saved(sender, instance: Video, raw: bool = False, update_fields=None, **kwargs) -> None:
    if raw:
        return
    if update_fields is None or PUBLIC_MEDIA_FIELDS & set(update_fields):
        public_media.sync_after_commit(instance.pk)
    if update_fields is None or SEARCHABLE_FIELDS & set(update_fields):
        refresh_search_vector(instance.pk)


def _term_saved(sender, instance, raw: bool = False, **kwargs) -> None:
    if not raw:
        services.term_saved(term=instance)


def _publication_changed(sender, pks: list[int], **kwargs) -> None:
    # Also for the beat's publish_due, whose UPDATE sends no post_save.
    for video_id in pks:
        public_media.sync_after_commit(video_id)


def _video_tags_changed(sender, instance, action: str, reverse: bool, pk_set=None, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if not reverse:
        refresh_search_vector(instance.pk)
        return
    # A tag gained or lost videos (from the tag's side).
    for video_id in pk_set or Video.objects.filter(tags=instance).values_list("pk", flat=True):
        refresh_search_vector(video_id)


def _rendition_deleted(sender, instance: Rendition, **kwargs) -> None:
    _delete_after_commit(instance.file)


def _video_deleted(sender, instance: Video, **kwargs) -> None:
    for field_file in (instance.thumbnail, instance.preview):
        if field_file:
            public_media.discard_after_commit(field_file.name, private=field_file.storage)
    if instance.preview:
        storage, video_id = instance.preview.storage, instance.pk
        transaction.on_commit(lambda: stills.discard(storage, video_id))


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
    post_save.connect(_video_saved, sender=Video, dispatch_uid="media_library.video_search")
    for term in services.SEARCHED_TERMS.values():
        post_save.connect(
            _term_saved, sender=term, dispatch_uid=f"media_library.term_search.{term.__name__}"
        )
    m2m_changed.connect(
        _video_tags_changed, sender=Video.tags.through, dispatch_uid="media_library.video_tags"
    )
    post_delete.connect(
        _rendition_deleted, sender=Rendition, dispatch_uid="media_library.rendition_file"
    )
    post_delete.connect(_video_deleted, sender=Video, dispatch_uid="media_library.video_files")
    publication_changed.connect(
        _publication_changed, sender=Video, dispatch_uid="media_library.video_publication"
    )
