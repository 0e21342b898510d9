"""Metadata sidecars: the same description of a rendition (`mapping`) as a NewsML-G2
`newsItem` (`newsml`) and as IPTC Video Metadata Hub JSON (`vmh`); docs/metadata.md.

`newsml_for(rendition)` and `vmh_for(rendition)` are what anything offering a file calls:
the video page's downloads, the API, a clip, a collection's zip. They read the database
(the video with its category and event, its tags, its languages, its shot list: four
queries, whatever their numbers) and return bytes.
"""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.http import HttpResponse
from django.utils.http import content_disposition_header

from media_library import shot_entries
from media_library.metadata import mapping, newsml, vmh
from media_library.models import Rendition, Video

NEWSML_CONTENT_TYPE = "application/vnd.iptc.g2.newsitem+xml"
VMH_CONTENT_TYPE = "application/json"
# The sidecar's name: the file's own name with this suffix, so they sort together.
SUFFIXES = {"newsml": ".newsml.xml", "vmh": ".vmh.json"}


def describe(
    rendition: Rendition,
    *,
    file: mapping.Technical | None = None,
    guid_suffix: str = "",
    window: tuple[int, int] | None = None,
) -> mapping.Description:
    """The description of `rendition` (or of `file`, a clip cut from it) of its video."""
    video = (
        Video.objects.defer("search_vector")
        .select_related("category", "event")
        .prefetch_related("tags", "languages")
        .get(pk=rendition.video_id)
    )
    return mapping.describe(
        video,
        file=file or mapping.technical(rendition),
        shot_rows=shot_entries.shot_list_for(video).rows,
        site_url=settings.SITE_URL,
        site_name=settings.SITE_NAME,
        language=settings.LANGUAGE_CODE,
        guid_suffix=guid_suffix,
        window=window,
    )


def render(description: mapping.Description, kind: str) -> bytes:
    if kind == "newsml":
        return newsml.render(description, site_url=settings.SITE_URL)
    return vmh.render(description)


def newsml_for(rendition: Rendition) -> bytes:
    """The NewsML-G2 newsItem of a rendition: what a zip holding its file holds beside it."""
    return render(describe(rendition), "newsml")


def vmh_for(rendition: Rendition) -> bytes:
    """The IPTC Video Metadata Hub JSON of a rendition."""
    return render(describe(rendition), "vmh")


def sidecar_filename(filename: str, kind: str) -> str:
    """`press-briefing-hd.mp4` → `press-briefing-hd.mp4.newsml.xml` (or `.vmh.json`)."""
    return f"{filename}{SUFFIXES[kind]}"


def content_type(kind: str) -> str:
    return NEWSML_CONTENT_TYPE if kind == "newsml" else VMH_CONTENT_TYPE


def attachment(description: mapping.Description, kind: str) -> HttpResponse:
    """The sidecar as a download, named after the file it describes (`sidecar_filename`):
    what the site's, the clips' and the API's views answer."""
    response = HttpResponse(
        render(description, kind), content_type=f"{content_type(kind)}; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(
        True, sidecar_filename(description.rendition.filename, kind)
    )
    return response


def for_file(
    rendition: Rendition,
    *,
    filename: str,
    size: int | None,
    duration_seconds: float | None,
    checksum_sha256: str,
    guid_suffix: str,
    window: tuple[int, int] | None = None,
) -> mapping.Description:
    """The description of another file made from `rendition` (a clip): its own name, size,
    duration and checksum, the rendition's picture and sound, and the shot list entries
    within `window` (its first and last millisecond in the video), timed from its start."""
    file = dataclasses.replace(
        mapping.technical(rendition, filename=filename),
        size=size,
        duration_seconds=duration_seconds,
        checksum_sha256=checksum_sha256,
    )
    return describe(rendition, file=file, guid_suffix=guid_suffix, window=window)
