"""The download path: account check, Download row, and the three ways of handing bytes over."""

from __future__ import annotations

import random
import re
import time
from datetime import timedelta
from urllib.parse import unquote, urlsplit

import pytest
import requests
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from media_library import delivery
from media_library.models import Download, Rendition, Video
from media_library.tests.factories import RENDITION_BYTES, RenditionFactory, VideoFactory

pytestmark = pytest.mark.django_db

DATA = RENDITION_BYTES
SIZE = len(DATA)


def download_url(rendition: Rendition) -> str:
    return reverse(
        "media_library:download",
        kwargs={"slug": rendition.video.slug, "rendition_id": rendition.pk},
    )


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def signed_url(verified_user, rendition) -> str:
    return delivery.signed_download_url(user=verified_user, rendition=rendition)


# --- The account check -------------------------------------------------------------------------


def test_anonymous_visitor_logs_in_comes_back_to_the_video_and_downloads(client, rendition):
    user = UserFactory(verified=True)
    video_url = rendition.video.get_absolute_url()
    # Back at the video's download buttons, which is also how the login page knows why.
    back_to_download = f"{video_url}#download"

    response = client.post(download_url(rendition))
    assert response.status_code == 302
    login_url = response["Location"]
    assert login_url.startswith(reverse("account_login"))
    assert unquote(login_url.split("next=", 1)[1]) == back_to_download
    assert not Download.objects.exists()

    response = client.post(
        reverse("account_login"),
        {"login": user.email, "password": DEFAULT_PASSWORD, "next": back_to_download},
    )
    assert response.status_code == 302 and response["Location"] == back_to_download
    assert "Download" in client.get(video_url).content.decode()

    response = client.post(download_url(rendition))
    assert response.status_code == 303
    response = client.get(response["Location"])
    assert response.status_code == 200
    assert body(response) == DATA
    download = Download.objects.get()
    assert (download.user, download.rendition) == (user, rendition)


def test_unverified_account_is_refused_and_nothing_is_recorded(client, unverified_user, rendition):
    client.force_login(unverified_user)
    response = client.post(download_url(rendition))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email")
    assert not Download.objects.exists()
    link = delivery.signed_download_url(user=unverified_user, rendition=rendition)
    response = client.get(link)
    assert response.status_code == 302 and not body(response)


def test_verified_account_download_is_recorded_and_listed_in_history(verified_client, rendition):
    response = verified_client.post(download_url(rendition))
    assert response.status_code == 303
    assert response["Location"].startswith("/videos/download/")
    assert Download.objects.filter(rendition=rendition).count() == 1
    from django.template.loader import render_to_string

    html = render_to_string(
        "media_library/_download_history.html",
        {"downloads": Download.objects.for_user(rendition.downloads.get().user)},
    )
    assert "Opening remarks" in html and "HD 1080p H.264" in html
    assert rendition.video.get_absolute_url() in html


def test_download_endpoint_accepts_only_post(verified_client, rendition):
    assert verified_client.get(download_url(rendition)).status_code == 405


@pytest.mark.parametrize("state", [Rendition.Status.PENDING, Rendition.Status.FAILED])
def test_renditions_not_ready_cannot_be_downloaded(verified_client, state):
    rendition = RenditionFactory(status=state)
    assert verified_client.post(download_url(rendition)).status_code == 404
    assert not Download.objects.exists()


def test_renditions_of_unpublished_videos_cannot_be_downloaded(verified_client):
    draft = RenditionFactory(video__status=Video.Status.DRAFT)
    future = RenditionFactory(
        video__status=Video.Status.SCHEDULED,
        video__published_at=timezone.now() + timedelta(days=1),
    )
    for rendition in (draft, future):
        assert verified_client.post(download_url(rendition)).status_code == 404


def test_a_rendition_id_under_another_videos_slug_is_404(verified_client, rendition):
    other = VideoFactory()
    url = reverse(
        "media_library:download", kwargs={"slug": other.slug, "rendition_id": rendition.pk}
    )
    assert verified_client.post(url).status_code == 404


