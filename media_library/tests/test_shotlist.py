"""The shot-list parser on shot lists as the broadcasters write them, and on what goes wrong."""

from __future__ import annotations

from fractions import Fraction

import pytest

from core.timecode import NTSC
from media_library import shotlist
from media_library.shotlist import Entry, parse

# The NATO Channel's way: numbered lines, MM:SS ranges, a SOUNDBITE heading on its own line
# and the quote on the lines below, in typographic quotes.
NATO_CHANNEL = """\
SHOT LIST
1. 00:00 - 00:06 Wide shot of NATO Headquarters, flags of the Allies
2. 00:06 - 00:12 Various of Defence Ministers arriving at the meeting
3. 00:12 - 00:31 SOUNDBITE (English) Jens Stoltenberg, NATO Secretary General:
“We will continue to support Ukraine
for as long as it takes.”
4. 00:31 - 00:40 UPSOUND (English) Journalists calling out questions
5. 00:40 - 00:47 TEXT ON SCREEN: Meeting of NATO Defence Ministers, Brussels
"""

# The EC Audiovisual Service's way: full timecodes, "(in French) by Name, Role:", the quote
# on the same line without quotation marks.
EC_AUDIOVISUAL = """\
00:00:00 Title
00:00:05 Arrival of Thierry Breton, Member of the European Commission
00:00:15 SOUNDBITE (in French) by Thierry Breton, Member of the EC in charge of Internal Market: Nous devons produire plus de munitions.
00:00:38 Cutaways (2 shots)
00:00:44 GRAPHICS: Map of ammunition production sites
"""


def test_a_one_line_soundbite_with_a_range_gives_speaker_role_language_and_quote():
    parsed = parse(
        "00:00:12 - 00:00:20 SOUNDBITE (English) Jens Stoltenberg, NATO Secretary General: "
        '"We are united."'
    )
    assert parsed.errors == []
    assert parsed.entries == [
        Entry(
            start_ms=12_000,
            end_ms=20_000,
            kind=shotlist.SOUNDBITE,
            speaker_name="Jens Stoltenberg",
            speaker_role="NATO Secretary General",
            language="en",
            quote="We are united.",
            line=1,
        )
    ]


def test_the_nato_channel_format_numbered_ranges_and_a_quote_below_its_soundbite_line():
    parsed = parse(NATO_CHANNEL)
    assert parsed.errors == []
    assert [(e.start_ms, e.end_ms, e.kind) for e in parsed.entries] == [
        (0, 6_000, shotlist.SHOT),
        (6_000, 12_000, shotlist.SHOT),
        (12_000, 31_000, shotlist.SOUNDBITE),
        (31_000, 40_000, shotlist.UPSOUND),
        (40_000, 47_000, shotlist.TEXT_ON_SCREEN),
    ]
    soundbite = parsed.entries[2]
    assert soundbite.speaker_name == "Jens Stoltenberg"
    assert soundbite.speaker_role == "NATO Secretary General"
    assert soundbite.quote == "We will continue to support Ukraine for as long as it takes."
    assert parsed.entries[0].description == "Wide shot of NATO Headquarters, flags of the Allies"
    assert parsed.entries[3].language == "en"
    assert parsed.entries[4].description == "Meeting of NATO Defence Ministers, Brussels"


def test_the_ec_audiovisual_format_in_french_by_a_speaker_with_a_long_role():
    parsed = parse(EC_AUDIOVISUAL)
    assert parsed.errors == []
    assert [e.kind for e in parsed.entries] == [
        shotlist.SHOT,
        shotlist.SHOT,
        shotlist.SOUNDBITE,
        shotlist.SHOT,
        shotlist.GRAPHIC,
    ]
    soundbite = parsed.entries[2]
    assert (soundbite.start_ms, soundbite.end_ms) == (15_000, None)
    assert soundbite.language == "fr"
    assert soundbite.speaker_name == "Thierry Breton"
    assert soundbite.speaker_role == "Member of the EC in charge of Internal Market"
    assert soundbite.quote == "Nous devons produire plus de munitions."
    assert parsed.entries[4].description == "Map of ammunition production sites"


