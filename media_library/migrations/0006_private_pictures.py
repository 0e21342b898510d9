"""Thumbnails and previews move to the private storage; the public one keeps copies of the
published videos' files only (media_library.public_media, docs/media.md)."""

from django.core.files import File
from django.db import migrations, models
from django.utils import timezone

SAFE_SUFFIXES = (".jpg", ".jpeg", ".png", ".mp4")


def _storages():
    from django.core.files.storage import storages

    return storages["default"], storages["public"]


def _copy(source, target, name: str) -> None:
    if target.exists(name) or not source.exists(name):
        return
    with source.open(name, "rb") as handle:
        saved = target.save(name, File(handle, name=name))
    if saved != name:
        target.delete(saved)


def _videos_with_files(apps):
    Video = apps.get_model("media_library", "Video")
    return Video.objects.exclude(thumbnail="", preview="").only(
        "status", "published_at", "thumbnail", "preview"
    )


def to_private(apps, schema_editor) -> None:
    private, public = _storages()
    now = timezone.now()
    for video in _videos_with_files(apps).iterator(chunk_size=500):
        published = video.status == "published" and (
            video.published_at is None or video.published_at <= now
        )
        for name in (video.thumbnail.name, video.preview.name):
            if not name:
                continue
            _copy(public, private, name)
            # Drafts and scheduled videos lose their public copy; so does any file that is not
            # a picture or a video (an upload the old admin let through).
            if not published or not name.lower().endswith(SAFE_SUFFIXES):
                public.delete(name)


def to_public(apps, schema_editor) -> None:
    private, public = _storages()
    for video in _videos_with_files(apps).iterator(chunk_size=500):
        for name in (video.thumbnail.name, video.preview.name):
            if name:
                _copy(private, public, name)


class Migration(migrations.Migration):
    dependencies = [
        ("media_library", "0005_video_publishable"),
    ]

    operations = [
        migrations.AlterField(
            model_name="video",
            name="preview",
            field=models.FileField(
                blank=True, max_length=255, upload_to="previews/", verbose_name="web preview"
            ),
        ),
        migrations.AlterField(
            model_name="video",
            name="thumbnail",
            field=models.FileField(
                blank=True, max_length=255, upload_to="thumbnails/", verbose_name="thumbnail"
            ),
        ),
        migrations.RunPython(to_private, to_public, elidable=True),
    ]