# --- Forged links ------------------------------------------------------------------------------


def test_an_altered_link_serves_nothing(verified_client, signed_url):
    token = signed_url.rstrip("/").rsplit("/", 1)[1]
    tampered = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    response = verified_client.get(reverse("media_library:download_file", args=[tampered]))
    assert response.status_code == 404
    assert DATA[:100] not in body(response)


def test_a_link_signed_with_another_key_serves_nothing(verified_client, verified_user):
    from django.core import signing

    other = RenditionFactory()
    forged = signing.dumps(
        {"r": other.pk, "u": verified_user.pk, "f": other.checksum_sha256[:16]},
        key="not-the-portal-secret",
        salt=delivery.SIGNING_SALT,
    )
    response = verified_client.get(reverse("media_library:download_file", args=[forged]))
    assert response.status_code == 404
    assert DATA[:100] not in body(response)


def test_another_accounts_link_is_refused(client, signed_url):
    client.force_login(UserFactory(verified=True))
    response = client.get(signed_url)
    assert response.status_code == 403
    assert not body(response).startswith(DATA[:100])


def test_an_expired_link_says_so(verified_client, signed_url, time_machine):
    time_machine.move_to(timezone.now() + timedelta(seconds=delivery.LINK_MAX_AGE_SECONDS + 5))
    response = verified_client.get(signed_url)
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_a_replaced_file_retires_old_links(verified_client, signed_url, rendition):
    Rendition.objects.filter(pk=rendition.pk).update(checksum_sha256="0" * 64)
    assert verified_client.get(signed_url).status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/videos/download/..%2F..%2Fetc%2Fpasswd/",
        "/videos/download/../../private/renditions/",
        "/media/private/renditions/master.mp4",
        "/media/renditions/master.mp4",
        "/media/public/../private/renditions/master.mp4",
    ],
)
def test_path_traversal_and_direct_media_paths_serve_nothing(verified_client, rendition, path):
    response = verified_client.get(path)
    assert response.status_code in {400, 403, 404}
    assert DATA[:100] not in body(response)


def test_a_stored_name_that_leaves_the_folder_is_refused(verified_client, verified_user):
    rendition = RenditionFactory()
    Rendition.objects.filter(pk=rendition.pk).update(file="../../etc/passwd")
    link = delivery.signed_download_url(user=verified_user, rendition=rendition)
    assert verified_client.get(link).status_code == 403


# --- Local streaming with Range ----------------------------------------------------------------


def test_full_download_is_streamed_as_an_attachment_with_validators(verified_client, signed_url):
    response = verified_client.get(signed_url)
    assert response.status_code == 200
    assert response.streaming
    chunks = list(response.streaming_content)
    assert max(len(chunk) for chunk in chunks) <= delivery.CHUNK_SIZE
    assert b"".join(chunks) == DATA
    assert response["Content-Length"] == str(SIZE)
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Disposition"] == (
        'attachment; filename="opening-remarks-hd-1080p-h264.mp4"'
    )
    assert response["Accept-Ranges"] == "bytes"
    assert response["ETag"].startswith('"') and response["Last-Modified"]


def test_the_streamed_files_validators_are_its_checksum_and_its_modification_time(
    verified_client, signed_url, rendition
):
    """The ETag is the file's checksum (so a copy elsewhere matches), Last-Modified the
    stored file's time, and no shared cache may keep it."""
    import os

    from django.utils.http import http_date

    a_year_ago = time.time() - 365 * 86400
    os.utime(rendition.file.path, (a_year_ago, a_year_ago))

    response = verified_client.get(signed_url)

    assert response["ETag"] == f'"{rendition.checksum_sha256[:32]}"'
    modified = rendition.file.storage.get_modified_time(rendition.file.name)
    assert response["Last-Modified"] == http_date(modified.timestamp())
    assert {"private", "no-transform"} <= set(response["Cache-Control"].split(", "))


