"""A deleted clip's file leaves the storage once the deletion commits."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete

from clips.models import Clip


def _discard_file(sender, instance: Clip, **kwargs) -> None:
    if instance.file.name:
        storage, name = instance.file.storage, instance.file.name
        transaction.on_commit(lambda: storage.delete(name))


def connect() -> None:
    post_delete.connect(_discard_file, sender=Clip, dispatch_uid="clips.discard_file")