@pytest.mark.parametrize(
    ("line", "kind", "description"),
    [
        ("00:00:03 UPSOUND applause", shotlist.UPSOUND, "applause"),
        ("00:00:03 Up sound: sirens", shotlist.UPSOUND, "sirens"),
        ("00:00:03 NATSOT helicopter landing", shotlist.UPSOUND, "helicopter landing"),
        ("00:00:03 TEXT ON SCREEN: “Vilnius Summit”", shotlist.TEXT_ON_SCREEN, "“Vilnius Summit”"),
        ("00:00:03 On-screen text - 11 July 2023", shotlist.TEXT_ON_SCREEN, "11 July 2023"),
        ("00:00:03 GRAPHIC map of the Baltic Sea", shotlist.GRAPHIC, "map of the Baltic Sea"),
        ("[00:00:03] Wide shot", shotlist.SHOT, "Wide shot"),
        ("(00:00:03) - Close-up", shotlist.SHOT, "Close-up"),
        ("01) 00:00:03 Pan right", shotlist.SHOT, "Pan right"),
        ("12 - 00:00:03 Tilt down", shotlist.SHOT, "Tilt down"),
        ("00:00:03 \u2013 Zoom in", shotlist.SHOT, "Zoom in"),
    ],
)
def test_the_kinds_and_prefixes_broadcasters_use(line, kind, description):
    parsed = parse(line)
    assert parsed.errors == []
    assert (parsed.entries[0].start_ms, parsed.entries[0].kind) == (3_000, kind)
    assert parsed.entries[0].description == description


@pytest.mark.parametrize("dash", ["-", "\u2013", "\u2014", "to"])
def test_ranges_with_any_dash_or_to(dash):
    entry = parse(f"00:00:12 {dash} 00:00:20 Wide shot").entries[0]
    assert (entry.start_ms, entry.end_ms, entry.description) == (12_000, 20_000, "Wide shot")


def test_a_timecode_alone_on_its_line_starts_the_entry_written_below_it():
    parsed = parse("00:00:40\nSOUNDBITE (French) Emmanuel Macron, President of France:\n« Merci. »")
    assert parsed.errors == []
    entry = parsed.entries[0]
    assert (entry.start_ms, entry.kind, entry.language) == (40_000, shotlist.SOUNDBITE, "fr")
    assert (entry.speaker_name, entry.quote) == ("Emmanuel Macron", "Merci.")


def test_frames_are_read_at_25_fps():
    parsed = parse("00:00:12:10 Wide shot\n00:00:12:24 Close-up", fps=25)
    assert [e.start_ms for e in parsed.entries] == [12_400, 12_960]


def test_frames_at_29_97_fps_non_drop_frame_run_behind_the_clock():
    # 370 frames at 30000/1001 fps: 12.345666... s; 18,000 frames: 600.6 s.
    parsed = parse("00:00:12:10 Wide shot\n00:10:00:00 Close-up", fps=NTSC)
    assert [e.start_ms for e in parsed.entries] == [12_346, 600_600]


def test_frames_at_29_97_fps_drop_frame_keep_to_the_clock():
    # 17,982 frames at 29.97 fps = 599.9994 s; 00:01:00;02 is frame 1,800: 60.06 s.
    parsed = parse("00:01:00;02 Wide shot\n00:10:00;00 Close-up", fps=Fraction(30000, 1001))
    assert parsed.errors == []
    assert [e.start_ms for e in parsed.entries] == [60_060, 599_999]


@pytest.mark.parametrize(
    ("text", "fps", "reason"),
    [
        ("00:00:12:25 Wide shot", 25, "frames go from 00 to 24"),
        ("00:00:12:30 Wide shot", NTSC, "frames go from 00 to 29"),
        ("00:01:00;00 Wide shot", NTSC, "does not exist in drop-frame"),
        ("00:00:12;10 Wide shot", 25, "drop-frame, which exists only at 29.97"),
        ("00:00:12:10 Wide shot", None, "frame rate is not known"),
    ],
)
def test_frame_counts_that_cannot_exist_are_refused_with_the_reason(text, fps, reason):
    parsed = parse(text, fps=fps)
    assert parsed.entries == []
    assert len(parsed.errors) == 1
    assert parsed.errors[0].line == 1 and reason in parsed.errors[0].message


def test_timecodes_past_the_end_of_the_video_are_refused_on_their_line():
    parsed = parse(
        "00:00:10 Wide shot\n00:00:50 - 00:01:05 Close-up\n\n00:01:00 Cutaway\n00:01:10 Pan",
        duration_ms=60_000,
    )
    assert [(e.line, e.message) for e in parsed.errors] == [
        (2, "00:01:05 is past the end of the video (00:01:00)."),
        (4, "00:01:00 is past the end of the video (00:01:00)."),
        (5, "00:01:10 is past the end of the video (00:01:00)."),
    ]


