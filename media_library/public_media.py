"""A video's thumbnail and web preview: private until the video is published.

Both files live in the private storage, under names of our own (`thumbnails/<random>.jpg`,
`previews/<random>.mp4`). While a video is published, `sync()` keeps a copy of each under the
same name in the public storage (`/media/public/`, served by nginx); once it is a draft or
scheduled again, `sync()` removes those copies. It runs when the publication state changes
(`core.publishing.publication_changed`, which the beat's `publish_due` sends too) and when a
video's files change, once the transaction commits and before the content version moves,
so no cached page points at a copy not yet made.

Until then (drafts and scheduled videos for editors, and a scheduled video whose time has
come but which beat has not flipped yet, at most a minute) pages point at `serve()`, which
checks who may see the video first (`Video.thumbnail_url`, `Video.preview_url`).
"""

from __future__ import annotations

import logging
from pathlib import PurePosixPath
from urllib.parse import quote

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect

from core import content_version
from media_library import delivery
from media_library.models import Video
from media_library.storage import public_storage

logger = logging.getLogger(__name__)

# The only files ever served from /media/public/ or by `serve()`, and their one content type
# (deploy/nginx/portal.conf lists the same): never HTML, script or anything a browser runs.
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "mp4": "video/mp4",
}


def content_type_for(name: str) -> str | None:
    """The content type a public media file is served with; None: never served."""
    return CONTENT_TYPES.get(PurePosixPath(name).suffix.lower().lstrip("."))


def _names(video: Video) -> list[str]:
    return [field.name for field in (video.thumbnail, video.preview) if field and field.name]


def sync(*, video_id: int) -> None:
    """Make the public storage hold the video's files exactly while it is published."""
    video = Video.objects.filter(pk=video_id).only("status", "published_at", "thumbnail", "preview")
    video = video.first()
    if video is None:
        return
    public = public_storage()
    for name in _names(video):
        if video.has_public_media and content_type_for(name):
            _copy_to_public(video.thumbnail.storage, name)
        else:
            public.delete(name)


def _copy_to_public(private, name: str) -> None:
    public = public_storage()
    if public.exists(name):
        return  # names are random per file: the same name is the same content
    if not private.exists(name):
        logger.warning("media file %s is missing from the private storage", name)
        return
    with private.open(name, "rb") as source:
        saved = public.save(name, File(source, name=name))
    if saved != name:
        # Another process copied it meanwhile and the storage picked another name for ours.
        public.delete(saved)


def sync_after_commit(video_id: int) -> None:
    """`sync()` once this transaction commits, before the content version moves; once per
    video however many changes the transaction makes."""
    content_version.before_move(("public_media", video_id), lambda: sync(video_id=video_id))


def discard_after_commit(name: str, *, private=None) -> None:
    """Delete a file a video no longer uses, from both storages, once the change commits (a
    rolled-back change keeps it)."""
    if not name:
        return

    def discard() -> None:
        public_storage().delete(name)
        if private is not None:
            private.delete(name)

    transaction.on_commit(discard)


# --- Serving the private files to who may see them -----------------------------------------


def serve(request: HttpRequest, field_file: FieldFile) -> HttpResponse:
    """A thumbnail or preview for someone the view let see its video, with its one safe
    content type: nginx sends it (X-Accel-Redirect), the object store (a presigned URL), or
    the portal streams it with Range."""
    name = field_file.name
    content_type = content_type_for(name)
    if not name or content_type is None or ".." in name.split("/") or name.startswith("/"):
        raise Http404
    how = delivery.mode()
    if how is delivery.Mode.PRESIGNED:
        url = field_file.storage.url(
            name,
            parameters={"ResponseContentType": content_type},
            expire=settings.DOWNLOAD_URL_EXPIRY_SECONDS,
        )
        response: HttpResponse = HttpResponseRedirect(url)
    elif how is delivery.Mode.ACCEL:
        response = HttpResponse(content_type=content_type)
        prefix = settings.DOWNLOAD_ACCEL_REDIRECT_PREFIX.rstrip("/")
        response["X-Accel-Redirect"] = f"{prefix}/{quote(name)}"
    else:
        response = delivery.streamed_file_response(
            request,
            storage=field_file.storage,
            name=name,
            filename=PurePosixPath(name).name,
            content_type=content_type,
        )
        response.headers.pop("Content-Disposition", None)
    response["Cache-Control"] = "private, no-cache, no-transform"
    return with_safe_headers(response)


def with_safe_headers(response: HttpResponse) -> HttpResponse:
    """No content sniffing, and a page that runs nothing should a file be opened directly."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
