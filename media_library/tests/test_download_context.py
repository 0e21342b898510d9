"""A visitor who wanted to download and must log in first: the login page says what for."""

from __future__ import annotations

from html import unescape
from urllib.parse import quote, unquote

import pytest
from django.urls import reverse

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from media_library.models import Video
from media_library.tests.factories import RenditionFactory, VideoFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
SIGNUP = reverse("account_signup")


def login_page(client, next_url: str) -> str:
    response = client.get(f"{LOGIN}?next={quote(next_url, safe='')}")
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_signed_out_download_link_leads_to_a_login_page_that_names_the_video(client):
    rendition = RenditionFactory(video__title="Opening remarks at the summit")
    video_page = client.get(rendition.video.get_absolute_url()).content.decode()
    action_cell = video_page.split('class="renditions__action"', 1)[1]
    download_link = action_cell.split('href="', 1)[1].split('"')[0]
    assert download_link.startswith(LOGIN)

    page = unescape(client.get(unescape(download_link)).content.decode())

    assert (
        "Log in or register — free for journalists — to download “Opening remarks at the summit”."
        in page
    )
    # The register link keeps where the visitor was going.
    back = quote(f"{rendition.video.get_absolute_url()}#download", safe="")
    assert f'href="{SIGNUP}?next={back}"' in page


def test_the_register_link_brings_the_new_journalist_back_to_the_download_section(client):
    rendition = RenditionFactory(video__title="Summit arrivals")
    back = f"{rendition.video.get_absolute_url()}#download"

    page = login_page(client, back)
    signup_link = page.split("Register for free")[0].rsplit('href="', 1)[1].split('"')[0]
    assert unquote(signup_link.split("next=", 1)[1]) == back
    signup_page = unescape(client.get(signup_link).content.decode())
    assert "Register — free for journalists — to download “Summit arrivals”." in signup_page
    # The signup form carries it on as its hidden `next`.
    assert f'name="next" value="{back}"' in signup_page


def test_logging_in_from_the_download_context_lands_on_the_download_buttons(client):
    rendition = RenditionFactory()
    user = UserFactory(verified=True)
    back = f"{rendition.video.get_absolute_url()}#download"

    response = client.post(LOGIN, {"login": user.email, "password": DEFAULT_PASSWORD, "next": back})

    assert response.status_code == 302 and response["Location"] == back
    assert 'id="download"' in client.get(rendition.video.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "next_url",
    [
        "",
        "/videos/{slug}/",  # the header's Log in link: no download intended
        "/speeches/#download",
        "https://evil.example/videos/{slug}/#download",
        "/videos/no-such-video/#download",
    ],
)
def test_plain_logins_get_no_download_context(client, next_url):
    video = VideoFactory(title="Quiet footage")

    page = login_page(client, next_url.format(slug=video.slug))

    assert "free for journalists" not in page
    assert "Quiet footage" not in page


def test_a_draft_video_is_never_named_on_the_login_page(client):
    video = VideoFactory(title="Embargoed footage", status=Video.Status.DRAFT, published_at=None)

    page = login_page(client, f"{video.get_absolute_url()}#download")

    assert "Embargoed footage" not in page
    assert "free for journalists" not in page


def test_the_login_page_names_the_video_in_one_query(client, django_assert_num_queries):
    video = VideoFactory(title="Counted")
    url = f"{LOGIN}?next={quote(f'{video.get_absolute_url()}#download', safe='')}"
    client.get(url)  # the session and the site, once

    with django_assert_num_queries(1):
        response = client.get(url)

    assert "Counted" in response.content.decode()
