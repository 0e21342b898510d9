from __future__ import annotations

import pytest
from django.core.files import File

from media_library import services, tasks
from media_library.models import Rendition
from media_library.tests.factories import VideoFactory


@pytest.mark.django_db
def test_ingest_task_ignores_a_rendition_deleted_before_it_ran():
    assert tasks.ingest_rendition_task.delay(999_999).get() == "gone"


def test_tasks_are_named_for_the_media_queue_route():
    assert tasks.ingest_rendition_task.name == "media_library.tasks.ingest_rendition"


@pytest.mark.integration
def test_ingest_runs_in_a_real_celery_worker(celery_worker, clip, wait, settings):
    # The shared worker keeps its own MEDIA_ROOT (the root conftest does not pass the test's),
    # so this test stores where the worker looks, and removes its files afterwards.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": celery_media_root(celery_worker) / "private"},
        },
        "public": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {
                "location": celery_media_root(celery_worker) / "public",
                "base_url": "/media/public/",
            },
        },
    }
    video = VideoFactory(thumbnail="")
    with clip.open("rb") as handle:
        # transactional_db: the on-commit callback fires at once and queues to Redis.
        rendition = services.attach_rendition(
            video=video, content=File(handle), filename="clip.mp4"
        )

    def ready():
        rendition.refresh_from_db()
        return rendition.status in {Rendition.Status.READY, Rendition.Status.FAILED}

    try:
        wait(ready, timeout=60, message="the worker did not ingest the rendition")
        assert rendition.status == Rendition.Status.READY, rendition.error
        assert (rendition.width, rendition.height) == (320, 180)
        video.refresh_from_db()
        assert video.thumbnail
    finally:
        video.refresh_from_db()
        for field_file in (rendition.file, video.thumbnail, video.preview):
            if field_file:
                field_file.storage.delete(field_file.name)


def celery_media_root(worker):
    from pathlib import Path

    return Path(worker.env.get("MEDIA_ROOT") or Path(__file__).resolve().parents[2] / "media")
