"""Handing a rendition's bytes to the client, once the account check has passed.

Two entry points, and one place (`mode()`) that reads the configuration:
- `begin()` answers the recorded download: with `MEDIA_STORAGE == "s3"` a redirect to a
  short-lived presigned URL carrying the attachment disposition, so the bytes come from the
  object store (or its CDN), never through Python; otherwise a 303 to the signed link;
- `serve()` answers the signed, account-bound link: with `DOWNLOAD_ACCEL_REDIRECT_PREFIX` set
  an `X-Accel-Redirect` to nginx's internal location, which serves the file with sendfile and
  Range support; otherwise (the one-command run) a streamed response with Range, If-Range,
  ETag and Last-Modified, read in small chunks (Django's FileResponse has no Range support).
"""

from __future__ import annotations

import enum
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.files.storage import Storage
from django.db.models.fields.files import FieldFile
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.urls import reverse
from django.utils.http import content_disposition_header, http_date, parse_http_date_safe
from storages.utils import clean_name

from media_library.models import Rendition

SIGNING_SALT = "media_library.download"
# The GET link is bound to the account and still needs its session: it may live long enough
# for a download manager to resume a large file.
LINK_MAX_AGE_SECONDS = 6 * 3600
CHUNK_SIZE = 64 * 1024


class Deliverable(Protocol):
    """What a file handed over needs: a rendition, or a clip cut from one (the `clips` app)."""

    pk: int
    file: FieldFile
    checksum_sha256: str

    @property
    def extension(self) -> str: ...

    def download_filename(self) -> str: ...


class InvalidLink(Exception):
    """A forged, altered or foreign download link."""


class ExpiredLink(Exception):
    """A genuine download link, too old to use."""


class HttpResponseSeeOther(HttpResponseRedirect):
    status_code = 303


# --- Signed links ------------------------------------------------------------------------------


def _fingerprint(rendition: Deliverable) -> str:
    # Replacing the file changes the checksum, which retires links to the old file.
    return (rendition.checksum_sha256 or "")[:16]


def make_token(*, user, rendition: Deliverable, salt: str = SIGNING_SALT) -> str:
    """A link's token; another kind of file (a clip) signs with its own `salt`."""
    return signing.dumps({"r": rendition.pk, "u": user.pk, "f": _fingerprint(rendition)}, salt=salt)


def signed_download_url(*, user, rendition: Rendition) -> str:
    return reverse(
        "media_library:download_file", kwargs={"token": make_token(user=user, rendition=rendition)}
    )


@dataclass(frozen=True)
class LinkClaims:
    rendition_id: int
    user_id: int
    fingerprint: str


