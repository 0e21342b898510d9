"""A newsroom embeds a video's preview player in its own page."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from media_library.models import Video
from media_library.tests.factories import VideoFactory

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, str]:
    directives = (part.strip() for part in response["Content-Security-Policy"].split(";"))
    return dict(part.split(" ", 1) for part in directives if part)


@pytest.fixture
def footage() -> Video:
    video = VideoFactory(
        slug="summit-arrivals",
        title='Arrivals at the "summit" in Europe\'s capital</textarea>',
        preview="previews/arrivals.mp4",
        thumbnail="thumbnails/arrivals.jpg",
        credits="NATO",
    )
    video.caption_tracks.create(language="en", source="transcript")
    return video


def test_the_video_page_offers_a_copyable_iframe_snippet_on_the_portals_address(
    client, footage, settings
):
    settings.SITE_URL = "https://media.example.org/"

    page = client.get(footage.get_absolute_url()).content.decode()

    area = page.split('<textarea id="embed-snippet"', 1)[1].split("</textarea>", 1)[0]
    assert " readonly " in area and 'data-copy-label="Copy the embed code"' in area
    assert html.unescape(area.split(">", 1)[1]) == (
        '<iframe src="https://media.example.org/videos/summit-arrivals/embed/" width="640" '
        'height="360" title="Arrivals at the &quot;summit&quot; in Europe\'s capital'
        '&lt;/textarea&gt;" allowfullscreen '
        'loading="lazy"></iframe>'
    )
    assert 'for="embed-snippet"' in page
    # Shown as text: a title cannot close the textarea and become markup.
    assert "<iframe" not in page
    assert "js/copy-citation" in page


def test_the_embed_page_plays_the_preview_and_may_be_framed_by_any_site(client, footage):
    response = client.get(reverse("media_library:video_embed", kwargs={"slug": footage.slug}))

    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    policy = _policy(response)
    assert policy["frame-ancestors"] == "*"
    # Only the framing is relaxed: no inline script or style, as everywhere else.
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    page = response.content.decode()
    assert f'<source src="{footage.preview_url}" type="video/mp4">' in page
    assert 'src="/videos/summit-arrivals/captions/en.vtt" default>' in page
    assert 'href="http://127.0.0.1:8000/videos/summit-arrivals/" target="_blank"' in page
    assert "NATO" in page
    assert 'class="site-header"' not in page  # the player alone


def test_every_other_page_still_refuses_to_be_framed(client, footage):
    for url in (footage.get_absolute_url(), reverse("media_library:video_list"), "/"):
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY"
        assert _policy(response)["frame-ancestors"] == "'none'"


def test_the_operator_can_name_the_sites_that_may_frame_it(client, footage, settings):
    settings.EMBED_FRAME_ANCESTORS = ["https://*.example.org", "https://partner.example"]

    response = client.get(reverse("media_library:video_embed", kwargs={"slug": footage.slug}))

    assert _policy(response)["frame-ancestors"] == "https://*.example.org https://partner.example"


def test_a_cached_embed_page_keeps_its_framing_headers(client, footage):
    url = reverse("media_library:video_embed", kwargs={"slug": footage.slug})
    client.get(url)

    response = client.get(url)

    assert response["X-Page-Cache"] == "hit"
    assert "X-Frame-Options" not in response
    assert _policy(response)["frame-ancestors"] == "*"


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Video.Status.DRAFT, "published_at": None},
        {"preview": ""},
    ],
)
def test_no_embed_for_a_video_not_published_or_without_preview(client, footage, fields):
    Video.objects.filter(pk=footage.pk).update(**fields)

    response = client.get(reverse("media_library:video_embed", kwargs={"slug": footage.slug}))

    assert response.status_code == 404
    if "preview" in fields:
        assert "embed-snippet" not in client.get(footage.get_absolute_url()).content.decode()


def test_the_embed_page_takes_two_queries(client, footage, django_assert_num_queries):
    url = reverse("media_library:video_embed", kwargs={"slug": footage.slug})

    with django_assert_num_queries(2):  # the video, its caption tracks
        assert client.get(url).status_code == 200