def test_a_storage_without_modification_times_streams_without_date_validators(rf, tmp_path):
    """Storages that cannot tell a file's time still stream it whole, with no invented
    ETag or Last-Modified."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import FileSystemStorage

    class NoTimes(FileSystemStorage):
        def get_modified_time(self, name):
            raise NotImplementedError

    storage = NoTimes(location=tmp_path)
    name = storage.save("clip.mp4", ContentFile(DATA))

    response = delivery.streamed_file_response(
        rf.get("/"), storage=storage, name=name, filename="clip.mp4", content_type="video/mp4"
    )

    assert response.status_code == 200 and body(response) == DATA
    assert not response.has_header("ETag") and not response.has_header("Last-Modified")


def test_with_no_checksum_the_etag_is_the_size_and_time_in_hex(rf, tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.storage import FileSystemStorage

    storage = FileSystemStorage(location=tmp_path)
    name = storage.save("clip.mp4", ContentFile(DATA))
    stamp = int(storage.get_modified_time(name).timestamp())

    response = delivery.streamed_file_response(
        rf.get("/"), storage=storage, name=name, filename="clip.mp4", content_type="video/mp4"
    )

    assert response["ETag"] == f'"{SIZE:x}-{stamp:x}"'


@pytest.mark.parametrize(
    ("offset", "status"),
    [(0, 304), (3600, 304), (-3600, 200)],
    ids=["same-second", "later", "older"],
)
def test_if_modified_since_the_files_time_or_later_is_not_sent_again(
    verified_client, signed_url, rendition, offset, status
):
    from django.utils.http import http_date

    modified = rendition.file.storage.get_modified_time(rendition.file.name).timestamp()

    response = verified_client.get(signed_url, HTTP_IF_MODIFIED_SINCE=http_date(modified + offset))

    assert response.status_code == status
    assert body(response) == (b"" if status == 304 else DATA)


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=-100", SIZE - 100, SIZE - 1),
        ("bytes=10000-", 10000, SIZE - 1),
        ("bytes=100-199999", 100, SIZE - 1),
        ("bytes=-999999", 0, SIZE - 1),
        ("bytes=5000-5000", 5000, 5000),
    ],
)
def test_range_requests_get_exactly_those_bytes(verified_client, signed_url, header, start, end):
    response = verified_client.get(signed_url, HTTP_RANGE=header)
    assert response.status_code == 206
    assert body(response) == DATA[start : end + 1]
    assert response["Content-Range"] == f"bytes {start}-{end}/{SIZE}"
    assert response["Content-Length"] == str(end - start + 1)


@pytest.mark.parametrize("header", [f"bytes={SIZE}-", f"bytes={SIZE + 10}-{SIZE + 20}", "bytes=-0"])
def test_unsatisfiable_range_is_416_with_the_size(verified_client, signed_url, header):
    response = verified_client.get(signed_url, HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{SIZE}"
    assert body(response) == b""


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "items=0-5", "bytes=9-2", "bytes=abc"])
def test_unsupported_or_malformed_ranges_get_the_whole_file(verified_client, signed_url, header):
    response = verified_client.get(signed_url, HTTP_RANGE=header)
    assert response.status_code == 200
    assert body(response) == DATA


# Finding 7 of the security review: `Range: bytes=0-` and 4,300+ digits made int() raise
# ValueError (Python's limit on digit strings), a 500.
HUGE = "9" * 5000


@pytest.mark.parametrize(
    ("header", "status", "start", "end"),
    [
        # The reported request: from the first byte to "the end", in 5,000 digits.
        (f"bytes=0-{HUGE}", 206, 0, SIZE - 1),
        (f"bytes=-{HUGE}", 206, 0, SIZE - 1),
        # Leading zeros are allowed (RFC 9110), however many.
        (f"bytes={'0' * 5000}5-", 206, 5, SIZE - 1),
        (f"bytes=0-{'0' * 5000}", 206, 0, 0),
        (f"bytes={HUGE}-", 416, None, None),
        (f"bytes={HUGE}-{HUGE}", 416, None, None),
        # last < first: malformed, the whole file.
        (f"bytes={HUGE}-1", 200, 0, SIZE - 1),
    ],
)
def test_finding_7_a_range_of_thousands_of_digits_gets_the_file_or_416_never_500(
    verified_client, signed_url, header, status, start, end
):
    response = verified_client.get(signed_url, HTTP_RANGE=header)

    assert response.status_code == status
    if status == 416:
        assert response["Content-Range"] == f"bytes */{SIZE}"
    else:
        assert body(response) == DATA[start : end + 1]


def test_finding_7_digits_of_other_scripts_are_not_a_range(verified_client, signed_url):
    # U+0660 and U+0669: Arabic-Indic zero and nine, which int() would read as 0 and 9.
    response = verified_client.get(signed_url, HTTP_RANGE="bytes=\u0660-\u0669")

    assert response.status_code == 200
    assert body(response) == DATA


def _random_range_header(rng: random.Random) -> str:
    pieces = [
        "bytes=",
        "bytes",
        "=",
        "-",
        ",",
        " ",
        "\t",
        "0",
        "00",
        "1",
        "9",
        "42",
        "\u0660",
        "\u0669",
        "\uff11",
        "+",
        "e3",
        "x",
        "items=",
        "\x00",
        ";",
    ]
    parts: list[str] = []
    if rng.random() < 0.7:
        parts.append("bytes=")
    for _ in range(rng.randrange(0, 6)):
        roll = rng.random()
        if roll < 0.2:
            parts.append(
                rng.choice("0123456789") * rng.choice([1, 17, 18, 19, 20, 4300, 4301, 9000])
            )
        elif roll < 0.4:
            parts.append(str(rng.randrange(0, 2 * SIZE)))
        else:
            parts.append(rng.choice(pieces))
    return "".join(parts)


def test_finding_7_parse_range_raises_nothing_but_unsatisfiable_on_random_headers(fuzz_seed):
    seed = fuzz_seed
    rng = random.Random(seed)

    for _ in range(3000):
        header = _random_range_header(rng)
        size = rng.choice([0, 1, 2, SIZE, 10**12])
        try:
            result = delivery.parse_range(header, size)
        except delivery.Unsatisfiable:
            continue
        except Exception as exc:  # noqa: BLE001 - the failure to report, with its replay seed
            pytest.fail(f"seed {seed}: {header[:80]!r} (size {size}) raised {exc!r}")
        if result is not None:
            first, last = result
            assert 0 <= first <= last < size, f"seed {seed}: {header[:80]!r} gave {result}"


def test_if_range_resumes_only_while_the_file_is_unchanged(verified_client, signed_url):
    first = verified_client.get(signed_url, HTTP_RANGE="bytes=0-9")
    etag, modified = first["ETag"], first["Last-Modified"]
    same = verified_client.get(signed_url, HTTP_RANGE="bytes=10-19", HTTP_IF_RANGE=etag)
    assert same.status_code == 206 and body(same) == DATA[10:20]
    by_date = verified_client.get(signed_url, HTTP_RANGE="bytes=10-19", HTTP_IF_RANGE=modified)
    assert by_date.status_code == 206
    changed = verified_client.get(signed_url, HTTP_RANGE="bytes=10-19", HTTP_IF_RANGE='"other"')
    assert changed.status_code == 200 and body(changed) == DATA
    weak = verified_client.get(signed_url, HTTP_RANGE="bytes=10-19", HTTP_IF_RANGE=f"W/{etag}")
    assert weak.status_code == 200


def test_matching_etag_is_not_modified(verified_client, signed_url):
    etag = verified_client.get(signed_url)["ETag"]
    response = verified_client.get(signed_url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304 and body(response) == b""


def test_if_range_with_another_date_sends_the_whole_file(verified_client, signed_url):
    """A date other than the file's (a resumed download of an older copy) gets the whole
    current file, not a range of it."""
    from django.utils.http import http_date, parse_http_date

    modified = verified_client.get(signed_url)["Last-Modified"]
    older = http_date(parse_http_date(modified) - 3600)

    response = verified_client.get(signed_url, HTTP_RANGE="bytes=10-19", HTTP_IF_RANGE=older)

    assert response.status_code == 200 and body(response) == DATA


@pytest.mark.parametrize(
    "if_none_match",
    ["{etag}", "W/{etag}", '"other", {etag}', '{etag}, "other"', '"a",{etag}', "*"],
    ids=["strong", "weak", "second-of-two", "first-of-two", "no-space", "any"],
)
def test_a_cached_copy_that_matches_is_not_sent_again(verified_client, signed_url, if_none_match):
    """RFC 9110 If-None-Match: weak comparison, any tag of the list, or `*`."""
    etag = verified_client.get(signed_url)["ETag"]

    response = verified_client.get(signed_url, HTTP_IF_NONE_MATCH=if_none_match.format(etag=etag))

    assert response.status_code == 304 and body(response) == b""


def test_a_cached_copy_with_another_tag_gets_the_file(verified_client, signed_url):
    response = verified_client.get(signed_url, HTTP_IF_NONE_MATCH='"other", W/"another"')

    assert response.status_code == 200 and body(response) == DATA


def test_head_gives_the_headers_without_the_bytes(verified_client, signed_url):
    response = verified_client.head(signed_url)
    assert response.status_code == 200
    assert response["Content-Length"] == str(SIZE)
    assert body(response) == b""


# --- X-Accel-Redirect --------------------------------------------------------------------------


def test_with_a_proxy_prefix_the_portal_answers_with_x_accel_redirect(
    verified_client, signed_url, rendition, settings
):
    settings.DOWNLOAD_ACCEL_REDIRECT_PREFIX = "/protected/"
    response = verified_client.get(signed_url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected/{rendition.file.name}"
    assert response["Content-Disposition"].startswith("attachment;")
    assert body(response) == b""


@pytest.mark.parametrize(
    ("storage", "prefix", "mode"),
    [
        ("s3", "", delivery.Mode.PRESIGNED),
        ("s3", "/protected/", delivery.Mode.PRESIGNED),
        ("local", "/protected/", delivery.Mode.ACCEL),
        ("local", "", delivery.Mode.STREAM),
    ],
)
def test_the_delivery_mode_is_decided_by_the_settings_in_one_place(settings, storage, prefix, mode):
    settings.MEDIA_STORAGE = storage
    settings.DOWNLOAD_ACCEL_REDIRECT_PREFIX = prefix
    assert delivery.mode() is mode


def test_behind_nginx_the_download_goes_through_the_signed_link_to_x_accel_redirect(
    verified_client, rendition, settings
):
    settings.DOWNLOAD_ACCEL_REDIRECT_PREFIX = "/protected/"
    response = verified_client.post(download_url(rendition))
    assert response.status_code == 303
    assert response["Location"].startswith("/videos/download/")
    served = verified_client.get(response["Location"])
    assert served["X-Accel-Redirect"] == f"/protected/{rendition.file.name}"
    assert Download.objects.filter(rendition=rendition).count() == 1


@pytest.mark.integration
def test_nginx_delivers_the_exact_bytes_after_the_portal_checks_the_account(
    nginx, verified_user, settings
):
    rendition = RenditionFactory(video__title="Opening remarks", label="HD 1080p H.264")
    web = requests.Session()
    session = Client()
    session.force_login(verified_user)
    web.cookies.set(
        settings.SESSION_COOKIE_NAME, session.cookies[settings.SESSION_COOKIE_NAME].value
    )

    page = web.get(f"{nginx.url}{rendition.video.get_absolute_url()}", timeout=10)
    assert page.status_code == 200, nginx.log()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = web.post(
        f"{nginx.url}{download_url(rendition)}",
        data={"csrfmiddlewaretoken": token},
        timeout=10,
    )
    assert response.status_code == 200, (response.status_code, nginx.log())
    assert response.content == DATA
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="opening-remarks-hd-1080p-h264.mp4"'
    )
    assert response.headers["Content-Type"] == "video/mp4"
    assert "X-Accel-Redirect" not in response.headers
    assert response.history[0].status_code == 303
    assert Download.objects.filter(user=verified_user, rendition=rendition).count() == 1

    link = response.url
    partial = web.get(link, headers={"Range": "bytes=100-199"}, timeout=10)
    assert partial.status_code == 206 and partial.content == DATA[100:200]
    tail = web.get(link, headers={"Range": "bytes=-100"}, timeout=10)
    assert tail.status_code == 206 and tail.content == DATA[-100:]

    # The internal location answers only to X-Accel-Redirect, never to a client.
    direct = requests.get(f"{nginx.url}/protected/{rendition.file.name}", timeout=10)
    assert direct.status_code == 404 and DATA[:100] not in direct.content
    # Without the session the link is worthless.
    anonymous = requests.get(link, timeout=10, allow_redirects=False)
    assert anonymous.status_code == 302 and DATA[:100] not in anonymous.content


# --- S3 ----------------------------------------------------------------------------------------


@pytest.mark.integration
def test_s3_upload_ingest_and_presigned_download_of_the_exact_bytes(
    s3_storage, clip, verified_client, run_on_commit, settings
):
    from django.core.files import File

    from media_library import services

    video = VideoFactory(title="Opening remarks", thumbnail="")
    with run_on_commit(), clip.open("rb") as handle:
        rendition = services.attach_rendition(
            video=video, content=File(handle), filename="master.mp4", label="HD 1080p H.264"
        )
    rendition.refresh_from_db()
    assert rendition.status == Rendition.Status.READY, rendition.error
    assert (rendition.width, rendition.height) == (320, 180)
    video.refresh_from_db()
    assert video.thumbnail.name and video.thumbnail.storage.exists(video.thumbnail.name)

    response = verified_client.post(download_url(rendition))
    assert response.status_code == 302
    url = response["Location"]
    assert (
        urlsplit(url).netloc
        == urlsplit(settings.STORAGES["default"]["OPTIONS"]["endpoint_url"]).netloc
    )
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=" in url
    fetched = requests.get(url, timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == clip.read_bytes()
    assert fetched.headers["Content-Disposition"] == (
        'attachment; filename="opening-remarks-hd-1080p-h264.mp4"'
    )
    assert Download.objects.filter(rendition=rendition).count() == 1

    altered = url.replace("master", "other", 1)
    assert requests.get(altered, timeout=10).status_code in {403, 404}


@pytest.mark.integration
def test_s3_presigned_download_url_fails_after_its_expiry(s3_storage, verified_client, settings):
    settings.DOWNLOAD_URL_EXPIRY_SECONDS = 1
    rendition = RenditionFactory()
    response = verified_client.post(download_url(rendition))
    url = response["Location"]
    assert "X-Amz-Expires=1" in url
    assert requests.get(url, timeout=10).content == DATA
    time.sleep(2.1)
    expired = requests.get(url, timeout=10)
    assert expired.status_code == 403
    assert b"expired" in expired.content


@pytest.mark.integration
def test_s3_presigned_url_is_the_file_under_its_download_name(s3_storage, settings):
    """`delivery.presigned_url`: what the redirect points to, and what the API hands out."""
    settings.DOWNLOAD_URL_EXPIRY_SECONDS = 120
    rendition = RenditionFactory(video__title="Opening remarks")

    url = delivery.presigned_url(rendition)

    assert "X-Amz-Expires=120" in url
    fetched = requests.get(url, timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == DATA
    assert fetched.headers["Content-Disposition"] == (
        f'attachment; filename="{rendition.download_filename()}"'
    )
    assert fetched.headers["Content-Type"] == "video/mp4"
