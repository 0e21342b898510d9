"""Cutting clips out of the 10-minute 1080p master, and the job's claim, cache and sweep."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from accounts.tests.factories import UserFactory
from clips import cutting, services
from clips.models import Clip, ClipDownload, ClipRequest
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
        assert services.sweep_clips() == {"queued_again": 0, "removed": 1, "expired": 0}
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


# --- Poison files, old clips, and what the user is told -------------------------------------------


def failed_clip(rendition, *, attempts: int) -> Clip:
    return Clip.objects.create(
        rendition=rendition,
        source_checksum=rendition.checksum_sha256,
        start_ms=1_000,
        end_ms=3_000,
        mode="fast",
        status=Clip.Status.FAILED,
        attempts=attempts,
        error="The cut was interrupted 3 times; it is not tried again.",
    )


def test_asking_again_for_a_clip_that_failed_three_times_does_not_start_it_again(
    master_rendition, monkeypatch
):
    queued = []
    monkeypatch.setattr(services, "enqueue", lambda name, *args: queued.append(args))
    clip = failed_clip(master_rendition, attempts=3)
    again = services.request_clip(
        user=UserFactory(), rendition=master_rendition, start_ms=1_000, end_ms=3_000, mode="fast"
    )
    again.refresh_from_db()
    assert (again.pk, again.status, again.attempts) == (clip.pk, Clip.Status.FAILED, 3)
    assert again.gave_up and queued == []


def test_asking_again_for_a_failed_clip_keeps_its_attempts(
    master_rendition, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(services, "enqueue", lambda name, *args: queued.append(args))
    clip = failed_clip(master_rendition, attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_clip(
            user=UserFactory(),
            rendition=master_rendition,
            start_ms=1_000,
            end_ms=3_000,
            mode="fast",
        )
    clip.refresh_from_db()
    # Queued again, its first try still counted: two more, then never again.
    assert (clip.status, clip.attempts, clip.error) == (Clip.Status.PENDING, 1, "")
    assert queued == [(clip.pk,)]


def test_the_daily_quota_refuses_the_fifty_first_clip_of_24_hours(
    master_rendition, monkeypatch, time_machine
):
    monkeypatch.setattr(services, "enqueue", lambda name, *args: None)
    user = UserFactory()
    clips = Clip.objects.bulk_create(
        Clip(
            rendition=master_rendition,
            source_checksum=master_rendition.checksum_sha256,
            start_ms=second * 1000,
            end_ms=second * 1000 + 500,
            mode="fast",
            status=Clip.Status.READY,
        )
        for second in range(50)
    )
    ClipRequest.objects.bulk_create(ClipRequest(user=user, clip=clip) for clip in clips)

    def ask(start_ms: int) -> Clip:
        return services.request_clip(
            user=user,
            rendition=master_rendition,
            start_ms=start_ms,
            end_ms=start_ms + 500,
            mode="fast",
        )

    with pytest.raises(services.DailyClipQuotaReached) as refused:
        ask(100_000)
    assert str(refused.value) == (
        "You have asked for 50 clips in the last 24 hours, the most for one day: try again "
        "tomorrow, or download a clip you already have."
    )
    # One already asked for is not a new one.
    assert ask(0).pk == clips[0].pk
    # Another user is not counted against this one.
    other = services.request_clip(
        user=UserFactory(), rendition=master_rendition, start_ms=0, end_ms=500, mode="fast"
    )
    assert other.pk == clips[0].pk
    time_machine.move_to(timezone.now() + timedelta(hours=24, minutes=1))
    assert ask(100_000).status == Clip.Status.PENDING


def ready_clip(rendition, *, start_ms: int) -> Clip:
    clip = Clip.objects.create(
        rendition=rendition,
        source_checksum=rendition.checksum_sha256,
        start_ms=start_ms,
        end_ms=start_ms + 1_000,
        mode="fast",
        status=Clip.Status.READY,
        file_size=5,
    )
    clip.file.save("clip.mp4", ContentFile(b"bytes"), save=True)
    return clip


def test_ready_clips_unused_for_seven_days_are_deleted_with_their_files(
    master_rendition, time_machine, run_on_commit
):
    user = UserFactory()
    asked = ready_clip(master_rendition, start_ms=0)
    downloaded = ready_clip(master_rendition, start_ms=10_000)
    ClipRequest.objects.create(user=user, clip=asked)
    ClipRequest.objects.create(user=user, clip=downloaded)
    time_machine.move_to(timezone.now() + timedelta(days=6))
    services.record_clip_download(user=user, clip=downloaded)
    time_machine.move_to(timezone.now() + timedelta(days=1, minutes=1))
    with run_on_commit():
        assert services.sweep_clips() == {"queued_again": 0, "removed": 0, "expired": 1}
    # Seven days without anyone asking: row and file gone; downloaded a day ago: kept.
    assert not Clip.objects.filter(pk=asked.pk).exists()
    assert not default_storage.exists(asked.file.name)
    assert Clip.objects.filter(pk=downloaded.pk).exists()
    assert default_storage.exists(downloaded.file.name)
    time_machine.move_to(timezone.now() + timedelta(days=6, hours=23))
    with run_on_commit():
        assert services.sweep_clips()["expired"] == 1
    assert not default_storage.exists(downloaded.file.name)
    # The download stays in the account's history, with its range.
    history = ClipDownload.objects.get()
    assert (history.clip, history.start_ms, history.end_ms) == (None, 10_000, 11_000)


def test_the_keep_days_are_a_setting_and_asking_again_keeps_a_clip(
    master_rendition, settings, time_machine, run_on_commit
):
    settings.CLIP_KEEP_DAYS = 2
    clip = ready_clip(master_rendition, start_ms=0)
    time_machine.move_to(timezone.now() + timedelta(days=1, hours=23))
    services.request_clip(
        user=UserFactory(), rendition=master_rendition, start_ms=0, end_ms=1_000, mode="fast"
    )
    time_machine.move_to(timezone.now() + timedelta(days=1, hours=23))
    assert services.sweep_clips()["expired"] == 0
    time_machine.move_to(timezone.now() + timedelta(hours=2))
    with run_on_commit():
        assert services.sweep_clips()["expired"] == 1
    assert not Clip.objects.filter(pk=clip.pk).exists()


def test_an_unreadable_source_is_a_generic_message_and_the_path_is_for_the_admin(
    master_rendition, caplog
):
    name = default_storage.save("renditions/broken/master.mp4", ContentFile(b"not a video" * 99))
    path = default_storage.path(name)
    master_rendition.file.name = name
    master_rendition.save()
    clip = Clip.objects.create(
        rendition=master_rendition,
        source_checksum=master_rendition.checksum_sha256,
        start_ms=1_000,
        end_ms=3_000,
        mode="fast",
    )
    services.cut_clip(clip_id=clip.pk)
    clip.refresh_from_db()
    assert clip.status == Clip.Status.FAILED
    assert clip.error == "The source file cannot be read."
    assert path in clip.error_detail
    assert any(path in r.getMessage() and str(clip.pk) in r.getMessage() for r in caplog.records)


def test_ffmpeg_errors_name_no_server_path_to_the_user(tmp_path, settings):
    missing = tmp_path / "private" / "renditions" / "gone.mp4"
    with pytest.raises(cutting.CutError) as failed:
        cutting._run(
            [settings.CLIP_FFMPEG, "-nostdin", "-i", f"file:{missing}", "-f", "null", "-"],
            total_us=1_000_000,
            on_progress=None,
        )
    assert str(failed.value) == "FFmpeg could not cut the clip."
    assert str(tmp_path) not in str(failed.value)
    assert str(missing) in failed.value.detail


def test_a_clip_deleted_by_the_sweep_meanwhile_records_no_download(master_rendition):
    user = UserFactory()
    clip = ready_clip(master_rendition, start_ms=0)
    Clip.objects.filter(pk=clip.pk).delete()
    with pytest.raises(Clip.DoesNotExist):
        services.record_clip_download(user=user, clip=clip)
    assert not ClipDownload.objects.exists()
    assert not user.downloads.exists()