def test_an_entry_may_end_exactly_at_the_end_of_the_video():
    assert parse("00:00:50 - 00:01:00 Wide shot", duration_ms=60_000).errors == []


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("00:0012 Wide shot", "is not a timecode"),
        ("00:00:61 Wide shot", "minutes and seconds go from 00 to 59"),
        ("00:61:00 Wide shot", "minutes and seconds go from 00 to 59"),
        ("00:00:5 Wide shot", "is not a timecode"),
        ("00:00:12", "nothing follows the timecode"),
        ("00:00:12 - 00:00:10 Wide shot", "is not after the in point"),
        ("00:00:12 SOUNDBITE (English) We are united.", "names its speaker followed by a colon"),
        ("00:00:12 SOUNDBITE (Klingon) Worf, officer: “Qapla'”", "unknown language “Klingon”"),
    ],
)
def test_malformed_lines_are_reported_with_their_number_and_reason(line, reason):
    parsed = parse(f"00:00:01 Wide shot\n\n{line}")
    assert [error.line for error in parsed.errors] == [3]
    assert reason in parsed.errors[0].message, parsed.errors[0].message
    assert str(parsed.errors[0]).startswith("Line 3: ")


def test_a_shot_list_must_start_with_a_timecode_and_later_untimed_lines_continue_an_entry():
    parsed = parse("Wide shot of the hall\n00:00:05 Close-up of the speaker\nat the podium")
    assert [(e.line, e.message) for e in parsed.errors] == [
        (
            1,
            "no timecode at the start of the line: begin each entry with its in point, "
            "e.g. 00:00:12.",
        )
    ]
    assert parsed.entries[0].description == "Close-up of the speaker at the podium"


def test_entries_out_of_order_are_refused():
    parsed = parse("00:00:20 Wide shot\n00:00:10 Close-up")
    assert [(e.line, e.message) for e in parsed.errors] == [
        (
            2,
            "00:00:10 comes before the entry above it (00:00:20): "
            "entries go in the order of their timecodes.",
        )
    ]


def test_every_bad_line_is_reported_not_only_the_first_and_a_refused_quote_adds_none():
    parsed = parse(
        "00:00:01 Wide shot\n"
        "00:00:0x Close-up\n"
        "00:00:03 SOUNDBITE (Klingon) Worf, officer:\n"
        "“Qapla'”\n"
        "“batlh Daqawlu'taH”\n"
        "00:00:09 Cutaway\n"
        "00:99:00 Pan"
    )
    assert [error.line for error in parsed.errors] == [2, 3, 7]


def test_writing_the_entries_out_reads_back_to_the_same_entries():
    entries = parse(NATO_CHANNEL).entries + parse(EC_AUDIOVISUAL).entries[:0]
    text = shotlist.format_entries(entries)
    again = parse(text)
    assert again.errors == []
    assert [
        (
            e.start_ms,
            e.end_ms,
            e.kind,
            e.description,
            e.speaker_name,
            e.speaker_role,
            e.language,
            e.quote,
        )
        for e in again.entries
    ] == [
        (
            e.start_ms,
            e.end_ms,
            e.kind,
            e.description,
            e.speaker_name,
            e.speaker_role,
            e.language,
            e.quote,
        )
        for e in entries
    ]
    assert (
        "00:00:12 - 00:00:31 SOUNDBITE (English) Jens Stoltenberg, NATO Secretary General:" in text
    )


def test_an_entry_without_an_out_point_ends_at_the_next_in_point_or_the_end_of_the_video():
    entries = parse("00:00:00 Wide shot\n00:00:10 - 00:00:12 Close-up\n00:00:20 Pan").entries
    assert shotlist.resolved_ends(entries, duration_ms=30_000) == [10_000, 12_000, 30_000]
    assert shotlist.resolved_ends(entries, duration_ms=None) == [10_000, 12_000, None]
    # A duration found shorter after the entries were written: nothing runs past it.
    assert shotlist.resolved_ends(entries, duration_ms=11_000) == [10_000, 11_000, 11_000]


def test_the_lenient_reading_of_old_shot_lists_keeps_every_line():
    entries = shotlist.lenient("00:00:05 Wide shot\nUntimed cutaway\n00:0x Typo\n00:00:09 Pan")
    assert [(e.start_ms, e.description) for e in entries] == [
        (5_000, "Wide shot"),
        (5_000, "Untimed cutaway"),
        (5_000, "00:0x Typo"),
        (9_000, "Pan"),
    ]


@pytest.mark.parametrize(
    ("name", "code"),
    [("English", "en"), ("french", "fr"), ("français", "fr"), ("uk", "uk"), ("Dothraki", None)],
)
def test_languages_are_known_by_their_english_or_own_name_or_code(name, code):
    assert shotlist.language_code(name) == code


@pytest.mark.parametrize(
    ("stored", "exact"),
    [
        ("29.970", NTSC),
        ("25.000", Fraction(25)),
        ("59.940", Fraction(60000, 1001)),
        ("23.976", Fraction(24000, 1001)),
        ("47.952", Fraction(48000, 1001)),
        ("119.880", Fraction(120000, 1001)),
        ("12.500", Fraction(25, 2)),
        (None, None),
    ],
)
def test_a_stored_frame_rate_is_read_as_the_exact_rate_it_stands_for(stored, exact):
    assert shotlist.frame_rate(stored) == exact
