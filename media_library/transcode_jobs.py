"""Automatic renditions: the ladder's jobs planned when a master is ingested, run by a worker
(claim, heartbeat, encode, store in one step, ingest), retried by editors, swept by the beat.

The pattern is the clips' one (`clips/services.py`): each run first *claims* its job in a
short locked update that numbers the attempt, then beats about every second with its
percentage. A worker killed mid-encode stops beating; after `TRANSCODE_STALL_SECONDS` the
beat's sweep queues the job again (Celery redelivers the unacknowledged task too, `acks_late`)
and the next run starts over from the master. FFmpeg writes into a work folder; the finished
file reaches the renditions' storage in one step (a rename on local disk, an S3 upload that
exists only once complete), so no half file is ever a rendition. The new rendition is then
probed and checksummed by the ingest that uploaded files go through.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.tasks import enqueue
from media_library import ingest, services, transcoding
from media_library.models import Rendition, TranscodeJob, rendition_upload_to

logger = logging.getLogger(__name__)

TRANSCODE_TASK = "media_library.tasks.transcode_rendition"
HEARTBEAT_SECONDS = 1.0
WORK_FOLDER = "renditions/.work"


# --- Planning ----------------------------------------------------------------------------------


def _already_there(master: Rendition, height: int) -> bool:
    """The video has this rung already: a job for it, or a ready H.264/AAC MP4 of that height
    uploaded by an editor."""
    video = master.video
    if TranscodeJob.objects.filter(video=video, height=height).exists():
        return True
    return (
        video.renditions.ready()
        .filter(height=height, video_codec="h264", container__in=["mp4", "m4v"])
        .filter(Q(audio_codec="aac") | Q(audio_codec=""))
        .exists()
    )


@transaction.atomic
def plan_renditions(*, master: Rendition) -> list[TranscodeJob]:
    """One job per rung of `RENDITION_LADDER` the video lacks, none above the master's height;
    each queued on the `media` queue once this commits. A rendition made by a job is no
    master (nothing is made from it)."""
    ladder = transcoding.parse_ladder(settings.RENDITION_LADDER)
    rungs = transcoding.rungs_for(ladder, master.height)
    if not rungs or master.status != Rendition.Status.READY or hasattr(master, "made_by"):
        return []
    jobs = []
    for height in rungs:
        if _already_there(master, height):
            continue
        job = TranscodeJob.objects.create(
            video=master.video, master=master, height=height, heartbeat_at=timezone.now()
        )
        jobs.append(job)
        transaction.on_commit(lambda job_id=job.pk: enqueue(TRANSCODE_TASK, job_id))
    return jobs


@transaction.atomic
def retry_jobs(*, jobs: Iterable[TranscodeJob]) -> int:
    """Queue failed jobs again with fresh attempts (an editor's "retry"); others are left."""
    count = 0
    for job in jobs:
        updated = TranscodeJob.objects.filter(pk=job.pk, state=TranscodeJob.State.FAILED).update(
            state=TranscodeJob.State.QUEUED,
            percent=0,
            error="",
            error_detail="",
            attempts=0,
            heartbeat_at=timezone.now(),
            finished_at=None,
        )
        if updated:
            count += 1
            transaction.on_commit(lambda job_id=job.pk: enqueue(TRANSCODE_TASK, job_id))
    return count


# --- Running (the worker) ------------------------------------------------------------------------


def _stale_before() -> timezone.datetime:
    return timezone.now() - timedelta(seconds=settings.TRANSCODE_STALL_SECONDS)


def _claim(job_id: int) -> TranscodeJob | None:
    """Take the job for this run, or None when it is finished or a live worker has it."""
    with transaction.atomic():
        job = (
            TranscodeJob.objects.select_for_update(of=("self",))
            .select_related("master", "video", "output")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.state in {TranscodeJob.State.DONE, TranscodeJob.State.FAILED}:
            return None
        if job.state == TranscodeJob.State.RUNNING and (
            job.heartbeat_at is not None and job.heartbeat_at >= _stale_before()
        ):
            return None
        now = timezone.now()
        if job.attempts >= TranscodeJob.MAX_ATTEMPTS:
            job.state, job.finished_at = TranscodeJob.State.FAILED, now
            job.error = _("The encode was interrupted %(count)d times; it is not tried again.") % {
                "count": job.attempts
            }
            job.save(update_fields=["state", "error", "finished_at"])
            logger.warning("transcode job %s given up after %d attempts", job.pk, job.attempts)
            return None
        job.state, job.percent, job.error, job.error_detail = TranscodeJob.State.RUNNING, 0, "", ""
        job.attempts += 1
        job.heartbeat_at = job.started_at = now
        job.save(
            update_fields=[
                "state",
                "percent",
                "error",
                "error_detail",
                "attempts",
                "heartbeat_at",
                "started_at",
            ]
        )
        return job


class _Heartbeat:
    """The running claim's sign of life and percentage, written at most once a second;
    False once the claim is no longer ours."""

    def __init__(self, job: TranscodeJob) -> None:
        self.job_id, self.attempt = job.pk, job.attempts
        self.last = time.monotonic()
        self.percent = 0

    def __call__(self, percent: int | None = None) -> bool:
        if percent is not None:
            self.percent = percent
        if time.monotonic() - self.last < HEARTBEAT_SECONDS:
            return True
        return self.beat()

    def beat(self) -> bool:
        self.last = time.monotonic()
        return bool(
            TranscodeJob.objects.filter(
                pk=self.job_id, attempts=self.attempt, state=TranscodeJob.State.RUNNING
            ).update(percent=self.percent, heartbeat_at=timezone.now())
        )


@contextlib.contextmanager
def _beating_meanwhile(beat: _Heartbeat) -> Iterator[None]:
    """Beat from a helper thread while this one does a long step that cannot call back (the
    ingest of a large rendition reads every packet), so the sweep does not take the job over."""
    stop = threading.Event()

    def keep_beating() -> None:
        try:
            while not stop.wait(HEARTBEAT_SECONDS):
                beat.beat()
        finally:
            connection.close()  # the thread's own connection

    helper = threading.Thread(target=keep_beating, name="transcode-heartbeat", daemon=True)
    helper.start()
    try:
        yield
    finally:
        stop.set()
        helper.join()


def _taken_over() -> transcoding.TranscodeError:
    return transcoding.TranscodeError(_("The encode was taken over by another worker."))


def _local_path(storage: Storage, name: str) -> Path | None:
    try:
        return Path(storage.path(name))
    except NotImplementedError:
        return None


@contextlib.contextmanager
def _local_master(master: Rendition, beat: _Heartbeat) -> Iterator[Path]:
    """The master's file itself on a local storage, else a chunked copy (FFmpeg seeks)."""
    storage, name = master.file.storage, master.file.name
    local = _local_path(storage, name)
    if local is not None:
        if not local.exists():
            raise transcoding.TranscodeError(_("The master file is missing from the storage."))
        yield local
        return
    with tempfile.TemporaryDirectory(prefix="transcode-master-") as folder:
        copy = Path(folder) / f"master.{master.extension}"
        with storage.open(name, "rb") as source, copy.open("wb") as target:
            for chunk in ingest.read_chunks(source):
                target.write(chunk)
                if not beat():
                    raise _taken_over()
        yield copy


@contextlib.contextmanager
def _work_folder(storage: Storage) -> Iterator[Path]:
    """Beside the renditions on a local storage (the result is renamed into place, atomic on
    one file system); the system's temporary folder for S3."""
    root = _local_path(storage, WORK_FOLDER)
    if root is not None:
        root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="transcode-", dir=root) as folder:
        yield Path(folder)


def _store(storage: Storage, path: Path, name: str) -> str:
    """Put the finished file at `name` in one step; returns the stored name."""
    final = _local_path(storage, name)
    if final is not None:
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, final)
        return name
    with path.open("rb") as handle:
        return storage.save(name, File(handle, name=path.name))


