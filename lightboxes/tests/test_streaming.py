"""“Download all” of 20 renditions of 100 MB through the shipped nginx site in front of
gunicorn: the zip arrives whole and byte-exact while the web worker's memory stays flat."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import threading
import uuid
import zipfile
from pathlib import Path

import pytest

MB = 1024 * 1024
FILE_SIZE = 100 * MB
ITEMS = 20
# What a worker may grow by while it streams 2 GB: its buffers, never a member's size.
RSS_GROWTH_LIMIT = 25 * MB
STAMP = 64 * 1024


def sparse_rendition_file(path: Path, seed: int) -> str:
    """A 100 MB file costing no disk but its stamps: random 64 KB at the start, the middle
    and the end (unique per file, so a swapped or shifted member shows), holes between.
    Returns its SHA-256."""
    stamps = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.truncate(FILE_SIZE)
        for offset in (0, FILE_SIZE // 2, FILE_SIZE - STAMP):
            handle.seek(offset)
            handle.write(stamps.randbytes(STAMP))
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(4 * MB):
            digest.update(chunk)
    return digest.hexdigest()


def rss_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


def worker_pid(master_pid: int) -> int:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


@pytest.fixture
def gthread_workers(monkeypatch):
    """gunicorn as docs/operations.md runs it for collections: threaded workers, whose heartbeat
    goes on while a thread streams a zip for minutes (a sync worker would be killed at its
    timeout)."""
    from core.testing.web import GunicornProcess

    monkeypatch.setattr(GunicornProcess, "options", [*GunicornProcess.options, "--threads", "4"])


def sparse_collection(site, count: int):
    """A collection of `count` published videos, each with a 100 MB sparse rendition in the
    site's media folder. Returns it and the checksum expected of each member, by name."""
    from lightboxes.tests.factories import CollectionFactory, ItemFactory
    from media_library.tests.factories import RenditionFactory, VideoFactory

    private = site.media_root / "private"
    collection = CollectionFactory(name="Big summit")
    expected = {}
    for n in range(count):
        name = f"renditions/{uuid.uuid4().hex}/master.mp4"
        checksum = sparse_rendition_file(private / name, seed=n)
        video = VideoFactory(title=f"Summit day {n:02d}")
        rendition = RenditionFactory.build(
            video=video, label="HD 1080p", file=name, file_size=FILE_SIZE, checksum_sha256=checksum
        )
        rendition.save()
        ItemFactory(collection=collection, video=video, position=n)
        expected[f"{n + 1:03d}-{rendition.download_filename()}"] = checksum
    return collection, expected


def start_download(site, settings, collection):
    """The owner's browser through nginx: the collection page, then Download all. Returns
    the session and the zip's link."""
    import warnings

    from django.test import Client
    from urllib3.exceptions import InsecureRequestWarning

    from core.testing.deploy import https_session

    warnings.simplefilter("ignore", InsecureRequestWarning)  # the test's self-signed certificate
    login = Client()
    login.force_login(collection.owner)
    # TLS with the site's name (SNI), as a browser sends it: the shipped default server
    # refuses a handshake for any other name.
    web = https_session(host="portal.example.org")
    web.cookies.set(settings.SESSION_COOKIE_NAME, login.cookies[settings.SESSION_COOKIE_NAME].value)
    page = web.get(f"{site.url}{collection.get_absolute_url()}", timeout=30, verify=False)
    assert page.status_code == 200, page.text[-2000:]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    started = web.post(
        f"{site.url}/collections/{collection.pk}/download/",
        data={"csrfmiddlewaretoken": token, "version": "highest"},
        headers={"Referer": f"https://portal.example.org{collection.get_absolute_url()}"},
        allow_redirects=False,
        timeout=30,
        verify=False,
    )
    assert started.status_code == 303, started.text[-2000:]
    return web, f"{site.url}{started.headers['Location']}"


