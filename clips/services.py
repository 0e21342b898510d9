"""Workflows of clips: asking for one, cutting it (the worker), sweeping stalled jobs, fetching.

A clip is cut at most once per (rendition file, range, mode) and shared. The cut runs in a
Celery worker outside any transaction; each run first *claims* the clip (a short locked
update that numbers the attempt), then reports a heartbeat with its progress about every
second. A worker that dies (SIGKILL, host lost) stops beating: after `CLIP_STALL_SECONDS` its
claim is stale, and the next run of the task (the beat sweep queues one; Celery redelivers
the unacknowledged one too) claims the clip again and starts over from the source. A run
whose claim was taken over stops and writes nothing. The result appears in the storage under
a new name in one step (a rename, or an S3 PUT), and the row turns ready in one transaction.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import timedelta
from fractions import Fraction

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from clips import cutting, files
from clips.models import Clip, ClipDownload, ClipRequest, clip_upload_to, format_ms
from core.tasks import enqueue
from media_library.models import Download, Rendition
from media_library.services import record_download
from media_library.shotlist import frame_rate as exact_frame_rate

logger = logging.getLogger(__name__)

CUT_TASK = "clips.tasks.cut_clip"
MAX_ATTEMPTS = Clip.MAX_ATTEMPTS
HEARTBEAT_SECONDS = files.HEARTBEAT_SECONDS


class ClipRefused(Exception):
    """A request refused before any work; the message says why, for the user."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class TooManyClipJobs(ClipRefused):
    pass


class DailyClipQuotaReached(ClipRefused):
    pass


# --- The range ----------------------------------------------------------------------------------


def frame_rate(rendition: Rendition) -> Fraction | None:
    """The rendition's frame rate as an exact fraction (the media library's one rule)."""
    return exact_frame_rate(rendition.frame_rate)


def to_ms(seconds: Fraction) -> int:
    return round(seconds * 1000)


def range_problems(*, rendition: Rendition, start_ms: int, end_ms: int) -> dict[str, str]:
    """What is wrong with [start, end) of `rendition`, by form field ("start", "end")."""
    if not rendition.duration_seconds:
        return {"rendition": _("The length of this version is not known: no clip can be cut.")}
    duration_ms = round(rendition.duration_seconds * 1000)
    values = {
        "in": format_ms(start_ms),
        "out": format_ms(end_ms),
        "duration": format_ms(duration_ms),
    }
    problems: dict[str, str] = {}
    if start_ms >= duration_ms:
        problems["start"] = (
            _("The in point %(in)s is at or past the end of the video (%(duration)s).") % values
        )
    if end_ms > duration_ms:
        problems["end"] = (
            _("The out point %(out)s is past the end of the video (%(duration)s).") % values
        )
    elif end_ms == start_ms:
        problems["end"] = _("The clip is empty: the in and out points are both %(in)s.") % values
    elif end_ms < start_ms:
        problems["end"] = (
            _("The out point %(out)s comes before the in point %(in)s: the range is backwards.")
            % values
        )
    if problems:
        return problems
    max_ms = settings.CLIP_MAX_SECONDS * 1000
    if end_ms - start_ms > max_ms:
        problems["end"] = _("The clip would last %(length)s: clips are at most %(max)s long.") % {
            "length": format_ms(end_ms - start_ms),
            "max": format_ms(max_ms),
        }
    return problems


def mode_problem(*, rendition: Rendition, mode: str) -> str | None:
    """Why `mode` cannot be used for `rendition`, or None."""
    if mode == Clip.Mode.EXACT and not cutting.can_cut_exactly(rendition.video_codec):
        return _(
            "Frame-accurate clips cannot be made from this version (%(codec)s): choose fast."
        ) % {"codec": rendition.video_codec or "?"}
    return None


# --- Asking for a clip ---------------------------------------------------------------------------


