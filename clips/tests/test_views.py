"""The clip form and its refusals, the status page, and the download of a clip."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from clips.models import Clip, ClipDownload, ClipRequest
from core.publishing import publish, unpublish
from media_library.models import Download
from media_library.tests.factories import RenditionFactory

pytestmark = pytest.mark.django_db


def form_url(rendition) -> str:
    return reverse("clips:clip_form", kwargs={"slug": rendition.video.slug})


def post(client, version, **fields):
    data = {"rendition": version.pk, "start": "00:00:10", "end": "00:00:20", "mode": "fast"}
    return client.post(form_url(version), {**data, **fields})


def errors(response) -> str:
    return " ".join(" ".join(messages) for messages in response.context["form"].errors.values())


@pytest.fixture
def hour_long(db):
    """A rendition an hour long (no real file: every refusal comes before any work)."""
    return RenditionFactory(duration_seconds=3600.0)


# --- Who may cut ----------------------------------------------------------------------------------


def test_anonymous_visitors_log_in_first_and_come_back_to_the_prefilled_form(client, hour_long):
    url = f"{form_url(hour_long)}?in=00:01:12&out=00:01:30"
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "in%3D00%3A01%3A12" in response["Location"]


def test_unverified_accounts_cannot_cut(client, hour_long):
    client.force_login(UserFactory(verified=False))
    assert post(client, hour_long).status_code == 302
    assert Clip.objects.count() == 0


def test_the_video_page_links_verified_users_to_the_clip_form(verified_client, hour_long):
    page = verified_client.get(hour_long.video.get_absolute_url())
    assert f'href="{form_url(hour_long)}"' in page.content.decode()


# --- The form ---------------------------------------------------------------------------------------


def test_query_parameters_prefill_in_out_version_and_mode(verified_client, hour_long):
    page = verified_client.get(
        f"{form_url(hour_long)}?in=00:01:12&out=00:01:30&rendition={hour_long.pk}&mode=exact"
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(r'name="start"[^>]*value="00:01:12"', html)
    assert re.search(r'name="end"[^>]*value="00:01:30"', html)
    assert re.search(rf'value="{hour_long.pk}"[^>]*selected', html)
    assert re.search(r'value="exact"[^>]*checked', html)
    # The fast mode says it may start early.
    assert "keyframe at or before the in point" in html


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"start": "1:2:3:4:5"}, "“1:2:3:4:5” is not a timecode"),
        ({"end": "00:61:00"}, "minutes and seconds go from 00 to 59"),
        (
            {"start": "00:00:20", "end": "00:00:10"},
            "The out point 00:00:10 comes before the in point 00:00:20: the range is backwards.",
        ),
        (
            {"start": "00:00:20", "end": "00:00:20"},
            "The clip is empty: the in and out points are both 00:00:20.",
        ),
        (
            {"start": "01:00:00", "end": "01:00:05"},
            "The in point 01:00:00 is at or past the end of the video (01:00:00).",
        ),
        (
            {"end": "01:00:00.500"},
            "The out point 01:00:00.500 is past the end of the video (01:00:00).",
        ),
        (
            {"start": "00:00:00", "end": "00:10:01"},
            "The clip would last 00:10:01: clips are at most 00:10:00 long.",
        ),
        ({"end": "00:00:20:25"}, "at 25 frames per second, frames go from 00 to 24"),
    ],
)
def test_a_range_that_cannot_be_cut_is_refused_before_any_work(
    verified_client, hour_long, fields, message
):
    response = post(verified_client, hour_long, **fields)
    assert response.status_code == 400
    assert message in errors(response)
    assert Clip.objects.count() == 0


def test_a_range_of_exactly_ten_minutes_is_accepted(verified_client, hour_long, monkeypatch):
    queued = []
    monkeypatch.setattr("clips.services.enqueue", lambda name, *args: queued.append(args))
    response = post(verified_client, hour_long, start="00:05:00", end="00:15:00")
    assert response.status_code == 302
    assert Clip.objects.get().end_ms - Clip.objects.get().start_ms == 600_000


def test_a_version_of_another_video_is_refused(verified_client, hour_long):
    other = RenditionFactory(duration_seconds=3600.0)
    response = post(verified_client, hour_long, rendition=other.pk)
    assert response.status_code == 400
    assert "rendition" in response.context["form"].errors


def test_frame_accurate_clips_of_a_codec_we_cannot_encode_are_refused(verified_client, db):
    rendition = RenditionFactory(duration_seconds=3600.0, video_codec="vp8")
    response = post(verified_client, rendition, mode="exact")
    assert response.status_code == 400
    assert "Frame-accurate clips cannot be made from this version (vp8): choose fast." in errors(
        response
    )


def test_the_fourth_clip_at_once_is_refused_until_one_is_ready(
    verified_client, verified_user, hour_long, monkeypatch
):
    monkeypatch.setattr("clips.services.enqueue", lambda name, *args: None)
    for minute in range(3):
        assert (
            post(
                verified_client, hour_long, start=f"00:0{minute}:00", end=f"00:0{minute}:30"
            ).status_code
            == 302
        )
    refused = post(verified_client, hour_long, start="00:05:00", end="00:05:30")
    assert refused.status_code == 400
    assert (
        "You already have 3 clips being cut, the most at once: wait until one is ready, then ask again."
        in errors(refused)
    )
    assert Clip.objects.count() == 3
    # Asking again for one already waiting is not a fourth.
    assert post(verified_client, hour_long, start="00:00:00", end="00:00:30").status_code == 302
    # Once one is ready, a new one may be asked for.
    Clip.objects.filter(start_ms=0).update(status=Clip.Status.READY)
    assert post(verified_client, hour_long, start="00:05:00", end="00:05:30").status_code == 302
    # Another user is not limited by this one's jobs.
    other = UserFactory()
    verified_client.force_login(other)
    assert post(verified_client, hour_long, start="00:07:00", end="00:07:30").status_code == 302


def test_the_limits_are_settings(verified_client, hour_long, settings, monkeypatch):
    monkeypatch.setattr("clips.services.enqueue", lambda name, *args: None)
    settings.CLIP_MAX_SECONDS = 30
    settings.CLIP_MAX_JOBS_PER_USER = 1
    assert "clips are at most 00:00:30 long" in errors(
        post(verified_client, hour_long, end="00:00:41")
    )
    assert post(verified_client, hour_long, end="00:00:40").status_code == 302
    assert "You already have 1 clips" in errors(post(verified_client, hour_long, end="00:00:30"))


def test_refusals_are_in_french_for_a_french_page(verified_client, hour_long):
    verified_client.cookies["django_language"] = "fr"
    response = post(verified_client, hour_long, start="00:00:20", end="00:00:10")
    assert "Le point de sortie 00:00:10 précède le point d’entrée 00:00:20" in errors(response)  # noqa: RUF001


# --- The status page and the download -------------------------------------------------------------


def status_url(clip) -> str:
    return reverse(
        "clips:clip_status", kwargs={"slug": clip.rendition.video.slug, "clip_id": clip.pk}
    )


def download_url(clip) -> str:
    return reverse(
        "clips:clip_download", kwargs={"slug": clip.rendition.video.slug, "clip_id": clip.pk}
    )


def test_a_clip_being_cut_shows_its_progress_and_refreshes_itself(
    verified_client, verified_user, hour_long
):
    clip = Clip.objects.create(
        rendition=hour_long,
        source_checksum=hour_long.checksum_sha256,
        start_ms=0,
        end_ms=1000,
        mode="fast",
        status=Clip.Status.RUNNING,
        progress=42,
    )
    ClipRequest.objects.create(user=verified_user, clip=clip)
    html = verified_client.get(status_url(clip)).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in html
    assert '<progress id="clip-progress" max="100" value="42">' in html
    assert "<script" not in html.split("</head>")[0].split("<title>")[1]


def test_only_who_asked_for_a_clip_sees_its_page(client, hour_long):
    clip = Clip.objects.create(
        rendition=hour_long,
        source_checksum=hour_long.checksum_sha256,
        start_ms=0,
        end_ms=1000,
        mode="fast",
    )
    client.force_login(UserFactory())
    assert client.get(status_url(clip)).status_code == 404


def test_cut_then_download_a_clip_streamed_with_range_and_recorded(
    verified_client, verified_user, master_rendition, run_on_commit
):
    with run_on_commit():
        response = post(verified_client, master_rendition, start="00:01:13", end="00:01:17")
    assert response.status_code == 302
    clip = Clip.objects.get()
    assert response["Location"] == status_url(clip)
    page = verified_client.get(response["Location"]).content.decode()
    assert "Your clip is ready." in page
    assert "this one starts 1.000 seconds before the in point you chose" in page
    assert 'http-equiv="refresh"' not in page

    answer = verified_client.post(
        reverse(
            "clips:clip_download", kwargs={"slug": master_rendition.video.slug, "clip_id": clip.pk}
        )
    )
    assert answer.status_code == 303
    link = answer["Location"]
    served = verified_client.get(link)
    data = clip.file.open("rb").read()
    assert b"".join(served.streaming_content) == data
    assert served["Content-Disposition"] == (
        'attachment; filename="nato-russia-council-hd-1080p-h264-clip-00-01-13-00-01-17.mp4"'
    )
    part = verified_client.get(link, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206 and b"".join(part.streaming_content) == data[100:200]
    download = Download.objects.get(user=verified_user)
    assert download.rendition == master_rendition
    assert ClipDownload.objects.get(download=download).clip == clip
    history = verified_client.get(reverse("accounts:my_account")).content.decode()
    assert "Clip 00:01:13 to 00:01:17" in history

    # The link is the account's own, and it is no rendition download link.
    other = UserFactory()
    verified_client.force_login(other)
    assert verified_client.get(link).status_code == 404
    token = link.rstrip("/").rsplit("/", 1)[1]
    verified_client.force_login(verified_user)
    assert (
        verified_client.get(
            reverse("media_library:download_file", kwargs={"token": token})
        ).status_code
        == 404
    )


def test_a_clip_that_failed_for_good_says_so_and_offers_no_retry(
    verified_client, verified_user, hour_long
):
    clip = Clip.objects.create(
        rendition=hour_long,
        source_checksum=hour_long.checksum_sha256,
        start_ms=0,
        end_ms=1000,
        mode="fast",
        status=Clip.Status.FAILED,
        attempts=3,
        error="The cut was interrupted 3 times; it is not tried again.",
    )
    ClipRequest.objects.create(user=verified_user, clip=clip)
    html = verified_client.get(status_url(clip)).content.decode()
    assert (
        "This clip could not be cut after 3 tries, and it will not be tried again: the video "
        "file may be damaged. Choose another range or another version."
    ) in html
    assert "Try again" not in html
    verified_client.cookies["django_language"] = "fr"
    html = verified_client.get(status_url(clip)).content.decode()
    assert "Cet extrait n’a pas pu être découpé après 3 essais" in html  # noqa: RUF001


def test_a_failed_clip_shows_no_server_path(verified_client, verified_user, hour_long):
    clip = Clip.objects.create(
        rendition=hour_long,
        source_checksum=hour_long.checksum_sha256,
        start_ms=0,
        end_ms=1000,
        mode="fast",
        status=Clip.Status.FAILED,
        attempts=1,
        error="FFmpeg could not cut the clip.",
        error_detail="file:/srv/portal/media/private/renditions/abc/master.mp4: Invalid data",
    )
    ClipRequest.objects.create(user=verified_user, clip=clip)
    html = verified_client.get(status_url(clip)).content.decode()
    assert "The clip could not be cut. FFmpeg could not cut the clip." in html
    assert "/srv/portal" not in html and "Try again" in html


def test_the_daily_quota_is_refused_in_the_form_in_english_and_french(
    verified_client, verified_user, hour_long, settings, monkeypatch
):
    monkeypatch.setattr("clips.services.enqueue", lambda name, *args: None)
    settings.CLIP_MAX_PER_USER_PER_DAY = 1
    assert post(verified_client, hour_long, end="00:00:30").status_code == 302
    Clip.objects.update(status=Clip.Status.READY)
    refused = post(verified_client, hour_long, end="00:00:40")
    assert refused.status_code == 400
    assert "You have asked for 1 clips in the last 24 hours, the most for one day" in errors(
        refused
    )
    verified_client.cookies["django_language"] = "fr"
    refused = post(verified_client, hour_long, end="00:00:40")
    assert "Vous avez demandé 1 extraits au cours des dernières 24 heures" in errors(refused)


# --- An unpublished video ---------------------------------------------------------------------


@pytest.fixture
def ready_clip_link(verified_client, verified_user, hour_long):
    """A ready clip of a published video, asked for by the verified user, and its signed
    link (taken while the video was public)."""
    clip = Clip.objects.create(
        rendition=hour_long,
        source_checksum=hour_long.checksum_sha256,
        start_ms=0,
        end_ms=1000,
        mode="fast",
        status=Clip.Status.READY,
        file_size=5,
    )
    clip.file.save("clip.mp4", ContentFile(b"bytes"), save=True)
    ClipRequest.objects.create(user=verified_user, clip=clip)
    answer = verified_client.post(download_url(clip))
    assert answer.status_code == 303
    assert verified_client.get(answer["Location"]).status_code == 200
    return clip, answer["Location"]


def every_clip_page(client, clip, link) -> list[int]:
    return [
        client.get(form_url(clip.rendition)).status_code,
        post(client, clip.rendition).status_code,
        client.get(status_url(clip)).status_code,
        client.post(download_url(clip)).status_code,
        client.get(link).status_code,
    ]


@pytest.mark.parametrize("how", ["unpublished", "scheduled"])
def test_a_video_taken_off_the_site_has_no_clip_pages_for_users(
    verified_client, ready_clip_link, how, monkeypatch
):
    monkeypatch.setattr("clips.services.enqueue", lambda name, *args: None)
    clip, link = ready_clip_link
    video = clip.rendition.video
    if how == "unpublished":
        unpublish(item=video)
    else:
        publish(item=video, at=timezone.now() + timedelta(days=1))
    assert every_clip_page(verified_client, clip, link) == [404] * 5
    assert Download.objects.count() == 1  # the one before; none recorded after


def test_an_editor_still_cuts_and_fetches_clips_of_a_draft(client, hour_long, monkeypatch):
    monkeypatch.setattr("clips.services.enqueue", lambda name, *args: None)
    editor = UserFactory(is_staff=True)
    client.force_login(editor)
    clip = Clip.objects.create(
        rendition=hour_long,
        source_checksum=hour_long.checksum_sha256,
        start_ms=0,
        end_ms=1000,
        mode="fast",
        status=Clip.Status.READY,
        file_size=5,
    )
    clip.file.save("clip.mp4", ContentFile(b"bytes"), save=True)
    ClipRequest.objects.create(user=editor, clip=clip)
    unpublish(item=hour_long.video)
    assert client.get(form_url(hour_long)).status_code == 200
    assert client.get(status_url(clip)).status_code == 200
    answer = client.post(download_url(clip))
    assert answer.status_code == 303
    served = client.get(answer["Location"])
    assert served.status_code == 200 and b"".join(served.streaming_content) == b"bytes"
    assert post(client, hour_long).status_code == 302


def test_a_ready_clip_has_its_metadata_sidecars_for_who_asked_for_it(
    client, verified_client, ready_clip_link
):
    clip, _link = ready_clip_link
    kwargs = {"slug": clip.rendition.video.slug, "clip_id": clip.pk}
    page = verified_client.get(status_url(clip)).content.decode()
    newsml_url = reverse("clips:clip_newsml", kwargs=kwargs)
    assert newsml_url in page

    response = verified_client.get(newsml_url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="{clip.download_filename()}.newsml.xml"'
    )
    body = response.content.decode()
    assert f'href="{clip.download_filename()}"' in body
    assert 'size="5"' in body
    assert f":clip:{clip.pk}" in body
    vmh = verified_client.get(reverse("clips:clip_vmh", kwargs=kwargs)).json()
    assert vmh[0]["photoVideoMetadata_portal"]["fileName"] == clip.download_filename()

    verified_client.logout()
    client.force_login(UserFactory(verified=True))
    assert client.get(newsml_url).status_code == 404
