"""Real, small video files made with PyAV: colour bars and a tone (demo content and tests)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import av.error
import av.filter
import av.frame

# lavfi sources that draw test charts.
PATTERNS = ("smptehdbars", "smptebars", "pal100bars", "rgbtestsrc", "testsrc2")


def _frames(*chain: tuple[str, str | None]) -> Iterator[av.frame.Frame]:
    """The frames out of a linear lavfi graph: a source, its filters, then the sink,
    each given as (filter name, arguments)."""
    graph = av.filter.Graph()
    nodes = [graph.add(name, args) for name, args in chain]
    for upstream, downstream in itertools.pairwise(nodes):
        upstream.link_to(downstream)
    graph.configure()
    while True:
        try:
            yield graph.pull()
        except (av.error.EOFError, av.error.BlockingIOError):
            return


def make_clip(
    path: str | Path,
    *,
    width: int = 640,
    height: int = 360,
    seconds: float = 2.0,
    rate: int = 25,
    pattern: str = "smptehdbars",
    tone_hz: int = 1000,
    audio: bool = True,
    codec: str = "libx264",
) -> Path:
    """Write an MP4 (moov first) of `pattern` bars with a sine tone; returns the path."""
    path = Path(path)
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        video = out.add_stream(codec, rate=rate, options={"preset": "ultrafast", "crf": "30"})
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        sound = out.add_stream("aac", rate=48000, layout="stereo") if audio else None

        for frame in _frames(
            (pattern, f"size={width}x{height}:rate={rate}:duration={seconds}"),
            ("format", "yuv420p"),
            ("buffersink", None),
        ):
            out.mux(video.encode(frame))
        out.mux(video.encode(None))

        if sound is not None:
            for frame in _frames(
                ("sine", f"frequency={tone_hz}:sample_rate=48000:duration={seconds}"),
                ("aformat", "sample_fmts=fltp:channel_layouts=stereo"),
                ("abuffersink", None),
            ):
                frame.time_base = Fraction(1, 48000)
                out.mux(sound.encode(frame))
            out.mux(sound.encode(None))
    return path
