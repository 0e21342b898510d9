from __future__ import annotations

import hashlib
import re
from unittest import mock

import pytest
from django.core.files import File
from django.db import connection
from django.utils import timezone

from accounts.tests.factories import UserFactory
from media_library import services
from media_library.models import Rendition, Video
from media_library.tests.factories import (
    RenditionFactory,
    TagFactory,
    VideoFactory,
)

pytestmark = pytest.mark.django_db


def _attach(video, path, **kwargs) -> Rendition:
    with path.open("rb") as handle:
        return services.attach_rendition(
            video=video, content=File(handle), filename=path.name, **kwargs
        )


# --- Ingest ------------------------------------------------------------------------------------


def test_attached_file_is_ingested_only_after_the_commit(clip, django_capture_on_commit_callbacks):
    video = VideoFactory(thumbnail="", duration_seconds=None)
    with mock.patch("media_library.tasks.ingest_rendition_task.delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            rendition = _attach(video, clip)
        delay.assert_not_called()
        for callback in callbacks:
            callback()
        delay.assert_called_once_with(rendition.pk)
    assert rendition.status == Rendition.Status.PENDING


def test_ingest_fills_every_technical_field_from_the_file(clip, run_on_commit):
    video = VideoFactory(thumbnail="", duration_seconds=None)
    with run_on_commit():
        rendition = _attach(video, clip, make_preview=True)
    rendition.refresh_from_db()
    video.refresh_from_db()
    assert rendition.status == Rendition.Status.READY
    assert rendition.error == ""
    assert rendition.container == "mp4"
    assert (rendition.video_codec, rendition.audio_codec) == ("h264", "aac")
    assert (rendition.width, rendition.height) == (320, 180)
    assert rendition.frame_rate == 25
    assert (rendition.audio_channels, rendition.audio_sample_rate) == (2, 48000)
    assert rendition.duration_seconds == pytest.approx(2.0, abs=0.1)
    assert rendition.file_size == clip.stat().st_size
    assert rendition.checksum_sha256 == hashlib.sha256(clip.read_bytes()).hexdigest()
    assert rendition.label == "SD 180p H.264 MP4"
    assert rendition.ingested_at is not None
    assert video.thumbnail.name.startswith("thumbnails/")
    assert video.preview.name.startswith("previews/")
    assert video.thumbnail.storage.exists(video.thumbnail.name)
    assert video.duration_seconds == pytest.approx(2.0, abs=0.1)


def test_once_ingest_knows_the_duration_the_last_soundbite_gets_its_caption(clip, run_on_commit):
    from media_library import shot_entries, shotlist

    video = VideoFactory(thumbnail="", shot_list="", duration_seconds=None)
    shot_entries.replace_shot_entries(
        video=video,
        entries=shotlist.parse(
            "00:00:00 SOUNDBITE (French) Claire Morel, commandant: « Bonjour. »\n"
            "00:00:01 SOUNDBITE (French) Claire Morel, commandant: « Au revoir. »"
        ).entries,
    )
    track = video.caption_tracks.get(language="fr")
    assert [c.text for c in track.cues.all()] == ["Bonjour."]  # the last one has no end yet
    with run_on_commit():
        _attach(video, clip)
    assert [(c.text, c.end_ms) for c in track.cues.all()] == [
        ("Bonjour.", 1_000),
        ("Au revoir.", round(Video.objects.get(pk=video.pk).duration_seconds * 1000)),
    ]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: b"", "empty"),
        (lambda data: b"GIF89a not a video at all" * 40, "not a video|still image|not accepted"),
        (lambda data: b"minutes of the meeting\n" * 40, "not a video file"),
        (lambda data: data[: len(data) // 2], "truncated|damaged"),
    ],
)
def test_a_broken_file_fails_with_its_reason_and_changes_nothing_else(
    clip, run_on_commit, damage, message
):
    video = VideoFactory(thumbnail="thumbnails/kept.jpg", duration_seconds=42.0)
    good = RenditionFactory(video=video)
    clip.write_bytes(damage(clip.read_bytes()))
    before = Video.objects.filter(pk=video.pk).values().get()
    with run_on_commit():
        rendition = _attach(video, clip)
    rendition.refresh_from_db()
    assert rendition.status == Rendition.Status.FAILED
    assert rendition.error
    assert re.search(message, rendition.error)
    assert rendition.width is None and rendition.checksum_sha256 == ""
    after = Video.objects.filter(pk=video.pk).values().get()
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }
    good.refresh_from_db()
    assert good.status == Rendition.Status.READY


def test_an_unexpected_error_is_recorded_and_raised_for_the_task_to_retry(clip, run_on_commit):
    video = VideoFactory()
    rendition = _attach(video, clip)
    with (
        mock.patch("media_library.ingest.probe", side_effect=OSError("disk gone")),
        pytest.raises(OSError),
    ):
        services.ingest_rendition(rendition_id=rendition.pk)
    rendition.refresh_from_db()
    assert rendition.status == Rendition.Status.FAILED
    assert "disk gone" in rendition.error


def test_a_second_rendition_keeps_the_existing_thumbnail(clip, run_on_commit):
    video = VideoFactory(thumbnail="")
    with run_on_commit():
        _attach(video, clip)
    video.refresh_from_db()
    first = video.thumbnail.name
    with run_on_commit():
        _attach(video, clip)
    video.refresh_from_db()
    assert video.thumbnail.name == first


def test_create_video_makes_a_unique_slug_and_tags():
    first = services.create_video(title="Press conference", tags=["NATO", "summit"])
    second = services.create_video(title="Press conference")
    assert (first.slug, second.slug) == ("press-conference", "press-conference-2")
    assert sorted(first.tags.values_list("name", flat=True)) == ["NATO", "summit"]


def test_record_download_stores_user_rendition_and_time():
    user, rendition = UserFactory(verified=True), RenditionFactory()
    download = services.record_download(user=user, rendition=rendition)
    assert (download.user, download.rendition) == (user, rendition)
    assert download.created_at <= timezone.now()


# --- Search ------------------------------------------------------------------------------------


def test_search_finds_words_of_the_shot_list_summary_title_and_tags():
    by_shot = VideoFactory(title="Doorstep", shot_list="00:00:01 Frigate leaving the harbour")
    by_tag = VideoFactory(title="B-roll", tags=[TagFactory(name="submarine")])
    VideoFactory(title="Other", shot_list="00:00:01 Podium")
    assert list(Video.objects.search("frigate")) == [by_shot]
    assert list(Video.objects.search("submarine")) == [by_tag]
    assert set(Video.objects.search("")) == set(Video.objects.all())


def test_full_text_search_on_postgres_ranks_title_hits_first(postgres):
    shot_hit = VideoFactory(
        title="Ministers arrive",
        summary="Arrivals at the venue.",
        shot_list="00:00:01 Helicopter lands\n00:00:02 Helicopter crew\n00:00:03 helicopters",
    )
    title_hit = VideoFactory(title="Helicopter exercise", shot_list="00:00:01 Wide shot")
    VideoFactory(title="Unrelated", shot_list="00:00:01 Podium")
    results = list(Video.objects.search("helicopters").by_relevance("helicopters"))
    assert results == [title_hit, shot_hit]  # stemmed: "helicopters" finds "Helicopter"
    video = Video.objects.get(pk=shot_hit.pk)
    assert video.search_vector  # stored, not computed per query
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'video_search_vector_idx'"
        )
        assert "USING gin" in cursor.fetchone()[0]
