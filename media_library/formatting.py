"""How stored values are shown: a video's shot list as shots, a duration as clock time."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Shot:
    timecode: str
    description: str


_TIMECODE = re.compile(r"^\s*\[?(\d{1,2}:\d{2}(?::\d{2})?(?:[:.;]\d{1,3})?)\]?\s*[-–—:]?\s*(.*)$")  # noqa: RUF001


def parse_shot_list(text: str) -> list[Shot]:
    """Lines "00:00:12 Description" become shots; a line without a timecode stands alone."""
    shots = []
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _TIMECODE.match(line)
        if match:
            shots.append(Shot(timecode=match.group(1), description=match.group(2).strip()))
        else:
            shots.append(Shot(timecode="", description=line.strip()))
    return shots


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