def run_transcode(*, job_id: int) -> TranscodeJob | None:
    """Make the job's rendition if it is queued, or if the worker that had it stopped beating.

    Safe to run any number of times, at once or after a crash: only the run holding the latest
    claim writes. Returns the job as left, or None when it is gone."""
    job = _claim(job_id)
    if job is None:
        return TranscodeJob.objects.filter(pk=job_id).first()
    beat = _Heartbeat(job)
    try:
        if job.output is None:
            _encode(job, beat)
        return _ingest_output(job, beat)
    except TranscodeJob.DoesNotExist:
        return None  # deleted meanwhile (its master or video was)
    except transcoding.TranscodeError as exc:
        return _fail(job=job, message=str(exc), detail=exc.detail)
    except Exception:
        # Not the job's fault (storage, database): the task retries, and the claim goes stale
        # for the sweep if the retries run out.
        logger.exception("Transcode job %s failed", job_id)
        raise


def _encode(job: TranscodeJob, beat: _Heartbeat) -> None:
    master = job.master
    if master.status != Rendition.Status.READY:
        raise transcoding.TranscodeError(_("The master is not ready (replaced or failed)."))
    storage = master.file.storage
    filename = f"{slugify(job.video.title)[:60] or 'video'}-{job.height}p.mp4"
    with _local_master(master, beat) as path, _work_folder(storage) as work:
        output = work / "rendition.mp4"
        transcoding.transcode(
            ffmpeg=settings.TRANSCODE_FFMPEG,
            master=transcoding.Master(
                path=path,
                duration_seconds=master.duration_seconds or 0.0,
                audio_channels=master.audio_channels,
            ),
            output=output,
            height=job.height,
            on_progress=beat,
        )
        if not beat.beat():
            raise _taken_over()
        stored = _store(storage, output, rendition_upload_to(None, filename))
    _attach_output(job, stored, filename)


