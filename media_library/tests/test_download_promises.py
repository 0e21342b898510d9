"""What the download path promises, with its literal numbers.

- The gate asks the database on every download, never the session's remembered "verified"
  (docs/caching.md, docs/security.md).
- A signed link lives 6 hours.
- A file larger than one 64 KiB read arrives whole and byte-identical, by Range too.
- Behind nginx, a stored name outside ASCII becomes a percent-encoded X-Accel-Redirect path.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid

import pytest
import requests
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from accounts.guards import VERIFIED_SESSION_KEY
from media_library import delivery
from media_library.models import Download, Rendition
from media_library.tests.factories import RenditionFactory
from media_library.tests.test_downloads import body, download_url

pytestmark = pytest.mark.django_db

KIB = 1024
# 300 KiB: four full 64 KiB reads and a partial fifth. Not a repeating pattern, so a chunk
# served twice or out of order cannot look right.
LARGE = random.Random(300).randbytes(300 * KIB)


def stored_rendition(name: str, data: bytes) -> Rendition:
    """A ready rendition whose file is stored under exactly `name` (no renaming by upload_to)."""
    rendition = RenditionFactory(video__title="Opening remarks", label="HD 1080p H.264")
    saved = default_storage.save(name, ContentFile(data))
    assert saved == name
    Rendition.objects.filter(pk=rendition.pk).update(
        file=saved, file_size=len(data), checksum_sha256=hashlib.sha256(data).hexdigest()
    )
    rendition.refresh_from_db()
    return rendition


# --- The gate asks the database -----------------------------------------------------------------


def test_a_session_that_remembers_verified_gets_no_download_once_the_address_is_unverified(
    verified_client, verified_user, rendition
):
    video_page = verified_client.get(rendition.video.get_absolute_url())
    assert video_page.status_code == 200
    # The session remembers "verified" for this user (what the download buttons read).
    session = verified_client.session
    assert session[VERIFIED_SESSION_KEY] == session[SESSION_KEY] == str(verified_user.pk)
    link = delivery.signed_download_url(user=verified_user, rendition=rendition)

    EmailAddress.objects.filter(user=verified_user).update(verified=False)

    response = verified_client.post(download_url(rendition))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email")
    assert not Download.objects.exists()
    response = verified_client.get(link)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email")
    assert LARGE[:100] not in body(response)
    assert verified_client.session[VERIFIED_SESSION_KEY] == str(verified_user.pk)


# --- The signed link lives 6 hours --------------------------------------------------------------


@pytest.mark.parametrize(
    ("elapsed", "status"),
    [(5 * 3600 + 59 * 60, 200), (6 * 3600 + 60, 410)],
    ids=["at-5h59m-served", "at-6h01m-expired"],
)
def test_the_signed_link_is_served_for_6_hours(
    verified_client, verified_user, rendition, elapsed, status
):
    with time_machine.travel(time.time(), tick=False) as traveller:
        link = delivery.signed_download_url(user=verified_user, rendition=rendition)
        traveller.shift(elapsed)

        response = verified_client.get(link)

    assert response.status_code == status
    if status == 410:
        assert "expired" in response.content.decode()
        assert not response.streaming
    else:
        assert body(response) == rendition.file.open("rb").read()


# --- Streaming a file larger than one read ------------------------------------------------------


@pytest.fixture
def large_link(verified_user) -> str:
    rendition = stored_rendition(f"renditions/{uuid.uuid4().hex}/large.mp4", LARGE)
    return delivery.signed_download_url(user=verified_user, rendition=rendition)


def test_a_300_kib_file_is_streamed_whole_and_byte_identical(verified_client, large_link):
    response = verified_client.get(large_link)

    assert response.status_code == 200
    assert response.streaming
    chunks = list(response.streaming_content)
    data = b"".join(chunks)
    assert len(data) == 300 * KIB == int(response["Content-Length"])
    assert hashlib.sha256(data).hexdigest() == hashlib.sha256(LARGE).hexdigest()
    assert [len(chunk) for chunk in chunks] == [64 * KIB] * 4 + [44 * KIB]


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=65530-65545", 65530, 65545),  # across the first read's end
        ("bytes=100000-250000", 100000, 250000),  # three reads
        ("bytes=196600-", 196600, 300 * KIB - 1),  # from inside the 4th read to the end
        ("bytes=-70000", 300 * KIB - 70000, 300 * KIB - 1),  # the last 70,000 bytes
        ("bytes=0-", 0, 300 * KIB - 1),
    ],
)
def test_ranges_of_a_300_kib_file_across_64_kib_reads_get_exactly_those_bytes(
    verified_client, large_link, header, start, end
):
    response = verified_client.get(large_link, HTTP_RANGE=header)

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{300 * KIB}"
    data = body(response)
    assert len(data) == end - start + 1 == int(response["Content-Length"])
    assert data == LARGE[start : end + 1]


# --- X-Accel-Redirect of a name outside ASCII -----------------------------------------------


def test_x_accel_redirect_of_a_non_ascii_name_is_the_percent_encoded_path(
    verified_client, verified_user, settings
):
    folder = uuid.uuid4().hex
    rendition = stored_rendition(f"renditions/{folder}/Résumé é.mp4", b"not really a video")
    settings.DOWNLOAD_ACCEL_REDIRECT_PREFIX = "/protected/"

    response = verified_client.get(
        delivery.signed_download_url(user=verified_user, rendition=rendition)
    )

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == (
        f"/protected/renditions/{folder}/R%C3%A9sum%C3%A9%20%C3%A9.mp4"
    )
    assert response["X-Accel-Redirect"].isascii()


def test_the_file_nginx_sends_is_private_to_the_account_and_named_for_saving(
    verified_client, verified_user, settings
):
    """No shared cache may keep a gated file, no proxy may re-encode it, and the browser
    saves it under the rendition's name: nginx passes these headers of the portal on."""
    rendition = stored_rendition(f"renditions/{uuid.uuid4().hex}/clip.mp4", b"not really")
    settings.DOWNLOAD_ACCEL_REDIRECT_PREFIX = "/protected/"

    response = verified_client.get(
        delivery.signed_download_url(user=verified_user, rendition=rendition)
    )

    directives = set(response["Cache-Control"].split(", "))
    assert {"private", "no-transform", "no-store"} <= directives
    assert response["Content-Disposition"] == (
        f'attachment; filename="{rendition.download_filename()}"'
    )
    assert response["Content-Type"] == "video/mp4"


@pytest.mark.integration
def test_nginx_serves_a_non_ascii_name_through_x_accel_redirect(nginx, verified_user, settings):
    from django.test import Client

    data = random.Random(7).randbytes(100 * KIB)
    rendition = stored_rendition(f"renditions/{uuid.uuid4().hex}/Résumé é.mp4", data)
    session = Client()
    session.force_login(verified_user)
    web = requests.Session()
    web.cookies.set(
        settings.SESSION_COOKIE_NAME, session.cookies[settings.SESSION_COOKIE_NAME].value
    )

    link = delivery.signed_download_url(user=verified_user, rendition=rendition)
    response = web.get(f"{nginx.url}{link}", timeout=10)

    assert response.status_code == 200, (response.status_code, nginx.log())
    assert response.content == data
    assert "X-Accel-Redirect" not in response.headers
