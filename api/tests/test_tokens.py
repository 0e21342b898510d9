"""API tokens: created by verified accounts only, stored hashed, shown once, refused at once
when revoked, rate limited the same for everyone; download URLs recorded like the web's."""

from __future__ import annotations

import datetime
import hashlib

import pytest
import requests
import time_machine
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.tests.factories import UserFactory
from api import tokens
from api.models import ApiToken
from media_library.models import Download
from media_library.tests.conftest import s3_endpoint, s3_storage  # noqa: F401 - fixtures
from media_library.tests.factories import RENDITION_BYTES, RenditionFactory

pytestmark = pytest.mark.django_db

TOKENS_PAGE = "/accounts/me/api-tokens/"


def _download_url_endpoint(rendition) -> str:
    return f"/api/v1/videos/{rendition.video.slug}/renditions/{rendition.pk}/download-url"


# --- My account ------------------------------------------------------------------------------


def test_a_verified_reader_creates_a_token_shown_once_and_stored_hashed(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(TOKENS_PAGE, {"name": "Ingest server"})
    assert response.status_code == 201
    assert response["Cache-Control"].startswith("max-age=0")
    token = ApiToken.objects.get(user=user)
    secret = response.context["issued"].secret
    assert secret.startswith(f"mpk_{token.prefix}_")
    assert secret in response.content.decode()
    raw = secret.removeprefix(f"mpk_{token.prefix}_")
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in repr(ApiToken.objects.values().get())
    again = client.get(TOKENS_PAGE).content.decode()
    assert "Ingest server" in again
    assert raw not in again


def test_an_unverified_account_cannot_create_a_token(client):
    user = UserFactory(verified=False)
    client.force_login(user)
    page = client.get(TOKENS_PAGE).content.decode()
    assert "Verify your email address to create API tokens." in page
    assert 'name="name"' not in page
    response = client.post(TOKENS_PAGE, {"name": "Sneaky"})
    assert response.status_code == 302
    assert not ApiToken.objects.exists()
    with pytest.raises(tokens.TokenRefused):
        tokens.create_token(user=user, name="Direct")


def test_the_page_shows_when_each_token_was_last_used(client, api):
    user = UserFactory()
    issued = tokens.create_token(user=user, name="Ingest server")
    client.force_login(user)
    assert "Never" in client.get(TOKENS_PAGE).content.decode()
    with time_machine.travel(datetime.datetime(2026, 3, 4, 10, 20, tzinfo=datetime.UTC)):
        api.get("/api/v1/categories/", HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    page = client.get(TOKENS_PAGE).content.decode()
    # Whole seconds: HTML allows at most three digits of a second (Nu HTML Checker).
    assert 'datetime="2026-03-04T10:20:00+0000"' in page


def test_the_token_pages_are_in_french(client):
    client.force_login(UserFactory())
    page = client.get(TOKENS_PAGE, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Jetons d’API" in page  # noqa: RUF001
    assert "Créer un jeton" in page


def test_a_revoked_token_is_refused_on_the_next_request(client, api):
    user = UserFactory()
    issued = tokens.create_token(user=user, name="Ingest server")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}
    assert api.get("/api/v1/tags/", **auth).status_code == 200
    client.force_login(user)
    client.post(reverse("accounts:revoke_api_token", args=[issued.token.pk]))
    response = api.get("/api/v1/tags/", **auth)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == "Bearer"
    assert "Ingest server" not in client.get(TOKENS_PAGE).content.decode()


def test_nobody_revokes_another_accounts_token(client, api):
    issued = tokens.create_token(user=UserFactory(), name="Theirs")
    client.force_login(UserFactory())
    client.post(reverse("accounts:revoke_api_token", args=[issued.token.pk]))
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}
    assert api.get("/api/v1/tags/", **auth).status_code == 200


@pytest.mark.parametrize(
    "value",
    ["mpk_nothing", "mpk_0123456789ab_wrong", "Basic abc", "garbage"],
)
def test_a_wrong_token_is_refused_and_no_token_is_public(api, value):
    issued = tokens.create_token(user=UserFactory(), name="Real")
    forged = value if value != "mpk_0123456789ab_wrong" else f"mpk_{issued.token.prefix}_wrong"
    response = api.get("/api/v1/tags/", HTTP_AUTHORIZATION=f"Bearer {forged}")
    assert response.status_code == 401
    assert api.get("/api/v1/tags/").status_code == 200


# --- Download URLs ---------------------------------------------------------------------------


def test_a_token_gets_a_download_url_recorded_as_a_download_and_the_file_behind_it(api):
    rendition = RenditionFactory()
    user = UserFactory()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens.create_token(user=user, name='x').secret}"}
    response = api.post(_download_url_endpoint(rendition), **auth)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["url"].startswith("http://testserver/api/v1/files/")
    assert body["expires_in_seconds"] == 6 * 3600
    assert body["checksum_sha256"] == rendition.checksum_sha256
    assert Download.objects.filter(user=user, rendition=rendition).count() == 1
    file = api.get(body["url"], **auth)
    assert file.status_code == 200
    assert b"".join(file.streaming_content) == RENDITION_BYTES


