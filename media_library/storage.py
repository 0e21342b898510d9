"""Where media files live.

Rendition files use the private default storage (never served without the download check).
Thumbnails and previews use the "public" storage. FileField evaluates a storage callable once,
when models load, so it gets this lazy proxy, which follows STORAGES (tests change it).
"""

from __future__ import annotations

from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty


class _PublicStorage(LazyObject):
    def _setup(self) -> None:
        self._wrapped = storages["public"]


public_storage_proxy = _PublicStorage()


def public_storage() -> Storage:
    return public_storage_proxy  # type: ignore[return-value]


@receiver(setting_changed)
def _reset_public_storage(*, setting: str, **kwargs) -> None:
    if setting in {"STORAGES", "MEDIA_ROOT", "PUBLIC_MEDIA_ROOT"}:
        public_storage_proxy._wrapped = empty