@transaction.atomic
def request_clip(*, user, rendition: Rendition, start_ms: int, end_ms: int, mode: str) -> Clip:
    """The clip of that range, cut already, being cut, or queued for a worker now.

    Raises `ClipRefused` for a range that cannot be cut (checked again here, whatever the
    caller checked), `TooManyClipJobs` when the user already waits for as many clips as
    `CLIP_MAX_JOBS_PER_USER` (a clip cut already is never refused for that), and
    `DailyClipQuotaReached` when the user asked for `CLIP_MAX_PER_USER_PER_DAY` other clips
    in the last 24 hours. A clip that failed for good (`Clip.gave_up`) is not started again:
    its page says why.
    """
    for field, message in range_problems(
        rendition=rendition, start_ms=start_ms, end_ms=end_ms
    ).items():
        raise ClipRefused(message, field=field)
    problem = mode_problem(rendition=rendition, mode=mode)
    if problem:
        raise ClipRefused(problem, field="mode")
    # One user's requests one at a time: two tabs cannot both pass the limit.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    clip, created = Clip.objects.get_or_create(
        rendition=rendition,
        source_checksum=rendition.checksum_sha256,
        start_ms=start_ms,
        end_ms=end_ms,
        mode=mode,
    )
    clip = Clip.objects.select_for_update().get(pk=clip.pk)
    if clip.status != Clip.Status.READY:
        waiting = (
            ClipRequest.objects.filter(user=user, clip__in=Clip.objects.active())
            .exclude(clip=clip)
            .count()
        )
        limit = settings.CLIP_MAX_JOBS_PER_USER
        if waiting >= limit:
            raise TooManyClipJobs(
                _(
                    "You already have %(count)d clips being cut, the most at once: wait until "
                    "one is ready, then ask again."
                )
                % {"count": limit}
            )
    if not ClipRequest.objects.filter(user=user, clip=clip).exists():
        # Each clip asked for may be a new file on the disk: a day's worth is bounded.
        quota = settings.CLIP_MAX_PER_USER_PER_DAY
        since = timezone.now() - timedelta(days=1)
        if ClipRequest.objects.filter(user=user, created_at__gte=since).count() >= quota:
            raise DailyClipQuotaReached(
                _(
                    "You have asked for %(count)d clips in the last 24 hours, the most for one "
                    "day: try again tomorrow, or download a clip you already have."
                )
                % {"count": quota}
            )
        ClipRequest.objects.create(user=user, clip=clip)
    clip.used_at = timezone.now()
    update_fields = ["used_at"]
    if created or (clip.status == Clip.Status.FAILED and not clip.gave_up):
        # The attempts are kept: asking again for a failing clip uses up its tries too.
        clip.status, clip.error, clip.error_detail = Clip.Status.PENDING, "", ""
        clip.progress = 0
        clip.heartbeat_at = timezone.now()  # when it was queued, for the sweep
        update_fields += ["status", "error", "error_detail", "progress", "heartbeat_at"]
        clip_id = clip.pk
        transaction.on_commit(lambda: enqueue(CUT_TASK, clip_id))
    clip.save(update_fields=update_fields)
    return clip


def requested_clip(*, user, clip_id: int) -> Clip | None:
    """The clip if `user` asked for it (only they see its page and may fetch it)."""
    return (
        Clip.objects.filter(pk=clip_id, requests__user=user)
        .select_related("rendition", "rendition__video")
        .first()
    )


@transaction.atomic
def record_clip_download(*, user, clip: Clip) -> Download:
    """A `Download` of the rendition (history, statistics), and which clip it was.

    Raises `Clip.DoesNotExist` if the sweep deleted the clip meanwhile (unused for days)."""
    # First: the row stays locked until the download is recorded, so the sweep skips it.
    if not Clip.objects.filter(pk=clip.pk, status=Clip.Status.READY).update(used_at=timezone.now()):
        raise Clip.DoesNotExist
    download = record_download(user=user, rendition=clip.rendition)
    ClipDownload.objects.create(
        download=download, clip=clip, start_ms=clip.start_ms, end_ms=clip.end_ms, mode=clip.mode
    )
    return download


# --- Cutting (the worker) ------------------------------------------------------------------------


def _stale_before() -> timezone.datetime:
    return timezone.now() - timedelta(seconds=settings.CLIP_STALL_SECONDS)


