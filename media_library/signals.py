"""Keep each video's stored search vector in step with what it is searched by."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from media_library import services
from media_library.models import Rendition, Video


@receiver(post_save, sender=Video, dispatch_uid="media_library.video_search_vector")
def _video_saved(sender, instance: Video, update_fields=None, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    if update_fields is not None and not (set(update_fields) & services.SEARCHABLE_FIELDS):
        return
    services.update_search_vector(video_id=instance.pk)


@receiver(m2m_changed, sender=Video.tags.through, dispatch_uid="media_library.video_tags")
def _video_tags_changed(
    sender, instance, action: str, reverse: bool, pk_set=None, **kwargs
) -> None:
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if reverse:
        for video_id in pk_set or Video.objects.filter(tags=instance).values_list("pk", flat=True):
            services.update_search_vector(video_id=video_id)
    else:
        services.update_search_vector(video_id=instance.pk)


@receiver(post_delete, sender=Rendition, dispatch_uid="media_library.rendition_file")
def _rendition_deleted(sender, instance: Rendition, **kwargs) -> None:
    _delete_after_commit(instance.file)


@receiver(post_delete, sender=Video, dispatch_uid="media_library.video_files")
def _video_deleted(sender, instance: Video, **kwargs) -> None:
    _delete_after_commit(instance.thumbnail)
    _delete_after_commit(instance.preview)


def _delete_after_commit(field_file) -> None:
    # Only once the row is really gone: a rolled-back delete must keep its file.
    if not field_file or not field_file.name:
        return
    storage, name = field_file.storage, field_file.name
    transaction.on_commit(lambda: storage.delete(name))
