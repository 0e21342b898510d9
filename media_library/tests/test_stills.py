"""A journalist takes a still of the preview at a shot-list timecode, as a JPEG."""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path
from urllib.parse import unquote

import av
import pytest
from django.core.files import File
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from media_library import stills
from media_library.models import Video
from media_library.tests.factories import RenditionFactory, VideoFactory

pytestmark = pytest.mark.django_db

# One colour per second of the preview: a still shows which second it was taken in.
COLOURS = [(220, 30, 30), (30, 200, 30), (30, 30, 220)]
RATE = 25


def _make_preview(path: Path) -> Path:
    """A 3-second 320×180 H.264 MP4: red, then green, then blue; one keyframe only, so a
    still past the first second must decode forward from the start."""  # noqa: RUF002
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=RATE, options={"preset": "ultrafast", "g": "100"})
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        for n in range(RATE * len(COLOURS)):
            frame = av.VideoFrame.from_image(Image.new("RGB", (320, 180), COLOURS[n // RATE]))
            frame.pts, frame.time_base = n, Fraction(1, RATE)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


@pytest.fixture(scope="module")
def preview_file(tmp_path_factory) -> Path:
    return _make_preview(tmp_path_factory.mktemp("stills") / "colours.mp4")


@pytest.fixture
def footage(preview_file) -> Video:
    video = VideoFactory(
        slug="summit-arrivals",
        duration_seconds=3.0,
        shot_list="00:00:00 Red\n00:00:01.040 Green\n00:00:02 Blue",
    )
    RenditionFactory(video=video, frame_rate=RATE, duration_seconds=3.0)
    with preview_file.open("rb") as handle:
        video.preview.save("preview.mp4", File(handle), save=True)
    return video


def still_url(video: Video, moment: str | None) -> str:
    url = reverse("media_library:video_still", kwargs={"slug": video.slug})
    return url if moment is None else f"{url}?t={moment}"


def colour_of(jpeg: bytes) -> tuple[int, int, int]:
    image = Image.open(io.BytesIO(jpeg))
    assert image.format == "JPEG"
    return image.convert("RGB").getpixel((image.width // 2, image.height // 2))


def nearest(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    return min(COLOURS, key=lambda c: sum((a - b) ** 2 for a, b in zip(c, rgb, strict=True)))


def test_each_shot_list_entry_links_its_still_and_the_still_is_that_moment(client, footage):
    html = client.get(footage.get_absolute_url()).content.decode()
    links = [
        unquote(part.split('"', 1)[0].replace("&amp;", "&"))
        for part in html.split('class="shot-list__still" href="')[1:]
    ]
    assert links == [
        still_url(footage, "00:00:00"),
        still_url(footage, "00:00:01.040"),
        still_url(footage, "00:00:02"),
    ]

    for link, colour in zip(links, COLOURS, strict=True):
        response = client.get(link)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert nearest(colour_of(response.content)) == colour


def test_a_still_is_a_full_size_jpeg_download_named_after_the_video_and_moment(client, footage):
    response = client.get(still_url(footage, "00:00:02.5"))

    assert response["Content-Disposition"] == (
        'attachment; filename="summit-arrivals-00-00-02-500.jpg"'
    )
    assert Image.open(io.BytesIO(response.content)).size == (320, 180)
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("moment", "colour"),
    [
        ("00:00:00.999", COLOURS[0]),  # the last red frame starts at 0.960
        ("00:00:01", COLOURS[1]),
        ("00:01.5", COLOURS[1]),  # MM:SS.mmm
        ("00:00:02:10", COLOURS[2]),  # frames at the rendition's 25 fps: 2.4 s
        ("00:00:03", COLOURS[2]),  # the very end: the last frame
    ],
)
def test_any_timecode_form_gives_the_picture_shown_at_that_moment(client, footage, moment, colour):
    response = client.get(still_url(footage, moment))

    assert response.status_code == 200
    assert nearest(colour_of(response.content)) == colour


def test_a_still_is_made_once_then_served_from_storage(client, footage):
    client.get(still_url(footage, "00:00:02"))
    name = stills.still_name(footage, 2000)
    assert default_storage.exists(name)
    stored = default_storage.open(name).read()

    # What the storage holds is what is served: nothing is decoded again.
    with default_storage.open(name, "wb") as handle:
        handle.write(stored + b"marker")
    assert client.get(still_url(footage, "00:00:02.000")).content == stored + b"marker"


def test_a_moment_outside_the_shot_list_is_made_each_time_and_never_stored(client, footage):
    response = client.get(still_url(footage, "00:00:02.480"))

    assert nearest(colour_of(response.content)) == COLOURS[2]
    assert not default_storage.exists(stills.still_name(footage, 2480))
    assert not default_storage.exists(stills.folder(footage))


@pytest.mark.parametrize(
    ("moment", "message"),
    [
        (None, "Give the moment of the still as a timecode: ?t=00:01:05 (HH:MM:SS)."),
        ("", "Give the moment of the still as a timecode"),
        ("soon", "“soon” is not a timecode: write HH:MM:SS, HH:MM:SS:FF or HH:MM:SS.mmm."),
        ("00:00:75", "minutes and seconds go from 00 to 59"),
        ("00:00:01:30", "at 25 frames per second, frames go from 00 to 24"),
        ("00:00:04", "“00:00:04” is past the end of the video, which lasts 00:00:03."),
        ("99:00:00", "is past the end of the video"),
    ],
)
def test_a_timecode_that_cannot_give_a_still_gets_a_clear_400(client, footage, moment, message):
    response = client.get(still_url(footage, moment))

    assert response.status_code == 400
    page = response.content.decode().replace("&amp;", "&").replace("&quot;", '"')
    assert message in page
    assert "No still at this timecode" in page
    assert footage.get_absolute_url() in page
    assert not default_storage.exists(stills.folder(footage))


def test_a_video_the_visitor_may_not_see_has_no_stills(client, footage):
    Video.objects.filter(pk=footage.pk).update(status=Video.Status.DRAFT, published_at=None)

    assert client.get(still_url(footage, "00:00:01")).status_code == 404


def test_a_video_without_a_preview_has_no_stills_and_no_still_links(client):
    video = VideoFactory(preview="")

    assert client.get(still_url(video, "00:00:01")).status_code == 404
    assert "shot-list__still" not in client.get(video.get_absolute_url()).content.decode()


def test_deleting_the_video_deletes_its_stills(client, footage, run_on_commit):
    client.get(still_url(footage, "00:00:02"))
    name = stills.still_name(footage, 2000)
    assert default_storage.exists(name)

    with run_on_commit():
        footage.delete()

    assert not default_storage.exists(name)


def test_a_new_preview_discards_the_stills_of_the_old_one(client, footage, preview_file):
    client.get(still_url(footage, "00:00:02"))
    old = stills.still_name(footage, 2000)
    with preview_file.open("rb") as handle:
        footage.preview.save("new-preview.mp4", File(handle), save=True)
    client.get(still_url(footage, "00:00:02"))
    new = stills.still_name(footage, 2000)
    assert old != new

    stills.discard(default_storage, footage.pk, keep=footage.preview.name)

    assert default_storage.exists(new) and not default_storage.exists(old)


def test_a_stored_still_takes_three_queries(client, footage, django_assert_num_queries):
    client.get(still_url(footage, "00:00:02"))

    # The video, its frame rate (for HH:MM:SS:FF), whether the moment is a shot's in point.
    with django_assert_num_queries(3):
        response = client.get(still_url(footage, "00:00:02"))

    assert response.status_code == 200
