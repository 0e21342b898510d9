"""Timecoded transcripts: what an editor types or pastes, read into one timecode per paragraph.

Pure functions over text; the clock arithmetic is `core.timecode`'s. A transcript's paragraphs
are its blocks of text between blank lines (Markdown's paragraphs, quotations, lists), counted
from 0. An editor gives a paragraph its timecode in two ways:

- at its start: `[00:01:12] Secretary General: …`, or `00:01:12 …` (hours required when the
  brackets are left out, so "10:30 am" never reads as a timecode); frames (`00:01:12:05`, at
  the video's rate) and milliseconds (`00:01:12.500`) are read too;
- by pasting captions (SRT or WebVTT). The rule: the cues' words are read as one text, in
  order; each paragraph, in order, takes the start of the cue in which its first words (up to
  six) are found, searching on from half-way through the previous paragraph's words (captions
  may leave words out). Case, punctuation and the cues' line breaks are ignored, so one cue per
  paragraph and several cues per paragraph both work.
  A paragraph whose first words are not found keeps the timecode typed at its start, if any.

Every error names the line it is on, so the form can list them one per line.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from django.utils.translation import gettext as _

from core import timecode

# Brackets hold anything that starts like a clock (a digit and a colon), so that a malformed
# timecode is reported rather than silently kept as text; `[Applause]` and links are text.
_BRACKETED = re.compile(r"\[(?P<code>\d{1,2}:[^\]]*)\](?!\()[ \t]*")
_BARE = re.compile(r"(?P<code>\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,3}|[:;]\d{2})?)(?=\s|$)[ \t]*")
# What opens a quotation, a list item or a heading: a timecode goes after it.
BLOCK_OPENING = re.compile(r"^(?:[ ]{0,3}(?:>|[-*+]|\d{1,9}[.)]|#{1,6})[ \t]+)*")
_WORD = re.compile(r"\w+")
_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")  # WebVTT's <v Name>, <i>; SRT's {\an8}
_TIMING = re.compile(r"^(?P<start>\S+)[ \t]+-->[ \t]+(?P<end>\S+)(?:[ \t].*)?$")
# A paragraph is found in the captions by this many of its first words (fewer if it is short).
MATCH_WORDS = 6
MILLISECONDS = 1000


class TranscriptError(ValueError):
    """What could not be read, one message per line, each fit to show the editor."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Paragraph:
    position: int  # 0, 1, 2 … in the transcript
    line: int  # where it starts, counted from 1
    source: str  # its Markdown, without the timecode


@dataclass(frozen=True)
class Cue:
    start: Fraction
    end: Fraction
    text: str
    line: int


@dataclass(frozen=True)
class Transcript:
    """A transcript's Markdown without timecodes, and the timecodes typed in it."""

    body: str
    paragraphs: list[Paragraph]
    timecodes: dict[int, Fraction]  # paragraph position -> seconds


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff").split("\n")


def paragraphs(body: str) -> list[Paragraph]:
    """The blocks of `body` between blank lines, as they are."""
    found: list[Paragraph] = []
    block: list[str] = []
    start = 0
    for number, line in enumerate([*_lines(body), ""], start=1):
        if line.strip():
            if not block:
                start = number
            block.append(line)
        elif block:
            found.append(Paragraph(len(found), start, "\n".join(block)))
            block = []
    return found


def read_transcript(body: str, *, fps: Fraction | None = None) -> Transcript:
    """Split the timecodes typed at the start of paragraphs from the text.

    Raises TranscriptError listing every malformed timecode with its line.
    """
    lines = _lines(body)
    errors: list[str] = []
    timecodes: dict[int, Fraction] = {}
    drop: set[int] = set()
    for paragraph in paragraphs(body):
        index = paragraph.line - 1
        first = lines[index]
        opening = BLOCK_OPENING.match(first).end()
        match = _BRACKETED.match(first, opening) or _BARE.match(first, opening)
        if match is None:
            continue
        try:
            timecodes[paragraph.position] = timecode.parse(match["code"], fps=fps)
        except timecode.TimecodeError as error:
            errors.append(_("Line %(line)d: %(error)s") % {"line": paragraph.line, "error": error})
            continue
        lines[index] = first[:opening] + first[match.end() :]
        if not lines[index].strip():
            drop.add(index)
    if errors:
        raise TranscriptError(errors)
    clean = "\n".join(line for n, line in enumerate(lines) if n not in drop).strip("\n")
    return Transcript(body=clean, paragraphs=paragraphs(clean), timecodes=timecodes)


def with_timecodes(body: str, timecodes: dict[int, Fraction | int | float]) -> str:
    """`body` with `[HH:MM:SS]` (or `[HH:MM:SS.mmm]`) written at the start of the timecoded
    paragraphs: how the admin shows them, and reads them back unchanged."""
    lines = _lines(body)
    for paragraph in paragraphs(body):
        if paragraph.position in timecodes:
            index = paragraph.line - 1
            opening = BLOCK_OPENING.match(lines[index]).end()
            code = f"[{display(timecodes[paragraph.position])}] "
            lines[index] = lines[index][:opening] + code + lines[index][opening:]
    return "\n".join(lines)


