"""Clips on real services: bytes through nginx X-Accel-Redirect and S3 (moto), and a Celery
worker SIGKILLed in the middle of a cut."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from clips import services
from clips.models import Clip, ClipDownload
from clips.tests.media import first_and_last

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def ask(user, rendition, *, start_ms: int, end_ms: int, mode: str) -> Clip:
    return services.request_clip(
        user=user, rendition=rendition, start_ms=start_ms, end_ms=end_ms, mode=mode
    )


def download_url(clip: Clip) -> str:
    return reverse(
        "clips:clip_download", kwargs={"slug": clip.rendition.video.slug, "clip_id": clip.pk}
    )


def status_url(clip: Clip) -> str:
    return reverse(
        "clips:clip_status", kwargs={"slug": clip.rendition.video.slug, "clip_id": clip.pk}
    )


def test_nginx_delivers_the_clip_bytes_after_the_portal_checks_the_account(
    nginx, master_rendition, verified_user, settings, run_on_commit
):
    with run_on_commit():
        clip = ask(verified_user, master_rendition, start_ms=61_000, end_ms=65_000, mode="fast")
    clip.refresh_from_db()
    assert clip.status == Clip.Status.READY, clip.error
    data = Path(clip.file.path).read_bytes()

    web = requests.Session()
    session = Client()
    session.force_login(verified_user)
    web.cookies.set(
        settings.SESSION_COOKIE_NAME, session.cookies[settings.SESSION_COOKIE_NAME].value
    )
    page = web.get(f"{nginx.url}{status_url(clip)}", timeout=10)
    assert page.status_code == 200, nginx.log()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = web.post(
        f"{nginx.url}{download_url(clip)}", data={"csrfmiddlewaretoken": token}, timeout=10
    )
    assert response.status_code == 200, (response.status_code, nginx.log())
    assert response.history[0].status_code == 303
    assert response.content == data
    assert "X-Accel-Redirect" not in response.headers
    assert response.headers["Content-Type"] == "video/mp4"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="nato-russia-council-hd-1080p-h264-clip-00-01-01-00-01-05.mp4"'
    )
    partial = web.get(response.url, headers={"Range": "bytes=1000-1999"}, timeout=10)
    assert partial.status_code == 206 and partial.content == data[1000:2000]
    assert ClipDownload.objects.get(clip=clip).download.user == verified_user
    # Without the session the link is worthless; the private path is not reachable.
    assert requests.get(response.url, timeout=10, allow_redirects=False).status_code == 302
    direct = requests.get(f"{nginx.url}/protected/{clip.file.name}", timeout=10)
    assert direct.status_code == 404


def test_s3_clip_cut_from_an_object_and_downloaded_through_a_presigned_url(
    s3_storage, master_rendition, verified_user, verified_client, settings, run_on_commit
):
    with run_on_commit():
        clip = ask(verified_user, master_rendition, start_ms=61_000, end_ms=65_000, mode="exact")
    clip.refresh_from_db()
    assert clip.status == Clip.Status.READY, clip.error
    with clip.file.storage.open(clip.file.name, "rb") as handle:
        data = handle.read()
    assert len(data) == clip.file_size

    response = verified_client.post(download_url(clip))
    assert response.status_code == 302
    url = response["Location"]
    endpoint = settings.STORAGES["default"]["OPTIONS"]["endpoint_url"]
    assert urlsplit(url).netloc == urlsplit(endpoint).netloc
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
    fetched = requests.get(url, timeout=30)
    assert fetched.status_code == 200 and fetched.content == data
    assert fetched.headers["Content-Disposition"] == (
        'attachment; filename="nato-russia-council-hd-1080p-h264-clip-00-01-01-00-01-05.mp4"'
    )
    assert ClipDownload.objects.filter(clip=clip).count() == 1
    # The object is a whole, playable clip of 4 s: 100 frames from 61.00 s.
    local = Path(settings.MEDIA_ROOT) / "from-s3.mp4"
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_bytes(data)
    _first, _last, count, first_time, duration = first_and_last(local)
    assert (count, first_time) == (100, 0)
    assert abs(duration - 4.0) <= 0.04


def _slow_link(monkeypatch, *, seconds: float, during) -> list[str]:
    """S3 behind a slow link: the upload reads the clip a piece at a time for `seconds`
    (through the same file object it then sends), calling `during(elapsed)` between pieces.
    Returns the names of the objects whose upload then went through."""
    from django.db import connection
    from storages.backends.s3 import S3Storage

    real_save = S3Storage._save
    sent: list[str] = []

    def slow_save(self, name, content):
        started = time.monotonic()
        try:
            while (elapsed := time.monotonic() - started) < seconds:
                content.read(16 * 1024)
                during(elapsed)
                time.sleep(0.1)
        finally:
            if threading.current_thread() is not threading.main_thread():
                connection.close()  # the upload thread's own connection, if it made one
        content.seek(0)
        sent.append(name)
        return real_save(self, name, content)

    monkeypatch.setattr(S3Storage, "_save", slow_save)
    return sent


@pytest.mark.django_db(transaction=True)
def test_an_s3_upload_longer_than_the_stall_time_keeps_its_claim(
    s3_storage, master_rendition, settings, monkeypatch
):
    # A claim silent for 2 s is stale; the upload takes 5 s. Another worker looks in at 3.5 s.
    settings.CLIP_STALL_SECONDS = 2
    clip = Clip.objects.create(
        rendition=master_rendition,
        source_checksum=master_rendition.checksum_sha256,
        start_ms=61_000,
        end_ms=65_000,
        mode="fast",
        heartbeat_at=None,
    )
    requeued, takeovers = [], []
    monkeypatch.setattr(services, "enqueue", lambda name, *args: requeued.append(args))

    def another_worker_looks(elapsed: float) -> None:
        if elapsed > 3.5 and not takeovers:
            takeovers.append(services.sweep_clips()["queued_again"])
            takeovers.append(services._claim(clip.pk))

    _slow_link(monkeypatch, seconds=5, during=another_worker_looks)
    services.cut_clip(clip_id=clip.pk)
    clip.refresh_from_db()
    assert takeovers == [0, None] and requeued == []
    assert (clip.status, clip.attempts) == (Clip.Status.READY, 1), clip.error
    with clip.file.storage.open(clip.file.name, "rb") as handle:
        assert len(handle.read()) == clip.file_size


@pytest.mark.django_db(transaction=True)
def test_an_upload_whose_claim_was_taken_over_stops_and_stores_nothing(
    s3_storage, master_rendition, settings, monkeypatch
):
    clip = Clip.objects.create(
        rendition=master_rendition,
        source_checksum=master_rendition.checksum_sha256,
        start_ms=61_000,
        end_ms=65_000,
        mode="fast",
    )

    def taken_over(elapsed: float) -> None:
        if elapsed > 1:
            # The sweep judged this worker dead and another run claimed the clip.
            Clip.objects.filter(pk=clip.pk, attempts=1).update(attempts=2)

    sent = _slow_link(monkeypatch, seconds=4, during=taken_over)
    services.cut_clip(clip_id=clip.pk)
    clip.refresh_from_db()
    assert (clip.status, clip.attempts, clip.file.name) == (Clip.Status.RUNNING, 2, "")
    # The upload stopped at its next read: nothing was sent.
    assert sent == []
    _dirs, files = clip.file.storage.listdir("clips")
    assert not files and not any(
        clip.file.storage.listdir(f"clips/{folder}")[1] for folder in _dirs
    )


def _ffmpeg_processes_under(folder: Path) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if (
            command
            and command[0].endswith(b"ffmpeg")
            and str(folder).encode() in b" ".join(command)
        ):
            found.append(int(proc.name))
    return found


def test_a_worker_killed_mid_cut_leaves_the_clip_to_the_next_worker(
    start_celery_worker, master_rendition, settings, wait
):
    media_root = Path(settings.MEDIA_ROOT)
    # The workers share this test's media folder; a claim silent for 10 s is stale (less,
    # and a live worker's heartbeat can fall behind it on a loaded machine, so that a
    # redelivered task takes over from a run that was only slow).
    env = {"MEDIA_ROOT": str(media_root), "CLIP_STALL_SECONDS": "10"}
    settings.CLIP_STALL_SECONDS = 10
    first = start_celery_worker(**env)
    clip = ask(UserFactory(), master_rendition, start_ms=30_000, end_ms=40_000, mode="exact")

    wait(
        lambda: Clip.objects.filter(
            pk=clip.pk, status=Clip.Status.RUNNING, progress__gt=0
        ).exists(),
        timeout=120,
        message="the first worker never started cutting",
    )
    assert _ffmpeg_processes_under(media_root), "FFmpeg is not running for the cut"
    first.kill()
    # FFmpeg dies with its worker (PR_SET_PDEATHSIG): no orphan goes on writing.
    wait(
        lambda: not _ffmpeg_processes_under(media_root),
        timeout=10,
        message="FFmpeg outlived its worker",
    )
    clip.refresh_from_db()
    killed_at = clip.progress
    assert (clip.status, clip.attempts, clip.file.name) == (Clip.Status.RUNNING, 1, "")
    # Nothing half-written reached the clips' storage.
    assert not [
        p for p in (media_root / "private" / "clips").rglob("*.mp4") if ".work" not in p.parts
    ]

    time.sleep(10.5)
    start_celery_worker(**env)
    assert services.sweep_clips()["queued_again"] == 1
    try:
        wait(
            lambda: Clip.objects.filter(pk=clip.pk, status=Clip.Status.READY).exists(),
            timeout=180,
            message="the second worker did not finish the clip",
        )
    finally:
        clip.refresh_from_db()
        print(
            f"clip after the takeover: {clip.status}, attempt {clip.attempts}, "
            f"{clip.progress}%, error {clip.error_detail or clip.error or 'none'}"
        )
    assert clip.attempts == 2 and clip.error == ""
    _first, _last, count, first_time, duration = first_and_last(Path(clip.file.path))
    assert (count, first_time) == (250, 0)  # 30.00 … 39.96 s
    assert abs(duration - 10.0) <= 0.04
    print(f"worker SIGKILLed at {killed_at}%: clip finished by the next worker, attempt 2")
