from __future__ import annotations

import datetime

import pytest

from media_library.models import Video
from newsletter.rendering import IssueRenderer
from newsletter.tests.conftest import expected_links
from newsletter.tests.factories import IssueFactory, UserFactory
from speeches.tests.factories import SpeechFactory

pytestmark = pytest.mark.django_db


def test_each_email_is_personal_with_both_parts_and_rfc8058_headers(site_url):
    user = UserFactory(first_name="Ada")
    issue = IssueFactory(subject="Summit week", intro="First paragraph.\n\nSecond paragraph.")

    message = IssueRenderer(issue).message(
        user=user, to=user.email, message_id="<x@portal.example>"
    )

    links = expected_links(user)
    html = message.alternatives[0][0]
    assert message.subject == "Summit week"
    assert "Dear Ada," in message.body and "Dear Ada," in html
    assert "Second paragraph." in message.body and "Second paragraph." in html
    assert links["page"] in message.body
    assert f'href="{links["page"]}"' in html
    assert message.extra_headers["List-Unsubscribe"] == (
        f"<{links['one_click']}>, <{links['mailto']}>"
    )
    assert links["one_click"].startswith(f"{site_url}/newsletter/unsubscribe/")
    assert links["mailto"].startswith("mailto:unsubscribe@portal.example?subject=unsubscribe%20")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["Message-ID"] == "<x@portal.example>"


def test_each_copy_is_personal_and_a_name_is_escaped_in_html():
    renderer = IssueRenderer(IssueFactory())
    odd, plain = UserFactory(first_name="<Ada & Co>"), UserFactory(first_name="Bo")

    odd_text, odd_html = renderer.render(user=odd)
    plain_text, _ = renderer.render(user=plain)

    assert "Dear <Ada & Co>," in odd_text
    assert "Dear &lt;Ada &amp; Co&gt;," in odd_html and "<Ada" not in odd_html
    assert "Dear Bo," in plain_text
    assert expected_links(plain)["page"] in plain_text
    assert expected_links(odd)["page"] not in plain_text


def test_a_subscriber_without_a_first_name_is_greeted_politely():
    user = UserFactory(first_name="")

    text, html = IssueRenderer(IssueFactory()).render(user=user)

    assert text.startswith("Hello,")
    assert "Hello," in html


def test_published_featured_videos_and_speeches_are_cards_with_links(site_url):
    published_video = Video.objects.create(
        title="Ministers arrive",
        slug="ministers-arrive",
        status=Video.Status.PUBLISHED,
        recorded_on=datetime.date(2025, 2, 13),
    )
    draft_video = Video.objects.create(title="Unreleased rushes", slug="rushes")
    speech = SpeechFactory(published=True, title="Opening remarks", slug="opening-remarks")
    draft_speech = SpeechFactory(title="Not yet public")
    issue = IssueFactory()
    issue.featured_videos.set([published_video, draft_video])
    issue.featured_speeches.set([speech, draft_speech])

    text, html = IssueRenderer(issue).render(user=UserFactory())

    video_url = f"{site_url}{published_video.get_absolute_url()}"
    speech_url = f"{site_url}{speech.get_absolute_url()}"
    assert f'<a href="{video_url}"' in html and video_url in text
    assert f'<a href="{speech_url}"' in html and speech_url in text
    assert "13 February 2025" in html and "13 February 2025" in text
    assert "Unreleased rushes" not in html + text
    assert "Not yet public" not in html + text


def test_a_featured_video_shows_its_picture_from_the_sites_address_and_its_duration(site_url):
    video = Video.objects.create(
        title="Ministers arrive",
        slug="ministers-arrive",
        status=Video.Status.PUBLISHED,
        thumbnail="thumbnails/arrive.jpg",
        duration_seconds=95,
    )
    issue = IssueFactory()
    issue.featured_videos.set([video])

    _text, html = IssueRenderer(issue).render(user=UserFactory())

    card = html[html.index("Featured videos") :]
    assert (
        f'<a href="{site_url}{video.get_absolute_url()}"><img src="{site_url}/media/public/thumbnails/arrive.jpg"'
        in card
    )
    assert 'style="display:block;width:100%;max-width:542px;height:auto;' in card
    assert "Duration 1:35" in card
