"""Stills: a frame grab of a video's web preview at a moment, as a JPEG download.

Journalists pick the moment from the shot list (each entry links its still) or type any
timecode into the address (`/videos/<slug>/still.jpg?t=00:01:05`, any form `core.timecode`
reads; frame counts at the video's frame rate). A still is as public as the preview it is
taken from: whoever may see the video may take it (docs/media.md, "Stills").

A still at a shot-list entry's in point is made once (PyAV, `ingest.make_still`) and kept in
the default (private) storage under `stills/<video id>/<preview name>/<milliseconds>.jpg`. The preview's name is random
and new for every preview made (`services`), so it stands for the preview's content the way
a checksum would, without reading the file: a new preview never serves an old still. The
stills of a replaced preview are deleted once the new one is stored (`services`), and a
video's all go with it (`signals`).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path, PurePosixPath

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.utils.translation import gettext as _

from core import timecode
from media_library import ingest, shotlist
from media_library.models import Video

FOLDER = "stills"


class StillRefused(ValueError):
    """The moment asked for cannot give a still; the message says why, for the reader."""


def moment_ms(text: str | None, *, video: Video, fps: Fraction | None) -> int:
    """The moment `text` names in the video, in whole milliseconds, checked against its
    duration. Raises `StillRefused`."""
    if not text or not text.strip():
        raise StillRefused(_("Give the moment of the still as a timecode: ?t=00:01:05 (HH:MM:SS)."))
    try:
        seconds = timecode.parse(text, fps=fps)
    except timecode.TimecodeError as exc:
        raise StillRefused(str(exc)) from exc
    milliseconds = round(seconds * 1000)
    if video.duration_seconds is not None and milliseconds > round(video.duration_seconds * 1000):
        raise StillRefused(
            _("“%(text)s” is past the end of the video, which lasts %(duration)s.")
            % {
                "text": text.strip()[:40],
                "duration": shotlist.clock(round(video.duration_seconds * 1000)),
            }
        )
    return milliseconds


def still_name(video: Video, milliseconds: int) -> str:
    return f"{folder(video)}/{PurePosixPath(video.preview.name).stem}/{milliseconds}.jpg"


def folder(video: Video) -> str:
    return f"{FOLDER}/{video.pk}"


def still_of(video: Video, milliseconds: int) -> bytes:
    """The JPEG of the preview at `milliseconds`: the stored one, else made, and stored when
    the moment is a shot-list entry's in point.

    Only those are kept: they are what the page links, and their number is the shot list's,
    while anyone may ask for any of the millions of milliseconds of a long video, which are
    made each time instead (a fraction of a second) rather than filling the storage.
    """
    storage = video.preview.storage
    name = still_name(video, milliseconds)
    keep = video.shot_entries.filter(start_ms=milliseconds).exists()
    if keep and storage.exists(name):
        with storage.open(name, "rb") as handle:
            return handle.read()
    with _local_preview(video) as path:
        data = ingest.make_still(path, seconds=Fraction(milliseconds, 1000))
    if not keep:
        return data
    saved = storage.save(name, ContentFile(data))
    if saved != name:
        # Another request stored the same still meanwhile: keep one copy.
        storage.delete(saved)
    return data


def download_filename(video: Video, milliseconds: int) -> str:
    """`opening-remarks-00-01-05-000.jpg`: the video and the moment."""
    clock = timecode.to_webvtt(Fraction(milliseconds, 1000)).replace(":", "-").replace(".", "-")
    return f"{video.slug}-{clock}.jpg"


def discard(storage: Storage, video_id: int, *, keep: str = "") -> None:
    """Delete the stored stills of a video, but those of the preview named `keep`."""
    root = f"{FOLDER}/{video_id}"
    try:
        previews, _files = storage.listdir(root)
    except (FileNotFoundError, NotADirectoryError):
        return
    kept = PurePosixPath(keep).stem if keep else None
    for preview in previews:
        if preview == kept:
            continue
        _folders, files = storage.listdir(f"{root}/{preview}")
        for name in files:
            storage.delete(f"{root}/{preview}/{name}")


@contextlib.contextmanager
def _local_preview(video: Video) -> Iterator[Path]:
    """The preview as a local path: its own file on disk, or a temporary copy (object store)."""
    try:
        path = video.preview.path
    except NotImplementedError:
        path = None
    if path is not None:
        yield Path(path)
        return
    with tempfile.NamedTemporaryFile(suffix=".mp4") as copy:
        with video.preview.storage.open(video.preview.name, "rb") as source:
            shutil.copyfileobj(source, copy)
        copy.flush()
        yield Path(copy.name)
