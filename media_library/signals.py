"""Keep each video's stored search vector in step with what it is searched by."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver

from media_library import services
from media_library.models import Video


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
