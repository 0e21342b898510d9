"""Making a rung of the rendition ladder from a master with FFmpeg (Debian's `ffmpeg`).

Nothing here touches the database or a storage: local paths in, a local file out. The
command line is a list (no shell), its numbers formatted here from integers, its paths ours
and `file:` prefixed, with the same protocol and demuxer allow-lists as clips and ingest.
Progress comes from FFmpeg's `-progress pipe:1` (`out_time_us`), as clips read it.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from media_library import ingest

# How often a running encode reports its progress (and so its job's heartbeat).
PROGRESS_SECONDS = 1.0
STDERR_TAIL = 2000
# Quality by rung: CRF for libx264 and the AAC bitrate per channel; the 360p web version is
# smaller and lighter.
WEB_HEIGHT = 360
CRF = {"hd": "20", "web": "26"}
AUDIO_BITRATE_PER_CHANNEL = {"hd": 96_000, "web": 48_000}


class TranscodeError(Exception):
    """The encode failed. The message is for editors (no server paths); `detail` is FFmpeg's
    own words, for the log and the job's error detail."""

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


def parse_ladder(value: str) -> list[int]:
    """`"1080,720,360"` -> [1080, 720, 360] (highest first, no duplicates); empty: no rungs.

    Raises ImproperlyConfigured naming the bad entry: a wrong ladder is the operator's
    mistake and should stop the worker at once, not fail every job."""
    rungs: set[int] = set()
    for part in value.replace(" ", "").split(","):
        if not part:
            continue
        height = part.lower().removesuffix("p")
        if not height.isdigit() or not 144 <= int(height) <= 4320 or int(height) % 2:
            raise ImproperlyConfigured(
                f"RENDITION_LADDER: {part!r} is not an even picture height between 144 and 4320"
            )
        rungs.add(int(height))
    return sorted(rungs, reverse=True)


def rungs_for(ladder: list[int], master_height: int | None) -> list[int]:
    """The rungs a master of this height gets: never an upscale."""
    if not master_height:
        return []
    return [height for height in ladder if height <= master_height]


@dataclass(frozen=True)
class Master:
    """What the encode needs to know of the master, from its ingest."""

    path: Path
    duration_seconds: float
    audio_channels: int | None = None


def build_command(*, ffmpeg: str, master: Master, output: Path, height: int) -> list[str]:
    """H.264 (High, yuv420p) and AAC in an MP4 with the index first; the picture scaled to
    `height` keeping its aspect ratio with an even width; every audio stream kept with its
    channels."""
    quality = "web" if height <= WEB_HEIGHT else "hd"
    channels = int(master.audio_channels or 2)
    command = [
        ffmpeg,
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-nostats",
        "-progress",
        "pipe:1",
        "-y",
        "-protocol_whitelist",
        "file",
        "-format_whitelist",
        ",".join(ingest.ACCEPTED_FORMATS),
        "-i",
        f"file:{master.path}",
        "-map",
        "0:v:0",
        "-map",
        "0:a?",
        "-sn",
        "-dn",
        "-map_chapters",
        "-1",
        "-vf",
        f"scale=-2:{int(height)}",
        # The master's pictures, no more: a constant-rate muxer would duplicate one to fill a
        # start offset (audio priming), and the rendition would last a frame longer.
        "-fps_mode",
        "passthrough",
        "-c:v",
        "libx264",
        "-preset",
        "fast",
        "-crf",
        CRF[quality],
        "-profile:v",
        "high",
        "-pix_fmt",
        "yuv420p",
        "-threads",
        str(ingest.DECODE_THREADS),
        "-c:a",
        "aac",
        "-b:a",
        str(AUDIO_BITRATE_PER_CHANNEL[quality] * min(channels, 8)),
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        f"file:{output}",
    ]
    return command


def _die_with_parent() -> None:
    # Linux: FFmpeg gets SIGKILL when the worker that started it dies (even by SIGKILL), so
    # no orphan keeps writing after its job was handed to another worker.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def transcode(
    *,
    ffmpeg: str,
    master: Master,
    output: Path,
    height: int,
    on_progress: Callable[[int], bool] | None = None,
) -> Path:
    """Encode the rung into `output` (a path in a folder of ours).

    `on_progress(percent)` is called about every second; returning False stops FFmpeg (the
    job lost its claim) and raises `TranscodeError`."""
    command = build_command(ffmpeg=ffmpeg, master=master, output=output, height=height)
    total_us = max(1, int(master.duration_seconds * 1_000_000))
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=errors,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        last_report = 0.0
        stopped = False
        try:
            assert process.stdout is not None
            for raw in process.stdout:
                line = raw.decode("ascii", "replace").strip()
                if not line.startswith("out_time_us=") or on_progress is None:
                    continue
                now = time.monotonic()
                if now - last_report < PROGRESS_SECONDS:
                    continue
                last_report = now
                try:
                    done = int(line.partition("=")[2])
                except ValueError:
                    continue
                if not on_progress(max(0, min(99, done * 100 // total_us))):
                    stopped = True
                    process.kill()
                    break
        finally:
            code = process.wait()
        if stopped:
            raise TranscodeError(_("The encode was taken over by another worker."))
        if code != 0:
            errors.seek(0)
            tail = errors.read()[-STDERR_TAIL:].decode("utf-8", "replace").strip()
            raise TranscodeError(_("FFmpeg could not make this rendition."), detail=tail)
    if not output.exists() or output.stat().st_size == 0:
        raise TranscodeError(_("The encode produced no file."))
    return output
