"""Automatic renditions: a master ingested makes the ladder's missing rungs, checked with PyAV;
editors see and retry the jobs in the admin; a worker SIGKILLed mid-encode publishes nothing
half-made and the job is run again."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import av
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files import File
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from media_library import ingest, services, transcode_jobs, transcoding
from media_library.models import Rendition, TranscodeJob
from media_library.tests.factories import VideoFactory

FFMPEG = "/usr/bin/ffmpeg"
FPS = 25


def make_master(path: Path, *, seconds: int, width: int = 1280, height: int = 720) -> Path:
    """H.264 in Matroska (so no rung is "there already"), with a mono tone."""
    subprocess.run(
        [
            FFMPEG,
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=size={width}x{height}:rate={FPS}:duration={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:sample_rate=48000:duration={seconds}",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-ac",
            "1",
            "-shortest",
            str(path),
        ],
        check=True,
    )
    return path


@pytest.fixture(scope="session")
def master_720p(tmp_path_factory) -> Path:
    """2 s of 1280×720 at 25 fps: rungs 720 and 360 of the default ladder, 1080 an upscale."""  # noqa: RUF002
    return make_master(tmp_path_factory.mktemp("ladder") / "master.mkv", seconds=2)


@pytest.fixture(scope="session")
def long_master(tmp_path_factory) -> Path:
    """Long enough that a worker can be killed while it encodes."""
    return make_master(tmp_path_factory.mktemp("ladder-long") / "long.mkv", seconds=20)


def ingest_master(path: Path, run_on_commit, *, title: str = "Summit") -> Rendition:
    """An editor attaches the master; its ingest (and the jobs it plans) run as on commit."""
    video = VideoFactory(title=title, thumbnail="")
    with run_on_commit(), path.open("rb") as handle:
        rendition = services.attach_rendition(video=video, content=File(handle), filename=path.name)
    rendition.refresh_from_db()
    return rendition


def video_stream_facts(path: Path) -> tuple[str, int, int, float, int]:
    """The video's codec and size, how long its pictures last (first shown to last one's end,
    from every packet's timestamps: Matroska declares no stream duration), audio channels."""
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        starts, ends = [], []
        for packet in container.demux(video):
            if packet.pts is not None:
                starts.append(packet.pts)
                ends.append(packet.pts + (packet.duration or 0))
        seconds = float((max(ends) - min(starts)) * video.time_base)
        channels = container.streams.audio[0].codec_context.channels
        return video.codec_context.name, video.width, video.height, seconds, channels


# --- The ladder ----------------------------------------------------------------------------------


def test_the_ladder_is_read_from_the_setting_highest_first():
    assert transcoding.parse_ladder("720p, 1080,360,720") == [1080, 720, 360]
    assert transcoding.parse_ladder("") == []


@pytest.mark.parametrize("value", ["1080,abc", "1081", "100", "9000"])
def test_a_wrong_ladder_names_the_bad_entry(value):
    with pytest.raises(ImproperlyConfigured, match="RENDITION_LADDER"):
        transcoding.parse_ladder(value)


def test_no_rung_above_the_master_is_made():
    assert transcoding.rungs_for([1080, 720, 360], 720) == [720, 360]
    assert transcoding.rungs_for([1080, 720, 360], 480) == [360]
    assert transcoding.rungs_for([1080, 720, 360], None) == []


def test_the_command_keeps_the_aspect_ratio_and_every_audio_stream(tmp_path):
    command = transcoding.build_command(
        ffmpeg=FFMPEG,
        master=transcoding.Master(path=tmp_path / "m.mkv", duration_seconds=2, audio_channels=6),
        output=tmp_path / "out.mp4",
        height=720,
    )
    assert command[command.index("-vf") + 1] == "scale=-2:720"
    assert "0:a?" in command and "-ac" not in command
    assert command[command.index("-b:a") + 1] == str(6 * 96_000)
    assert command[-1] == f"file:{tmp_path / 'out.mp4'}"


