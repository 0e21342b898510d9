"""Timecodes as broadcasters write them, and as subtitle files and players need them.

One parser for every place a person types a moment of a video: shot lists, transcripts, clip
ranges. A moment is kept as an exact `Fraction` of seconds, so that frame arithmetic at
29.97 fps (30000/1001) never drifts; callers round once, where they store or display.

Accepted forms:

- `HH:MM:SS` and `MM:SS`: clock time, as read off a player.
- `HH:MM:SS.mmm` and `HH:MM:SS,mmm`: WebVTT and SRT, milliseconds (1 to 3 digits).
- `HH:MM:SS:FF`: SMPTE non-drop-frame: `FF` frames at the video's rate. At 29.97 fps a
  non-drop timecode counts 30 frames per timecode second, so it runs 0.1 % behind the clock
  (00:10:00:00 is 600.6 s), as in every broadcast system.
- `HH:MM:SS;FF` (or `HH:MM:SS.FF` with `drop_frame=True`): SMPTE drop-frame at 29.97 or
  59.94 fps: frame numbers 00 and 01 (00-03 at 59.94) are skipped at the start of every
  minute except every tenth, which keeps the timecode on the clock.
"""

from __future__ import annotations

import re
from fractions import Fraction

from django.utils.translation import gettext as _

NTSC = Fraction(30000, 1001)
PAL = Fraction(25)

_TIMECODE = re.compile(
    r"""^\s*
    (?:(?P<hours>\d{1,2}):)?
    (?P<minutes>\d{1,2}):
    (?P<seconds>\d{2})
    (?:
        (?P<ms_sep>[.,])(?P<ms>\d{1,3})
      | (?P<frame_sep>[:;])(?P<frames>\d{2})
    )?
    \s*$""",
    re.VERBOSE,
)


class TimecodeError(ValueError):
    """A timecode that cannot be read, with a message fit to show the editor who typed it."""


def parse(text: str, *, fps: Fraction | int | None = None) -> Fraction:
    """The moment `text` names, in seconds from the start of the video.

    `fps` is the video's frame rate; a timecode with frames needs it. Raises `TimecodeError`.
    """
    match = _TIMECODE.match(text or "")
    if match is None:
        raise TimecodeError(
            _("“%(text)s” is not a timecode: write HH:MM:SS, HH:MM:SS:FF or HH:MM:SS.mmm.")
            % {"text": (text or "").strip()[:40]}
        )
    hours = int(match["hours"] or 0)
    minutes = int(match["minutes"])
    seconds = int(match["seconds"])
    if seconds > 59 or (minutes > 59 and match["hours"] is not None):
        raise TimecodeError(
            _("“%(text)s”: minutes and seconds go from 00 to 59.") % {"text": text.strip()}
        )
    clock = hours * 3600 + minutes * 60 + seconds
    if match["ms"] is not None:
        return clock + Fraction(int(match["ms"].ljust(3, "0")), 1000)
    if match["frames"] is None:
        return Fraction(clock)
    return _smpte(
        text.strip(),
        hours=hours,
        minutes=minutes,
        seconds=seconds,
        frames=int(match["frames"]),
        drop_frame=match["frame_sep"] == ";",
        fps=fps,
    )


def _smpte(
    text: str,
    *,
    hours: int,
    minutes: int,
    seconds: int,
    frames: int,
    drop_frame: bool,
    fps: Fraction | int | None,
) -> Fraction:
    if not fps:
        raise TimecodeError(
            _("“%(text)s” counts frames, but the video's frame rate is not known.") % {"text": text}
        )
    rate = Fraction(fps)
    nominal = round(rate)  # frames per timecode second: 30 at 29.97
    if frames >= nominal:
        raise TimecodeError(
            _("“%(text)s”: at %(fps)s frames per second, frames go from 00 to %(last)02d.")
            % {"text": text, "fps": format_rate(rate), "last": nominal - 1}
        )
    total_minutes = hours * 60 + minutes
    frame_number = (hours * 3600 + minutes * 60 + seconds) * nominal + frames
    if drop_frame:
        if rate.denominator != 1001:
            raise TimecodeError(
                _("“%(text)s” is drop-frame, which exists only at 29.97 and 59.94 fps.")
                % {"text": text}
            )
        dropped = nominal // 15  # 2 at 29.97, 4 at 59.94
        if seconds == 0 and minutes % 10 and frames < dropped:
            raise TimecodeError(
                _("“%(text)s” does not exist in drop-frame timecode.") % {"text": text}
            )
        frame_number -= dropped * (total_minutes - total_minutes // 10)
    return frame_number / rate


def format_rate(fps: Fraction) -> str:
    """`25`, `29.97`: a frame rate as editors write it."""
    return str(int(fps)) if fps.denominator == 1 else f"{float(fps):.2f}"


def _clock(seconds: Fraction | float) -> tuple[int, int, int, Fraction]:
    value = Fraction(seconds)
    if value < 0:
        raise ValueError("a moment of a video is never negative")
    whole = int(value)
    return whole // 3600, whole // 60 % 60, whole % 60, value - whole


def to_clock(seconds: Fraction | float) -> str:
    """`HH:MM:SS`, rounded down to the second: what a page shows beside a shot."""
    hours, minutes, secs, _rest = _clock(seconds)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


def to_webvtt(seconds: Fraction | float) -> str:
    """`HH:MM:SS.mmm`, as WebVTT cues need."""
    millis = round(Fraction(seconds) * 1000)
    hours, minutes, secs, _rest = _clock(Fraction(millis // 1000))
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis % 1000:03d}"


def to_srt(seconds: Fraction | float) -> str:
    """`HH:MM:SS,mmm`, as SubRip files need."""
    return to_webvtt(seconds).replace(".", ",")


def to_smpte(seconds: Fraction | float, *, fps: Fraction | int, drop_frame: bool = False) -> str:
    """`HH:MM:SS:FF` (`;FF` drop-frame) of the frame that shows at `seconds`."""
    rate = Fraction(fps)
    nominal = round(rate)
    frame_number = int(Fraction(seconds) * rate)
    separator = ":"
    if drop_frame:
        if rate.denominator != 1001:
            raise ValueError("drop-frame exists only at 29.97 and 59.94 fps")
        separator = ";"
        dropped = nominal // 15
        per_ten_minutes = nominal * 600 - dropped * 9
        per_minute = nominal * 60 - dropped
        tens, rest = divmod(frame_number, per_ten_minutes)
        frame_number += dropped * 9 * tens
        if rest > dropped:
            frame_number += dropped * ((rest - dropped) // per_minute)
    frames = frame_number % nominal
    whole = frame_number // nominal
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}{separator}{frames:02d}"


def to_media_fragment(seconds: Fraction | float) -> str:
    """`t=72` or `t=72.48`: the W3C Media Fragment that starts a player at `seconds`."""
    value = round(float(seconds), 3)
    return f"t={value:g}" if value < 1e6 else f"t={int(value)}"
