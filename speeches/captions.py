"""Caption cues from a timecoded transcript (pure: paragraphs and times in, cues out).

A timecoded paragraph, with the paragraphs after it that have no timecode of their own, is
spoken from its timecode to the next one (the last, to the end of the video). Its words are
cut into cues of at most two lines of 42 characters, the broadcasters' limit, at sentence
ends where they can and between words where they must, and the span is shared between the
cues by their length. A span far longer than its words need (a pause, applause, the last
paragraph before the end of the video) is shortened to a slow reading pace, so a caption
does not stay on screen over silence. Paragraphs before the first timecode have no time and
no cue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LINE = 42  # characters per caption line
CUE = 2 * LINE  # two lines per cue
# The slowest pace a cue is given: 12 characters a second (about 2.4 words, slow speech).
SLOWEST_MS_PER_CHARACTER = 1000 // 12
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


@dataclass(frozen=True)
class Segment:
    start_ms: int
    end_ms: int
    text: str


@dataclass(frozen=True)
class TimedText:
    start_ms: int
    end_ms: int
    text: str


def segments(texts: list[str], timecodes: dict[int, int], *, duration_ms: int) -> list[Segment]:
    """Each timecoded paragraph of `texts` (plain text, by position) with the untimed ones
    after it, over its span: from its timecode to the next one, or the video's end."""
    starts = sorted((position, ms) for position, ms in timecodes.items() if position < len(texts))
    found = []
    for n, (position, start) in enumerate(starts):
        following = starts[n + 1] if n + 1 < len(starts) else (len(texts), duration_ms)
        text = " ".join(t for t in texts[position : following[0]] if t)
        end = min(following[1], duration_ms)
        if text and end > start:
            found.append(Segment(start, end, text))
    return found


def _pieces(text: str) -> list[str]:
    """`text` cut at sentence ends, then between words, into pieces of at most CUE
    characters."""
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        current = ""
        for word in sentence.split():
            if current and len(current) + 1 + len(word) > CUE:
                pieces.append(current)
                current = word
            else:
                current = f"{current} {word}" if current else word
        if current:
            pieces.append(current)
    # Short sentences share a cue while it stays within two lines.
    merged: list[str] = []
    for piece in pieces:
        if merged and len(merged[-1]) + 1 + len(piece) <= CUE:
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged


def two_lines(text: str) -> str:
    """A cue's text on one line, or two of at most LINE characters broken between words,
    as evenly as the words allow."""
    if len(text) <= LINE:
        return text
    words = text.split()
    best, best_gap = text, len(text)
    for n in range(1, len(words)):
        first, second = " ".join(words[:n]), " ".join(words[n:])
        gap = abs(len(first) - len(second))
        if len(first) <= LINE and len(second) <= LINE and gap < best_gap:
            best, best_gap = f"{first}\n{second}", gap
    return best


def cues(segments_: list[Segment]) -> list[TimedText]:
    """The segments as cues of readable length, each over its share of its segment's span."""
    found: list[TimedText] = []
    for segment in segments_:
        pieces = _pieces(segment.text)
        characters = sum(len(piece) for piece in pieces)
        span = min(segment.end_ms - segment.start_ms, characters * SLOWEST_MS_PER_CHARACTER)
        start = segment.start_ms
        spoken = 0
        for piece in pieces:
            spoken += len(piece)
            end = segment.start_ms + span * spoken // characters
            if end > start:
                found.append(TimedText(start, end, two_lines(piece)))
            start = end
    return found