# --- Making the renditions ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_720p_master_gets_its_720p_and_360p_renditions_checked_with_pyav(
    master_720p, run_on_commit, settings
):
    settings.RENDITION_LADDER = "1080,720,360"
    master = ingest_master(master_720p, run_on_commit)
    assert master.status == Rendition.Status.READY

    jobs = list(TranscodeJob.objects.filter(master=master).select_related("output"))
    assert sorted(job.height for job in jobs) == [360, 720]  # 1080 would be an upscale
    _, _, _, master_seconds, _ = video_stream_facts(master_720p)
    for job in jobs:
        assert (job.state, job.percent, job.attempts, job.error) == ("done", 100, 1, "")
        made = job.output
        expected_width = {720: 1280, 360: 640}[job.height]
        assert made.status == Rendition.Status.READY and made.video_id == master.video_id
        assert (made.width, made.height, made.video_codec, made.audio_codec) == (
            expected_width,
            job.height,
            "h264",
            "aac",
        )
        assert made.audio_channels == 1  # kept from the master
        # Probed and checksummed by ingest, exactly as an upload.
        path = Path(made.file.path)
        assert made.checksum_sha256 == ingest.file_sha256(path)
        assert made.file_size == path.stat().st_size
        codec, width, height, seconds, channels = video_stream_facts(path)
        assert (codec, width, height, channels) == ("h264", expected_width, job.height, 1)
        assert abs(seconds - master_seconds) <= 1 / FPS
    # Renditions made from the master are no masters: nothing is made from them.
    assert TranscodeJob.objects.count() == 2
    assert master.video.renditions.ready().count() == 3


@pytest.mark.django_db
def test_an_odd_width_is_rounded_to_an_even_one_keeping_the_aspect_ratio(
    tmp_path, run_on_commit, settings
):
    settings.RENDITION_LADDER = "1080,360"
    wide = make_master(tmp_path / "wide.mkv", seconds=1, width=854, height=480)
    master = ingest_master(wide, run_on_commit, title="Wide")
    (job,) = TranscodeJob.objects.filter(master=master)  # 1080 would be an upscale
    made = job.output
    assert made.height == 360 and made.width % 2 == 0
    assert abs(made.width / made.height - 854 / 480) < 0.01


@pytest.mark.django_db
def test_a_rung_the_video_has_already_is_not_made_again(master_720p, run_on_commit, settings):
    settings.RENDITION_LADDER = "360"
    master = ingest_master(master_720p, run_on_commit)
    assert TranscodeJob.objects.filter(master=master, state="done").count() == 1
    # The same master ingested again (an editor's "ingest again") plans nothing new.
    with run_on_commit():
        services.queue_ingest(rendition=master)
    assert TranscodeJob.objects.filter(video=master.video).count() == 1


@pytest.mark.django_db
def test_the_video_can_be_published_while_its_renditions_are_made(
    master_720p, django_capture_on_commit_callbacks, settings
):
    settings.RENDITION_LADDER = "360"
    video = VideoFactory(title="Early", thumbnail="")
    with master_720p.open("rb") as handle:
        master = services.attach_rendition(
            video=video, content=File(handle), filename="master.mkv", queue=False
        )
    services.ingest_rendition(rendition_id=master.pk)
    master.refresh_from_db()
    with django_capture_on_commit_callbacks() as callbacks:
        (job,) = transcode_jobs.plan_renditions(master=master)
    # Queued, not run yet: the video is published meanwhile, with the master alone.
    assert job.state == "queued" and len(callbacks) == 1
    video.status, video.published_at = video.Status.PUBLISHED, timezone.now()
    video.save()
    assert list(video.renditions.ready()) == [master]
    callbacks[0]()  # the commit queues the task (run in-process here)
    job.refresh_from_db()
    assert job.state == "done"
    assert set(video.renditions.ready()) == {master, job.output}


