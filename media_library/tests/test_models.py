from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from media_library.formatting import format_duration
from media_library.models import Download
from media_library.tests.factories import DownloadFactory, RenditionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("seconds", "shown"), [(None, ""), (4.0, "0:04"), (75.4, "1:15"), (3725, "1:02:05")]
)
def test_durations_are_shown_as_clock_time(seconds, shown):
    assert format_duration(seconds) == shown


def test_download_filename_comes_from_the_title_and_label_not_the_stored_path():
    rendition = RenditionFactory(
        video__title="Press conference: Defence Ministers (Brussels)",
        label="HD 1080p H.264 MP4",
        original_filename="../../etc/passwd.mp4",
    )
    assert rendition.download_filename() == (
        "press-conference-defence-ministers-brussels-hd-1080p-h264.mp4"
    )


def test_rendition_displays_resolution_frame_rate_and_bitrate():
    rendition = RenditionFactory.build(
        width=1920, height=1080, frame_rate=Decimal("29.970"), bitrate=12_500_000
    )
    assert rendition.resolution == "1920×1080"  # noqa: RUF001
    assert rendition.frame_rate_display == "29.97"
    assert rendition.bitrate_display == "12.5 Mbit/s"


def test_downloads_for_a_user_are_newest_first_and_only_theirs(django_assert_num_queries):
    mine_old = DownloadFactory(created_at=timezone.now() - timedelta(days=2))
    mine_new = DownloadFactory(user=mine_old.user)
    DownloadFactory()
    with django_assert_num_queries(1):
        downloads = list(Download.objects.for_user(mine_old.user))
        titles = [d.rendition.video.title for d in downloads]
    assert downloads == [mine_new, mine_old]
    assert len(titles) == 2


def test_deleting_a_rendition_or_video_removes_its_files_after_the_commit(run_on_commit):
    rendition = RenditionFactory(video__thumbnail="")
    storage, name = rendition.file.storage, rendition.file.name
    assert storage.exists(name)
    with run_on_commit():
        rendition.video.delete()
    assert not storage.exists(name)
