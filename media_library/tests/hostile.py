"""Hostile files for the upload checks: a playlist, a decompression bomb, disguised pictures."""

from __future__ import annotations

import struct
import zlib
from fractions import Fraction
from pathlib import Path

import av


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def blank_png(width: int, height: int) -> bytes:
    """A black RGB PNG, compressed row by row: a 16000×16000 one is 750 KB, and takes
    768 MB once decoded."""  # noqa: RUF002
    packer = zlib.compressobj(9)
    row = b"\0" * (width * 3 + 1)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", data)
        + _png_chunk(b"IEND", b"")
    )


def picture_bomb(path: Path, *, side: int = 16000, declared: int | None = None) -> Path:
    """A QuickTime file holding one PNG picture of `side`×`side` pixels (the header may
    declare another size)."""  # noqa: RUF002
    picture = blank_png(side, side)
    with av.open(str(path), "w", format="mov") as out:
        stream = out.add_stream("png", rate=1)
        stream.width = stream.height = declared or side
        stream.pix_fmt = "rgb24"
        packet = av.Packet(picture)
        packet.stream = stream
        packet.pts = packet.dts = 0
        packet.duration = 1
        packet.time_base = Fraction(1, 1)
        out.mux(packet)
    return path


def padded_playlist(path: Path, *, target: Path) -> Path:
    """An HLS playlist naming `target` by its absolute path, padded past the target's size
    (so no packet of the target seems to lie beyond the playlist's end)."""
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        "#EXT-X-TARGETDURATION:10",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXTINF:10.0,",
        str(target),
        "#EXT-X-ENDLIST",
    ]
    padding = "#" + "x" * 1023 + "\n"
    text = "\n".join(lines) + "\n" + padding * (target.stat().st_size // 1024 + 2)
    path.write_text(text)
    return path


def png_renamed(path: Path) -> Path:
    path.write_bytes(blank_png(64, 36))
    return path


HTML_PAGE = b"<!doctype html><script>fetch('/admin/')</script><h1>thumbnail</h1>\n"
SCRIPT = b"fetch('/admin/auth/user/add/', {method: 'POST'});\n"