@pytest.mark.django_db
@pytest.mark.integration
def test_on_s3_the_rendition_is_uploaded_once_made_and_ingested_from_the_bucket(
    s3_storage, master_720p, run_on_commit, settings, tmp_path
):
    settings.RENDITION_LADDER = "360"
    master = ingest_master(master_720p, run_on_commit, title="Bucket")
    job = TranscodeJob.objects.get(master=master)
    assert (job.state, job.error) == ("done", "")
    made = job.output
    storage = made.file.storage
    assert made.status == Rendition.Status.READY and storage.exists(made.file.name)
    copy = tmp_path / "made.mp4"
    with storage.open(made.file.name, "rb") as remote, copy.open("wb") as local:
        shutil.copyfileobj(remote, local)
    assert made.checksum_sha256 == ingest.file_sha256(copy)
    assert video_stream_facts(copy)[:3] == ("h264", 640, 360)
    # Nothing was written beside the local media: the work folder was a temporary one.
    assert not (Path(settings.MEDIA_ROOT) / "private" / "renditions").exists()


# --- The admin -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_failed_job_is_retried_from_the_admin(master_720p, run_on_commit, settings, admin_client):
    settings.RENDITION_LADDER = ""
    master = ingest_master(master_720p, run_on_commit)
    # The master's file goes missing: the encode fails, with a reason editors can read.
    path = Path(master.file.path)
    kept = path.with_name("kept")
    path.rename(kept)
    settings.RENDITION_LADDER = "360"
    with run_on_commit():
        (job,) = transcode_jobs.plan_renditions(master=master)
    job.refresh_from_db()
    assert (job.state, job.error) == ("failed", "The master file is missing from the storage.")
    assert job.output is None and master.video.renditions.count() == 1

    page = admin_client.get(reverse("admin:media_library_video_change", args=[master.video_id]))
    assert "ingest-state--failed" in page.content.decode()

    kept.rename(path)
    with run_on_commit():
        response = admin_client.post(
            reverse("admin:media_library_transcodejob_changelist"),
            {"action": "retry", "_selected_action": [job.pk]},
            follow=True,
        )
    assert "1 job queued again." in response.content.decode()
    job.refresh_from_db()
    assert (job.state, job.percent, job.attempts, job.error) == ("done", 100, 1, "")
    assert job.output.status == Rendition.Status.READY and job.output.height == 360


@pytest.mark.django_db
def test_the_retry_leaves_jobs_that_did_not_fail(rendition, admin_client):
    job = TranscodeJob.objects.create(
        video=rendition.video, master=rendition, height=360, state="running", attempts=1
    )
    response = admin_client.post(
        reverse("admin:media_library_transcodejob_changelist"),
        {"action": "retry", "_selected_action": [job.pk]},
        follow=True,
    )
    assert "0 jobs queued again." in response.content.decode()
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("running", 1)


@pytest.mark.django_db
def test_the_video_page_shows_each_job_state_and_percent_in_constant_queries(
    rendition, admin_client, django_assert_max_num_queries
):
    url = reverse("admin:media_library_video_change", args=[rendition.video_id])

    def queries_with(heights: list[int]) -> tuple[int, str]:
        for height in heights:
            TranscodeJob.objects.create(
                video=rendition.video, master=rendition, height=height, state="running", percent=42
            )
        admin_client.get(url)  # what a page reads once and then keeps is not counted
        with CaptureQueriesContext(connection) as queries:
            html = admin_client.get(url).content.decode()
        return len(queries), html

    one, html = queries_with([1080])
    assert (
        "Renditions being made" in html
        and "42 %" in html
        and "ingest-state--running" in html
        and "42" in html
    )
    three, html = queries_with([720, 360])
    assert three == one  # no query per job
    with django_assert_max_num_queries(one):
        admin_client.get(url)


