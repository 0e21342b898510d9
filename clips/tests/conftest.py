"""Fixtures of the clip tests: a 10-minute 1080p master made once per session, its rendition,
and the media library's accounts, nginx and S3 fixtures (imported: pytest registers them)."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

from clips.tests.media import make_master
from media_library.tests.conftest import (  # noqa: F401 - fixtures, registered by import
    _english_afterwards,
    nginx,
    s3_endpoint,
    s3_storage,
    verified_client,
    verified_user,
)


@pytest.fixture(scope="session")
def master_file(tmp_path_factory) -> Path:
    """10 minutes of 1080p25 H.264 (keyframe every 2 s) and AAC, made once per session."""
    return make_master(tmp_path_factory.mktemp("clip-master") / "master.mp4")


@pytest.fixture(scope="session")
def master_probe(master_file: Path):
    from media_library import ingest

    return ingest.probe(master_file), ingest.file_sha256(master_file)


def store_master(master_file: Path, storage) -> str:
    """The master in `storage` under a rendition's kind of name: a hard link where the
    storage is a local folder on the same disk (instant), else an upload."""
    name = f"renditions/{uuid.uuid4().hex}/master.mp4"
    try:
        target = Path(storage.path(name))
    except NotImplementedError:
        with master_file.open("rb") as handle:
            return storage.save(name, handle)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(master_file, target)
    except OSError:
        shutil.copyfile(master_file, target)
    return name


@pytest.fixture
def master_rendition(db, master_file: Path, master_probe):
    """A ready rendition of a published video: the master, probed as ingest does."""
    from django.core.files.storage import default_storage

    from media_library.models import Rendition
    from media_library.tests.factories import VideoFactory

    result, checksum = master_probe
    video = VideoFactory(title="NATO-Russia Council", duration_seconds=result.duration_seconds)
    return Rendition.objects.create(
        video=video,
        label="HD 1080p H.264 MP4",
        file=store_master(master_file, default_storage),
        original_filename="master.mp4",
        status=Rendition.Status.READY,
        checksum_sha256=checksum,
        **result.as_fields(),
    )