@transaction.atomic
def _attach_output(job: TranscodeJob, stored: str, filename: str) -> None:
    """The stored file becomes the job's rendition (waiting for ingest), if the claim is
    still ours; otherwise it is deleted."""
    current = TranscodeJob.objects.select_for_update().filter(pk=job.pk).first()
    if (
        current is None
        or current.state != TranscodeJob.State.RUNNING
        or current.attempts != job.attempts
    ):
        storage = job.master.file.storage
        transaction.on_commit(lambda: storage.delete(stored))
        if current is None:
            raise TranscodeJob.DoesNotExist
        raise _taken_over()
    rendition = Rendition(
        video=job.video,
        original_filename=filename,
        position=job.video.renditions.count(),
        status=Rendition.Status.PENDING,
    )
    rendition.file.name = stored
    rendition.save()
    current.output = rendition
    current.percent = 99
    current.heartbeat_at = timezone.now()
    current.save(update_fields=["output", "percent", "heartbeat_at"])
    job.output = rendition


def _ingest_output(job: TranscodeJob, beat: _Heartbeat) -> TranscodeJob:
    """Probe and checksum the new file exactly as an uploaded one (it is listed once ready)."""
    assert job.output is not None
    with _beating_meanwhile(beat):
        rendition = services.ingest_rendition(rendition_id=job.output.pk)
    if rendition.status != Rendition.Status.READY:
        # Not kept: a retry encodes anew rather than ingesting the same bad file again.
        rendition.delete()
        raise transcoding.TranscodeError(
            _("The rendition made failed its ingest: %(error)s") % {"error": rendition.error}
        )
    with transaction.atomic():
        current = TranscodeJob.objects.select_for_update().get(pk=job.pk)
        if current.state == TranscodeJob.State.RUNNING and current.attempts == job.attempts:
            current.state, current.percent = TranscodeJob.State.DONE, 100
            current.finished_at = timezone.now()
            current.save(update_fields=["state", "percent", "finished_at"])
            logger.info("transcode job %s done: rendition %s", job.pk, rendition.pk)
        return current


@transaction.atomic
def _fail(*, job: TranscodeJob, message: str, detail: str = "") -> TranscodeJob:
    """Editors see `message`; `detail` (FFmpeg's words, paths included) is for the log and
    the job's admin page."""
    current = TranscodeJob.objects.select_for_update().get(pk=job.pk)
    if current.state == TranscodeJob.State.RUNNING and current.attempts == job.attempts:
        current.state, current.error = TranscodeJob.State.FAILED, message[:2000]
        current.error_detail = detail[-4000:]
        current.finished_at = timezone.now()
        current.save(update_fields=["state", "error", "error_detail", "finished_at"])
        logger.warning("transcode job %s failed: %s %s", job.pk, message, detail)
    return current


# --- The beat's sweep ----------------------------------------------------------------------------


def sweep_transcode_jobs(*, limit: int = 200) -> dict[str, int]:
    """Queue again the jobs whose worker stopped beating, and the queued ones whose task was
    lost (longer ago than `TRANSCODE_REQUEUE_SECONDS`)."""
    lost = timezone.now() - timedelta(seconds=settings.TRANSCODE_REQUEUE_SECONDS)
    stalled_ids = list(
        TranscodeJob.objects.filter(
            Q(state=TranscodeJob.State.RUNNING, heartbeat_at__lt=_stale_before())
            | Q(state=TranscodeJob.State.QUEUED, heartbeat_at__lt=lost)
        ).values_list("pk", flat=True)[:limit]
    )
    for job_id in stalled_ids:
        TranscodeJob.objects.filter(pk=job_id, state=TranscodeJob.State.QUEUED).update(
            heartbeat_at=timezone.now()
        )
        enqueue(TRANSCODE_TASK, job_id)
    return {"queued_again": len(stalled_ids)}
