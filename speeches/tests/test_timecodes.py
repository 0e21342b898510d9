"""Reading an editor's timecodes: typed at paragraphs, or pasted as SRT or WebVTT captions."""

from __future__ import annotations

from fractions import Fraction

import pytest

from core.timecode import NTSC
from speeches import timecodes as tc

BODY = """[00:00:04] Ministers, Excellencies, ladies and gentlemen, good morning.

00:00:12 Welcome to this NATO-Russia Council.

[Applause]

> [00:01:12:05] Our informal discussion today
> will be an opportunity.

10:30 was the hour we began, and [a link](https://example.org) follows."""


def test_typed_timecodes_are_read_off_their_paragraphs_and_the_text_is_kept_word_for_word():
    transcript = tc.read_transcript(BODY, fps=25)

    assert transcript.timecodes == {0: 4, 1: 12, 3: Fraction(72) + Fraction(5, 25)}
    assert transcript.body.split("\n\n") == [
        "Ministers, Excellencies, ladies and gentlemen, good morning.",
        "Welcome to this NATO-Russia Council.",
        "[Applause]",
        "> Our informal discussion today\n> will be an opportunity.",
        "10:30 was the hour we began, and [a link](https://example.org) follows.",
    ]


def test_a_timecode_shown_in_the_admin_reads_back_to_the_same_moments():
    transcript = tc.read_transcript(BODY, fps=25)

    shown = tc.with_timecodes(transcript.body, transcript.timecodes)

    assert shown.startswith("[00:00:04] Ministers")
    assert "> [00:01:12.200] Our informal" in shown
    assert tc.read_transcript(shown).timecodes == transcript.timecodes


def test_frames_count_at_the_video_rate_29_97_drop_and_non_drop():
    transcript = tc.read_transcript("[00:10:00;00] One.\n\n[00:10:00:15] Two.", fps=NTSC)

    assert transcript.timecodes[0] == Fraction(17982, NTSC)  # drop-frame: on the clock
    assert float(transcript.timecodes[0]) == pytest.approx(600.0, abs=0.001)
    assert float(transcript.timecodes[1]) == pytest.approx(600.6 + 15 / 29.97, abs=0.001)


def test_every_malformed_timecode_is_reported_with_its_line_and_nothing_is_read():
    body = "[00:61:12] One.\n\nTwo.\n\n[1:2] Three.\n\n[00:00:10:05] Four."

    with pytest.raises(tc.TranscriptError) as raised:
        tc.read_transcript(body)

    assert raised.value.messages == [
        "Line 1: “00:61:12”: minutes and seconds go from 00 to 59.",
        "Line 5: “1:2” is not a timecode: write HH:MM:SS, HH:MM:SS:FF or HH:MM:SS.mmm.",
        "Line 7: “00:00:10:05” counts frames, but the video's frame rate is not known.",
    ]


SRT = """1
00:00:04,000 --> 00:00:07,500
Ministers, Excellencies, ladies and
gentlemen, good morning.

2
00:00:07,500 --> 00:00:11,000
Dobriy Dyen'. Bonjour. Welcome

3
00:00:11,000 --> 00:00:15,250
to this NATO-Russia Council in Defence Ministers' informal session.
"""

VTT = """\ufeffWEBVTT - remarks

NOTE written by the captioner

STYLE
::cue { color: yellow }

intro
00:04.000 --> 00:07.500 line:90%
<v Jaap de Hoop Scheffer>Ministers, Excellencies, ladies &amp; gentlemen

00:00:19.000 --> 00:00:25.000
<i>Our informal discussion</i> today will be an opportunity
"""


def test_srt_and_webvtt_cues_are_read_with_their_times_and_words():
    srt = tc.read_captions(SRT)
    vtt = tc.read_captions(VTT)

    assert [(c.start, c.end) for c in srt] == [
        (4, Fraction(15, 2)),
        (Fraction(15, 2), 11),
        (11, Fraction(61, 4)),
    ]
    assert srt[0].text == "Ministers, Excellencies, ladies and gentlemen, good morning."
    assert [(c.start, c.text) for c in vtt] == [
        (4, "Ministers, Excellencies, ladies & gentlemen"),
        (19, "Our informal discussion today will be an opportunity"),
    ]


def test_malformed_cues_are_reported_with_their_lines():
    broken = "1\n00:00:04,000 -> 00:00:07,500\nHello\n\n2\n00:00:09,000 --> 00:00:08,000\nBye\n\n3\n00:00:10,000 --> 00:01:60,000\nAgain"

    with pytest.raises(tc.TranscriptError) as raised:
        tc.read_captions(broken)

    assert raised.value.messages == [
        "Line 1: “1” is not a cue: a cue starts with its times, as in 00:01:12,000 --> "
        "00:01:15,500.",
        "Line 6: the cue ends before it starts.",
        "Line 10: “00:01:60,000”: minutes and seconds go from 00 to 59.",
    ]


def test_each_paragraph_takes_the_start_of_the_cue_its_first_words_are_spoken_in():
    paragraphs = [
        "Ministers, Excellencies, ladies and gentlemen, good morning. Dobriy Dyen'. Bonjour.",
        "Welcome to this NATO-Russia Council in Defence Ministers' informal session.",
        "A paragraph the captioner left out.",
    ]

    found = tc.match_captions(tc.read_captions(SRT), paragraphs)

    # The second paragraph starts at the end of cue 2 ("Welcome"): that cue's start.
    assert found == {0: 4, 1: Fraction(15, 2)}


def test_one_cue_per_paragraph_matches_in_order_even_when_words_repeat():
    cues = tc.read_captions(
        "00:00:01.000 --> 00:00:03.000\nThank you.\n\n"
        "00:00:05.000 --> 00:00:09.000\nWe thank you all, and thank you again.\n\n"
        "00:00:10.000 --> 00:00:12.000\nThank you."
    )

    found = tc.match_captions(
        cues, ["Thank you.", "We thank you all, and thank you again.", "Thank you."]
    )

    assert found == {0: 1, 1: 5, 2: 10}


def test_timecodes_must_go_forward_and_stay_within_the_video():
    errors = tc.check_order_and_duration(
        {0: Fraction(4), 1: Fraction(3), 2: Fraction(120), 3: Fraction(119)},
        duration=120.0,
        lines={0: 1, 1: 3, 2: 5, 3: 7},
    )

    assert errors == [
        "Line 3: 00:00:03 comes after the previous paragraph's 00:00:04: timecodes go "
        "forward, paragraph by paragraph.",
        "Line 5: 00:02:00 is past the end of the video (00:02:00).",
        "Line 7: 00:01:59 comes after the previous paragraph's 00:02:00: timecodes go "
        "forward, paragraph by paragraph.",
    ]
    assert (
        tc.check_order_and_duration(
            {0: Fraction(0), 1: Fraction(11999, 100)}, duration=120.0, lines={}
        )
        == []
    )