def _claim(clip_id: int) -> Clip | None:
    """Take the clip for this run, or None when there is nothing to do or another live
    worker has it."""
    with transaction.atomic():
        clip = (
            Clip.objects.select_for_update()
            .select_related("rendition", "rendition__video")
            .filter(pk=clip_id)
            .first()
        )
        if clip is None or clip.status in {Clip.Status.READY, Clip.Status.FAILED}:
            return None
        if clip.status == Clip.Status.RUNNING and (
            clip.heartbeat_at is not None and clip.heartbeat_at >= _stale_before()
        ):
            return None
        if clip.attempts >= MAX_ATTEMPTS:
            clip.status = Clip.Status.FAILED
            clip.error = _("The cut was interrupted %(count)d times; it is not tried again.") % {
                "count": clip.attempts
            }
            clip.finished_at = timezone.now()
            clip.save(update_fields=["status", "error", "finished_at"])
            logger.warning("clip %s given up after %d attempts", clip.pk, clip.attempts)
            return None
        clip.status, clip.error, clip.error_detail = Clip.Status.RUNNING, "", ""
        clip.progress = 0
        clip.attempts += 1
        clip.heartbeat_at = timezone.now()
        clip.save(
            update_fields=[
                "status",
                "error",
                "error_detail",
                "progress",
                "attempts",
                "heartbeat_at",
            ]
        )
        return clip


class _Heartbeat:
    """The running claim's sign of life and progress, written at most once a second.

    Returns False once the claim is no longer ours (another run took it over)."""

    def __init__(self, clip: Clip) -> None:
        self.clip_id, self.attempt = clip.pk, clip.attempts
        self.last = time.monotonic()
        self.progress = 0

    def __call__(self, progress: int | None = None) -> bool:
        if progress is not None:
            self.progress = progress
        now = time.monotonic()
        if now - self.last < HEARTBEAT_SECONDS:
            return True
        self.last = now
        return self.beat()

    def beat(self) -> bool:
        self.last = time.monotonic()
        return bool(
            Clip.objects.filter(
                pk=self.clip_id, attempts=self.attempt, status=Clip.Status.RUNNING
            ).update(progress=self.progress, heartbeat_at=timezone.now())
        )


def cut_clip(*, clip_id: int) -> Clip | None:
    """Cut the clip if it is waiting, or if the worker that had it stopped beating.

    Safe to run any number of times, at once or after a crash: only the run holding the
    latest claim writes, and a ready clip is never cut again. Returns the clip as left, or
    None when there was nothing to do.
    """
    clip = _claim(clip_id)
    if clip is None:
        return Clip.objects.filter(pk=clip_id).first()
    beat = _Heartbeat(clip)
    rendition = clip.rendition
    try:
        if (
            rendition.status != Rendition.Status.READY
            or rendition.checksum_sha256 != clip.source_checksum
        ):
            raise cutting.CutError(_("The video file was replaced since the clip was asked for."))
        source_name = rendition.file.name
        storage = clip.file.storage
        extension = cutting.output_extension(rendition.extension)
        with files.local_source(rendition, beat) as path, files.work_folder(storage) as work:
            output = work / f"clip.{extension}"
            result = cutting.cut(
                ffmpeg=settings.CLIP_FFMPEG,
                source=cutting.Source(
                    path=path,
                    extension=rendition.extension,
                    video_codec=rendition.video_codec,
                    video_profile=rendition.video_profile,
                    pixel_format=rendition.pixel_format,
                    bitrate=rendition.bitrate,
                    audio_codec=rendition.audio_codec,
                    audio_channels=rendition.audio_channels,
                    audio_sample_rate=rendition.audio_sample_rate,
                ),
                output=output,
                start=Fraction(clip.start_ms, 1000),
                end=Fraction(clip.end_ms, 1000),
                exact=clip.mode == Clip.Mode.EXACT,
                on_progress=beat,
            )
            if not beat.beat():
                raise files.taken_over()
            checksum = files.file_sha256(output, beat)
            size = output.stat().st_size
            name = clip_upload_to(clip, f"clip-{uuid.uuid4().hex[:8]}.{extension}")
            stored = files.store(storage, output, name, beat)
        if not beat.beat():
            # Taken over during the upload: ours is not the result (`_finish` checks again
            # under the row's lock).
            storage.delete(stored)
            raise files.taken_over()
        return _finish(
            clip=clip,
            stored=stored,
            source_name=source_name,
            size=size,
            checksum=checksum,
            actual_start_ms=to_ms(result.actual_start),
            duration=result.duration,
        )
    except cutting.CutError as exc:
        return _fail(clip=clip, message=str(exc), detail=exc.detail)
    except Exception:
        # Not the clip's fault (storage, database): the task retries, and the claim goes
        # stale for the sweep if the retries run out.
        logger.exception("Cutting clip %s failed", clip_id)
        raise


