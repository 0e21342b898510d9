"""Timecodes as editors paste them from broadcasters' shot lists, players and subtitle files."""

from fractions import Fraction

import pytest

from core import timecode
from core.timecode import NTSC, PAL, TimecodeError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("00:01:12", 72),
        ("1:12", 72),
        ("01:00:00", 3600),
        ("00:01:12.5", Fraction(145, 2)),
        ("00:01:12,040", Fraction(7204, 100)),
        (" 00:00:03 ", 3),
    ],
)
def test_clock_and_subtitle_timecodes_need_no_frame_rate(text, seconds):
    assert timecode.parse(text) == seconds


def test_frames_at_25_fps_are_25ths_of_a_second():
    assert timecode.parse("00:01:12:10", fps=PAL) == 72 + Fraction(10, 25)
    assert timecode.parse("00:00:00:24", fps=25) == Fraction(24, 25)


def test_non_drop_frame_at_2997_runs_behind_the_clock_as_broadcast_systems_do():
    # 30 frames per timecode second at 30000/1001 frames per real second.
    assert timecode.parse("00:10:00:00", fps=NTSC) == Fraction(18000 * 1001, 30000)
    assert float(timecode.parse("00:10:00:00", fps=NTSC)) == pytest.approx(600.6)


def test_drop_frame_at_2997_keeps_the_timecode_on_the_clock():
    ten_minutes = timecode.parse("00:10:00;00", fps=NTSC)
    assert ten_minutes == Fraction(17982 * 1001, 30000)
    assert float(ten_minutes) == pytest.approx(600.0, abs=0.001)
    # The first frame after 00:00:59;29 is 00:01:00;02: ;00 and ;01 are skipped.
    assert timecode.parse("00:01:00;02", fps=NTSC) - timecode.parse(
        "00:00:59;29", fps=NTSC
    ) == Fraction(1001, 30000)


@pytest.mark.parametrize("text", ["00:01:00;00", "00:01:00;01", "01:09:00;01"])
def test_frames_that_drop_frame_timecode_skips_are_refused(text):
    with pytest.raises(TimecodeError, match="does not exist in drop-frame"):
        timecode.parse(text, fps=NTSC)


def test_the_tenth_minute_keeps_its_first_frames():
    assert timecode.parse("00:10:00;00", fps=NTSC) < timecode.parse("00:10:00;01", fps=NTSC)


@pytest.mark.parametrize(
    ("text", "fps", "message"),
    [
        ("00:01:12:25", PAL, "frames go from 00 to 24"),
        ("00:01:12:30", NTSC, "frames go from 00 to 29"),
        ("00:01:12:10", None, "frame rate is not known"),
        ("00:01:12;10", PAL, "only at 29.97 and 59.94"),
        ("00:61:00", None, "from 00 to 59"),
        ("00:00:75", None, "from 00 to 59"),
        ("1h12", None, "is not a timecode"),
        ("", None, "is not a timecode"),
        ("00:01:12:10:11", PAL, "is not a timecode"),
        ("-00:00:01", None, "is not a timecode"),
    ],
)
def test_unreadable_timecodes_say_what_is_wrong(text, fps, message):
    with pytest.raises(TimecodeError, match=message):
        timecode.parse(text, fps=fps)


@pytest.mark.parametrize(
    ("seconds", "vtt", "srt", "clock"),
    [
        (72, "00:01:12.000", "00:01:12,000", "00:01:12"),
        (Fraction(7204, 100), "00:01:12.040", "00:01:12,040", "00:01:12"),
        (3723.9996, "01:02:04.000", "01:02:04,000", "01:02:03"),
    ],
)
def test_moments_are_written_as_subtitle_files_and_pages_need_them(seconds, vtt, srt, clock):
    assert timecode.to_webvtt(seconds) == vtt
    assert timecode.to_srt(seconds) == srt
    assert timecode.to_clock(seconds) == clock


@pytest.mark.parametrize(
    ("text", "fps", "drop"),
    [
        ("00:01:12:10", PAL, False),
        ("00:10:00:00", NTSC, False),
        ("00:10:00;00", NTSC, True),
        ("00:01:00;02", NTSC, True),
        ("01:23:59;29", NTSC, True),
        ("00:19:00;04", Fraction(60000, 1001), True),
    ],
)
def test_smpte_timecodes_survive_a_round_trip(text, fps, drop):
    assert timecode.to_smpte(timecode.parse(text, fps=fps), fps=fps, drop_frame=drop) == text


def test_every_drop_frame_timecode_of_an_hour_round_trips():
    for frame in range(0, 30 * 3600, 7):
        moment = Fraction(frame) / NTSC
        text = timecode.to_smpte(moment, fps=NTSC, drop_frame=True)
        assert timecode.parse(text, fps=NTSC) == moment, text


def test_a_media_fragment_starts_a_player_at_the_moment():
    assert timecode.to_media_fragment(72) == "t=72"
    assert timecode.to_media_fragment(Fraction(7204, 100)) == "t=72.04"
