"""The test master, and reading pictures back out of video files to compare them."""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

import av

FFMPEG = "/usr/bin/ffmpeg"
MASTER_SECONDS = 600
FPS = 25
GOP_FRAMES = 50  # a keyframe every 2 s
SEGMENT_SECONDS = 10


def make_master(path: Path) -> Path:
    """10 minutes of 1080p25 H.264 at a low bitrate, with an AAC tone.

    Encoding 15,000 1080p pictures takes minutes on a shared 2-core machine; 10 s of FFmpeg's
    `testsrc` (a picture that changes every frame) are encoded once and repeated by stream
    copy, the sound encoded over the whole length. Frames stay at exact multiples of 1/25 s,
    keyframes at multiples of 2 s.
    """
    segment = path.with_name("segment.mp4")
    run = [FFMPEG, "-hide_banner", "-loglevel", "error", "-y"]
    subprocess.run(
        [
            *run,
            "-f",
            "lavfi",
            "-i",
            f"testsrc=size=1920x1080:rate={FPS}:duration={SEGMENT_SECONDS}",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-b:v",
            "300k",
            "-g",
            str(GOP_FRAMES),
            "-sc_threshold",
            "0",
            "-pix_fmt",
            "yuv420p",
            "-f",
            "mp4",
            str(segment),
        ],
        check=True,
    )
    subprocess.run(
        [
            *run,
            "-stream_loop",
            str(MASTER_SECONDS // SEGMENT_SECONDS - 1),
            "-i",
            str(segment),
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:sample_rate=48000:duration={MASTER_SECONDS}",
            "-map",
            "0:v",
            "-map",
            "1:a",
            "-c:v",
            "copy",
            "-c:a",
            "aac",
            "-b:a",
            "64k",
            "-shortest",
            "-f",
            "mp4",
            str(path),
        ],
        check=True,
    )
    segment.unlink()
    return path


def _thumb(frame) -> bytes:
    # Small and grey: enough to tell neighbouring testsrc pictures apart, cheap to compare.
    return bytes(frame.reformat(width=160, height=90, format="gray").planes[0])


def _distance(a: bytes, b: bytes) -> int:
    return sum(abs(x - y) for x, y in zip(a, b, strict=True))


def frames_near(path: Path, seconds: Fraction, *, spread: int = 3) -> dict[Fraction, bytes]:
    """The source's pictures from `spread` frames before `seconds` to `spread` after, by time."""
    wanted_from = seconds - Fraction(spread, FPS)
    wanted_to = seconds + Fraction(spread, FPS)
    found: dict[Fraction, bytes] = {}
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        base = stream.time_base
        container.seek(int(max(Fraction(0), wanted_from - 3) / base), stream=stream)
        for frame in container.decode(stream):
            moment = Fraction(frame.pts) * base
            if moment > wanted_to:
                break
            if moment >= wanted_from:
                found[moment] = _thumb(frame)
    return found


def best_match(picture: bytes, candidates: dict[Fraction, bytes]) -> Fraction:
    """The time of the candidate most like `picture`; asserts that it is clearly the best."""
    ranked = sorted(candidates, key=lambda moment: _distance(picture, candidates[moment]))
    best, second = ranked[0], ranked[1]
    # Neighbouring testsrc pictures differ in a small part: the best is about half as far.
    assert _distance(picture, candidates[best]) * 3 < _distance(picture, candidates[second]) * 2, (
        "no single source picture matches the clip's: "
        + ", ".join(f"{float(m):.2f} s: {_distance(picture, candidates[m])}" for m in ranked)
    )
    return best


def first_and_last(path: Path) -> tuple[bytes, bytes, int, float, float]:
    """The first and last pictures of a file, its frame count, first frame time, duration."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        first = last = None
        count = 0
        first_time = 0.0
        for frame in container.decode(stream):
            if first is None:
                first, first_time = _thumb(frame), float(frame.time)
            last = frame
            count += 1
        assert first is not None and last is not None
        return first, _thumb(last), count, first_time, container.duration / av.time_base