@pytest.mark.integration
@pytest.mark.timeout(900)
def test_a_2_gb_zip_streams_byte_exact_through_nginx_with_the_worker_rss_flat(
    gthread_workers, shipped_site, settings, tmp_path
):
    from media_library.models import Download

    collection, expected = sparse_collection(shipped_site, ITEMS)
    web, link = start_download(shipped_site, settings, collection)
    assert Download.objects.filter(user=collection.owner).count() == ITEMS

    (master,) = _gunicorn_masters()  # the one the site fixture started
    worker = worker_pid(master)
    samples: list[int] = []
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.25):
            samples.append(rss_of(worker))

    target = tmp_path / "collection.zip"
    received = 0
    with web.get(link, stream=True, timeout=120, verify=False) as response:
        assert response.status_code == 200, response.text[-2000:]
        length = int(response.headers["Content-Length"])
        before = rss_of(worker)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            with target.open("wb") as out:
                for chunk in response.iter_content(MB):
                    out.write(chunk)
                    received += len(chunk)
        finally:
            done.set()
            sampler.join()
    assert received == length > ITEMS * FILE_SIZE

    peak = max(samples)
    print(
        f"zip of {ITEMS} x 100 MB = {received / MB:.0f} MB through nginx: worker RSS "
        f"{before / MB:.1f} MB before, {peak / MB:.1f} MB peak over {len(samples)} samples "
        f"(+{(peak - before) / MB:.1f} MB)"
    )
    assert peak - before < RSS_GROWTH_LIMIT

    with zipfile.ZipFile(target) as zipped:
        members = {info.filename: info for info in zipped.infolist() if info.filename in expected}
        assert set(members) == set(expected)
        for name, checksum in expected.items():
            digest = hashlib.sha256()
            with zipped.open(name) as member:  # zipfile checks each member's CRC as it reads
                while chunk := member.read(4 * MB):
                    digest.update(chunk)
            assert digest.hexdigest() == checksum, name
        manifest = json.loads(zipped.read("manifest.json"))
        assert {entry["file"]: entry["sha256"] for entry in manifest["files"]} == expected
    os.remove(target)


def _gunicorn_masters() -> list[int]:
    """The pids of the gunicorn masters of `portal.wsgi` that this test process started."""
    own = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            # gunicorn may retitle itself ("gunicorn: master [portal.wsgi]"): search the bytes.
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(re.search(r"^PPid:\s+(\d+)", status, re.M).group(1))
        if ppid == own and b"gunicorn" in cmdline and b"portal.wsgi" in cmdline:
            found.append(int(entry.name))
    return found


@pytest.fixture
def short_timeout_gthread_workers(monkeypatch):
    from core.testing.web import GunicornProcess

    monkeypatch.setattr(
        GunicornProcess, "options", ["--timeout", "5", "--graceful-timeout", "5", "--threads", "4"]
    )


@pytest.mark.integration
@pytest.mark.timeout(600)
def test_a_zip_that_outlasts_the_worker_timeout_still_arrives_whole_with_threaded_workers(
    short_timeout_gthread_workers, shipped_site, settings, tmp_path
):
    """A slow client takes the zip for longer than gunicorn's timeout (5 s here). With one
    thread per worker (sync) gunicorn kills the worker mid-zip, as checked by hand (the client
    got 50 MB of 315 MB); threaded workers, deploy/gunicorn.conf.py's default, finish it."""
    import time

    collection, expected = sparse_collection(shipped_site, 1)
    web, link = start_download(shipped_site, settings, collection)
    target = tmp_path / "collection.zip"
    with web.get(link, stream=True, timeout=60, verify=False) as response, target.open("wb") as out:
        assert response.status_code == 200
        # A client on a slow line, 10 MB/s at most: over 10 s for these 100 MB.
        for chunk in response.iter_content(MB):
            time.sleep(0.1)
            out.write(chunk)
    with zipfile.ZipFile(target) as zipped:
        for name, checksum in expected.items():
            assert hashlib.sha256(zipped.read(name)).hexdigest() == checksum
