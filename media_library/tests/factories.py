from __future__ import annotations

import hashlib

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from core.testing.factories import ModelFactory
from media_library import shot_entries, shotlist
from media_library.models import (
    Category,
    Download,
    Event,
    Language,
    Rendition,
    ShotEntry,
    Tag,
    Video,
)
from media_library.services import update_search_vector

# A recognisable byte pattern: range tests compare slices of it.
RENDITION_BYTES = bytes(range(256)) * 40


class SluggedTermFactory(ModelFactory):
    """A category or a tag: its slug is made from its name, and finds an existing one again."""

    class Meta:
        abstract = True
        django_get_or_create = ["slug"]

    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class CategoryFactory(SluggedTermFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")


class TagFactory(SluggedTermFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag {n}")


class EventFactory(ModelFactory):
    class Meta:
        model = Event

    name = factory.Sequence(lambda n: f"Summit {n}")
    slug = factory.Sequence(lambda n: f"summit-{n}")


class LanguageFactory(ModelFactory):
    class Meta:
        model = Language
        django_get_or_create = ["code"]

    code = "en"
    name = "English"


class VideoFactory(ModelFactory):
    class Meta:
        model = Video

    title = factory.Sequence(lambda n: f"Press conference number {n}")
    slug = factory.Sequence(lambda n: f"video-{n}")
    summary = "Remarks to the press."
    shot_list = "00:00:00 Wide shot of the room\n00:00:05 Close-up of the speaker"
    category = factory.SubFactory(CategoryFactory)
    status = Video.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(hours=1))
    duration_seconds = 75.0

    @factory.post_generation
    def tags(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            self.tags.set(extracted)

    @factory.post_generation
    def entries(self, create: bool, extracted, **kwargs) -> None:
        # The entries of the shot list text, as the migration of free-text shot lists makes them.
        if create and self.shot_list:
            ShotEntry.objects.bulk_create(
                ShotEntry(video=self, position=n, **shot_entries.entry_fields(entry))
                for n, entry in enumerate(shotlist.lenient(self.shot_list))
            )

    @factory.post_generation
    def search_vector(self, create: bool, extracted, **kwargs) -> None:
        # As the services do after every change of what a video is searched by.
        if create:
            update_search_vector(video_id=self.pk)


class RenditionFactory(ModelFactory):
    class Meta:
        model = Rendition

    video = factory.SubFactory(VideoFactory)
    label = "HD 1080p H.264"
    file = factory.django.FileField(filename="master.mp4", data=RENDITION_BYTES)
    original_filename = "master.mp4"
    status = Rendition.Status.READY
    container = "mp4"
    video_codec = "h264"
    audio_codec = "aac"
    width = 1920
    height = 1080
    frame_rate = 25
    bitrate = 8_000_000
    audio_channels = 2
    audio_sample_rate = 48000
    duration_seconds = 75.0
    file_size = len(RENDITION_BYTES)
    checksum_sha256 = hashlib.sha256(RENDITION_BYTES).hexdigest()


class DownloadFactory(ModelFactory):
    class Meta:
        model = Download

    user = factory.SubFactory(UserFactory, verified=True)
    rendition = factory.SubFactory(RenditionFactory)