def display(seconds: Fraction | int | float) -> str:
    """`00:01:12`, or `00:01:12.480` when the moment is not on a whole second."""
    value = Fraction(seconds)
    if value.denominator == 1:
        return timecode.to_clock(value)
    return timecode.to_webvtt(value)


def read_captions(text: str, *, fps: Fraction | None = None) -> list[Cue]:
    """The cues of an SRT or WebVTT file (headers, notes, styles, numbers and tags skipped).

    Raises TranscriptError listing every cue that cannot be read, with its line.
    """
    lines = _lines(text)
    errors: list[str] = []
    cues: list[Cue] = []
    blocks: list[tuple[int, list[str]]] = []
    block: list[str] = []
    start = 0
    for number, line in enumerate([*lines, ""], start=1):
        if line.strip():
            if not block:
                start = number
            block.append(line.strip())
        elif block:
            blocks.append((start, block))
            block = []
    for first_line, block in blocks:
        head = block[0]
        if head.startswith("WEBVTT") or head.split(" ", 1)[0] in {"NOTE", "STYLE", "REGION"}:
            continue
        timing_at = next((n for n, line in enumerate(block[:2]) if "-->" in line), None)
        if timing_at is None:
            errors.append(
                _(
                    "Line %(line)d: “%(text)s” is not a cue: a cue starts with its times, "
                    "as in 00:01:12,000 --> 00:01:15,500."
                )
                % {"line": first_line, "text": head[:40]}
            )
            continue
        line_number = first_line + timing_at
        timing = _TIMING.match(block[timing_at])
        if timing is None:
            errors.append(
                _("Line %(line)d: write the times as 00:01:12,000 --> 00:01:15,500.")
                % {"line": line_number}
            )
            continue
        try:
            begins = timecode.parse(timing["start"], fps=fps)
            ends = timecode.parse(timing["end"], fps=fps)
        except timecode.TimecodeError as error:
            errors.append(_("Line %(line)d: %(error)s") % {"line": line_number, "error": error})
            continue
        if ends < begins:
            errors.append(
                _("Line %(line)d: the cue ends before it starts.") % {"line": line_number}
            )
            continue
        words = html.unescape(_TAG.sub("", " ".join(block[timing_at + 1 :])))
        cues.append(Cue(begins, ends, " ".join(words.split()), line_number))
    if errors:
        raise TranscriptError(errors)
    if not cues:
        raise TranscriptError([_("These captions hold no cue.")])
    return cues


def words(text: str) -> list[str]:
    """The words of `text` as matching compares them: lower case, no punctuation."""
    return [word.casefold() for word in _WORD.findall(text.replace("\u2019", "'"))]


def match_captions(cues: Iterable[Cue], texts: list[str]) -> dict[int, Fraction]:
    """Each paragraph's (plain `texts`, in order) timecode from the cues, by the module's rule.

    Paragraphs whose first words are not found are left out of the result.
    """
    stream: list[tuple[str, Fraction]] = [
        (word, cue.start) for cue in cues for word in words(cue.text)
    ]
    spoken = [word for word, _start in stream]
    found: dict[int, Fraction] = {}
    position = 0
    for index, text in enumerate(texts):
        said = words(text)
        opening = said[:MATCH_WORDS]
        if not opening:
            continue
        for at in range(position, len(spoken) - len(opening) + 1):
            if spoken[at : at + len(opening)] == opening:
                found[index] = stream[at][1]
                position = at + max(len(opening), len(said) // 2)
                break
    return found


def check_order_and_duration(
    timecodes: dict[int, Fraction], *, duration: float | None, lines: dict[int, int]
) -> list[str]:
    """Errors for timecodes that go backwards or start at or past the end of the video.

    `lines`: each paragraph's line in the transcript, to name it.
    """
    errors: list[str] = []
    previous: Fraction | None = None
    for position in sorted(timecodes):
        moment = timecodes[position]
        where = {"line": lines.get(position, 0), "timecode": display(moment)}
        if previous is not None and moment <= previous:
            errors.append(
                _(
                    "Line %(line)d: %(timecode)s comes after the previous paragraph's "
                    "%(previous)s: timecodes go forward, paragraph by paragraph."
                )
                % {**where, "previous": display(previous)}
            )
        if duration is not None and moment >= Fraction(duration):
            errors.append(
                _("Line %(line)d: %(timecode)s is past the end of the video (%(duration)s).")
                % {**where, "duration": timecode.to_clock(Fraction(duration))}
            )
        previous = moment
    return errors


def to_milliseconds(seconds: Fraction) -> int:
    return round(seconds * MILLISECONDS)
