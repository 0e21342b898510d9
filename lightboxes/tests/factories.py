from __future__ import annotations

import hashlib

import factory

from accounts.tests.factories import UserFactory
from clips.models import Clip, ClipRequest
from core.testing.factories import ModelFactory
from lightboxes.models import Collection, Item
from media_library.tests.factories import RenditionFactory, VideoFactory

CLIP_BYTES = b"clip:" + bytes(range(256)) * 8


class CollectionFactory(ModelFactory):
    class Meta:
        model = Collection

    owner = factory.SubFactory(UserFactory, verified=True)
    name = factory.Sequence(lambda n: f"Summit story {n}")


class ItemFactory(ModelFactory):
    class Meta:
        model = Item

    collection = factory.SubFactory(CollectionFactory)
    video = factory.SubFactory(VideoFactory)
    position = factory.Sequence(lambda n: n)


class ReadyClipFactory(ModelFactory):
    """A clip as a worker leaves it once cut: ready, its file stored, its checksum known."""

    class Meta:
        model = Clip

    rendition = factory.SubFactory(RenditionFactory)
    source_checksum = factory.LazyAttribute(lambda o: o.rendition.checksum_sha256)
    start_ms = 12_000
    end_ms = 30_000
    mode = Clip.Mode.FAST
    status = Clip.Status.READY
    file = factory.django.FileField(filename="clip.mp4", data=CLIP_BYTES)
    file_size = len(CLIP_BYTES)
    checksum_sha256 = hashlib.sha256(CLIP_BYTES).hexdigest()


def clip_asked_by(user, **kwargs) -> Clip:
    clip = ReadyClipFactory(**kwargs)
    ClipRequest.objects.create(user=user, clip=clip)
    return clip