def test_a_download_url_needs_a_token(api):
    response = api.post(_download_url_endpoint(RenditionFactory()))
    assert response.status_code == 401
    assert response.json()["title"] == "Authentication required"
    assert not Download.objects.exists()


def test_a_token_of_an_account_no_longer_verified_gets_no_download_url(api):
    rendition = RenditionFactory()
    user = UserFactory()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens.create_token(user=user, name='x').secret}"}
    EmailAddress.objects.filter(user=user).update(verified=False)
    response = api.post(_download_url_endpoint(rendition), **auth)
    assert response.status_code == 403
    assert not Download.objects.exists()


def test_a_download_url_serves_nothing_to_another_accounts_token(api):
    rendition = RenditionFactory()
    mine = tokens.create_token(user=UserFactory(), name="mine").secret
    theirs = tokens.create_token(user=UserFactory(), name="theirs").secret
    url = api.post(_download_url_endpoint(rendition), HTTP_AUTHORIZATION=f"Bearer {mine}").json()[
        "url"
    ]
    assert api.get(url, HTTP_AUTHORIZATION=f"Bearer {theirs}").status_code == 403
    assert api.get(url).status_code == 401


def test_a_forged_download_url_serves_nothing(api):
    rendition = RenditionFactory()
    secret = tokens.create_token(user=UserFactory(), name="x").secret
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    url = api.post(_download_url_endpoint(rendition), **auth).json()["url"]
    assert api.get(url[:-3] + "AAA", **auth).status_code == 404


def test_a_download_url_lives_6_hours(api):
    start = datetime.datetime(2026, 3, 4, 10, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        rendition = RenditionFactory()
        secret = tokens.create_token(user=UserFactory(), name="x").secret
        auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
        url = api.post(_download_url_endpoint(rendition), **auth).json()["url"]
    with time_machine.travel(start + datetime.timedelta(hours=5, minutes=59), tick=False):
        assert api.get(url, **auth).status_code == 200
    with time_machine.travel(start + datetime.timedelta(hours=6, minutes=1), tick=False):
        expired = api.get(url, **auth)
    assert expired.status_code == 410
    assert expired.json()["type"].endswith("/problems/link-expired")


def test_a_draft_videos_rendition_has_no_download_url_even_for_staff(api):
    rendition = RenditionFactory(video__status="draft", video__published_at=None)
    staff = UserFactory(is_staff=True, is_superuser=True)
    secret = tokens.create_token(user=staff, name="x").secret
    response = api.post(_download_url_endpoint(rendition), HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 404


# --- Rate limits -----------------------------------------------------------------------------


@pytest.mark.parametrize("staff", [False, True], ids=["journalist", "editor"])
def test_a_token_makes_60_requests_a_minute_then_gets_429_with_retry_after(api, staff):
    user = UserFactory(is_staff=staff)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens.create_token(user=user, name='x').secret}"}
    with time_machine.travel(
        datetime.datetime(2026, 3, 4, 10, 0, 15, tzinfo=datetime.UTC), tick=False
    ):
        statuses = [api.get("/api/v1/tags/", **auth).status_code for _n in range(60)]
        refused = api.get("/api/v1/tags/", **auth)
    assert statuses == [200] * 60
    assert refused.status_code == 429
    assert refused["Retry-After"] == "45"
    assert refused["Content-Type"] == "application/problem+json"
    with time_machine.travel(
        datetime.datetime(2026, 3, 4, 10, 1, 0, tzinfo=datetime.UTC), tick=False
    ):
        assert api.get("/api/v1/tags/", **auth).status_code == 200


def test_each_token_has_its_own_count(api):
    user = UserFactory()
    first = {"HTTP_AUTHORIZATION": f"Bearer {tokens.create_token(user=user, name='a').secret}"}
    second = {"HTTP_AUTHORIZATION": f"Bearer {tokens.create_token(user=user, name='b').secret}"}
    with time_machine.travel(
        datetime.datetime(2026, 3, 4, 10, 0, 15, tzinfo=datetime.UTC), tick=False
    ):
        for _n in range(60):
            api.get("/api/v1/tags/", **first)
        assert api.get("/api/v1/tags/", **first).status_code == 429
        assert api.get("/api/v1/tags/", **second).status_code == 200


def test_a_superuser_revokes_a_leaked_token_in_the_admin_and_it_is_refused(client, api):
    issued = tokens.create_token(user=UserFactory(), name="Leaked")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "revoke_selected", "_selected_action": [issued.token.pk]},
    )
    assert response.status_code == 302
    assert api.get("/api/v1/tags/", HTTP_AUTHORIZATION=f"Bearer {issued.secret}").status_code == 401