def read_token(
    token: str, *, max_age: int = LINK_MAX_AGE_SECONDS, salt: str = SIGNING_SALT
) -> LinkClaims:
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ExpiredLink from exc
    except signing.BadSignature as exc:
        raise InvalidLink from exc
    try:
        return LinkClaims(
            rendition_id=int(data["r"]), user_id=int(data["u"]), fingerprint=str(data["f"])
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidLink from exc


def check_claims(claims: LinkClaims, *, user, rendition: Deliverable) -> None:
    if claims.user_id != user.pk or claims.fingerprint != _fingerprint(rendition):
        raise InvalidLink


# --- Delivery ----------------------------------------------------------------------------------


def content_type_for(rendition: Deliverable) -> str:
    guessed, _ = mimetypes.guess_type(f"x.{rendition.extension}")
    return guessed or "application/octet-stream"


def _safe_name(name: str) -> str:
    # Stored names come from our own upload_to; refuse anything that could leave the folder.
    if not name or name.startswith("/") or "\\" in name or ".." in name.split("/"):
        raise InvalidLink
    return name


class Mode(enum.Enum):
    PRESIGNED = "presigned redirect to the object store"
    ACCEL = "X-Accel-Redirect to nginx"
    STREAM = "streamed by the portal"


def mode() -> Mode:
    """How bytes are handed over, as configured: the only reading of those settings."""
    if settings.MEDIA_STORAGE == "s3":
        return Mode.PRESIGNED
    if settings.DOWNLOAD_ACCEL_REDIRECT_PREFIX:
        return Mode.ACCEL
    return Mode.STREAM


def begin(
    request: HttpRequest, *, user, rendition: Deliverable, link: str | None = None
) -> HttpResponse:
    """Where the browser goes once its download is recorded.

    S3: straight to the object store (one redirect fewer; the presigned URL is short-lived).
    Otherwise: a 303 to the signed link bound to `user` and the file, which `serve()` answers:
    `link`, or the rendition's own download link by default.
    """
    if mode() is Mode.PRESIGNED:
        return presigned_redirect(
            rendition=rendition,
            name=_safe_name(rendition.file.name),
            filename=rendition.download_filename(),
        )
    return HttpResponseSeeOther(link or signed_download_url(user=user, rendition=rendition))


def serve(request: HttpRequest, rendition: Deliverable) -> HttpResponse:
    """The file behind a signed link whose claims were checked (`check_claims`).

    nginx sends it when a prefix is set, else the portal streams it with Range; on S3 (a link
    made before the switch to it) the object store does.
    """
    name = _safe_name(rendition.file.name)
    filename = rendition.download_filename()
    how = mode()
    if how is Mode.PRESIGNED:
        return presigned_redirect(rendition=rendition, name=name, filename=filename)
    if how is Mode.ACCEL:
        return accel_redirect(rendition=rendition, name=name, filename=filename)
    return streamed_file_response(
        request,
        storage=rendition.file.storage,
        name=name,
        filename=filename,
        content_type=content_type_for(rendition),
        etag=f'"{rendition.checksum_sha256[:32]}"' if rendition.checksum_sha256 else None,
    )


def presigned_url(rendition: Deliverable) -> str:
    """The object store's short-lived URL of the file (`DOWNLOAD_URL_EXPIRY_SECONDS`), saved
    under its download name: what `begin()` redirects to on S3, and what the API hands out."""
    return _presigned_url(
        rendition=rendition,
        name=_safe_name(rendition.file.name),
        filename=rendition.download_filename(),
    )


def _presigned_url(*, rendition: Deliverable, name: str, filename: str) -> str:
    return rendition.file.storage.url(
        name,
        parameters={
            "ResponseContentDisposition": content_disposition_header(True, filename),
            "ResponseContentType": content_type_for(rendition),
        },
        expire=settings.DOWNLOAD_URL_EXPIRY_SECONDS,
    )


def presigned_redirect(*, rendition: Deliverable, name: str, filename: str) -> HttpResponse:
    url = _presigned_url(rendition=rendition, name=name, filename=filename)
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "no-store"
    return response


def accel_redirect(*, rendition: Deliverable, name: str, filename: str) -> HttpResponse:
    prefix = settings.DOWNLOAD_ACCEL_REDIRECT_PREFIX.rstrip("/")
    response = HttpResponse(content_type=content_type_for(rendition))
    response["X-Accel-Redirect"] = f"{prefix}/{quote(name)}"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-transform"
    return response


# --- Range -------------------------------------------------------------------------------------

# ASCII digits only (RFC 9110's DIGIT): `\d` would also take other scripts' digits.
_RANGE = re.compile(r"^bytes=([0-9]*)-([0-9]*)$")
# Any position with more significant digits lies beyond every file (10**18 bytes is an
# exabyte). Reading such a number with int() costs time, and above 4,300 digits Python
# refuses it (ValueError): the value is clamped before the conversion instead.
_MAX_DIGITS = 18
_BEYOND_ANY_FILE = 10**_MAX_DIGITS


class Unsatisfiable(Exception):
    pass


def _position(digits: str) -> int:
    """A byte position from its ASCII digits, clamped to `_BEYOND_ANY_FILE`."""
    significant = digits.lstrip("0")
    if len(significant) > _MAX_DIGITS:
        return _BEYOND_ANY_FILE
    return int(significant or "0")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The (first, last) byte of a single range, None to send the whole file.

    Malformed headers and several ranges are ignored (RFC 9110 allows it): the client gets
    the whole file. A well-formed range outside the file raises `Unsatisfiable` (416).
    """
    if not header:
        return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if not match:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        suffix = _position(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - suffix), size - 1
    start = _position(first)
    end = _position(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        raise Unsatisfiable
    return start, min(end, size - 1)


def _if_range_allows(
    request: HttpRequest, *, etag: str | None, last_modified: datetime | None
) -> bool:
    if_range = request.headers.get("If-Range")
    if not if_range:
        return True
    if if_range.startswith(('"', "W/")):
        # Strong comparison only: a weak validator never matches.
        return etag is not None and if_range == etag
    since = parse_http_date_safe(if_range)
    return (
        since is not None and last_modified is not None and int(last_modified.timestamp()) == since
    )


def _not_modified(
    request: HttpRequest, *, etag: str | None, last_modified: datetime | None
) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return etag is not None and ("*" in tags or etag in tags)
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return (
        since is not None and last_modified is not None and int(last_modified.timestamp()) <= since
    )


def _read(storage: Storage, name: str, start: int, length: int) -> Iterator[bytes]:
    with storage.open(name, "rb") as handle:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


def read_file(storage: Storage, name: str) -> Iterator[bytes]:
    """The whole stored file in `CHUNK_SIZE` pieces, in constant memory and without a
    temporary file, for a response that packs several files (a collection's zip).

    S3 objects are read from the GET response's body as it arrives: django-storages' own
    `open()` would first copy the whole object into a temporary file. Other storages are read
    through `open()`, as `serve()` reads them.
    """
    name = _safe_name(name)
    bucket = getattr(storage, "bucket", None)
    if bucket is not None and hasattr(storage, "_normalize_name"):
        # The object's key exactly as S3Storage.size() and open() compute it.
        body = bucket.Object(storage._normalize_name(clean_name(name))).get()["Body"]
        try:
            yield from body.iter_chunks(CHUNK_SIZE)
        finally:
            body.close()
        return
    yield from _read(storage, name, 0, storage.size(name))


def streamed_file_response(
    request: HttpRequest,
    *,
    storage: Storage,
    name: str,
    filename: str,
    content_type: str,
    etag: str | None = None,
) -> HttpResponse:
    """The file, or the requested byte range of it, in constant memory."""
    size = storage.size(name)
    try:
        last_modified: datetime | None = storage.get_modified_time(name)
    except NotImplementedError:
        last_modified = None
    if etag is None and last_modified is not None:
        etag = f'"{size:x}-{int(last_modified.timestamp()):x}"'

    def with_validators(response: HttpResponse) -> HttpResponse:
        response["Accept-Ranges"] = "bytes"
        if etag:
            response["ETag"] = etag
        if last_modified:
            response["Last-Modified"] = http_date(last_modified.timestamp())
        response["Cache-Control"] = "private, no-transform"
        return response

    if _not_modified(request, etag=etag, last_modified=last_modified):
        return with_validators(HttpResponseNotModified())

    byte_range = None
    if _if_range_allows(request, etag=etag, last_modified=last_modified):
        try:
            byte_range = parse_range(request.headers.get("Range"), size)
        except Unsatisfiable:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return with_validators(response)

    start, end = byte_range if byte_range else (0, size - 1)
    length = max(0, end - start + 1)
    if request.method == "HEAD":
        response: HttpResponse = HttpResponse(content_type=content_type)
    else:
        response = StreamingHttpResponse(
            _read(storage, name, start, length), content_type=content_type
        )
    if byte_range:
        response.status_code = 206
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(length)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return with_validators(response)
