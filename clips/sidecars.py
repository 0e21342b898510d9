"""A ready clip's metadata sidecars (docs/metadata.md): described as its rendition is, with the
clip's own name, size, duration and checksum, and the shot list entries within its range,
timed from its start. The clip's page offers them; a collection's zip packs them beside it."""

from __future__ import annotations

from clips.models import Clip
from media_library import metadata
from media_library.metadata.mapping import Description


def describe(clip: Clip, *, filename: str | None = None) -> Description:
    """`filename`: the name the file goes by beside its sidecars (in a zip), which their
    links name; the clip's download name by default."""
    return metadata.for_file(
        clip.rendition,
        filename=filename or clip.download_filename(),
        size=clip.file_size,
        duration_seconds=clip.duration_seconds,
        checksum_sha256=clip.checksum_sha256,
        guid_suffix=f":clip:{clip.pk}",
        window=(
            clip.start_ms if clip.actual_start_ms is None else clip.actual_start_ms,
            clip.end_ms,
        ),
    )