def test_the_admin_never_shows_a_tokens_digest(client):
    issued = tokens.create_token(user=UserFactory(), name="Ingest")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:api_apitoken_change", args=[issued.token.pk]))
    assert page.status_code == 200
    assert issued.token.digest not in page.content.decode()


# --- Metadata sidecars -----------------------------------------------------------------------


def _sidecar(rendition, kind: str) -> str:
    return reverse(
        f"api:rendition-{kind}",
        kwargs={"slug": rendition.video.slug, "rendition_id": rendition.pk},
    )


def test_the_detail_links_each_renditions_sidecars_and_a_token_fetches_them(api):
    rendition = RenditionFactory()
    auth = {
        "HTTP_AUTHORIZATION": f"Bearer {tokens.create_token(user=UserFactory(), name='x').secret}"
    }
    (listed,) = api.get(f"/api/v1/videos/{rendition.video.slug}/").json()["renditions"]
    assert listed["newsml_url"] == f"http://testserver{_sidecar(rendition, 'newsml')}"
    assert listed["vmh_url"] == f"http://testserver{_sidecar(rendition, 'vmh')}"

    newsml = api.get(listed["newsml_url"], **auth)
    assert newsml.status_code == 200
    assert newsml["Content-Type"] == "application/vnd.iptc.g2.newsitem+xml; charset=utf-8"
    assert b"<newsItem" in newsml.content
    assert rendition.checksum_sha256.encode() in newsml.content
    vmh = api.get(listed["vmh_url"], **auth)  # validated against the schema by the client
    assert vmh.json()[0]["photoVideoMetadata_portal"]["checksumSha256"] == (
        rendition.checksum_sha256
    )
    assert vmh["Content-Disposition"] == (
        f'attachment; filename="{rendition.download_filename()}.vmh.json"'
    )
    # Fetching metadata is not a download.
    assert not Download.objects.exists()


def test_sidecars_need_a_token_of_a_verified_account_and_a_published_video(api):
    rendition = RenditionFactory()
    assert api.get(_sidecar(rendition, "newsml")).status_code == 401
    user = UserFactory()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens.create_token(user=user, name='x').secret}"}
    draft = RenditionFactory(video__status="draft", video__published_at=None)
    assert api.get(_sidecar(draft, "vmh"), **auth).status_code == 404
    EmailAddress.objects.filter(user=user).update(verified=False)
    assert api.get(_sidecar(rendition, "vmh"), **auth).status_code == 403


@pytest.mark.integration
@pytest.mark.usefixtures("s3_storage")
def test_on_s3_a_token_gets_the_object_stores_presigned_url_of_the_file(api, settings):
    settings.DOWNLOAD_URL_EXPIRY_SECONDS = 300
    rendition = RenditionFactory()
    auth = {
        "HTTP_AUTHORIZATION": f"Bearer {tokens.create_token(user=UserFactory(), name='x').secret}"
    }

    body = api.post(_download_url_endpoint(rendition), **auth).json()

    assert body["expires_in_seconds"] == 300
    assert "X-Amz-Signature=" in body["url"]
    assert requests.get(body["url"], timeout=10).content == RENDITION_BYTES


def test_without_a_token_each_address_gets_its_own_limit_with_retry_after(api, settings):
    settings.API_ANONYMOUS_REQUESTS_PER_MINUTE = 5
    with time_machine.travel(
        datetime.datetime(2026, 3, 4, 10, 0, 20, tzinfo=datetime.UTC), tick=False
    ):
        statuses = [api.get("/api/v1/tags/").status_code for _n in range(5)]
        refused = api.get("/api/v1/tags/")
        elsewhere = api.get("/api/v1/tags/", REMOTE_ADDR="192.0.2.7")
        secret = tokens.create_token(user=UserFactory(), name="x").secret
        with_token = api.get("/api/v1/tags/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert statuses == [200] * 5
    assert refused.status_code == 429
    assert refused["Retry-After"] == "40"
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["detail"] == (
        "Too many requests from your address: wait, or use an API token."
    )
    assert elsewhere.status_code == 200
    assert with_token.status_code == 200
    with time_machine.travel(
        datetime.datetime(2026, 3, 4, 10, 1, 0, tzinfo=datetime.UTC), tick=False
    ):
        assert api.get("/api/v1/tags/").status_code == 200


def test_behind_the_proxy_the_limit_counts_the_client_not_the_proxy(api, settings):
    settings.API_ANONYMOUS_REQUESTS_PER_MINUTE = 3
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    with time_machine.travel(
        datetime.datetime(2026, 3, 4, 10, 0, 20, tzinfo=datetime.UTC), tick=False
    ):
        for _n in range(3):
            api.get("/api/v1/tags/", HTTP_X_FORWARDED_FOR="198.51.100.1")
        assert api.get("/api/v1/tags/", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
        # Another client through the same proxy (the same REMOTE_ADDR) is not refused.
        assert api.get("/api/v1/tags/", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200
