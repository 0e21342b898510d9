"""Cutting clips out of the 10-minute 1080p master, and the job's claim, cache and sweep."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from clips import services
from clips.models import Clip, ClipRequest
from clips.tests.media import best_match, first_and_last, frames_near

pytestmark = pytest.mark.django_db

FRAME = Fraction(1, 25)


def cut(user, rendition, run_on_commit, *, start_ms: int, end_ms: int, mode: str) -> Clip:
    """Ask for the clip as the form does; the task runs in-process once the request commits."""
    with run_on_commit():
        clip = services.request_clip(
            user=user, rendition=rendition, start_ms=start_ms, end_ms=end_ms, mode=mode
        )
    clip.refresh_from_db()
    return clip


def clip_path(clip: Clip) -> Path:
    return Path(clip.file.path)


def test_an_exact_clip_holds_exactly_the_frames_of_the_range(
    master_rendition, master_file, run_on_commit
):
    # 00:01:12:13 at 25 fps is 72.52 s; out at 00:01:20 (the frame at 80.00 s is not in it).
    start = services.to_ms(Fraction(72) + 13 * FRAME)
    clip = cut(
        UserFactory(), master_rendition, run_on_commit, start_ms=start, end_ms=80_000, mode="exact"
    )
    assert clip.status == Clip.Status.READY, clip.error
    assert clip.actual_start_ms == 72_520
    first, last, count, first_time, duration = first_and_last(clip_path(clip))
    assert first_time == 0
    assert count == 187  # 72.52 … 79.96 s
    assert abs(duration - 7.48) <= float(FRAME)
    assert (
        abs(best_match(first, frames_near(master_file, Fraction(7252, 100))) - Fraction(7252, 100))
        <= FRAME
    )
    assert (
        abs(best_match(last, frames_near(master_file, Fraction(7996, 100))) - Fraction(7996, 100))
        <= FRAME
    )
    # The rendition's codec, size and audio.
    import av

    with av.open(str(clip_path(clip))) as container:
        video = container.streams.video[0].codec_context
        assert (video.name, video.width, video.height) == ("h264", 1920, 1080)
        assert container.streams.audio[0].codec_context.name == "aac"


def test_a_fast_clip_starts_at_the_keyframe_at_or_before_the_in_point(
    master_rendition, master_file, run_on_commit
):
    clip = cut(
        UserFactory(), master_rendition, run_on_commit, start_ms=73_000, end_ms=80_000, mode="fast"
    )
    assert clip.status == Clip.Status.READY, clip.error
    # Keyframes every 2 s: the one at or before 73.0 s is at 72.0 s.
    assert clip.actual_start_ms == 72_000
    assert clip.starts_early_by_seconds == 1.0
    first, last, count, first_time, duration = first_and_last(clip_path(clip))
    assert first_time == 0
    assert count == 200  # 72.00 … 79.96 s, copied
    assert abs(duration - 8.0) <= float(FRAME)
    assert best_match(first, frames_near(master_file, Fraction(72))) == 72
    assert (
        abs(best_match(last, frames_near(master_file, Fraction(7996, 100))) - Fraction(7996, 100))
        <= FRAME
    )


def test_the_same_range_is_cut_once_and_shared_by_the_next_user(master_rendition, run_on_commit):
    first = cut(
        UserFactory(), master_rendition, run_on_commit, start_ms=10_000, end_ms=14_000, mode="fast"
    )
    name, mtime = first.file.name, clip_path(first).stat().st_mtime_ns
    again = cut(
        UserFactory(), master_rendition, run_on_commit, start_ms=10_000, end_ms=14_000, mode="fast"
    )
    assert again.pk == first.pk and again.attempts == 1
    assert again.file.name == name and clip_path(again).stat().st_mtime_ns == mtime
    assert ClipRequest.objects.filter(clip=first).count() == 2
    other_mode = cut(
        UserFactory(), master_rendition, run_on_commit, start_ms=10_000, end_ms=14_000, mode="exact"
    )
    assert other_mode.pk != first.pk
    assert Clip.objects.count() == 2


def test_a_replaced_file_is_another_source(master_rendition, run_on_commit):
    first = cut(
        UserFactory(), master_rendition, run_on_commit, start_ms=0, end_ms=2_000, mode="fast"
    )
    master_rendition.checksum_sha256 = "f" * 64
    master_rendition.save()
    second = cut(
        UserFactory(), master_rendition, run_on_commit, start_ms=0, end_ms=2_000, mode="fast"
    )
    assert second.pk != first.pk and second.source_checksum == "f" * 64
    # The beat's sweep removes the clip of the old file, and the file with it.
    with run_on_commit():
        assert services.sweep_clips() == {"queued_again": 0, "removed": 1}
    assert not Clip.objects.filter(pk=first.pk).exists()
    assert not first.file.storage.exists(first.file.name)


def test_a_clip_whose_worker_stopped_beating_is_taken_over(
    master_rendition, settings, run_on_commit
):
    settings.CLIP_STALL_SECONDS = 60
    user = UserFactory()
    clip = Clip.objects.create(
        rendition=master_rendition,
        source_checksum=master_rendition.checksum_sha256,
        start_ms=1_000,
        end_ms=3_000,
        mode="fast",
        status=Clip.Status.RUNNING,
        attempts=1,
        heartbeat_at=timezone.now() - timedelta(seconds=30),
    )
    ClipRequest.objects.create(user=user, clip=clip)
    # Still beating 30 s ago: another run leaves it alone.
    assert services.cut_clip(clip_id=clip.pk).status == Clip.Status.RUNNING
    assert services.sweep_clips()["queued_again"] == 0
    # Silent for 61 s: the sweep queues it, and the run takes it over (attempt 2).
    Clip.objects.filter(pk=clip.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=61))
    assert services.sweep_clips()["queued_again"] == 1
    clip.refresh_from_db()
    assert clip.status == Clip.Status.READY and clip.attempts == 2


def test_a_run_that_lost_its_claim_writes_nothing(master_rendition, monkeypatch):
    clip = Clip.objects.create(
        rendition=master_rendition,
        source_checksum=master_rendition.checksum_sha256,
        start_ms=1_000,
        end_ms=3_000,
        mode="fast",
    )
    real_cut = services.cutting.cut

    def cut_then_lose_the_claim(**kwargs):
        result = real_cut(**kwargs)
        # Meanwhile the sweep judged this worker dead and another run claimed the clip.
        Clip.objects.filter(pk=clip.pk).update(attempts=2, heartbeat_at=timezone.now())
        return result

    monkeypatch.setattr(services.cutting, "cut", cut_then_lose_the_claim)
    services.cut_clip(clip_id=clip.pk)
    clip.refresh_from_db()
    assert clip.status == Clip.Status.RUNNING and clip.attempts == 2 and not clip.file.name
    assert not list(Path(master_rendition.file.storage.path("clips")).rglob("*.mp4"))


def test_a_clip_interrupted_three_times_is_not_tried_again(master_rendition):
    clip = Clip.objects.create(
        rendition=master_rendition,
        source_checksum=master_rendition.checksum_sha256,
        start_ms=1_000,
        end_ms=3_000,
        mode="fast",
        status=Clip.Status.RUNNING,
        attempts=3,
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )
    services.cut_clip(clip_id=clip.pk)
    clip.refresh_from_db()
    assert clip.status == Clip.Status.FAILED
    assert "interrupted 3 times" in clip.error


def test_a_waiting_clip_whose_task_was_lost_is_queued_again_after_10_minutes(
    master_rendition, time_machine
):
    clip = Clip.objects.create(
        rendition=master_rendition,
        source_checksum=master_rendition.checksum_sha256,
        start_ms=1_000,
        end_ms=3_000,
        mode="fast",
        heartbeat_at=timezone.now(),
    )
    time_machine.move_to(timezone.now() + timedelta(minutes=9))
    assert services.sweep_clips()["queued_again"] == 0
    time_machine.move_to(timezone.now() + timedelta(minutes=2))
    assert services.sweep_clips()["queued_again"] == 1
    clip.refresh_from_db()
    assert clip.status == Clip.Status.READY
