"""Any change to a speech or its links moves the content version (cached public pages); a
change of its publication or its deletion brings its caption tracks up to date: the tracks
of a speech that stops being public go inside the change's transaction, new ones are built by
a task queued after the commit."""

from __future__ import annotations

from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from core import content_version
from core.publishing import publication_changed
from speeches import services
from speeches.models import Speech


def content_changed(**kwargs) -> None:
    content_version.bump()


def publication_of_speeches_changed(*, pks: list[int], **kwargs) -> None:
    # Only speeches with captions to write or remove: timecoded, or translations of one.
    timecoded = Q(timecode_video__isnull=False) | Q(translations__timecode_video__isnull=False)
    speeches = Speech.objects.filter(timecoded, pk__in=pks).distinct().order_by("pk")
    for speech in speeches:
        if not speech.is_public:
            services.withdraw_captions(speech=speech)
        services.captions_changed(speech_ids=[speech.pk])


def speech_deleted(*, instance: Speech, **kwargs) -> None:
    # Before the delete: its translation links, which say where its captions are, still exist.
    places = services.speech_caption_places(instance)
    if not places:
        return
    services.withdraw_captions(speech=instance)
    translations = list(instance.translations.values_list("pk", flat=True))
    services.captions_changed(speech_ids=[instance.pk, *translations], previous=places)


def connect() -> None:
    publication_changed.connect(
        publication_of_speeches_changed, sender=Speech, dispatch_uid="speeches.captions.publication"
    )
    pre_delete.connect(speech_deleted, sender=Speech, dispatch_uid="speeches.captions.deleted")
    for signal in (post_save, post_delete):
        signal.connect(content_changed, sender=Speech, dispatch_uid=f"speeches.content.{signal}")
    for link in (Speech.related_videos.through, Speech.translations.through):
        m2m_changed.connect(
            content_changed, sender=link, dispatch_uid=f"speeches.content.{link.__name__}"
        )
