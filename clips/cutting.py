"""Cutting a range out of a video file with FFmpeg (Debian's `ffmpeg`), on local paths.

Nothing here touches the database or a storage. Two modes:

- **fast**: stream copy (no decoding, no quality loss, as fast as the disk) from the keyframe
  at or before the in point, found here with PyAV; the clip may start up to one GOP earlier
  than asked, and says where it really starts (`CutResult.actual_start`).
- **exact**: the whole clip is decoded and re-encoded with the rendition's codec, profile,
  pixel format, frame rate and bitrate, from the first frame at the in point to the last
  frame before the out point. Re-encoding only the edges and copying the middle ("smart
  rendering") would be faster for long clips but needs the encoder to match the source's
  exact bitstream settings for the joins to decode; a whole re-encode is always correct.

The command line is a list (no shell), its numbers are formatted here from integers, its
paths are ours (`file:` prefixed so no name is read as a protocol), and FFmpeg may open only
the `file` protocol and the demuxers that ingest accepts (`media_library.ingest`).
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
from fractions import Fraction
from pathlib import Path

import av
import av.error
from django.utils.translation import gettext as _

from media_library import ingest

# Output muxers by the rendition's file extension; anything else goes into Matroska, which
# takes every codec.
OUTPUT_FORMATS = {
    "mp4": "mp4",
    "m4v": "mp4",
    "mov": "mov",
    "mkv": "matroska",
    "webm": "webm",
    "mxf": "mxf",
    "ts": "mpegts",
    "m2ts": "mpegts",
    "mts": "mpegts",
    "mpg": "mpeg",
    "mpeg": "mpeg",
    "avi": "avi",
}
# Encoders for frame-accurate clips, by the source's codec, with their fixed options.
VIDEO_ENCODERS: dict[str, tuple[str, list[str]]] = {
    "h264": ("libx264", ["-preset", "fast"]),
    "hevc": ("libx265", ["-preset", "fast"]),
    "mpeg2video": ("mpeg2video", []),
    "prores": ("prores_ks", []),
}
H264_PROFILES = {
    "baseline": "baseline",
    "constrained baseline": "baseline",
    "main": "main",
    "high": "high",
    "high 10": "high10",
    "high 4:2:2": "high422",
}
PRORES_PROFILES = {"proxy": "0", "lt": "1", "standard": "2", "hq": "3", "4444": "4", "4444 xq": "5"}
AUDIO_ENCODERS = {"aac": "aac", "mp2": "mp2", "ac3": "ac3", "mp3": "libmp3lame", "opus": "libopus"}
DEFAULT_AUDIO_BITRATE = 192_000
# How often a running cut reports its progress (and so its worker's heartbeat).
PROGRESS_SECONDS = 1.0
STDERR_TAIL = 2000


class CutError(Exception):
    """The cut failed. The message is fit for the user's status page (no server paths);
    `detail` is the tool's own words, for the log and the admin only."""

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


@dataclass(frozen=True)
class Source:
    """What the cut needs to know of the rendition, from its ingest."""

    path: Path
    extension: str
    video_codec: str
    video_profile: str = ""
    pixel_format: str = ""
    bitrate: int | None = None
    audio_codec: str = ""
    audio_channels: int | None = None
    audio_sample_rate: int | None = None


@dataclass(frozen=True)
class CutResult:
    path: Path
    actual_start: Fraction  # seconds into the source where the clip's first frame comes from
    duration: float


def can_cut_exactly(video_codec: str) -> bool:
    return video_codec in VIDEO_ENCODERS


def output_extension(extension: str) -> str:
    return extension if extension in OUTPUT_FORMATS else "mkv"


def seconds_arg(microseconds: int) -> str:
    """`12.345678`: a non-negative time for FFmpeg's command line, formatted from an int."""
    value = max(0, int(microseconds))
    return f"{value // 1_000_000}.{value % 1_000_000:06d}"


@dataclass(frozen=True)
class Landmarks:
    """Where a cut from `seconds` starts, in seconds from the start FFmpeg's `-ss` counts from."""

    keyframe: Fraction  # the last video keyframe at or before `seconds`
    first_frame: Fraction  # the first video frame shown at or after `seconds`


def landmarks(path: Path, seconds: Fraction) -> Landmarks:
    """Read from the packets' timestamps around `seconds` (PyAV; nothing is decoded)."""
    try:
        with av.open(str(path), mode="r", options=ingest.OPEN_OPTIONS) as container:
            stream = container.streams.video[0]
            base = stream.time_base
            target = int(seconds / base)
            # Frames come in decoding order: a later packet may show an earlier picture, so
            # the scan goes a second past the target.
            horizon = target + int(1 / base)
            # FFmpeg's -ss counts from the file's start time.
            origin = Fraction(container.start_time or 0, av.time_base)
            for seek_to in (target, 0):
                container.seek(seek_to, stream=stream, backward=True, any_frame=False)
                keyframe = first = None
                for packet in container.demux(stream):
                    if packet.pts is None:
                        continue
                    if packet.pts <= target and packet.is_keyframe:
                        keyframe = packet.pts
                    if packet.pts >= target and (first is None or packet.pts < first):
                        first = packet.pts
                    if packet.dts is not None and packet.dts > horizon:
                        break
                if keyframe is not None or seek_to == 0:
                    break
    except (av.error.FFmpegError, IndexError) as exc:
        raise CutError(_("The source file cannot be read."), detail=str(exc)) from exc

    def moment(pts: int | None, default: Fraction) -> Fraction:
        return default if pts is None else max(Fraction(0), Fraction(pts) * base - origin)

    return Landmarks(
        keyframe=moment(keyframe, Fraction(0)), first_frame=moment(first, Fraction(seconds))
    )


