"""Shot lists as broadcasters write them, read into entries and written out again.

Pure functions, no database: the admin form, the migration of the old free-text shot lists
and the demo loader call them. Every timecode is read by `core.timecode` (clock time,
SMPTE frames at the video's rate, drop-frame with `;`); a moment is kept in whole
milliseconds, rounded once here (a frame at 29.97 fps is 33.367 ms: the rounding is half a
millisecond at most, far below a frame).

What is read, line by line (`parse`):

- `00:00:12 Wide shot of …`, `[00:00:12]`, `(00:00:12)`, `00:00:12 - Wide shot`;
- ranges `00:00:12 - 00:00:20 …` (also with an en or em dash, or `to`);
- frames `00:00:12:10` (`;10` drop-frame);
- number prefixes `1.`, `01)`, `12 -` before the timecode (AP, Reuters, NATO Channel);
- the kinds `SOUNDBITE` (`SOUND BITE`, `SOT`), `UPSOUND` (`UP SOUND`, `NATSOT`, `NATS`),
  `TEXT ON SCREEN` (`ON-SCREEN TEXT`), `GRAPHIC` (`GRAPHICS`), anything else being a shot;
- `SOUNDBITE (English) Jens Stoltenberg, NATO Secretary General: "…"`, also `(in French)`
  and `by Name, Role:`, with the quote on the same line or on the lines that follow;
- a timecode alone on its line, the entry on the next one;
- lines without a timecode continue the entry above (a quote running over several lines);
  a `SHOT LIST` heading line is skipped.

Whatever cannot be read is a `LineError` with the line number and the reason; callers save
nothing when there is one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from fractions import Fraction

from django.conf.locale import LANG_INFO
from django.utils.translation import gettext as _

from core import timecode

SHOT = "shot"
SOUNDBITE = "soundbite"
UPSOUND = "upsound"
TEXT_ON_SCREEN = "text_on_screen"
GRAPHIC = "graphic"

# How each kind is written out (`format_entries`): the broadcasters' own words.
KIND_LABELS = {
    SOUNDBITE: "SOUNDBITE",
    UPSOUND: "UPSOUND",
    TEXT_ON_SCREEN: "TEXT ON SCREEN",
    GRAPHIC: "GRAPHIC",
}

_TC = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3}|[:;]\d{2})?"
_DASH = r"(?:-|\u2013|\u2014|to)"  # hyphen, en and em dashes: what editors paste
_LINE = re.compile(
    rf"""^\s*
    (?:\d{{1,3}}\s*[.)]\s*|\d{{1,3}}\s+[-\u2013\u2014]\s+)?  # 1.  01)  12 -
    [\[(]?(?P<start>{_TC})[\])]?
    (?:\s*{_DASH}\s*[\[(]?(?P<end>{_TC})[\])]?)?
    (?P<rest>(?:\s.*|[-\u2013\u2014].*|:(?!\d).*)?)$""",
    re.VERBOSE,
)
# Something that looks like a timecode but is not one (a typo): reported, not swallowed.
_TIMECODE_LIKE = re.compile(r"^\s*(?:\d{1,3}\s*[.)]\s*)?[\[(]?\d{1,3}[:;.]\d")
_KIND = re.compile(
    r"""^(?P<kind>
        SOUND\s?BITES?|SOT
      | UP\s?SOUND|NATSOT|NATS(?:OUND)?|NAT\s+SOUND
      | TEXT\s+ON\s+SCREEN|ON[-\s]SCREEN\s+TEXT
      | GRAPHICS?
    )\b\s*[:\-\u2013\u2014]?\s*(?P<rest>.*)$""",
    re.IGNORECASE | re.VERBOSE,
)
_LANGUAGE = re.compile(r"^\((?:in\s+)?(?P<language>[^)]{1,60})\)\s*(?P<rest>.*)$", re.IGNORECASE)
_SPEAKER = re.compile(r"^(?:by\s+)?(?P<speaker>[^:“\"«]{1,300}?)\s*:(?:\s+(?P<quote>.*)|$)", re.S)
_HEADING = re.compile(r"^\s*(?:shot\s*list|shotlist|shots)\s*:?\s*$", re.IGNORECASE)
_QUOTES = "\"“”„«»‘’'"  # noqa: RUF001


@dataclass(frozen=True)
class Entry:
    """One entry of a shot list. `start_ms`/`end_ms` in milliseconds from the start of the
    video; `end_ms` None: the entry runs to the next one's start (or the video's end)."""

    start_ms: int
    kind: str = SHOT
    description: str = ""
    end_ms: int | None = None
    speaker_name: str = ""
    speaker_role: str = ""
    language: str = ""
    quote: str = ""
    line: int = 0


@dataclass(frozen=True)
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return _("Line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class ParsedShotList:
    entries: list[Entry] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)


def to_ms(seconds: Fraction | float) -> int:
    return round(Fraction(seconds) * 1000)


def frame_rate(value) -> Fraction | None:
    """The exact rate of a stored one (3 decimals): 29.970 is 30000/1001, 25.000 is 25.

    Any rate a thousandth slower than a whole number is the NTSC form of that number
    (N * 1000/1001): 23.976, 29.97, 47.952, 59.94, 119.88. The one rule for the whole site
    (shot lists, speeches, clips)."""
    if not value:
        return None
    rate = Fraction(str(value))
    whole = rate * Fraction(1001, 1000)
    if rate.denominator != 1 and abs(whole - round(whole)) < Fraction(1, 100):
        return Fraction(round(whole) * 1000, 1001)
    return rate


def language_code(name: str) -> str | None:
    """`en` for "English", "english", "en", "anglais"? Only names Django knows: the English
    and local names of its languages (`LANG_INFO`). None when unknown."""
    wanted = name.strip().casefold()
    if not wanted:
        return None
    for code, info in LANG_INFO.items():
        if "name" not in info:
            continue
        names = {code.casefold(), info["name"].casefold(), info["name_local"].casefold()}
        if wanted in names:
            return code
    return None


def language_name(code: str) -> str:
    """ "English" for `en`: how a shot list names the language of a soundbite."""
    info = LANG_INFO.get(code)
    return info["name"] if info and "name" in info else code


def _strip_quotes(text: str) -> str:
    text = text.strip()
    while len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1].strip()
    return text


def _read_kind(text: str) -> tuple[str, str]:
    match = _KIND.match(text)
    if match is None:
        return SHOT, text
    word = re.sub(r"[\s-]", "", match["kind"]).upper()
    if word.startswith("SOUNDBITE") or word == "SOT":
        kind = SOUNDBITE
    elif word.startswith(("UPSOUND", "NAT")):
        kind = UPSOUND
    elif word.startswith("GRAPHIC"):
        kind = GRAPHIC
    else:
        kind = TEXT_ON_SCREEN
    return kind, match["rest"].strip()


class _Refused(ValueError):
    pass


def _body(entry: Entry, text: str) -> Entry:
    """Fill an entry from the text after its timecode: its kind and, for a soundbite, the
    language, speaker and quote."""
    kind, rest = _read_kind(text.strip().lstrip("-\u2013\u2014: ").strip())
    entry = replace(entry, kind=kind)
    language = ""
    match = _LANGUAGE.match(rest)
    if match and kind in {SOUNDBITE, UPSOUND}:
        language = language_code(match["language"])
        if language is None:
            raise _Refused(
                _("unknown language “%(name)s”: write it in English, e.g. (English), (French).")
                % {"name": match["language"].strip()}
            )
        rest = match["rest"].strip()
    if kind != SOUNDBITE:
        return replace(entry, description=rest, language=language)
    match = _SPEAKER.match(rest)
    if match is None:
        raise _Refused(
            _(
                "a SOUNDBITE names its speaker followed by a colon: "
                "SOUNDBITE (English) Name, role: “quote”."
            )
        )
    name, _comma, role = match["speaker"].partition(",")
    return replace(
        entry,
        language=language,
        speaker_name=name.strip(),
        speaker_role=role.strip(),
        quote=_strip_quotes(match["quote"] or ""),
    )


def _continued(entry: Entry, text: str) -> Entry:
    """A line without a timecode: more of the quote, or of the description."""
    text = text.strip()
    if entry.kind == SOUNDBITE:
        quote = f"{entry.quote} {_strip_quotes(text)}" if entry.quote else _strip_quotes(text)
        return replace(entry, quote=_strip_quotes(quote))
    if not entry.description:
        # A timecode on a line of its own: this line is the entry.
        return _body(entry, text)
    return replace(entry, description=f"{entry.description} {text}")


def _moment(text: str, *, fps: Fraction | None) -> int:
    try:
        return to_ms(timecode.parse(text, fps=fps))
    except timecode.TimecodeError as exc:
        raise _Refused(str(exc)) from exc


def parse(
    text: str, *, fps: Fraction | int | None = None, duration_ms: int | None = None
) -> ParsedShotList:
    """Read a pasted shot list. `fps`: the video's frame rate (for `HH:MM:SS:FF`);
    `duration_ms`: its duration, which no entry may run past (None: not known yet)."""
    fps = Fraction(fps) if fps else None
    result = ParsedShotList()
    current: Entry | None = None
    current_line = 0
    skipping = False  # the lines that continue a refused entry say nothing more

    def close() -> None:
        if current is None:
            return
        problem = _check(current)
        if problem:
            result.errors.append(LineError(current_line, problem))
        else:
            result.entries.append(current)

    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip() or (current is None and _HEADING.match(line)):
            continue
        match = _LINE.match(line)
        try:
            if match is None:
                if _TIMECODE_LIKE.match(line):
                    token = line.strip().split()[0]
                    _moment(token.strip("[]()"), fps=fps)  # raises with the reason
                    raise _Refused(_("cannot read the timecode at the start of the line."))
                if skipping:
                    continue
                if current is None:
                    raise _Refused(
                        _(
                            "no timecode at the start of the line: begin each entry with its "
                            "in point, e.g. 00:00:12."
                        )
                    )
                current = _continued(current, line)
                continue
            close()
            current, current_line, skipping = None, number, False
            start = _moment(match["start"], fps=fps)
            end = _moment(match["end"], fps=fps) if match["end"] else None
            entry = Entry(start_ms=start, end_ms=end, line=number)
            current = _body(entry, match["rest"]) if match["rest"].strip() else entry
        except _Refused as exc:
            if match is not None or _TIMECODE_LIKE.match(line):
                close()
                current, skipping = None, True  # this entry is refused, and so its rest
            result.errors.append(LineError(number, str(exc)))
    close()
    result.errors.extend(_check_order(result.entries, duration_ms=duration_ms))
    result.errors.sort(key=lambda error: error.line)
    return result


def _check(entry: Entry) -> str:
    if entry.kind == SOUNDBITE:
        if not entry.speaker_name:
            return _("a SOUNDBITE names its speaker: SOUNDBITE (English) Name, role: “quote”.")
        return ""
    if not entry.description and entry.kind == SHOT:
        return _("nothing follows the timecode: say what the shot shows.")
    return ""


def _check_order(entries: list[Entry], *, duration_ms: int | None) -> list[LineError]:
    errors = []
    previous: Entry | None = None
    for entry in entries:
        if entry.end_ms is not None and entry.end_ms <= entry.start_ms:
            errors.append(
                LineError(
                    entry.line,
                    _("the out point %(end)s is not after the in point %(start)s.")
                    % {"end": clock(entry.end_ms), "start": clock(entry.start_ms)},
                )
            )
        if previous is not None and entry.start_ms < previous.start_ms:
            errors.append(
                LineError(
                    entry.line,
                    _(
                        "%(start)s comes before the entry above it (%(previous)s): entries go in "
                        "the order of their timecodes."
                    )
                    % {"start": clock(entry.start_ms), "previous": clock(previous.start_ms)},
                )
            )
        if duration_ms is not None:
            last = entry.end_ms if entry.end_ms is not None else entry.start_ms
            if entry.start_ms >= duration_ms or last > duration_ms:
                errors.append(
                    LineError(
                        entry.line,
                        _("%(timecode)s is past the end of the video (%(duration)s).")
                        % {"timecode": clock(last), "duration": clock(duration_ms)},
                    )
                )
        previous = entry
    return errors


def clock(ms: int) -> str:
    """`00:01:12`, or `00:01:12.480` when the moment is not on a whole second."""
    text = timecode.to_webvtt(Fraction(ms, 1000))
    return text.removesuffix(".000")


def resolved_ends(entries: list[Entry], *, duration_ms: int | None) -> list[int | None]:
    """Each entry's out point: its own, else the next entry's in point, else the video's end
    (None when the video's duration is not known); never past the video's end."""
    ends: list[int | None] = []
    for n, entry in enumerate(entries):
        end = entry.end_ms
        if end is None:
            end = entries[n + 1].start_ms if n + 1 < len(entries) else duration_ms
        if end is not None and duration_ms is not None:
            end = min(end, duration_ms)
        ends.append(end)
    return ends


def format_entry(entry: Entry) -> str:
    """One entry as broadcasters write it, which `parse` reads back to the same entry."""
    moment = clock(entry.start_ms)
    if entry.end_ms is not None:
        moment = f"{moment} - {clock(entry.end_ms)}"
    label = KIND_LABELS.get(entry.kind, "")
    language = f" ({language_name(entry.language)})" if entry.language else ""
    if entry.kind == SOUNDBITE:
        speaker = ", ".join(part for part in (entry.speaker_name, entry.speaker_role) if part)
        quote = f" “{entry.quote}”" if entry.quote else ""
        return f"{moment} {label}{language} {speaker}:{quote}"
    head = f"{label}{language}{':' if entry.kind == TEXT_ON_SCREEN else ''} " if label else ""
    return f"{moment} {head}{entry.description}".rstrip()


def format_entries(entries: list[Entry]) -> str:
    return "\n".join(format_entry(entry) for entry in entries)


def lenient(text: str, *, fps: Fraction | int | None = None) -> list[Entry]:
    """Every line kept, for the migration of the old free-text shot lists: what `parse`
    refuses becomes a shot at the previous entry's in point (or 00:00:00) with the line as
    its description, so nothing an editor wrote is lost."""
    entries: list[Entry] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip() or _HEADING.match(line):
            continue
        parsed = parse(line, fps=fps)
        if parsed.entries and not parsed.errors:
            entries.append(replace(parsed.entries[0], line=number))
            continue
        start = entries[-1].start_ms if entries else 0
        entries.append(Entry(start_ms=start, description=line.strip(), line=number))
    return entries
