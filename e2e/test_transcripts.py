"""Timecoded transcripts in the browser: play from a paragraph, with and without JavaScript;
the captions made from the transcript parse in Chromium; a quote's citation is copied."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture reports the missing service
    expect = None

from e2e.conftest import screenshot

pytestmark = pytest.mark.integration

CURRENT_TIME = "() => document.getElementById('player').currentTime"
CUES = """() => {
  const track = document.querySelector('#player track');
  return track && track.track.cues ? track.track.cues.length : -1;
}"""


@pytest.fixture
def transcript_captions(catalogue):
    """The speech's captions, as saving it in the admin writes them: English and French
    (its translation follows its timecodes), in place of the soundbites'."""
    from speeches import services

    services.sync_captions(speech_ids=[catalogue.speech.pk])
    return catalogue


def test_a_timecode_seeks_the_speech_pages_player_and_its_captions_load(page, transcript_captions):
    catalogue = transcript_captions
    page.goto(catalogue.speech.get_absolute_url())

    links = page.locator("article a.timecode")
    expect(links).to_have_count(2)
    expect(links.nth(1)).to_have_accessible_name("Play from 00:00:01")
    page.wait_for_function(f"() => ({CUES})() > 0")  # WebVTT parsed by Chromium
    links.nth(1).click()

    page.wait_for_function(f"() => Math.abs(({CURRENT_TIME})() - 1.5) < 0.05")
    assert page.url.endswith(catalogue.speech.get_absolute_url())  # seeked, not navigated
    first_cue = "() => document.querySelector('#player track').track.cues[0]"
    assert page.evaluate(f"() => ({first_cue})().startTime") == 0.5
    assert page.evaluate(f"() => ({first_cue})().text").startswith("<v Jaap de Hoop Scheffer>")
    screenshot(page, "speech-timecoded")


def test_without_javascript_a_timecode_opens_the_preview_at_its_moment(new_context, catalogue):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(catalogue.speech.get_absolute_url())

    catalogue.video.refresh_from_db()  # published since the fixture made it
    href = page.locator("article a.timecode").nth(1).get_attribute("href")
    preview = page.request.get(href.split("#")[0])

    assert href == f"{catalogue.video.preview_url}#t=1.5"
    assert preview.status == 200
    assert preview.headers["content-type"] == "video/mp4"


def test_a_quote_is_found_played_and_its_citation_copied(new_context, live_server, catalogue):
    context = new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    page.goto(reverse("media_library:video_list") + "?q=Excellencies")
    page.get_by_role("link", name="Search quotes").click()

    expect(page.get_by_role("heading", level=2)).to_have_text("1 quote")
    expect(page.locator("blockquote")).to_contain_text("Ministers, Excellencies, ladies")
    page.get_by_role("button", name="Copy the citation").click()
    expect(page.get_by_role("status").last).to_have_text("Citation copied.")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.startswith("“Ministers, Excellencies, ladies and gentlemen, good morning.")
    # The portal's public address (SITE_URL), whatever host the page was asked through.
    assert copied.endswith(
        f"at 00:00:00. {settings.SITE_URL}{catalogue.video.get_absolute_url()}#t=0.5"
    )
    screenshot(page, "quote-search")
