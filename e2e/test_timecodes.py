"""Timecodes on the video page in Chromium: the caption tracks parse in the browser, and a
timecode plays the preview from its point (with the script; a media fragment without it)."""

from __future__ import annotations

import pytest

from e2e.conftest import screenshot

pytestmark = pytest.mark.integration

# Every track loads its cues once it is not disabled; the browser's own WebVTT parser fills
# `track.cues` (a file it cannot read leaves them empty).
TRACK_CUES = """async () => {
  const tracks = [...document.querySelector("#player").textTracks];
  tracks.forEach((track) => { track.mode = "hidden"; });
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline && !tracks.every((t) => t.cues && t.cues.length > 0)) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return tracks.map((t) => ({
    language: t.language,
    label: t.label,
    cues: t.cues ? t.cues.length : 0,
    first: t.cues && t.cues.length ? [t.cues[0].startTime, t.cues[0].endTime, t.cues[0].text] : null,
  }));
}"""


def test_the_caption_tracks_of_the_preview_parse_in_chromium(page, catalogue):
    page.goto(catalogue.video.get_absolute_url())
    tracks = page.evaluate(TRACK_CUES)
    assert tracks == [
        {
            "language": "en",
            "label": "English",
            "cues": 1,
            "first": [0.8, 1.4, "<v Jaap de Hoop Scheffer>Good morning.</v>"],
        },
        {
            "language": "fr",
            "label": "français",
            "cues": 1,
            "first": [1.4, 1.9, "<v Jaap de Hoop Scheffer>Bonjour.</v>"],
        },
    ]
    screenshot(page, "video-shot-list")


def test_a_timecode_seeks_the_player_and_plays_from_there(page, catalogue):
    page.goto(catalogue.video.get_absolute_url())
    url = page.url
    link = page.get_by_role("link", name="00:00:00.800 play from here")
    link.click()
    # The page stays; its player moved to the soundbite's in point (0.8 s) and plays.
    assert page.url == url
    page.wait_for_function("() => document.querySelector('#player').currentTime >= 0.8")
    assert page.evaluate("() => document.querySelector('#player').paused") is False


def test_without_javascript_a_timecode_opens_the_preview_at_its_media_fragment(
    new_context, catalogue
):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(catalogue.video.get_absolute_url())
    href = page.get_by_role("link", name="00:00:00.800 play from here").get_attribute("href")
    catalogue.video.refresh_from_db()  # published since: its preview is the public copy
    assert href == f"{catalogue.video.preview_url}#t=0.8"
    response = page.request.get(href.split("#")[0])
    assert response.status == 200 and response.headers["content-type"] == "video/mp4"
