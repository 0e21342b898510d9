"""Thumbnails uploaded by editors: decoded with Pillow, re-encoded by us.

Pure functions on bytes; nothing here touches the database or a storage. A file is judged by
its content: it must decode as a JPEG, PNG or WebP picture of at most `MAX_PIXELS`, checked
from its header before anything is decoded. What is stored is never the upload itself but
our own JPEG (or PNG, to keep transparency) of the decoded pixels, so no markup, script or
other payload can ride along under a picture's name.
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_SIDE = 8192
MAX_PIXELS = 40_000_000
# Larger pictures are scaled down: cards and the player's poster show 640×360.  # noqa: RUF003
STORED_SIZE = (1920, 1920)
# Pillow's own guard, for any picture opened in this process: an error, not a warning.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class ImageRefused(Exception):
    """The upload is not a picture we accept; the message says why, for the editor."""


@dataclass(frozen=True)
class Picture:
    name: str
    content: bytes
    content_type: str


def reencoded_thumbnail(upload: IO[bytes]) -> Picture:
    """The upload's picture as our own JPEG (PNG if it has transparency), at most 1920 px."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload, formats=sorted(ACCEPTED_FORMATS))
            width, height = image.size
            if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
                raise ImageRefused(_too_large(width, height))
            # JPEG decodes straight at a reduced scale: the full picture is never in memory.
            image.draft("RGB", STORED_SIZE)
            image.load()
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRefused(_too_large(*getattr(image, "size", (0, 0)))) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ImageRefused(
            _(
                "The thumbnail must be a JPEG, PNG or WebP picture; this file is not a picture "
                "that can be read."
            )
        ) from exc
    image = ImageOps.exif_transpose(image)
    image.thumbnail(STORED_SIZE)
    has_alpha = image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info
    out = io.BytesIO()
    stem = uuid.uuid4().hex
    if has_alpha:
        image.convert("RGBA").save(out, format="PNG", optimize=True)
        return Picture(f"{stem}.png", out.getvalue(), "image/png")
    image.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
    return Picture(f"{stem}.jpg", out.getvalue(), "image/jpeg")


def _too_large(width: int, height: int) -> str:
    return _(
        "The picture is %(width)d×%(height)d pixels: larger than the %(side)d pixels a side "  # noqa: RUF001
        "and %(megapixels)d megapixels accepted for a thumbnail."
    ) % {"width": width, "height": height, "side": MAX_SIDE, "megapixels": MAX_PIXELS // 10**6}
