"""Real, small video files made with PyAV: colour bars and a tone (demo content and tests)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import av.error
import av.filter

# lavfi sources that draw test charts.
PATTERNS = ("smptehdbars", "smptebars", "pal100bars", "rgbtestsrc", "testsrc2")


def _pull(graph: av.filter.Graph):
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

        graph = av.filter.Graph()
        source = graph.add(pattern, f"size={width}x{height}:rate={rate}:duration={seconds}")
        convert = graph.add("format", "yuv420p")
        sink = graph.add("buffersink")
        source.link_to(convert)
        convert.link_to(sink)
        graph.configure()
        for frame in _pull(graph):
            out.mux(video.encode(frame))
        out.mux(video.encode(None))

        if sound is not None:
            tone = av.filter.Graph()
            sine = tone.add("sine", f"frequency={tone_hz}:sample_rate=48000:duration={seconds}")
            shape = tone.add("aformat", "sample_fmts=fltp:channel_layouts=stereo")
            audio_sink = tone.add("abuffersink")
            sine.link_to(shape)
            shape.link_to(audio_sink)
            tone.configure()
            for frame in _pull(tone):
                frame.time_base = Fraction(1, 48000)
                out.mux(sound.encode(frame))
            out.mux(sound.encode(None))
    return path