# --- The sweep and the SIGKILL drill -------------------------------------------------------------


@pytest.mark.django_db
def test_the_sweep_requeues_only_jobs_whose_worker_went_silent(rendition, settings, monkeypatch):
    settings.TRANSCODE_STALL_SECONDS = 60
    long_ago = timezone.now() - timezone.timedelta(seconds=120)
    stale = TranscodeJob.objects.create(
        video=rendition.video, master=rendition, height=360, state="running", heartbeat_at=long_ago
    )
    TranscodeJob.objects.create(
        video=rendition.video,
        master=rendition,
        height=720,
        state="running",
        heartbeat_at=timezone.now(),
    )
    queued = []
    monkeypatch.setattr(transcode_jobs, "enqueue", lambda name, job_id: queued.append(job_id))
    assert transcode_jobs.sweep_transcode_jobs() == {"queued_again": 1}
    assert queued == [stale.pk]


def _ffmpeg_pids_writing_under(folder: Path) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "ffmpeg" in cmdline and str(folder) in cmdline and "transcode-" in cmdline:
            found.append(int(proc.name))
    return found


@pytest.mark.integration
@pytest.mark.timeout(600)
def test_a_worker_killed_mid_encode_publishes_nothing_and_the_job_is_run_again(
    start_celery_worker, long_master, settings, wait
):
    media_root = Path(settings.MEDIA_ROOT)
    env = {"MEDIA_ROOT": str(media_root), "TRANSCODE_STALL_SECONDS": "10"}
    settings.TRANSCODE_STALL_SECONDS = 10
    settings.RENDITION_LADDER = "720"
    video = VideoFactory(title="Killed", thumbnail="")
    with long_master.open("rb") as handle:
        master = services.attach_rendition(
            video=video, content=File(handle), filename="long.mkv", queue=False
        )
    services.ingest_rendition(rendition_id=master.pk)
    master.refresh_from_db()
    first = start_celery_worker(**env)
    (job,) = transcode_jobs.plan_renditions(master=master)  # committed: queued to Redis

    wait(
        lambda: TranscodeJob.objects.filter(pk=job.pk, state="running", percent__gt=0).exists(),
        timeout=180,
        message="the first worker never started encoding",
    )
    assert _ffmpeg_pids_writing_under(media_root), "FFmpeg is not running for the job"
    first.kill()
    wait(
        lambda: not _ffmpeg_pids_writing_under(media_root),
        timeout=10,
        message="FFmpeg outlived its worker",
    )
    job.refresh_from_db()
    killed_at = job.percent
    assert (job.state, job.attempts, job.output) == ("running", 1, None)
    # Nothing half-made is a rendition, nor a file among the renditions.
    assert list(video.renditions.all()) == [master]
    renditions_folder = media_root / "private" / "renditions"
    assert [p for p in renditions_folder.rglob("*.mp4") if ".work" not in p.parts] == []

    time.sleep(10.5)
    start_celery_worker(**env)
    assert transcode_jobs.sweep_transcode_jobs()["queued_again"] == 1
    try:
        wait(
            lambda: TranscodeJob.objects.filter(pk=job.pk, state="done").exists(),
            timeout=300,
            message="the second worker did not finish the job",
        )
    finally:
        job.refresh_from_db()
        print(f"job after the takeover: {job.state}, attempt {job.attempts}, {job.error}")
    assert job.attempts == 2 and job.error == ""
    made = job.output
    codec, width, height, seconds, _channels = video_stream_facts(Path(made.file.path))
    assert (codec, width, height) == ("h264", 1280, 720)
    assert abs(seconds - 20) <= 1 / FPS
    assert made.checksum_sha256 == ingest.file_sha256(Path(made.file.path))
    print(f"worker SIGKILLed at {killed_at}%: job finished by the next worker, attempt 2")
    shutil.rmtree(renditions_folder / ".work", ignore_errors=True)
