"""The files of a clip's cut: the source read locally (copied from S3 if need be), a work
folder beside the clips, the result's checksum and its move or upload into the storage.

Everything here may take long on a big clip, so each step beats the cut's heartbeat (a
`Beat`: called often, it writes at most once a second and says whether the claim is still
ours) and stops with `TakenOver` once another worker has the clip.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Protocol

from django.core.files import File
from django.core.files.storage import Storage
from django.utils.translation import gettext as _

from clips import cutting
from media_library.ingest import read_chunks
from media_library.models import Rendition

# How often the cut's heartbeat is written at most, and how long an upload step is waited
# for between two beats.
HEARTBEAT_SECONDS = 1.0
logger = logging.getLogger(__name__)


class Beat(Protocol):
    """The cut's heartbeat (services._Heartbeat): call it as often as you like; it writes at
    most every HEARTBEAT_SECONDS and is False once another worker has the clip."""

    clip_id: int
    last: float

    def __call__(self, progress: int | None = None) -> bool: ...

    def beat(self) -> bool:
        """Write now; False once the claim is no longer ours."""


def taken_over() -> cutting.CutError:
    return cutting.CutError(_("The cut was taken over by another worker."))


def file_sha256(path: Path, beat: Beat) -> str:
    """The file's SHA-256, read in chunks with heartbeats (a clip may be gigabytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in read_chunks(handle):
            digest.update(chunk)
            if not beat():
                raise taken_over()
    return digest.hexdigest()


class BeatingReader:
    """The finished clip, as the storage's upload reads it: each read() counts as a sign of
    life of the run, and once the run lost its claim the next read() stops the upload.

    S3 uploads read from their own threads (s3transfer), so reads only note the time; the
    run's own thread writes the heartbeat (its database connection), see `upload`."""

    def __init__(self, handle) -> None:
        self._handle = handle
        self._lock = threading.Lock()
        self._read_at = 0.0
        self.stopped = False
        self.name = handle.name

    def read(self, size: int = -1) -> bytes:
        if self.stopped:
            raise taken_over()
        data = self._handle.read(size)
        with self._lock:
            self._read_at = time.monotonic()
        return data

    def read_since(self, moment: float) -> bool:
        with self._lock:
            return self._read_at > moment

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._handle.seek(offset, whence)

    def tell(self) -> int:
        return self._handle.tell()

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        # The upload may close what it read (s3transfer); the run closes the file itself.
        pass

    @property
    def closed(self) -> bool:
        return self._handle.closed


def local_path(storage: Storage, name: str) -> Path | None:
    try:
        return Path(storage.path(name))
    except NotImplementedError:
        return None


@contextlib.contextmanager
def local_source(rendition: Rendition, beat: Beat) -> Iterator[Path]:
    """A local path to the rendition's file: the file itself, or a copy of an S3 object
    (FFmpeg seeks in it), made in chunks with heartbeats."""
    storage, name = rendition.file.storage, rendition.file.name
    local = local_path(storage, name)
    if local is not None:
        if not local.exists():
            raise cutting.CutError(_("The source file is missing from the storage."))
        yield local
        return
    with tempfile.TemporaryDirectory(prefix="clip-source-") as folder:
        copy = Path(folder) / f"source.{rendition.extension}"
        with storage.open(name, "rb") as source, copy.open("wb") as target:
            for chunk in read_chunks(source):
                target.write(chunk)
                if not beat():
                    raise taken_over()
        yield copy


@contextlib.contextmanager
def work_folder(storage: Storage) -> Iterator[Path]:
    """Where FFmpeg writes: beside the clips on a local storage, so that the finished file is
    renamed into place (atomic on one file system); the system's temporary folder for S3."""
    root = local_path(storage, "clips/.work")
    if root is not None:
        root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cut-", dir=root) as folder:
        yield Path(folder)


def store(storage: Storage, path: Path, name: str, beat: Beat) -> str:
    """Put the finished file at `name` in one step; returns the stored name."""
    final = local_path(storage, name)
    if final is not None:
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, final)
        return name
    with path.open("rb") as handle:
        # An S3 object exists only once its upload completed.
        return upload(storage, name, BeatingReader(handle), beat)


def upload(storage: Storage, name: str, reader: BeatingReader, beat: Beat) -> str:
    """Upload while this thread beats for as long as the upload reads the file: a long
    upload keeps its claim, a stuck one (no read for CLIP_STALL_SECONDS) loses it, and an
    upload whose claim was taken over stops at its next read."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="clip-upload") as pool:
        upload = pool.submit(storage.save, name, File(reader, name=reader.name))
        while True:
            try:
                return upload.result(timeout=HEARTBEAT_SECONDS)
            except FutureTimeout:
                if reader.read_since(beat.last) and not beat.beat():
                    reader.stopped = True
                    logger.info("clip %s: claim lost during the upload, stopping", beat.clip_id)