@transaction.atomic
def _finish(
    *,
    clip: Clip,
    stored: str,
    source_name: str,
    size: int,
    checksum: str,
    actual_start_ms: int,
    duration: float,
) -> Clip:
    current = Clip.objects.select_for_update().select_related("rendition").get(pk=clip.pk)
    if (
        current.status != Clip.Status.RUNNING
        or current.attempts != clip.attempts
        or current.rendition.file.name != source_name
    ):
        # Another run holds the clip now, or the file was replaced: ours is not the result.
        storage = clip.file.storage
        transaction.on_commit(lambda: storage.delete(stored))
        return current
    current.status, current.progress, current.error = Clip.Status.READY, 100, ""
    current.file.name = stored
    current.file_size, current.checksum_sha256 = size, checksum
    current.actual_start_ms, current.duration_seconds = actual_start_ms, duration
    current.finished_at = timezone.now()
    current.save()
    logger.info("clip %s cut (%s, %d bytes)", clip.pk, clip.mode, size)
    return current


@transaction.atomic
def _fail(*, clip: Clip, message: str, detail: str = "") -> Clip:
    """The user's page shows `message` (no server paths); `detail` (FFmpeg's or PyAV's own
    words, paths included) goes to the log and the admin only."""
    current = Clip.objects.select_for_update().get(pk=clip.pk)
    if current.status == Clip.Status.RUNNING and current.attempts == clip.attempts:
        current.status, current.error = Clip.Status.FAILED, message[:2000]
        current.error_detail = detail[-4000:]
        current.finished_at = timezone.now()
        current.save(update_fields=["status", "error", "error_detail", "finished_at"])
        logger.warning("clip %s failed: %s %s", clip.pk, message, detail)
    return current


# --- The beat's sweep ----------------------------------------------------------------------------


def sweep_clips(*, limit: int = 200) -> dict[str, int]:
    """Queue again the cuts whose worker stopped beating, and the waiting ones whose task was
    lost (longer ago than `CLIP_REQUEUE_SECONDS`); remove clips of replaced files, and ready
    clips nobody asked for or downloaded for `CLIP_KEEP_DAYS` (their files with them)."""
    stale = _stale_before()
    lost = timezone.now() - timedelta(seconds=settings.CLIP_REQUEUE_SECONDS)
    stalled_ids = list(
        Clip.objects.filter(
            Q(status=Clip.Status.RUNNING, heartbeat_at__lt=stale)
            | Q(status=Clip.Status.PENDING, heartbeat_at__lt=lost)
        ).values_list("pk", flat=True)[:limit]
    )
    for clip_id in stalled_ids:
        Clip.objects.filter(pk=clip_id, status=Clip.Status.PENDING).update(
            heartbeat_at=timezone.now()
        )
        enqueue(CUT_TASK, clip_id)
    outdated = Clip.objects.exclude(status=Clip.Status.RUNNING).exclude(
        source_checksum=F("rendition__checksum_sha256")
    )
    removed = 0
    for clip in outdated[:limit]:
        clip.delete()  # its file goes with it (signals)
        removed += 1
    expired = 0
    with transaction.atomic():
        # A clip being asked for or downloaded right now is locked by that request: skipped.
        unused = Clip.objects.select_for_update(skip_locked=True).filter(
            status=Clip.Status.READY,
            used_at__lt=timezone.now() - timedelta(days=settings.CLIP_KEEP_DAYS),
        )
        for clip in unused[:limit]:
            # Its downloads stay in the history (ClipDownload keeps the range); asking again
            # for the range cuts it anew. The file goes once this commits (signals).
            clip.delete()
            expired += 1
    return {"queued_again": len(stalled_ids), "removed": removed, "expired": expired}