def _die_with_parent() -> None:
    # Linux: FFmpeg gets SIGKILL when the worker that started it dies (even by SIGKILL), so
    # no orphan keeps writing after its job was handed to another worker.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def build_command(
    *,
    ffmpeg: str,
    source: Source,
    output: Path,
    start_us: int,
    length_us: int,
    exact: bool,
) -> list[str]:
    """FFmpeg's arguments, as a list. `start_us` and `length_us` are integers we computed."""
    fmt = OUTPUT_FORMATS.get(output_extension(source.extension), "matroska")
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
        "-ss",
        seconds_arg(start_us),
        "-i",
        f"file:{source.path}",
        "-t",
        seconds_arg(length_us),
        "-map",
        "0:v:0",
        "-map",
        "0:a?",
        "-sn",
        "-dn",
        "-map_chapters",
        "-1",
    ]
    if exact:
        command += _encoder_arguments(source)
    else:
        # Timestamps start at 0 at the keyframe: the clip shows what it holds, no edit list.
        command += ["-c", "copy", "-avoid_negative_ts", "make_zero"]
    command += ["-f", fmt, f"file:{output}"]
    return command


def _encoder_arguments(source: Source) -> list[str]:
    encoder, options = VIDEO_ENCODERS[source.video_codec]
    arguments = ["-c:v", encoder, *options, "-fps_mode", "passthrough"]
    if source.pixel_format and source.pixel_format.isascii():
        arguments += [
            "-pix_fmt",
            "".join(c for c in source.pixel_format if c.isalnum() or c == "_"),
        ]
    profile = source.video_profile.lower()
    if encoder == "libx264" and profile in H264_PROFILES:
        arguments += ["-profile:v", H264_PROFILES[profile]]
    if encoder == "prores_ks":
        arguments += ["-profile:v", PRORES_PROFILES.get(profile, "2")]
    elif source.bitrate and encoder in {"libx264", "libx265"}:
        # Quality first (CRF 18, visually transparent), never above the source's bitrate.
        arguments += ["-crf", "18", "-maxrate", str(int(source.bitrate))]
        arguments += ["-bufsize", str(2 * int(source.bitrate))]
    elif source.bitrate:
        arguments += ["-b:v", str(int(source.bitrate)), "-maxrate", str(int(source.bitrate))]
        arguments += ["-bufsize", str(2 * int(source.bitrate))]
    if source.audio_codec:
        codec = source.audio_codec
        if codec.startswith("pcm_") and codec.replace("_", "").isalnum():
            arguments += ["-c:a", codec]
        else:
            arguments += [
                "-c:a",
                AUDIO_ENCODERS.get(codec, "aac"),
                "-b:a",
                str(DEFAULT_AUDIO_BITRATE),
            ]
        if source.audio_sample_rate:
            arguments += ["-ar", str(int(source.audio_sample_rate))]
        if source.audio_channels:
            arguments += ["-ac", str(int(source.audio_channels))]
    return arguments


def cut(
    *,
    ffmpeg: str,
    source: Source,
    output: Path,
    start: Fraction,
    end: Fraction,
    exact: bool,
    on_progress: Callable[[int], bool] | None = None,
) -> CutResult:
    """Cut [start, end) of `source` into `output` (a path in a folder of ours).

    `on_progress(percent)` is called about every second; returning False stops FFmpeg (the
    job lost its claim) and raises `CutError`.
    """
    # Half a millisecond of slack: the range is stored to the ms, a frame's time is not
    # (29.97 fps); a frame within it of the in point is the in point's frame.
    marks = landmarks(source.path, max(Fraction(0), start - Fraction(1, 2000)))
    if exact:
        # Decoding starts at the keyframe before; FFmpeg drops the frames before this time,
        # which is the first frame's own (rounded down to the microsecond), so the clip's
        # first frame is at 0.
        actual = marks.first_frame
        start_us = int(actual * 1_000_000)
    else:
        # Rounded up to the microsecond: FFmpeg seeks to the keyframe at or before this time,
        # which must be this keyframe, not the one before.
        actual = marks.keyframe
        start_us = -int(-actual * 1_000_000 // 1)
    # Frames before the out point (a frame exactly at it, within half a ms, is left out).
    length_us = int((end - Fraction(1, 2000) - Fraction(start_us, 1_000_000)) * 1_000_000)
    command = build_command(
        ffmpeg=ffmpeg,
        source=source,
        output=output,
        start_us=start_us,
        length_us=length_us,
        exact=exact,
    )
    _run(command, total_us=length_us, on_progress=on_progress)
    if not output.exists() or output.stat().st_size == 0:
        raise CutError(_("The cut produced no file."))
    return CutResult(path=output, actual_start=actual, duration=float(end - actual))


def _run(command: list[str], *, total_us: int, on_progress: Callable[[int], bool] | None) -> None:
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
                percent = max(0, min(99, done * 100 // max(1, total_us)))
                if not on_progress(percent):
                    stopped = True
                    process.kill()
                    break
        finally:
            code = process.wait()
        if stopped:
            raise CutError(_("The cut was taken over by another worker."))
        if code != 0:
            errors.seek(0)
            tail = errors.read()[-STDERR_TAIL:].decode("utf-8", "replace").strip()
            raise CutError(_("FFmpeg could not cut the clip."), detail=tail)
