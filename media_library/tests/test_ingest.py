"""The PyAV layer (probe, checksum, thumbnail, preview) and the ingest_video command."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from io import StringIO
from pathlib import Path

import av
import pytest
from django.core.management import CommandError, call_command

from media_library import ingest
from media_library.models import Rendition, Video
from media_library.synth import make_clip
from media_library.tests.factories import VideoFactory


def test_probe_reads_the_true_technical_values_of_a_generated_clip(tmp_path):
    path = make_clip(tmp_path / "hd.mp4", width=640, height=360, seconds=3, rate=25)
    result = ingest.probe(path)
    assert result.container == "mp4"
    assert (result.video_codec, result.audio_codec) == ("h264", "aac")
    assert (result.width, result.height) == (640, 360)
    assert result.frame_rate == Decimal("25.000")
    assert result.audio_channels == 2
    assert result.audio_sample_rate == 48000
    assert result.duration_seconds == pytest.approx(3.0, abs=0.1)
    assert result.file_size == path.stat().st_size
    assert result.bitrate and result.bitrate > 0
    assert result.pixel_format == "yuv420p"


def test_a_clip_without_sound_has_no_audio_fields(tmp_path):
    result = ingest.probe(make_clip(tmp_path / "mute.mp4", seconds=1, audio=False))
    assert result.audio_codec == ""
    assert result.audio_channels is None and result.audio_sample_rate is None


def test_checksum_is_the_sha256_of_the_file(clip):
    assert ingest.file_sha256(clip) == hashlib.sha256(clip.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"%PDF-1.7 this is a document, not a video" * 50, "not a video file"),
    ],
)
def test_empty_and_non_video_files_are_refused_with_a_clear_message(tmp_path, content, message):
    path = tmp_path / "upload.mp4"
    path.write_bytes(content)
    with pytest.raises(ingest.IngestError, match=message):
        ingest.probe(path)


def test_a_truncated_file_is_refused(clip):
    data = clip.read_bytes()
    clip.write_bytes(data[: len(data) // 2])
    with pytest.raises(ingest.IngestError, match=r"truncated|damaged|not a video"):
        ingest.probe(clip)


def test_a_file_truncated_before_its_index_is_refused(tmp_path, small_clip):
    # A plain (not fast-start) MP4 cut short loses its index at the end.
    path = tmp_path / "plain.mov"
    with av.open(str(small_clip)) as source, av.open(str(path), "w", format="mov") as target:
        stream = target.add_stream_from_template(source.streams.video[0])
        for packet in source.demux(source.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                target.mux(packet)
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(ingest.IngestError):
        ingest.probe(path)


def test_thumbnail_is_a_jpeg_of_at_most_640_pixels_wide(tmp_path):
    path = make_clip(tmp_path / "wide.mp4", width=1280, height=720, seconds=1)
    data = ingest.make_thumbnail(path)
    assert data[:3] == b"\xff\xd8\xff"
    thumb = tmp_path / "thumb.jpg"
    thumb.write_bytes(data)
    with av.open(str(thumb)) as picture:
        stream = picture.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (640, 360)


def test_web_preview_is_a_small_h264_mp4_of_the_same_length(tmp_path):
    source = make_clip(tmp_path / "big.mp4", width=1280, height=720, seconds=2)
    preview = tmp_path / "preview.mp4"
    ingest.make_preview(source, preview, height=180)
    result = ingest.probe(preview)
    assert (result.video_codec, result.audio_codec) == ("h264", "aac")
    assert (result.width, result.height) == (320, 180)
    assert result.duration_seconds == pytest.approx(2.0, abs=0.15)


# --- manage.py ingest_video --------------------------------------------------------------------


@pytest.mark.django_db
def test_ingest_video_command_makes_a_draft_video_with_an_ingested_rendition(clip, run_on_commit):
    out = StringIO()
    with run_on_commit():
        call_command("ingest_video", str(clip), stdout=out)
    video = Video.objects.get()
    assert video.status == Video.Status.DRAFT
    assert video.title == "Clip"
    rendition = video.renditions.get()
    assert rendition.status == Rendition.Status.READY, rendition.error
    assert (rendition.width, rendition.height) == (320, 180)
    assert rendition.checksum_sha256 == hashlib.sha256(clip.read_bytes()).hexdigest()
    assert video.thumbnail and video.preview
    assert f"rendition {rendition.pk}" in out.getvalue()


@pytest.mark.django_db
def test_ingest_video_command_adds_a_folder_to_an_existing_video(tmp_path, run_on_commit):
    video = VideoFactory(slug="summit")
    folder = tmp_path / "masters"
    folder.mkdir()
    make_clip(folder / "a-360p.mp4", width=640, height=360, seconds=1)
    make_clip(folder / "b-180p.mp4", width=320, height=180, seconds=1)
    with run_on_commit():
        call_command("ingest_video", str(folder), "--video", "summit", stdout=StringIO())
    heights = sorted(video.renditions.values_list("height", flat=True))
    assert heights == [180, 360]
    assert set(video.renditions.values_list("status", flat=True)) == {Rendition.Status.READY}


@pytest.mark.django_db
def test_ingest_video_command_refuses_a_non_video_file_and_stores_nothing(tmp_path, settings):
    bogus = tmp_path / "notes.mp4"
    bogus.write_text("minutes of the meeting")
    err = StringIO()
    with pytest.raises(CommandError, match="1 of 1"):
        call_command("ingest_video", str(bogus), stdout=StringIO(), stderr=err)
    assert "not a video file" in err.getvalue()
    assert not Video.objects.exists() and not Rendition.objects.exists()
    private = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    assert not private.exists() or not any(private.rglob("*.mp4"))


@pytest.mark.django_db
def test_ingest_video_command_needs_an_existing_video_slug(clip):
    with pytest.raises(CommandError, match="No video"):
        call_command("ingest_video", str(clip), "--video", "nope")


# --- Checked by content (finding 5 of the security review) ------------------------------------


def test_a_playlist_is_refused_before_ffmpeg_opens_what_it_names(tmp_path, clip):
    from media_library.tests import hostile

    for name in ("evil.m3u8", "evil.mp4"):
        playlist = hostile.padded_playlist(tmp_path / name, target=clip)
        with pytest.raises(ingest.IngestError, match="This is a playlist, not a video file"):
            ingest.probe(playlist)


def test_a_format_outside_the_allow_list_is_refused_with_the_accepted_ones(tmp_path, small_clip):
    # A real video, in a container FFmpeg reads but we do not accept (FLV).
    path = tmp_path / "clip.flv"
    with av.open(str(small_clip)) as source, av.open(str(path), "w", format="flv") as target:
        stream = target.add_stream_from_template(source.streams.video[0])
        for packet in source.demux(source.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                target.mux(packet)
    with pytest.raises(ingest.IngestError, match=r"not accepted as a video.*MP4/MOV"):
        ingest.probe(path)


@pytest.mark.parametrize("declared", [None, 320])
def test_a_picture_bomb_is_refused_without_being_decoded(tmp_path, declared):
    import resource
    import time

    from media_library.tests import hostile

    # 16000×16000 pixels in 0.7 MB; the header may even declare a small picture.  # noqa: RUF003
    path = hostile.picture_bomb(tmp_path / "bomb.mov", side=16000, declared=declared)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    with pytest.raises(ingest.IngestError, match="larger than the 8192 pixels a side"):
        ingest.probe(path)
    with pytest.raises(ingest.IngestError):
        ingest.make_thumbnail(path)
    assert time.monotonic() - started < 5
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 200 * 1024


def test_a_picture_renamed_mp4_is_refused_as_a_still_image(tmp_path):
    from media_library.tests import hostile

    with pytest.raises(ingest.IngestError, match=r"This is a still image \(PNG\), not a video"):
        ingest.probe(hostile.png_renamed(tmp_path / "still.mp4"))


def test_too_long_or_too_large_videos_are_refused_by_their_declared_values(monkeypatch, clip):
    monkeypatch.setattr(ingest, "MAX_DURATION_SECONDS", 1)
    with pytest.raises(ingest.IngestError, match="longer than"):
        ingest.probe(clip)
    monkeypatch.undo()
    monkeypatch.setattr(ingest, "MAX_PIXELS", 320 * 180 - 1)
    with pytest.raises(ingest.IngestError, match="larger than"):
        ingest.probe(clip, check_complete=False)
    monkeypatch.undo()
    monkeypatch.setattr(ingest, "MAX_FRAMES", 10)
    with pytest.raises(ingest.IngestError, match="more than 10 pictures"):
        ingest.probe(clip)
